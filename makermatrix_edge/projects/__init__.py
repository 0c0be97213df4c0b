"""Projects (MakerMatrix's), their tagged parts, and a bill of materials per project matched to the shelf."""
