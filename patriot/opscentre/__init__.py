"""POC dashboard, the mayor's workspace and the weekly summary (reads only)."""
