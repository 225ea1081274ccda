"""Template helpers of the mayor's instructions on the staff case page (`{% load instructions %}`)."""

from __future__ import annotations

from django import template

from patriot.cases.models import Instruction
from patriot.cases.staff_forms import InstructionAnswerForm

register = template.Library()


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
