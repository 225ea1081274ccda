"""Pages of the 1500444 console: answer a call, the call screen, a report for the caller, ending a call, the log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patriot.accounts.auth import SignedInRequest
from patriot.accounts.choices import RoleChoices
from patriot.callcentre import queries, services
from patriot.callcentre.choices import CallStateChoices, CallTypeChoices, EmergencyLineChoices
from patriot.callcentre.forms import (
    AnswerForm,
    CallLogFilterForm,
    CallReportForm,
    EndCallForm,
    GiveNumberForm,
    LookupForm,
)
from patriot.callcentre.models import Call
from patriot.cases.exports import identity_may_be_exported, may_export_personal_data, start_personal_export
from patriot.cases.models import Case
from patriot.cases.sla import city_zone
from patriot.cases.views.staff import staff_page
from patriot.core import clock
from patriot.core.errors import DomainError
from patriot.core.exports import csv_response

CONSOLE_ROLES = frozenset({RoleChoices.CALLCENTRE_OPERATOR, RoleChoices.SYSTEM_ADMIN})
console_page = staff_page(CONSOLE_ROLES)
# The log is also where a supervisor asks for its personal export (callers' numbers, with a purpose).
LOG_ROLES = CONSOLE_ROLES | RoleChoices.PERSONAL_EXPORT_ROLES
LOG_PAGE_SIZE = 100
CALL_LOG_FILENAME = "panggilan-1500444.csv"


def _render(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """Render with the time the SLA badges count from (cases/staff/_sla.html reads `now`)."""
    return render(request, template, {"now": clock.now(), **context}, status=status)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _call_or_404(pk: int) -> Call:
    return get_object_or_404(queries.city_line_calls().select_related("operator").prefetch_related("cases"), pk=pk)


# --- the console -----------------------------------------------------------------------------


def _console(request: SignedInRequest, answer_form: AnswerForm, *, status: int = 200) -> HttpResponse:
    lookup_form = LookupForm(request.GET or None)
    found = None
    if lookup_form.is_bound and lookup_form.is_valid() and lookup_form.cleaned_data["q"]:
        found = queries.lookup(lookup_form.cleaned_data["q"], viewer=request.user)
    context = {
        "answer_form": answer_form,
        "lookup_form": lookup_form,
        "found": found,
        "ringing": _ringing(request),
        "open_calls": queries.open_calls(request.user),
    }
    return _render(request, "callcentre/console.html", context, status=status)


def _ringing(request: SignedInRequest) -> list[dict[str, Any]]:
    """Each ringing call with its caller's history, so the operator sees who it is before answering.

    A withheld number has no history to look up (`history` None: the console says the number is hidden).
    """
    viewer = request.user
    ringing = []
    for call in queries.ringing_calls():
        history = queries.caller_history(call.caller_number, viewer=viewer) if call.caller_number else None
        ringing.append({"call": call, "history": history})
    return ringing


@console_page
@require_GET
def console(request: SignedInRequest) -> HttpResponse:
    initial = {"caller_number": request.GET.get("nomor", "")}
    return _console(request, AnswerForm(initial=initial))


@console_page
@require_GET
def incoming(request: SignedInRequest) -> HttpResponse:
    """The ringing calls with their callers' history (htmx swaps it in when the stream says a call rang)."""
    return _render(request, "callcentre/_incoming.html", {"ringing": _ringing(request)})


@console_page
@require_GET
def lookup(request: SignedInRequest) -> HttpResponse:
    """The search box's answer: a partial for htmx, the console with the answer otherwise."""
    if not _is_htmx(request):
        return _console(request, AnswerForm())
    form = LookupForm(request.GET)
    found = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = queries.lookup(form.cleaned_data["q"], viewer=request.user)
    call_id = request.GET.get("call", "")
    call = queries.city_line_calls().filter(pk=int(call_id)).first() if call_id.isdigit() else None
    return _render(request, "callcentre/_lookup.html", {"found": found, "call": call})


@console_page
@require_POST
def answer(request: SignedInRequest) -> HttpResponse:
    form = AnswerForm(request.POST)
    if form.is_valid():
        ringing = None
        if form.cleaned_data["call"]:
            ringing = queries.city_line_calls().filter(pk=form.cleaned_data["call"]).first()
            if ringing is None:
                raise Http404
        try:
            call = services.answer_call(
                by=request.user,
                call=ringing,
                caller_number=form.cleaned_data["caller_number"],
                caller_name=form.cleaned_data["caller_name"],
            )
        except DomainError as error:
            if ringing is not None:
                messages.error(request, error.message)
                return redirect("callcentre-console")
            form.add_domain_error(error.field, error.message)
        else:
            return redirect("callcentre-call", pk=call.pk)
    return _console(request, form, status=400)


# --- screen 1: the call --------------------------------------------------------------------------


