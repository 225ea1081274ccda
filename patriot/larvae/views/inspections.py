"""The jumantik's phone pages, the inspection form (/jumantik/periksa/) and their week (/jumantik/), and the
week's indices per kelurahan for Dinkes and the POC (/jumantik/indeks/).

Not built yet: the offline queue. The form posts to the server and needs a signal; an inspection kept on the phone
and sent later will go through POST /api/v1/larvae/inspections with its original time and Idempotency-Key."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.views.staff import staff_page
from patriot.core import clock
from patriot.core.errors import DomainError
from patriot.larvae import queries, services
from patriot.larvae.forms import InspectionForm, WeekForm

jumantik_page = staff_page({RoleChoices.JUMANTIK})
index_page = staff_page(queries.INDEX_ROLES)


@jumantik_page
def my_week(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    week = queries.jumantik_week(user, clock.now())
    return render(request, "larvae/my_week.html", {"week": week})


@jumantik_page
def inspect(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.method != "POST":
        return render(request, "larvae/inspect.html", {"form": InspectionForm()})
    form = InspectionForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("photo")
        try:
            result = services.record_inspection(
                user, form.submission(), photo=(upload.name or "", upload) if upload else None
            )
        except DomainError as error:
            form.add_domain_error(error.field, error.message)
        else:
            inspection = result.inspection
            if inspection.is_positive:
                messages.warning(
                    request,
                    _("Tersimpan: RT %(rt)s/RW %(rw)s, ditemukan jentik di %(count)s kontainer.")
                    % {"rt": inspection.rt, "rw": inspection.rw, "count": inspection.containers_positive},
                )
            else:
                messages.success(
                    request,
                    _("Tersimpan: RT %(rt)s/RW %(rw)s, bebas jentik.") % {"rt": inspection.rt, "rw": inspection.rw},
                )
            return redirect("larvae-inspect")
    return render(request, "larvae/inspect.html", {"form": form}, status=400)


@index_page
def indices(request: HttpRequest) -> HttpResponse:
    form = WeekForm(request.GET)
    period = form.period()
    status = 400 if form.errors else 200
    return render(request, "larvae/indices.html", {"form": form, "week": queries.city_week(period)}, status=status)
