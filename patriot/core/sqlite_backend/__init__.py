"""SQLite backend whose write transactions queue on a per-process lock instead of SQLite's busy-wait."""
