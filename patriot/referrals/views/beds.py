"""The public bed board (/tempat-tidur/) and the hospital staff's phone page (/rumah-sakit/tempat-tidur/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.views.staff import staff_page
from patriot.core.errors import DomainError
from patriot.referrals import queries, services
from patriot.referrals.choices import BedTypeChoices, ChangeSourceChoices
from patriot.referrals.forms import BedsForm, TapForm

hospital_page = staff_page({RoleChoices.HOSPITAL_STAFF})


def board(request: HttpRequest) -> HttpResponse:
    bed_type = request.GET.get("jenis", "")
    if bed_type not in BedTypeChoices.values():
        bed_type = ""
    context = {
        "rows": queries.board(bed_type or None),
        "bed_types": BedTypeChoices.choices(),
        "bed_type": bed_type,
        "stale_hours": queries.stale_after().total_seconds() / 3600,
    }
    return render(request, "referrals/board.html", context)


def _facility_or_forbidden(request: HttpRequest) -> tuple[object | None, HttpResponse | None]:
    user: User = request.user  # type: ignore[assignment]
    try:
        return services.staff_facility(user), None
    except DomainError as error:
        return None, render(request, "referrals/no_facility.html", {"message": error.message}, status=403)


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
    facility, refused = _facility_or_forbidden(request)
    if refused is not None:
        return refused
    form = TapForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.as_text()))
        return redirect("referrals-my-beds")
    try:
        services.tap(
            request.user,  # type: ignore[arg-type]
            facility,  # type: ignore[arg-type]
            form.cleaned_data["bed_type"],
            form.cleaned_data["field"],
            form.cleaned_data["delta"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("referrals-my-beds")