def _end_form(call: Call) -> EndCallForm:
    return EndCallForm(
        initial={
            "call_type": call.call_type or None,
            "transferred_to": call.transferred_to,
            "caller_name": call.caller_name,
            "started_at": call.started_at,
            "ended_at": call.ended_at,
            "notes": call.notes,
        }
    )


def _call_page(
    request: SignedInRequest,
    call: Call,
    *,
    end_form: EndCallForm | None = None,
    number_form: GiveNumberForm | None = None,
    status: int = 200,
) -> HttpResponse:
    lookup_form = LookupForm(request.GET or None)
    found = None
    if lookup_form.is_bound and lookup_form.is_valid() and lookup_form.cleaned_data["q"]:
        found = queries.lookup(lookup_form.cleaned_data["q"], viewer=request.user)
    history = None
    if call.caller_number:
        history = queries.caller_history(call.caller_number, viewer=request.user, exclude_call=call)
    context = {
        "call": call,
        "history": history,
        "linked": list(call.cases.select_related("category", "agency")),
        "lookup_form": lookup_form,
        "found": found,
        "end_form": end_form or _end_form(call),
        "number_form": number_form or GiveNumberForm(initial={"caller_number": call.caller_number}),
        "emergency_lines": EmergencyLineChoices.CHOICES,
    }
    return _render(request, "callcentre/call.html", context, status=status)


@console_page
@require_GET
def call_screen(request: SignedInRequest, pk: int) -> HttpResponse:
    call = _call_or_404(pk)
    if call.state == CallStateChoices.RINGING:
        return redirect("callcentre-console")
    return _call_page(request, call)


@console_page
@require_POST
def link(request: SignedInRequest, pk: int) -> HttpResponse:
    """The caller asked about a case: the call is tied to it and its timeline says so."""
    call = _call_or_404(pk)
    case = Case.objects.filter(tracking_number=request.POST.get("case", "").strip().upper()).first()
    if case is None:
        raise Http404
    call_type = request.POST.get("call_type") or CallTypeChoices.STATUS_QUESTION
    try:
        services.link_case(call, case, by=request.user, call_type=call_type)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Panggilan dicatat pada riwayat laporan %(number)s.") % {"number": case.tracking_number}
        )
    return redirect("callcentre-call", pk=call.pk)


@console_page
@require_POST
def give_number(request: SignedInRequest, pk: int) -> HttpResponse:
    """The caller of a withheld-number call said their number: the call gets it, and its history shows."""
    call = _call_or_404(pk)
    form = GiveNumberForm(request.POST)
    if form.is_valid():
        try:
            services.give_number(call, by=request.user, caller_number=form.cleaned_data["caller_number"])
        except DomainError as error:
            form.add_domain_error(error.field, error.message)
        else:
            messages.success(request, _("Nomor penelepon dicatat: %(number)s.") % {"number": call.caller_number})
            return redirect("callcentre-call", pk=call.pk)
    return _call_page(request, call, number_form=form, status=400)


@console_page
@require_POST
def end(request: SignedInRequest, pk: int) -> HttpResponse:
    call = _call_or_404(pk)
    form = EndCallForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.end_call(
                call,
                by=request.user,
                call_type=data["call_type"],
                transferred_to=data["transferred_to"],
                started_at=data["started_at"],
                ended_at=data["ended_at"],
                notes=data["notes"],
                caller_name=data["caller_name"],
            )
        except DomainError as error:
            form.add_domain_error(error.field, error.message)
        else:
            messages.success(request, _("Panggilan #%(id)s selesai dicatat.") % {"id": call.pk})
            return redirect("callcentre-console")
    return _call_page(request, call, end_form=form, status=400)


# --- screens 2 and 3: a report on the caller's behalf ----------------------------------------


def _report_page(request: HttpRequest, call: Call, form: CallReportForm, *, status: int = 200) -> HttpResponse:
    context = {"call": call, "form": form, "tile_url": settings.PATRIOT_TILE_URL}
    return _render(request, "callcentre/report.html", context, status=status)


def _attributes_url(call: Call) -> str:
    return reverse("callcentre-report-attributes", kwargs={"pk": call.pk})


