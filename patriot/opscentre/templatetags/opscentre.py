"""Template helpers of the ops-centre pages: durations and week-on-week changes (`{% load opscentre %}`)."""

from __future__ import annotations

from datetime import date, timedelta

from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration_span(value: timedelta | None) -> str:
    """A waiting or handling time in the two largest units: "2 hari 4 jam", "3 jam 20 menit", "5 menit"."""
    if value is None:
        return "—"
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d hari", "%(n)d hari", days) % {"n": days})
    if hours and len(parts) < 2:
        parts.append(ngettext("%(n)d jam", "%(n)d jam", hours) % {"n": hours})
    if not days and (minutes or not parts):
        parts.append(ngettext("%(n)d menit", "%(n)d menit", minutes) % {"n": minutes})
    return " ".join(parts)


@register.filter
def signed(value: int | float | None) -> str:
    """+12 / −3 / 0 for a change between two weeks."""
    if value is None:
        return "—"
    if value > 0:
        return f"+{value:g}" if isinstance(value, float) else f"+{value}"
    if value < 0:
        return f"−{abs(value):g}" if isinstance(value, float) else f"−{abs(value)}"
    return "0"


@register.filter
def add_days(value: date, days: int) -> date:
    return value + timedelta(days=int(days))
