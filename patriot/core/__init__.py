"""Cross-cutting pieces: choice sets, security headers, rate limits, the worker and demo data commands."""
