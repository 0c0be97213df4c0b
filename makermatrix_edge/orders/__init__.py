"""Supplier orders: importing order files (importers/), the orders and their items, a part's order history."""
