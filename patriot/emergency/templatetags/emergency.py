"""Template filters of PSC 119's pages."""

from __future__ import annotations

from typing import Any

from django import template

from patriot.emergency.intervals import Row

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as a clock reading to the second: "4:05", "1:02:03"; "—" when there is no figure."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def meets(row: Row, which: str) -> bool | None:
    """Whether a triage level's response time meets its target ("median" or "p90"); None without target or data."""
    return row.meets(which)
