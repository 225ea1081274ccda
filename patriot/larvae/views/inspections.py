"""The jumantik's phone pages, the inspection form (/jumantik/periksa/) and their week (/jumantik/), and the
week's indices per kelurahan for Dinkes and the POC (/jumantik/indeks/).

Offline: larvae/offline.js keeps every inspection on the phone (IndexedDB, the photo as a blob) and sends it to the
form's own URL with `Accept: application/json`, its original time and its idempotency key, until the server has it;
the service worker (/jumantik/sw.js) keeps the form page and its files so the form opens without signal."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.views.staff import staff_page
from patriot.core import clock, offline
from patriot.core.errors import DomainError
from patriot.larvae import queries, services
from patriot.larvae.audit import record_household_reads
from patriot.larvae.forms import InspectionForm, WeekForm
from patriot.larvae.models import Inspection

jumantik_page = staff_page({RoleChoices.JUMANTIK})
index_page = staff_page(queries.INDEX_ROLES)
# The form page (no household data in it) and its files, kept so the form opens without signal; the week page shows it
# when offline (core/offline.py).
service_worker = offline.service_worker(
    offline.OfflinePages(
        cache="patriot-jumantik-v2",
        scope="/jumantik/",
        pages=("/jumantik/periksa/",),
        fallbacks={"/jumantik/": "/jumantik/periksa/"},
    )
)


@jumantik_page
def my_week(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    week = queries.jumantik_week(user, clock.now())
    record_household_reads(
        user, (inspection.pk for inspection in week.inspections), _("Minggu saya: pemeriksaan sendiri")
    )
    return render(request, "larvae/my_week.html", {"week": week})


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _saved_message(inspection: Inspection) -> str:
    if inspection.is_positive:
        return _("Tersimpan: RT %(rt)s/RW %(rw)s, ditemukan jentik di %(count)s kontainer.") % {
            "rt": inspection.rt,
            "rw": inspection.rw,
            "count": inspection.containers_positive,
        }
    return _("Tersimpan: RT %(rt)s/RW %(rw)s, bebas jentik.") % {"rt": inspection.rt, "rw": inspection.rw}


@jumantik_page
def inspect(request: HttpRequest) -> HttpResponse:
    """The form. A phone's queued send (Accept: application/json) gets 201 (recorded), 200 (already recorded: the
    same idempotency key) or 400/403/409 with the errors in the jumantik's language."""
    user: User = request.user  # type: ignore[assignment]
    if request.method != "POST":
        return render(request, "larvae/inspect.html", {"form": InspectionForm()})
    form = InspectionForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("photo")
        try:
            result = services.record_inspection(
                user, form.submission(), photo=(upload.name or "", upload) if upload else None, from_phone=True
            )
        except DomainError as error:
            if _wants_json(request):
                return JsonResponse(
                    {"detail": error.message, "code": error.code, "field": error.field}, status=error.status_code
                )
            form.add_domain_error(error.field, error.message)
        else:
            inspection = result.inspection
            if _wants_json(request):
                return JsonResponse(
                    {
                        "id": inspection.pk,
                        "created": result.created,
                        "is_positive": inspection.is_positive,
                        "village": result.village_name,
                        "inspected_at": inspection.inspected_at.isoformat(),
                        "detail": _saved_message(inspection),
                    },
                    status=201 if result.created else 200,
                )
            if inspection.is_positive:
                messages.warning(request, _saved_message(inspection))
            else:
                messages.success(request, _saved_message(inspection))
            return redirect("larvae-inspect")
    if _wants_json(request):
        errors = [
            f"{form.fields[name].label}: {' '.join(str(m) for m in messages_)}"
            if name in form.fields
            else " ".join(str(m) for m in messages_)
            for name, messages_ in form.errors.items()
        ]
        return JsonResponse({"detail": " ".join(errors), "code": "invalid", "field": None}, status=400)
    return render(request, "larvae/inspect.html", {"form": form}, status=400)


@index_page
def indices(request: HttpRequest) -> HttpResponse:
    form = WeekForm(request.GET)
    period = form.period()
    status = 400 if form.errors else 200
    # A health officer (Dinkes's lands on its page, which links here) finds the way back to Dinkes's page.
    context = {
        "form": form,
        "week": queries.city_week(period),
        "health_officer": request.user.role == RoleChoices.HEALTH_OFFICER,  # type: ignore[union-attr]
    }
    return render(request, "larvae/indices.html", context, status=status)
