"""Pages for those who supervise jumantik (coordinator, puskesmas, Dinkes): the inspections of their area with the
household addresses (/jumantik/pengawasan/), one inspection (/jumantik/pemeriksaan/<id>/), data quality
(/jumantik/mutu/), the RTs' weekly house targets (/jumantik/target/) and the positive houses of an area's alert
(/jumantik/wilayah/peringatan/<id>/rumah/). Every page here that shows a household records the read
(larvae.audit)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.views.staff import staff_page
from patriot.core import clock
from patriot.core.errors import DomainError
from patriot.larvae import quality, queries, services
from patriot.larvae.audit import record_household_reads
from patriot.larvae.forms import InspectionFilterForm, RtTargetForm, WeekForm
from patriot.larvae.models import AreaAlert, Inspection
from patriot.larvae.scope import SUPERVISOR_ROLES, Scope, inspection_scope, supervised_area
from patriot.larvae.services import thresholds

supervisor_page = staff_page(SUPERVISOR_ROLES)
# One inspection: the jumantik who entered it, or a supervisor of its area.
own_or_supervised_page = staff_page(SUPERVISOR_ROLES | {RoleChoices.JUMANTIK})
LIST_LIMIT = 200


def _area(request: HttpRequest) -> Scope | None:
    user: User = request.user  # type: ignore[assignment]
    return supervised_area(user)


def _no_area(request: HttpRequest) -> HttpResponse:
    return render(request, "larvae/no_area.html", status=403)


@supervisor_page
def inspections(request: HttpRequest) -> HttpResponse:
    scope = _area(request)
    if scope is None:
        return _no_area(request)
    form = InspectionFilterForm(request.GET)
    rows = form.filter(Inspection.objects.filter(scope.condition())) if form.is_valid() else Inspection.objects.none()
    shown = list(rows.select_related("village", "jumantik")[:LIST_LIMIT])
    record_household_reads(
        request.user,  # type: ignore[arg-type]
        (inspection.pk for inspection in shown),
        _("Daftar pemeriksaan rumah (pengawasan jumantik)"),
    )
    return render(
        request,
        "larvae/supervision/inspections.html",
        {"form": form, "inspections": shown, "limited": len(shown) == LIST_LIMIT},
        status=200 if form.is_valid() else 400,
    )


def _visible_or_404(request: HttpRequest, pk: int) -> Inspection:
    user: User = request.user  # type: ignore[assignment]
    scope = inspection_scope(user)
    inspection = (
        Inspection.objects.filter(scope.condition(), pk=pk).select_related("village", "district", "jumantik").first()
        if scope is not None
        else None
    )
    if inspection is None:
        raise Http404
    return inspection


@own_or_supervised_page
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _visible_or_404(request, pk)
    record_household_reads(request.user, [inspection.pk], _("Rincian pemeriksaan rumah"))  # type: ignore[arg-type]
    return render(
        request,
        "larvae/supervision/inspection.html",
        {"inspection": inspection, "containers": list(inspection.containers.all())},
    )


@own_or_supervised_page
def inspection_photo(request: HttpRequest, pk: int) -> FileResponse:
    inspection = _visible_or_404(request, pk)
    if not inspection.photo:
        raise Http404
    record_household_reads(request.user, [inspection.pk], _("Foto pemeriksaan rumah"))  # type: ignore[arg-type]
    response = FileResponse(inspection.photo.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


@supervisor_page
def data_quality(request: HttpRequest) -> HttpResponse:
    scope = _area(request)
    if scope is None:
        return _no_area(request)
    form = WeekForm(request.GET)
    period = form.period()
    found = quality.findings(scope, period)
    record_household_reads(
        request.user,  # type: ignore[arg-type]
        found.household_inspection_ids(),
        _("Mutu data jumantik (rumah ganda, di luar RT)"),
    )
    return render(
        request,
        "larvae/supervision/quality.html",
        {"form": form, "findings": found, "settings_shown": quality.thresholds()},
        status=400 if form.errors else 200,
    )


@supervisor_page
def rt_targets(request: HttpRequest) -> HttpResponse:
    scope = _area(request)
    if scope is None:
        return _no_area(request)
    user: User = request.user  # type: ignore[assignment]
    form = RtTargetForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.set_rt_target(user, **form.target_values())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Target RT %(rt)s/RW %(rw)s %(village)s: %(houses)s rumah per minggu.")
                % {"rt": target.rt, "rw": target.rw, "village": target.village.name, "houses": target.houses},
            )
            return redirect("larvae-rt-targets")
    return render(
        request,
        "larvae/supervision/targets.html",
        {
            "form": form,
            "targets": queries.rt_targets_in(scope, clock.now()),
            "default_target": settings.PATRIOT_LARVAE_RT_TARGET_DEFAULT,
        },
        status=400 if request.method == "POST" else 200,
    )


@supervisor_page
def alert_houses(request: HttpRequest, pk: int) -> HttpResponse:
    """The positive houses of an alert's area and week, with their addresses: what its case lists by inspection
    number only, for the supervisors of that area (Dinkes, its puskesmas, its coordinator) acting on it."""
    scope = _area(request)
    alert = AreaAlert.objects.select_related("village", "case").filter(pk=pk).first()
    if alert is None or scope is None:
        raise Http404
    if not scope.covers(village_id=alert.village_id, district_id=alert.village.district_id, rw=alert.rw):
        raise Http404
    period = thresholds.crossing_period(alert)
    houses = list(
        thresholds.positive_houses(alert.village_id, alert.rw, period).select_related("jumantik")[
            : thresholds.POSITIVE_HOUSES_LISTED
        ]
    )
    record_household_reads(
        request.user,  # type: ignore[arg-type]
        (inspection.pk for inspection in houses),
        _("Rumah positif jentik dari peringatan wilayah %(case)s") % {"case": alert.case.tracking_number},
    )
    return render(
        request,
        "larvae/supervision/alert_houses.html",
        {"alert": alert, "houses": houses, "period": period, "week": thresholds.week_label(period)},
    )
