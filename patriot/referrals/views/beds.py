"""The public bed board (/tempat-tidur/) and the hospital staff's phone page (/rumah-sakit/tempat-tidur/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.views.staff import staff_page
from patriot.core.errors import DomainError
from patriot.core.templatetags.patriot import local_dt
from patriot.referrals import board_cache, queries, services
from patriot.referrals.choices import BedTypeChoices, ChangeSourceChoices
from patriot.referrals.forms import BedsForm, TapForm
from patriot.referrals.models import BedCount

hospital_page = staff_page({RoleChoices.HOSPITAL_STAFF})


def board(request: HttpRequest) -> HttpResponse:
    """Free beds by hospital and type, a map and a bed-type filter (a GET form: works without script); the page's
    script keeps the figures live from the public event stream. The figures are cached per hospital under its
    version (referrals.board_cache): a change rebuilds that hospital's part only, and shows at once."""
    bed_type = request.GET.get("jenis", "")
    if bed_type not in BedTypeChoices.values():
        bed_type = ""
    body = board_cache.board_body(bed_type, settings.PATRIOT_TILE_URL)
    context = {
        "body": body,
        "bed_types": BedTypeChoices.choices(),
        "bed_type": bed_type,
        "stale_hours": queries.stale_after().total_seconds() / 3600,
        "stale_seconds": int(queries.stale_after().total_seconds()),
        # For the script's times of live figures, written like the server's ("06-12-2026 17.02 WIB").
        "time_pattern": get_format("SHORT_DATETIME_FORMAT"),
        "zone_name": timezone.localtime(timezone=timezone.get_default_timezone()).tzname(),
    }
    return render(request, "referrals/board.html", context)


def _facility_or_forbidden(request: HttpRequest) -> tuple[object | None, HttpResponse | None]:
    user: User = request.user  # type: ignore[assignment]
    try:
        return services.staff_facility(user), None
    except DomainError as error:
        if _wants_json(request):
            return None, JsonResponse({"error": error.message}, status=403)
        return None, render(request, "referrals/no_facility.html", {"message": error.message}, status=403)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _figures(bed: BedCount) -> dict[str, object]:
    return {
        "bed_type": bed.bed_type,
        "total": bed.total,
        "occupied": bed.occupied,
        "reserved": bed.reserved,
        "queue": bed.queue,
        "free": bed.free,
        "updated_at": bed.updated_at.isoformat(),
        "updated_label": local_dt(bed.updated_at, "SHORT_DATETIME_FORMAT"),
    }


@hospital_page
def my_beds(request: HttpRequest) -> HttpResponse:
    facility, refused = _facility_or_forbidden(request)
    if refused is not None:
        return refused
    form = BedsForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_beds(
                    request.user,  # type: ignore[arg-type]
                    facility,  # type: ignore[arg-type]
                    form.cleaned_data["bed_type"],
                    form.figures(),
                    room=form.cleaned_data["room"],
                    source=ChangeSourceChoices.FORM,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("referrals-my-beds")
        status = 400
    context = {"facility": facility, "beds": queries.facility_beds(facility), "form": form}  # type: ignore[arg-type]
    return render(request, "referrals/my_beds.html", context, status=status)


@hospital_page
@require_POST
def tap(request: HttpRequest) -> HttpResponse:
    """One +/− tap. The page's script asks for JSON (the new figures, no reload); without script the form posts
    and the page comes back with a message."""
    facility, refused = _facility_or_forbidden(request)
    if refused is not None:
        return refused
    form = TapForm(request.POST)
    as_json = _wants_json(request)
    if not form.is_valid():
        message = _("Perubahan tidak dikenal.")
        if as_json:
            return JsonResponse({"error": message}, status=400)
        messages.error(request, message)
        return redirect("referrals-my-beds")
    try:
        bed = services.tap(
            request.user,  # type: ignore[arg-type]
            facility,  # type: ignore[arg-type]
            form.cleaned_data["bed_type"],
            form.cleaned_data["field"],
            form.cleaned_data["delta"],
        )
    except DomainError as error:
        if as_json:
            return JsonResponse({"error": error.message, "field": error.field}, status=400)
        messages.error(request, error.message)
        return redirect("referrals-my-beds")
    if as_json:
        return JsonResponse(_figures(bed))
    return redirect("referrals-my-beds")
