"""Sirine's pages, one module per concern: beds.py (the hospital's bed page, the public bed board)."""
