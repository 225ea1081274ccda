"""Citizens' pages: the POT/SOROT report form, tracking by number, the private link and the public map."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases import category_search, held_photos, presenters, queries, services
from patriot.cases.choices import CaseStateChoices
from patriot.cases.forms import (
    AddPhotosForm,
    CommentForm,
    ConfirmForm,
    DisputeForm,
    PublicCaseFilterForm,
    RatingForm,
    ReportForm,
    SupportForm,
    TrackForm,
    day_bounds,
)
from patriot.cases.models import Attachment, Case, Category
from patriot.cases.photos import check_photo_rate
from patriot.cases.sla import city_zone
from patriot.core.errors import DomainError
from patriot.core.paging import CappedPaginator
from patriot.core.ratelimit import client_address, hit

# The reporter keys this browser has proven, by tracking number: the private link works once, then the URL drops
# the key so it never sits in the address bar, history or a screenshot.
SESSION_KEYS = "patriot.reporter_keys"
PUBLIC_LIST_PAGE_SIZE = 20
_CASE_RELATIONS = ("category", "agency", "village", "district")


def _no_referrer(response: HttpResponse) -> HttpResponse:
    """For the one response whose URL carries the reporter key: it must never travel on as a referrer."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def _private(response: HttpResponse) -> HttpResponse:
    """Pages showing the key or the reporter's data. Their URLs never hold the key, so "same-origin" is safe;
    "no-referrer" would make Chromium send `Origin: null` with the page's own forms, which CSRF refuses."""
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _remember_key(request: HttpRequest, number: str, key: str) -> None:
    keys = dict(request.session.get(SESSION_KEYS, {}))
    keys[number] = key
    request.session[SESSION_KEYS] = keys


def _known_key(request: HttpRequest, number: str) -> str | None:
    return request.session.get(SESSION_KEYS, {}).get(number)


def map_settings() -> dict[str, str]:
    """The base map of every citizen map: tile URL (empty: polygons only) and the attribution it requires."""
    return {
        "tile_url": settings.PATRIOT_TILE_URL,
        "tile_attribution": settings.PATRIOT_TILE_ATTRIBUTION,
        "tile_attribution_url": settings.PATRIOT_TILE_ATTRIBUTION_URL,
    }


def deadline_day(due_at: datetime | None) -> datetime | None:
    """A working-day deadline ends at midnight: the citizen's last day is the one before it."""
    if due_at is None:
        return None
    local = timezone.localtime(due_at, city_zone())
    return local - timedelta(seconds=1) if local.time() == datetime.min.time() else local


# --- reporting ---------------------------------------------------------------------------------------


def _signed_in_citizen(request: HttpRequest) -> User | None:
    user = request.user
    return user if user.is_authenticated and user.role == RoleChoices.CITIZEN else None


def _report_page(request: HttpRequest, form: ReportForm, *, status: int = 200) -> HttpResponse:
    citizen = _signed_in_citizen(request)
    context = {
        "form": form,
        **map_settings(),
        "citizen": citizen,
        "channel": queries.report_channel(citizen),
        "nearby": _nearby(form.data) if form.is_bound else [],
    }
    return render(request, "cases/citizen/report.html", context, status=status)


def _intake_refusal(request: HttpRequest, citizen: User | None) -> str | None:
    """Why this report is refused by the rate limits (per address, and per account when signed in), if it is."""
    if not hit("intake", client_address(request), settings.PATRIOT_INTAKE_RATE_PER_MINUTE):
        return _("Terlalu banyak laporan dari alamat ini dalam satu menit. Tunggu sebentar lalu kirim lagi.")
    if citizen is not None and not hit(
        "intake-account", str(citizen.pk), settings.PATRIOT_INTAKE_RATE_PER_ACCOUNT_PER_MINUTE
    ):
        return _("Terlalu banyak laporan dari akun Anda dalam satu menit. Tunggu sebentar lalu kirim lagi.")
    return None


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    citizen = _signed_in_citizen(request)
    if request.method != "POST":
        initial = {"category": request.GET.get("kategori", "")}
        if citizen is not None:
            initial.update(
                reporter_name=citizen.get_full_name(), reporter_phone=citizen.phone, reporter_email=citizen.email
            )
        return _report_page(request, ReportForm(initial=initial))
    form = ReportForm(request.POST, request.FILES)
    held = [] if request.POST.get("drop_held_photos") else held_photos.read_token(request.POST.get("held_photos"))
    if refusal := _intake_refusal(request, citizen):
        form.is_valid()
        form.add_error(None, refusal)
        response = _report_page(request, _holding(form, held, []), status=429)
        response["Retry-After"] = "60"  # the limits count per minute
        return response
    if form.is_valid():
        channel = queries.report_channel(citizen)
        try:
            result = services.create_case(
                form.submission(channel=channel, reporter=citizen),
                photos=held_photos.uploads(held) + form.photo_uploads(),
                by=citizen,
                idempotency_key=form.cleaned_data["idempotency_key"],
                idempotency_scope=f"{channel}-web",
            )
        except DomainError as error:
            form.add_domain_error(error.field, error.message)
        else:
            held_photos.discard(held)
            _remember_key(request, result.case.tracking_number, result.reporter_key)
            return redirect("report_sent", number=result.case.tracking_number)
    uploads = request.FILES.getlist("photos")
    for upload in uploads:
        upload.seek(0)  # the services may have read it already
    return _report_page(request, _holding(form, held, [(f.name or "", f) for f in uploads]), status=400)


