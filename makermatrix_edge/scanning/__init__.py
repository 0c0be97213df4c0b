"""Scan-to-find: pure decoding (image -> codes), payload parsing (code -> fields) and resolution to parts."""
