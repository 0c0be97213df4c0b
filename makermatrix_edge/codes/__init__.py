"""Reading codes, purely: decoding (image -> symbols), payload parsing (symbol -> fields), and synthetic
frames for tests and the benchmark. No camera, no database: the camera device and the scanning service
both sit above it."""
