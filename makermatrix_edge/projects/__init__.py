"""Projects (MakerMatrix's), their BOMs matched to the shelf, and builds: can the shelf build N, reserve, take."""
