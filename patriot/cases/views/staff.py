"""Staff pages: the POC triage queue and case page, case search, the agency inbox and the URC field view."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patriot.accounts.auth import SignedInRequest
from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.cases import exports, presenters, queries, saved_filters, services
from patriot.cases.choices import (
    CaseStateChoices,
)
from patriot.cases.filters import CaseFilter
from patriot.cases.models import Case, Instruction
from patriot.cases.permissions import may, may_answer_instruction, may_instruct
from patriot.cases.staff_forms import (
    AssignForm,
    CommentForm,
    DispatchForm,
    ForwardForm,
    InstructionAnswerForm,
    InstructionForm,
    MergeForm,
    RejectForm,
    ResolveForm,
    SaveFilterForm,
    StaffForm,
    StartForm,
    VerifyForm,
)
from patriot.cases.templatetags import search_results
from patriot.cases.views.citizen import map_settings
from patriot.core.errors import DomainError
from patriot.core.exports import csv_response
from patriot.core.paging import CappedPaginator
from patriot.core.views import error_context

Role = RoleChoices
PAGE_SIZE = 25
URC_ROLES = frozenset({Role.URC_OFFICER})


@dataclass(frozen=True)
class Workspace:
    """A staff area: who may enter, which workflow actions its case page offers, where its pages live."""

    key: str
    roles: frozenset[str]
    actions: tuple[str, ...]
    home: str
    case_view: str


POC = Workspace(
    "poc",
    Role.CITYWIDE_ROLES,
    ("verify", "dispatch", "reject", "merge", "comment"),
    "staff-poc-queue",
    "staff-poc-case",
)
AGENCY = Workspace("opd", Role.AGENCY_ROLES, ("assign", "forward", "comment"), "staff-opd-inbox", "staff-opd-case")
URC = Workspace("urc", URC_ROLES, ("start", "resolve", "comment"), "staff-urc-assignments", "staff-urc-case")
WORKSPACES = {workspace.key: workspace for workspace in (POC, AGENCY, URC)}


def staff_page(roles: Iterable[str]) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Signed-in users of these roles only: others are sent to sign in or shown the 403 page."""
    allowed = frozenset(roles)

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in allowed:
                return render(request, "cases/staff/forbidden.html", error_context(request), status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _page(request: HttpRequest, cases: Any, cap: int | None = None) -> Page:
    """One page; the count stops at `cap` (COUNT_CAP by default), so a list of a million cases costs what one of ten
    thousand does."""
    return CappedPaginator(cases, PAGE_SIZE, cap=cap).get_page(request.GET.get("page"))


def _case_or_404(user: User, tracking_number: str) -> Case:
    case = queries.find_visible_case(user, tracking_number)
    if case is None:
        raise Http404
    return case


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- the case page and its actions ------------------------------------------------------------


def _blank_form(action: str, case: Case, view: dict[str, Any], suggested: Agency | None) -> StaffForm:
    if action == "verify":
        return VerifyForm(initial={"priority": case.priority})
    if action == "reject":
        return RejectForm()
    if action == "merge":
        return MergeForm(candidates=view["duplicate_suggestions"])
    if action == "dispatch":
        return DispatchForm(initial={"agency": suggested.code if suggested else None})
    if action == "forward":
        return ForwardForm(current_agency_id=case.agency_id)
    if action == "assign":
        return AssignForm(agency_id=case.agency_id)
    if action == "start":
        return StartForm()
    if action == "resolve":
        return ResolveForm()
    return CommentForm()


def _bound_form(action: str, case: Case, request: SignedInRequest) -> StaffForm:
    data, files = request.POST, request.FILES
    if action == "verify":
        return VerifyForm(data)
    if action == "reject":
        return RejectForm(data)
    if action == "merge":
        return MergeForm(data, candidates=presenters.duplicate_suggestions(case, request.user))
    if action == "dispatch":
        return DispatchForm(data)
    if action == "forward":
        return ForwardForm(data, current_agency_id=case.agency_id)
    if action == "assign":
        return AssignForm(data, agency_id=case.agency_id)
    if action == "start":
        return StartForm(data)
    if action == "resolve":
        return ResolveForm(data, files)
    return CommentForm(data)


def _run(action: str, case: Case, user: User, data: dict[str, Any]) -> str:
    """Call the service for `action`; return the success message."""
    note = data.get("note", "")
    if action == "verify":
        services.verify_case(case, by=user, note=note, priority=data.get("priority") or None)
        return _("Laporan %(number)s terverifikasi.")
    if action == "reject":
        services.reject_case(case, by=user, reason=data["reason"], note=note)
        return _("Laporan %(number)s ditolak.")
    if action == "merge":
        target = queries.find_visible_case(user, data["into"])
        if target is None:
            raise DomainError(_("Laporan tujuan tidak ditemukan."), field="into")
        services.merge_case(case, into=target, by=user, note=note)
        return _("Laporan %(number)s digabung sebagai duplikat.")
    if action == "dispatch":
        services.dispatch_case(case, by=user, agency=data["agency"], note=note)
        return _("Laporan %(number)s didisposisikan ke %(agency)s.")
    if action == "forward":
        services.forward_case(case, by=user, agency=data["agency"], reason=data["reason"])
        return _("Laporan %(number)s diteruskan ke %(agency)s.")
    if action == "assign":
        services.assign_case(case, by=user, team=data["team"], note=note)
        return _("Laporan %(number)s ditugaskan ke %(team)s.")
    if action == "start":
        services.start_case(case, by=user, note=note)
        return _("Penanganan laporan %(number)s dimulai.")
    if action == "resolve":
        photo = data["proof_photo"]
        photo.seek(0)
        services.resolve_case(case, by=user, note=note, proof_photos=[(photo.name, photo)])
        return _("Laporan %(number)s selesai ditangani. Terima kasih!")
    services.comment_case(case, by=user, note=note, is_public=bool(data.get("is_public")))
    return _("Komentar ditambahkan.")


def _case_context(
    request: SignedInRequest, case: Case, workspace: Workspace, bound: dict[str, StaffForm] | None = None
) -> dict[str, Any]:
    user: User = request.user
    view = presenters.staff_case(case, user, purpose=f"/{workspace.key}/ case page")
    actions = [action for action in workspace.actions if action in view["allowed_actions"]]
    routing_pending = workspace is POC and case.agency_id is None and case.state in CaseStateChoices.OPEN
    suggested = queries.suggest_agency(case.category, case.village) if routing_pending else None
    forms = {action: _blank_form(action, case, view, suggested) for action in actions}
    if "merge" in forms and not view["duplicate_suggestions"]:
        del forms["merge"]
    forms.update({name: form for name, form in (bound or {}).items() if name in forms})
    for name, form in forms.items():
        form.auto_id = f"{name}-%s"  # several forms share field names on one page
    next_case = None
    if workspace is POC and user.is_poc:
        next_case = queries.triage_queue(user).exclude(pk=case.pk).values_list("tracking_number", flat=True).first()
    photos = presenters.with_proof_checks(case, view["photos"])
    return {
        "case": case,
        "now": timezone.now(),
        "instructions": queries.case_instructions(case),
        "instruct_form": InstructionForm() if may_instruct(user, case) and workspace is POC else None,
        "may_answer": may_answer_instruction(user, case) and workspace is not URC,
        "answer_form": InstructionAnswerForm(),
        "view": view,
        "workspace": workspace,
        "forms": forms,
        "suggested_agency": suggested,
        "next_case": next_case,
        "answers": presenters.attribute_answers(case),
        "max_distance": settings.PATRIOT_PROOF_MAX_DISTANCE_M,
        "max_age_hours": settings.PATRIOT_PROOF_MAX_AGE_HOURS,
        "action_urls": {
            action: reverse(f"staff-{workspace.key}-act", args=[case.tracking_number, action]) for action in forms
        },
        "photos": photos,
        "report_photos": [p for p in photos if p["kind"] == "report_photo"],
        "proof_photos": [p for p in photos if p["kind"] == "proof_photo"],
    }


def _case_page(request: SignedInRequest, tracking_number: str, workspace: Workspace) -> HttpResponse:
    case = _case_or_404(request.user, tracking_number)
    template = "cases/staff/urc_case.html" if workspace is URC else "cases/staff/case.html"
    return render(request, template, _case_context(request, case, workspace))


def _act(request: SignedInRequest, tracking_number: str, action: str, workspace: Workspace) -> HttpResponse:
    user: User = request.user
    if action not in workspace.actions:
        raise Http404
    case = _case_or_404(user, tracking_number)
    case_url = reverse(workspace.case_view, args=[case.tracking_number])
    if action == "resolve" and case.state in {CaseStateChoices.RESOLVED, CaseStateChoices.CLOSED}:
        # A retry of a resolve whose answer was lost on a weak connection: the work is already recorded.
        message = _("Laporan %(number)s sudah tercatat selesai ditangani.") % {"number": case.tracking_number}
        if _wants_json(request):
            return JsonResponse({"ok": True, "message": message, "url": case_url})
        messages.info(request, message)
        return redirect(case_url)
    if not may(user, action, case):
        return render(request, "cases/staff/forbidden.html", status=403)
    form = _bound_form(action, case, request)
    form.auto_id = f"{action}-%s"  # several forms share field names on one page; set before errors render ids
    if form.is_valid():
        try:
            template = _run(action, case, user, form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            values = {
                "number": case.tracking_number,
                "agency": case.agency.short_name if case.agency else "",
                "team": case.team.name if case.team else "",
            }
            message = template % values
            still_visible = queries.find_visible_case(user, case.tracking_number) is not None
            target = case_url if still_visible else reverse(workspace.home)
            if _wants_json(request):
                return JsonResponse({"ok": True, "message": message, "url": target})
            messages.success(request, message)
            if _is_htmx(request):
                if not still_visible:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                fresh = _case_or_404(user, case.tracking_number)
                context = _case_context(request, fresh, workspace)
                return render(request, "cases/staff/_case_panel.html", {**context, "partial": True})
            return redirect(target)
    if _wants_json(request):
        errors = {field or "__all__": [str(e) for e in errs] for field, errs in form.errors.items()}
        first = next(iter(form.errors.values()))[0] if form.errors else _("Periksa isian.")
        return JsonResponse({"ok": False, "message": str(first), "errors": errors}, status=400)
    context = _case_context(request, case, workspace, bound={action: form})
    context["failed_action"] = action
    if action not in context["forms"]:
        # The action is no longer offered (someone else acted first): say why in a message instead.
        for field_errors in form.errors.values():
            for field_error in field_errors:
                messages.error(request, str(field_error))
    if _is_htmx(request):
        # htmx swaps only 2xx answers by default; the errors are in the panel.
        return render(request, "cases/staff/_case_panel.html", {**context, "partial": True})
    template = "cases/staff/urc_case.html" if workspace is URC else "cases/staff/case.html"
    return render(request, template, context, status=400)


# --- POC -------------------------------------------------------------------------------------


@require_GET
@staff_page(Role.POC_ROLES)
def poc_queue(request: SignedInRequest) -> HttpResponse:
    """The cases waiting for the POC, emergencies and high priority first, then least time left (sortable and
    filterable with the search page's CaseFilter)."""
    filters = CaseFilter(request.GET, queries.triage_queue(request.user), user=request.user, default_sort="priority")
    page = _page(request, filters.cases())
    context = {
        "page": page,
        "now": timezone.now(),
        "form": filters.form,
        "query": filters.query_string(),
        "emergencies": queries.queue_emergencies(request.user),
    }
    return render(request, "cases/staff/queue.html", context)


@require_GET
@staff_page(POC.roles)
def poc_case(request: SignedInRequest, tracking_number: str) -> HttpResponse:
    return _case_page(request, tracking_number, POC)


@require_POST
@staff_page(POC.roles)
def poc_act(request: SignedInRequest, tracking_number: str, action: str) -> HttpResponse:
    return _act(request, tracking_number, action, POC)


# --- search ----------------------------------------------------------------------------------


def _search(request: SignedInRequest, params: QueryDict | None = None) -> tuple[CaseFilter, Any]:
    user: User = request.user
    form = CaseFilter(request.GET if params is None else params, queries.visible_cases(user), user=user)
    # Not the kelurahan's boundary (GeoJSON, kilobytes a row): neither the page nor the CSV shows it.
    cases = form.cases().select_related("category", "village", "district", "agency").defer("village__boundary")
    return form, cases


@require_GET
@staff_page(Role.CITYWIDE_ROLES)
def search(request: SignedInRequest) -> HttpResponse:
    filters, cases = _search(request)
    query = filters.query_string()
    # Only the columns the result rows show (of some 45 a case has, and its category's, kelurahan's, kecamatan's
    # and agency's): a page of 25 read and converted every one of them.
    cases = cases.only(*search_results.ROW_FIELDS)
    page = _page(request, cases, cap=filters.count_cap())
    return render(
        request,
        "cases/staff/search.html",
        {
            "form": filters.form,
            "page": page,
            "query": query,
            "saved": saved_filters.saved_filters(request.user),
            "save_form": SaveFilterForm(),
            "may_export_personal": exports.may_export_personal_data(request.user),
        },
    )


def _csv_name() -> str:
    stamp = timezone.localtime(timezone.now(), timezone.get_default_timezone()).strftime("%Y%m%d-%H%M")
    return f"laporan-{stamp}.csv"


@require_GET
@staff_page(Role.CITYWIDE_ROLES)
def search_csv(request: SignedInRequest) -> StreamingHttpResponse:
    """The search's cases without personal data, for every city-wide role."""
    _form, cases = _search(request)
    rows = exports.case_rows(cases, request.user)
    return csv_response(exports.case_header(personal=False), rows, filename=_csv_name())


@require_POST
@staff_page(Role.PERSONAL_EXPORT_ROLES)
def search_csv_personal(request: SignedInRequest) -> HttpResponseBase:
    """The search's cases with their reporters, for a supervisor who states the purpose (logged with it)."""
    query = request.POST.get("query", "")
    back = f"{reverse('staff-search')}?{query}" if query else reverse("staff-search")
    _form, cases = _search(request, QueryDict(query))
    try:
        purpose = exports.start_personal_export(
            request.user,
            export="case_search",
            purpose=request.POST.get("purpose", ""),
            query=query,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    rows = exports.case_rows(cases, request.user, purpose=purpose)
    return csv_response(exports.case_header(personal=True), rows, filename=_csv_name())


@require_POST
@staff_page(Role.CITYWIDE_ROLES)
def save_search(request: SignedInRequest) -> HttpResponse:
    form = SaveFilterForm(request.POST)
    query = request.POST.get("query", "")
    back = f"{reverse('staff-search')}?{query}" if query else reverse("staff-search")
    if not form.is_valid():
        messages.error(request, _("Beri nama filter ini."))
        return redirect(back)
    try:
        saved_filters.save_filter(request.user, name=form.cleaned_data["name"], query=query)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Filter “%(name)s” disimpan.") % {"name": form.cleaned_data["name"]})
    return redirect(back)


@require_POST
@staff_page(Role.CITYWIDE_ROLES)
def delete_search(request: SignedInRequest, filter_id: int) -> HttpResponse:
    if not saved_filters.delete_filter(request.user, filter_id):
        raise Http404
    messages.success(request, _("Filter dihapus."))
    return redirect("staff-search")


# --- agency ----------------------------------------------------------------------------------


@require_GET
@staff_page(AGENCY.roles)
def opd_inbox(request: SignedInRequest) -> HttpResponse:
    page = _page(request, queries.agency_inbox(request.user))
    context = {"page": page, "now": timezone.now(), "instructions": queries.agency_instructions(request.user)}
    return render(request, "cases/staff/inbox.html", context)


@require_GET
@staff_page(AGENCY.roles)
def opd_case(request: SignedInRequest, tracking_number: str) -> HttpResponse:
    return _case_page(request, tracking_number, AGENCY)


@require_POST
@staff_page(AGENCY.roles)
def opd_act(request: SignedInRequest, tracking_number: str, action: str) -> HttpResponse:
    return _act(request, tracking_number, action, AGENCY)


# --- the mayor's instructions ("disposisi pimpinan") ------------------------------------------------


def _instruction_reply(
    request: SignedInRequest, case: Case, workspace: Workspace, form_name: str, form: Any, message: str | None
) -> HttpResponse:
    """After an instruction or an answer: back to the case page, or the page again with the form's errors."""
    if message is not None:
        messages.success(request, message)
        return redirect(reverse(workspace.case_view, args=[case.tracking_number]) + "#disposisi")
    for error in form.non_field_errors():
        # e.g. answered meanwhile by a colleague: that instruction no longer shows a form to hold the error.
        messages.error(request, error)
    context = _case_context(request, case, workspace)
    context[form_name] = form
    return render(request, "cases/staff/case.html", context, status=400)


@require_POST
@staff_page(Role.CITYWIDE_ROLES)
def instruct(request: SignedInRequest, tracking_number: str) -> HttpResponse:
    user: User = request.user
    case = _case_or_404(user, tracking_number)
    if not may_instruct(user, case):
        return render(request, "cases/staff/forbidden.html", status=403)
    form = InstructionForm(request.POST)
    message = None
    if form.is_valid():
        try:
            services.instruct_case(case, by=user, text=form.cleaned_data["text"])
        except DomainError as error:
            form.add_error("text" if error.field == "text" else None, error.message)
        else:
            message = _("Disposisi pimpinan untuk laporan %(number)s tercatat.") % {"number": case.tracking_number}
    return _instruction_reply(request, case, POC, "instruct_form", form, message)


def _answer(request: SignedInRequest, tracking_number: str, instruction_id: int, workspace: Workspace) -> HttpResponse:
    user: User = request.user
    case = _case_or_404(user, tracking_number)
    instruction = Instruction.objects.filter(pk=instruction_id, case=case).first()
    if instruction is None:
        raise Http404
    if not may_answer_instruction(user, case):
        return render(request, "cases/staff/forbidden.html", status=403)
    form = InstructionAnswerForm(request.POST)
    message = None
    if form.is_valid():
        try:
            services.answer_instruction(instruction, by=user, answer=form.cleaned_data["answer"])
        except DomainError as error:
            form.add_error("answer" if error.field == "answer" else None, error.message)
        else:
            message = _("Tanggapan atas disposisi pimpinan terkirim.")
    return _instruction_reply(request, case, workspace, "answer_form", form, message)


@require_POST
@staff_page(POC.roles)
def poc_answer(request: SignedInRequest, tracking_number: str, instruction_id: int) -> HttpResponse:
    return _answer(request, tracking_number, instruction_id, POC)


@require_POST
@staff_page(AGENCY.roles)
def opd_answer(request: SignedInRequest, tracking_number: str, instruction_id: int) -> HttpResponse:
    return _answer(request, tracking_number, instruction_id, AGENCY)


# --- URC -------------------------------------------------------------------------------------


def _coordinate(value: str | None, low: float, high: float) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and low <= number <= high else None


@require_GET
@staff_page(URC.roles)
def urc_assignments(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    here_lat = _coordinate(request.GET.get("lat"), -90, 90)
    here_lon = _coordinate(request.GET.get("lon"), -180, 180)
    cases = list(queries.team_assignments(user)[:100])
    items: list[dict[str, Any]] = []
    for case in cases:
        distance = None
        if here_lat is not None and here_lon is not None:
            distance = queries.distance_metres(here_lat, here_lon, case.latitude, case.longitude)
        items.append({"case": case, "distance": distance})
    if here_lat is not None and here_lon is not None:
        items.sort(key=lambda item: item["distance"])
    points = [
        {
            "number": item["case"].tracking_number,
            "title": item["case"].headline,
            "lat": item["case"].latitude,
            "lon": item["case"].longitude,
            "url": reverse("staff-urc-case", args=[item["case"].tracking_number]),
        }
        for item in items
    ]
    team: ResponseTeam | None = user.team
    return render(
        request,
        "cases/staff/urc_list.html",
        {
            "items": items,
            "points": points,
            "team": team,
            "now": timezone.now(),
            "located": here_lat is not None and here_lon is not None,
            **map_settings(),
        },
    )


@require_GET
@staff_page(URC.roles)
def urc_case(request: SignedInRequest, tracking_number: str) -> HttpResponse:
    return _case_page(request, tracking_number, URC)


@require_POST
@staff_page(URC.roles)
def urc_act(request: SignedInRequest, tracking_number: str, action: str) -> HttpResponse:
    return _act(request, tracking_number, action, URC)


urlpatterns = [
    path("poc/", poc_queue, name="staff-poc-queue"),
    path("poc/laporan/<str:tracking_number>/", poc_case, name="staff-poc-case"),
    path("poc/laporan/<str:tracking_number>/disposisi/", instruct, name="staff-instruct"),
    path(
        "poc/laporan/<str:tracking_number>/disposisi/<int:instruction_id>/tanggapi/",
        poc_answer,
        name="staff-poc-answer",
    ),
    path("poc/laporan/<str:tracking_number>/<slug:action>/", poc_act, name="staff-poc-act"),
    path("poc/cari/", search, name="staff-search"),
    path("poc/cari/csv/", search_csv, name="staff-search-csv"),
    path("poc/cari/csv-pelapor/", search_csv_personal, name="staff-search-csv-personal"),
    path("poc/cari/simpan/", save_search, name="staff-search-save"),
    path("poc/cari/filter/<int:filter_id>/hapus/", delete_search, name="staff-search-delete"),
    path("opd/", opd_inbox, name="staff-opd-inbox"),
    path("opd/laporan/<str:tracking_number>/", opd_case, name="staff-opd-case"),
    path(
        "opd/laporan/<str:tracking_number>/disposisi/<int:instruction_id>/tanggapi/",
        opd_answer,
        name="staff-opd-answer",
    ),
    path("opd/laporan/<str:tracking_number>/<slug:action>/", opd_act, name="staff-opd-act"),
    path("urc/", urc_assignments, name="staff-urc-assignments"),
    path("urc/laporan/<str:tracking_number>/", urc_case, name="staff-urc-case"),
    path("urc/laporan/<str:tracking_number>/<slug:action>/", urc_act, name="staff-urc-act"),
]
