"""Scan-to-find: the scanning service (camera codes and photos -> parts) and receiving a scanned bag."""
