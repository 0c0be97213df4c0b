"""Supplier enrichment: LCSC, DigiKey and Mouser clients behind one interface, credentials, downloads, tasks."""
