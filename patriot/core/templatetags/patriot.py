"""Template helpers every page shares: ChoiceSet badges, city-time dates, the current nav link and the staff menu."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from importlib import import_module

from django import template
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from patriot.core import registry
from patriot.core.choices import ChoiceSet

register = template.Library()


@cache
def choice_set(dotted: str) -> type[ChoiceSet]:
    """The ChoiceSet named "app.ClassName", e.g. "cases.CaseStateChoices" (patriot/cases/choices.py)."""
    app, _, name = dotted.partition(".")
    if not app or not name:
        raise ValueError(f"expected 'app.ChoiceSetName', got {dotted!r}")
    found = getattr(import_module(f"patriot.{app}.choices"), name, None)
    if not (isinstance(found, type) and issubclass(found, ChoiceSet)):
        raise ValueError(f"{dotted!r} is not a ChoiceSet")
    return found


@register.simple_tag
def badge(choices: str, value: str) -> SafeString:
    """{% badge "cases.CaseStateChoices" case.state %}: the value's translated label in its colour."""
    choice = choice_set(choices)
    return format_html(
        '<span class="badge badge-{}" data-value="{}">{}</span>', choice.colour(value), value, choice.label(value)
    )


# Django date-format characters that print a time of day.
_TIME_CHARACTERS = frozenset("aAfgGhHiPsu")


def _shows_time(format_string: str) -> bool:
    unescaped = re.sub(r"\\.", "", format_string)
    return any(character in _TIME_CHARACTERS for character in unescaped)


@register.filter
def local_dt(value: datetime | None, format_name: str = "DATETIME_FORMAT") -> str:
    """An aware datetime in the city's time zone, in the active language's format.

    {{ case.created_at|local_dt }} -> "17 Agu 2026, 10.00 WIB" (id) / "Aug. 17, 2026, 10 a.m. WIB" (en);
    the zone is named whenever the format shows a time. Any named format (DATE_FORMAT, SHORT_DATETIME_FORMAT, …)
    or a format string may be given.
    """
    if value is None:
        return ""
    local = timezone.localtime(value, timezone.get_default_timezone())
    text = formats.date_format(local, format_name)
    if _shows_time(formats.get_format(format_name)):
        text = f"{text} {local.tzname()}"
    return text


@register.filter
def aria_current(request: HttpRequest, path: str) -> SafeString:
    """aria-current="page" on the nav link of the section the request is in ("/" only for the home page itself)."""
    here = request.path
    if here == path or (path != "/" and here.startswith(path)):
        return mark_safe(' aria-current="page"')
    return mark_safe("")


_CURRENT = mark_safe(' aria-current="page"')


@register.simple_tag(takes_context=True)
def staff_menu(context: template.Context) -> SafeString:
    """{% staff_menu %}: one <li> per menu entry the apps registered for the signed-in user's role
    (core.registry.register_menu_entry), the current page's entry marked."""
    request: HttpRequest = context["request"]
    role = getattr(request.user, "role", "")
    url_name = getattr(request.resolver_match, "url_name", None)
    rows: list[tuple[str, str, object]] = []
    for entry in registry.menu_entries(role):
        url = reverse(entry.url_name)
        if entry.current_url_names:
            current = _CURRENT if url_name in entry.current_url_names else ""
        else:
            current = aria_current(request, url)
        rows.append((url, current, entry.label))
    return format_html_join("", '\n<li><a href="{}"{}>{}</a></li>', rows)


@register.simple_tag(takes_context=True)
def workspace_panels(context: template.Context, workspace: str) -> SafeString:
    """{% workspace_panels "poc-dashboard" %}: the panels apps registered for this workspace
    (core.registry.register_workspace_panel) that the signed-in user's role may see, each rendered with its context."""
    request: HttpRequest = context["request"]
    role = getattr(request.user, "role", "")
    # Each part is a SafeString from Django's autoescaping templates, so format_html_join keeps it as it is.
    parts = (
        (render_to_string(panel.template, {**panel.context(request), "panel": panel}, request=request),)
        for panel in registry.workspace_panels(workspace, role)
    )
    return format_html_join("", "{}", parts)
