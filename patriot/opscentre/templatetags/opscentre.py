"""Template helpers of the ops-centre pages: durations, week-on-week changes and the instruction forms
(`{% load opscentre %}`)."""

from __future__ import annotations

from datetime import date, timedelta

from django import template
from django.forms import BoundField
from django.utils.formats import number_format
from django.utils.translation import ngettext

from patriot.cases.models import Instruction
from patriot.opscentre.forms import InstructionAnswerForm

MINUS = "\u2212"  # U+2212, the typographic minus: the same sign for counts and percentages

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
def signed(value: int | float | None, decimals: int = 0) -> str:
    """+12 / −3 / 0 for a change between two weeks; floats with `decimals` places in the locale's notation.

    The one place that writes a sign, so a count and its percentage ("−1 (−50 %)") always use U+2212.
    """
    if value is None:
        return "—"
    places = int(decimals)
    if isinstance(value, float):
        value = round(value, places)
    if value == 0:
        return "0"
    magnitude = abs(value)
    text = number_format(magnitude, places) if isinstance(magnitude, float) else str(magnitude)
    return ("+" if value > 0 else MINUS) + text


@register.filter
def add_days(value: date, days: int) -> date:
    return value + timedelta(days=int(days))


@register.filter
def autofocus_if(field: BoundField, condition: object) -> BoundField:
    """The field with `autofocus` on its widget when `condition` holds (this form instance only)."""
    if condition:
        field.field.widget.attrs["autofocus"] = True
    return field


@register.simple_tag(takes_context=True)
def answer_form_for(context: template.Context, instruction: Instruction) -> InstructionAnswerForm:
    """The answer form under one unanswered instruction, its element ids unique on the page.

    A page re-rendered after a refused answer carries the bound form (`answer_form`) with its errors; it belongs
    under the instruction named in the URL that was posted to, every other instruction gets an empty form.
    """
    auto_id = f"answer-{instruction.pk}-%s"
    bound = context.get("answer_form")
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    posted_to = match.kwargs.get("instruction_id") if match is not None else None
    if isinstance(bound, InstructionAnswerForm) and bound.is_bound and posted_to == instruction.pk:
        bound.auto_id = auto_id
        for name, errors in bound.errors.items():
            if name in bound.fields:
                errors.field_id = bound[name].auto_id  # type: ignore[attr-defined]  # ErrorList.field_id (Django 5.2) is absent from django-stubs; the error list's id, named by aria-describedby
        return bound
    return InstructionAnswerForm(auto_id=auto_id)