def _holding(form: ReportForm, held: list[held_photos.HeldPhoto], uploads: list[tuple[str, Any]]) -> ReportForm:
    """Keep the refused form's photos server-side so the citizen need not choose them again."""
    token, form.held, problems = held_photos.hold(uploads, held)
    data = cast(QueryDict, form.data).copy()
    data["held_photos"] = token
    data.pop("drop_held_photos", None)
    form.data = data
    for problem in problems:
        if problem not in form.errors.get("photos", []):
            form.add_error("photos", problem)
    return form


@require_GET
def report_nearby(request: HttpRequest) -> HttpResponse:
    """ "Sudah dilaporkan?": open public reports of the chosen category within 250 m of the chosen point."""
    return render(request, "cases/citizen/_nearby.html", {"nearby": _nearby(request.GET)})


def _nearby(data: Any) -> list[tuple[Case, int]]:
    category = Category.objects.filter(code=data.get("category") or "", is_active=True).first()
    try:
        latitude, longitude = float(data.get("latitude", "")), float(data.get("longitude", ""))
    except ValueError:
        return []
    if category is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return []
    return queries.nearby_open_reports(category.pk, latitude, longitude)


@require_http_methods(["GET", "POST"])
def support(request: HttpRequest, number: str) -> HttpResponse:
    """Add one's support to an open public report instead of filing the same report again."""
    case = get_object_or_404(
        queries.public_cases().select_related(*_CASE_RELATIONS).filter(state__in=CaseStateChoices.OPEN),
        tracking_number=number,
    )
    citizen = _signed_in_citizen(request)
    form = SupportForm(request.POST if request.method == "POST" else None, citizen=citizen)
    status = 200
    if request.method == "POST":
        if not hit("support", client_address(request), settings.PATRIOT_INTAKE_RATE_PER_MINUTE):
            form.is_valid()
            form.add_error(None, _("Terlalu banyak permintaan dari alamat ini. Tunggu sebentar lalu coba lagi."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                _case, counted = services.support_case(
                    case, user=citizen, email=data["email"], phone=data["phone"], consent=data["consent"]
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    _("Terima kasih, dukungan Anda tercatat.")
                    if counted
                    else _("Anda sudah mendukung laporan ini sebelumnya."),
                )
                return redirect("track_case", number=number)
        status = status if status != 200 else 400
    return render(request, "cases/citizen/support.html", {"case": case, "form": form}, status=status)


@require_GET
def report_category_search(request: HttpRequest) -> JsonResponse:
    """Categories matching what the citizen typed (any words, any order, typos), best first, for the form's search."""
    query = request.GET.get("q", "")[:100]
    matches = category_search.search(query, Category.objects.filter(is_active=True))
    return JsonResponse(
        {"codes": [m.code for m in matches], "fallback": category_search.FALLBACK_CATEGORY, "found": bool(matches)}
    )


@require_GET
def report_attributes(request: HttpRequest) -> HttpResponse:
    """The chosen category's extra fields (htmx swaps them in when the category changes)."""
    form = ReportForm(initial={"category": request.GET.get("category", "")})
    return render(request, "cases/citizen/_attributes.html", {"form": form})


@require_GET
def report_sent(request: HttpRequest, number: str) -> HttpResponse:
    """The answer to a report: its number, the private link and what happens next. Only for the sender."""
    key = _known_key(request, number)
    case = get_object_or_404(Case.objects.select_related(*_CASE_RELATIONS), tracking_number=number)
    if not services.reporter_key_matches(case, key):
        raise Http404
    private_url = request.build_absolute_uri(reverse("track_case", kwargs={"number": number})) + f"?kunci={key}"
    context = {
        "case": case,
        "private_url": private_url,
        "verify_deadline": deadline_day(case.due_at),
        "deadline_is_day": case.category.verify_hours is None,
        "category": case.category,
        "resend_url": reverse("citizens:resend-link"),
    }
    return _private(render(request, "cases/citizen/report_sent.html", context))


# --- tracking ----------------------------------------------------------------------------------------


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        number = form.cleaned_data["number"]
        if Case.objects.filter(tracking_number=number).exclude(is_confidential=True).exists() or _known_key(
            request, number
        ):
            return redirect("track_case", number=number)
        form.add_error("number", _("Laporan dengan nomor ini tidak ditemukan. Periksa lagi penulisannya."))
    return render(request, "cases/citizen/track.html", {"form": form}, status=404 if form.errors else 200)


_ACTIONS: dict[str, type] = {
    "confirm": ConfirmForm,
    "dispute": DisputeForm,
    "comment": CommentForm,
    "add_photos": AddPhotosForm,
    "rate": RatingForm,
}
_DONE = {
    "confirm": gettext_lazy("Terima kasih. Laporan Anda ditutup."),
    "dispute": gettext_lazy("Laporan dibuka kembali dan dikembalikan ke OPD untuk ditindaklanjuti."),
    "comment": gettext_lazy("Informasi tambahan sudah dikirim."),
    "add_photos": gettext_lazy("Foto sudah ditambahkan."),
    "rate": gettext_lazy("Terima kasih atas penilaian Anda."),
}


def _act(request: HttpRequest, case: Case, action: str, form: Any) -> None:
    data = form.cleaned_data
    if action == "confirm":
        services.confirm_case(case, note=data["note"])
    elif action == "dispute":
        services.dispute_case(case, reason=data["reason"])
    elif action == "comment":
        services.comment_case(case, by=None, note=data["note"], reporter=True)
    elif action == "rate":
        services.rate_case(case, rating=data["rating"], comment=data["comment"])
    else:
        check_photo_rate(client_address(request), None)
        services.add_photos(case, photos=[(f.name or "", f) for f in data["photos"]], reporter=True)


@require_http_methods(["GET", "POST"])
def track_case(request: HttpRequest, number: str) -> HttpResponse:
    """The public-safe page of a case; with the reporter's key (link once, then session) their private page."""
    case = get_object_or_404(Case.objects.select_related(*_CASE_RELATIONS), tracking_number=number)
    given = request.GET.get("kunci")
    if given is not None:
        if services.reporter_key_matches(case, given):
            _remember_key(request, number, given)
            return _no_referrer(HttpResponseRedirect(reverse("track_case", kwargs={"number": number})))
        if case.is_confidential:
            raise Http404
        messages.warning(request, _("Kunci tautan pribadi tidak cocok; yang tampil adalah halaman publik."))
        return _no_referrer(HttpResponseRedirect(reverse("track_case", kwargs={"number": number})))
    is_reporter = services.reporter_key_matches(case, _known_key(request, number))
    if case.is_confidential and not is_reporter:
        raise Http404
    forms: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if not is_reporter:
            raise Http404
        action = request.POST.get("action", "")
        if action not in _ACTIONS:
            return redirect("track_case", number=number)
        form = _ACTIONS[action](request.POST, request.FILES, auto_id=f"{action}_%s")
        if form.is_valid():
            try:
                _act(request, case, action, form)
            except DomainError as error:
                target = error.field if error.field in form.fields else None
                form.add_error(target, error.message)
            else:
                messages.success(request, _DONE[action])
                return _private(redirect("track_case", number=number))
        forms[action] = form
        status = 400
    return _private(_case_page(request, case, is_reporter=is_reporter, forms=forms, status=status))


def _case_page(
    request: HttpRequest, case: Case, *, is_reporter: bool, forms: dict[str, Any], status: int
) -> HttpResponse:
    view = presenters.reporter_case(case) if is_reporter else presenters.public_case(case)
    if case.is_confidential or not presenters.photos_are_public(case):
        # The attachments API shows photos that are not public to staff only; the reporter gets them here.
        for photo in view["photos"]:
            photo["url"] = reverse("track_photo", kwargs={"number": case.tracking_number, "attachment_id": photo["id"]})
    allowed = set(view.get("allowed_actions", []))
    report_photos = [p for p in view["photos"] if p["kind"] == "report_photo"]
    proof_photos = [p for p in view["photos"] if p["kind"] == "proof_photo"]
    context = {
        "case": case,
        "view": view,
        "is_reporter": is_reporter,
        "report_photos": report_photos,
        "proof_photos": proof_photos,
        # A handled case shows the citizen's photos beside the URC's proof: before and after.
        "before_after": bool(report_photos and proof_photos and view["state"] in ("resolved", "closed")),
        "deadline": deadline_day(case.due_at),
        "deadline_is_day": _deadline_is_day(case),
        "dispute_deadline": deadline_day(case.dispute_until),
        **map_settings(),
        "forms": {
            # Each form's own id prefix: confirm and comment both have a "note" field on the same page.
            action: forms.get(action) or form_class(auto_id=f"{action}_%s")
            for action, form_class in _ACTIONS.items()
            if is_reporter and action in allowed
        },
    }
    return render(request, "cases/citizen/track_case.html", context, status=status)


def _deadline_is_day(case: Case) -> bool:
    if case.due_at is None:
        return True
    local = timezone.localtime(case.due_at, city_zone())
    return local.time() == datetime.min.time()


@require_GET
def track_photo(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    """A photo of the reporter's own case, for the browser that proved the private key."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("case"), pk=attachment_id, case__tracking_number=number
    )
    if not services.reporter_key_matches(attachment.case, _known_key(request, number)):
        raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the public map ------------------------------------------------------------------------------------


def _public_list(request: HttpRequest, form: PublicCaseFilterForm) -> dict[str, Any]:
    filters = form.filters()
    start, end = day_bounds(filters.get("since"), filters.get("until"))
    cases = (
        queries.filtered_public_cases(
            category=filters.get("category"),
            state=filters.get("state"),
            district=filters.get("district"),
            since=start,
            until=end,
        )
        .select_related("category", "village", "district")
        .only(
            "tracking_number",
            "title",
            "state",
            "created_at",
            "address",
            "category__name",
            "category__name_en",
            "category__icon",
            "village__name",
            "district__name",
        )
        .order_by("-created_at", "-id")
    )
    page = CappedPaginator(cases, PUBLIC_LIST_PAGE_SIZE).get_page(request.GET.get("halaman"))
    query = request.GET.copy()
    query.pop("halaman", None)
    return {"page": page, "query": query.urlencode()}


@require_GET
def public_map(request: HttpRequest) -> HttpResponse:
    form = PublicCaseFilterForm(request.GET)
    context = {"form": form, **map_settings(), **_public_list(request, form)}
    if request.headers.get("HX-Request"):
        return render(request, "cases/citizen/_public_list.html", context)
    return render(request, "cases/citizen/public_map.html", context)


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """The list under the map, one page at a time (htmx swaps it when filters or the page change)."""
    form = PublicCaseFilterForm(request.GET)
    return render(request, "cases/citizen/_public_list.html", {"form": form, **_public_list(request, form)})


# --- the public transparency page -------------------------------------------------------------------------

TRANSPARENCY_PERIODS = {"30": 30, "90": 90, "365": 365}


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    """Per agency and per kelurahan, for a chosen period: received, resolved, on time, median time, rating.

    Figures only: confidential cases count in them, and no case or person is named.
    """
    days = TRANSPARENCY_PERIODS.get(request.GET.get("periode", ""), 30)
    by = "village" if request.GET.get("menurut") == "kelurahan" else "agency"
    end = timezone.now()
    start = end - timedelta(days=days)
    rows = queries.transparency(by, start, end)
    chart = {
        "labels": [row.short_name for row in rows[:15]],
        "names": [row.name for row in rows[:15]],
        "received": [row.received for row in rows[:15]],
        "resolved": [row.resolved for row in rows[:15]],
        "on_time": [row.on_time_share for row in rows[:15]],
        "text": {
            "received": pgettext("received", "Diterima"),
            "resolved": _("Selesai"),
            "on_time": _("Tepat waktu (%)"),
        },
    }
    totals: dict[str, float | None] = {
        "received": sum(row.received for row in rows),
        "resolved": sum(row.resolved for row in rows),
        "on_time": sum(row.on_time for row in rows),
    }
    resolved, on_time = sum(row.resolved for row in rows), sum(row.on_time for row in rows)
    totals["on_time_share"] = round(100 * on_time / resolved, 1) if resolved else None
    context = {
        "rows": rows,
        "chart": chart,
        "totals": totals,
        "days": days,
        "by": by,
        "periods": list(TRANSPARENCY_PERIODS),
        "start": start,
        "end": end,
    }
    return render(request, "cases/citizen/transparency.html", context)


urlpatterns: list[URLPattern] = [
    path("lapor/", report, name="report"),
    path("lapor/atribut/", report_attributes, name="report_attributes"),
    path("lapor/kategori/", report_category_search, name="report_category_search"),
    path("lapor/sudah-dilaporkan/", report_nearby, name="report_nearby"),
    path("lacak/<str:number>/dukung/", support, name="support_case"),
    path("lapor/terkirim/<str:number>/", report_sent, name="report_sent"),
    path("lacak/", track, name="track"),
    path("lacak/<str:number>/", track_case, name="track_case"),
    path("lacak/<str:number>/foto/<int:attachment_id>/", track_photo, name="track_photo"),
    path("peta/", public_map, name="public_map"),
    path("transparansi/", transparency, name="transparency"),
    path("peta/daftar/", public_list, name="public_list"),
]
