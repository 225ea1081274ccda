"""PostgreSQL backend that checks pooled connections before use and replaces dead ones."""
