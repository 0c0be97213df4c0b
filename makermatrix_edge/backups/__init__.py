"""Nightly verified backups (snapshot, archive, verify, retention) and restore."""
