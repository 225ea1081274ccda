"""Si Tik Tik's pages, one module per audience: inspections.py (the jumantik's week and form, the indices page)."""