@console_page
@require_http_methods(["GET", "POST"])
def report(request: SignedInRequest, pk: int) -> HttpResponse:
    call = _call_or_404(pk)
    if call.state == CallStateChoices.RINGING:
        return redirect("callcentre-console")
    if request.method != "POST":
        form = CallReportForm(initial={"reporter_name": call.caller_name}, attributes_url=_attributes_url(call))
        return _report_page(request, call, form)
    form = CallReportForm(request.POST, attributes_url=_attributes_url(call))
    if form.is_valid():
        try:
            result = services.report_for_caller(
                call,
                form.report(),
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as error:
            form.add_domain_error(error.field, error.message)
        else:
            return redirect("callcentre-report-done", pk=call.pk, number=result.case.tracking_number)
    return _report_page(request, call, form, status=400)


@console_page
@require_GET
def report_attributes(request: HttpRequest, pk: int) -> HttpResponse:
    """The chosen category's extra fields (htmx swaps them in when the category changes)."""
    form = CallReportForm(initial={"category": request.GET.get("category", "")})
    return render(request, "cases/citizen/_attributes.html", {"form": form})


@console_page
@require_GET
def report_done(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    """Screen 3: the tracking number to read out, and the call's log to finish."""
    call = _call_or_404(pk)
    case = call.cases.select_related("category", "agency").filter(tracking_number=number).first()
    if case is None:
        raise Http404
    context = {"call": call, "case": case, "end_form": _end_form(call), "emergency_lines": EmergencyLineChoices.CHOICES}
    return _render(request, "callcentre/report_done.html", context)


# --- the call log ----------------------------------------------------------------------------


def _day_bounds(form: CallLogFilterForm) -> tuple[datetime | None, datetime | None]:
    zone = city_zone()
    since, until = form.cleaned_data.get("since"), form.cleaned_data.get("until")
    return (
        datetime.combine(since, time.min, tzinfo=zone) if since else None,
        datetime.combine(until, time.max, tzinfo=zone) if until else None,
    )


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def _call_header(*, personal: bool) -> list[str]:
    header = [_("ID"), _("Mulai"), _("Selesai"), _("Durasi (detik)"), _("Operator")]
    if personal:
        header.append(_("Nomor penelepon"))
    return [*header, _("Jenis panggilan"), _("Dialihkan ke"), _("Laporan terkait"), _("Catatan")]


def _call_rows(calls: Any, *, personal: bool) -> Iterator[list[Any]]:
    """One row per call; the caller's number only in a personal export, and never for a call about a report
    whose reporter is anonymous or confidential."""

    def local(moment: datetime | None) -> str:
        return timezone.localtime(moment, city_zone()).isoformat() if moment else ""

    for call in calls.iterator(chunk_size=500):
        linked = list(call.cases.all())
        row: list[Any] = [
            call.pk,
            local(call.started_at),
            local(call.ended_at),
            call.duration_seconds if call.duration_seconds is not None else "",
            call.operator.username if call.operator else "",
        ]
        if personal:
            row.append(call.caller_number if all(identity_may_be_exported(case) for case in linked) else "")
        yield [
            *row,
            CallTypeChoices.label(call.call_type) if call.call_type else "",
            call.transferred_to,
            " ".join(case.tracking_number for case in linked),
            call.notes,
        ]


def _log_filters(params: QueryDict) -> tuple[CallLogFilterForm, dict[str, Any]]:
    form = CallLogFilterForm(params or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        since, until = _day_bounds(form)
        filters = {
            "since": since,
            "until": until,
            "operator_id": int(form.cleaned_data["operator"]) if form.cleaned_data["operator"] else None,
            "call_type": form.cleaned_data["call_type"],
        }
    return form, filters


@staff_page(RoleChoices.PERSONAL_EXPORT_ROLES)
@require_POST
def call_log_personal_csv(request: SignedInRequest) -> HttpResponseBase:
    """The log with callers' numbers, for a supervisor who states the purpose (logged with it)."""
    query = request.POST.get("query", "")
    _form, filters = _log_filters(QueryDict(query))
    try:
        start_personal_export(
            request.user,
            export="call_log",
            purpose=request.POST.get("purpose", ""),
            query=query,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('callcentre-log')}?{query}" if query else reverse("callcentre-log"))
    rows = _call_rows(queries.call_log(**filters), personal=True)
    return csv_response(_call_header(personal=True), rows, filename=CALL_LOG_FILENAME)


@staff_page(LOG_ROLES)
@require_GET
def call_log(request: SignedInRequest) -> HttpResponseBase:
    form, filters = _log_filters(request.GET)
    calls = queries.call_log(**filters)
    if request.GET.get("format") == "csv":
        return csv_response(_call_header(personal=False), _call_rows(calls, personal=False), filename=CALL_LOG_FILENAME)
    figures = queries.operator_figures(calls)
    shown = list(calls[:LOG_PAGE_SIZE])
    context = {
        "form": form,
        "calls": [{"call": c, "duration": _duration(c.duration_seconds)} for c in shown],
        "total": sum(f.calls for f in figures),
        "figures": [
            {"figures": f, "average": _duration(round(f.average_seconds) if f.average_seconds is not None else None)}
            for f in figures
        ],
        "limit": LOG_PAGE_SIZE,
        "query": request.GET.urlencode(),
        "may_export_personal": may_export_personal_data(request.user),
    }
    return _render(request, "callcentre/log.html", context, status=400 if form.errors else 200)
