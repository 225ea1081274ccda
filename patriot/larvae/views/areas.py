"""Areas pages for Dinkes, the POC and the mayor (/jumantik/wilayah/…): indices of any area and period with the
numbers behind them, the kelurahan map (ABJ or DF, dengue cases over it), an area's trend, the weekly recap per
kelurahan (printable, CSV); dengue cases (Dinkes); threshold cases and what URC did; the POC and mayor panels.
Figures only on every page here: no household address, point or name."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.views.staff import staff_page
from patriot.core import clock
from patriot.core.errors import DomainError
from patriot.core.exports import csv_response
from patriot.geo.models import Village
from patriot.larvae import area_queries
from patriot.larvae.area_forms import AreaPeriodForm, DengueCaseForm, ResolveAlertForm
from patriot.larvae.indices import Figures, Period
from patriot.larvae.models import AreaAlert
from patriot.larvae.services import dengue, thresholds

area_page = staff_page(area_queries.AREA_ROLES)
dengue_page = staff_page(area_queries.DENGUE_ROLES)
RESOLVE_ROLES = frozenset({RoleChoices.HEALTH_OFFICER, RoleChoices.URC_OFFICER})


def _week_label(period: Period) -> str:
    year, week, _day = period.start.isocalendar()
    return f"{year}-W{week:02d}"


@area_page
def areas(request: HttpRequest) -> HttpResponse:
    form = AreaPeriodForm(request.GET)
    period = form.period()
    area = form.area()
    level, rows = area_queries.sub_areas(area, period)
    context = {
        "form": form,
        "period": period,
        "week": _week_label(period),
        "area": area,
        "area_name": area_queries.area_name(area),
        "level": level,
        "rows": rows,
        "total": area_queries.area_figures(area, period),
        "dengue_cases": area_queries.dengue_total(area, period),
        "query": request.GET.urlencode(),
        "recap_code": form.cleaned_data["kelurahan"].code
        if form.is_valid() and form.cleaned_data.get("kelurahan")
        else "",
    }
    return render(request, "larvae/areas.html", context, status=400 if form.errors else 200)


@area_page
def map_json(request: HttpRequest) -> JsonResponse:
    form = AreaPeriodForm(request.GET)
    return JsonResponse(area_queries.map_data(form.period()))


@area_page
def trend_json(request: HttpRequest) -> JsonResponse:
    form = AreaPeriodForm(request.GET)
    period = form.period()
    last = Period.week_of(period.end - (period.end - period.start) / 2 if form.is_valid() else clock.now())
    return JsonResponse({"area": area_queries.area_name(form.area()), "weeks": area_queries.trend(form.area(), last)})


def _recap(request: HttpRequest, code: str) -> area_queries.Recap:
    village = Village.objects.select_related("district").filter(code=code).first()
    if village is None:
        raise Http404
    form = AreaPeriodForm(request.GET)
    return area_queries.weekly_recap(village, form.period())


@area_page
def recap(request: HttpRequest, code: str) -> HttpResponse:
    report = _recap(request, code)
    return render(request, "larvae/areas_recap.html", {"recap": report, "week": _week_label(report.period)})


def _cells(f: Figures) -> list[object]:
    def rounded(value: float | None) -> object:
        return "" if value is None else round(value, 1)

    return [
        f.counts.houses,
        f.counts.positive_houses,
        f.counts.containers,
        f.counts.positive_containers,
        rounded(f.larva_free_index),
        rounded(f.house_index),
        rounded(f.container_index),
        rounded(f.breteau_index),
        "" if f.density_figure is None else f.density_figure,
    ]


@area_page
def recap_csv(request: HttpRequest, code: str) -> HttpResponseBase:
    report = _recap(request, code)
    week = _week_label(report.period)
    header = [
        _("Minggu"),
        _("Kecamatan"),
        _("Kelurahan"),
        _("Wilayah"),
        _("Rumah diperiksa"),
        _("Rumah positif"),
        _("Kontainer diperiksa"),
        _("Kontainer positif"),
        "ABJ (%)",
        "HI (%)",
        "CI (%)",
        "BI",
        "DF",
        _("Kasus DBD"),
    ]
    village = report.village
    rows = [
        [week, village.district.name, village.name, row.name, *_cells(row.figures), row.dengue_cases]
        for row in report.rows
    ]
    rows.append([week, village.district.name, village.name, _("Jumlah"), *_cells(report.total), report.dengue_cases])
    return csv_response(header, rows, filename=f"rekap-jentik-{village.code}-{week}.csv")


@dengue_page
def dengue_cases(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = DengueCaseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                dengue.record_dengue_case(
                    user,
                    village=form.cleaned_data["kelurahan"],
                    rw=form.cleaned_data.get("rw"),
                    onset_date=form.cleaned_data["tanggal"],
                    count=form.cleaned_data["jumlah"],
                )
            except DomainError as error:
                form.add_domain_error(error.field, error.message)
            else:
                messages.success(request, _("Kasus DBD tercatat."))
                return redirect("larvae-dengue")
        status = 400
    context = {"form": form, "cases": area_queries.recent_dengue_cases()}
    return render(request, "larvae/areas_dengue.html", context, status=status)


@staff_page(area_queries.AREA_ROLES | {RoleChoices.URC_OFFICER})
def alerts(request: HttpRequest) -> HttpResponse:
    context = {"alerts": area_queries.open_alerts(), "form": ResolveAlertForm()}
    return render(request, "larvae/areas_alerts.html", context)


@staff_page(RESOLVE_ROLES)
@require_POST
def resolve_alert(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    alert = get_object_or_404(AreaAlert.objects.select_related("case"), pk=pk)
    if user.role == RoleChoices.URC_OFFICER and (user.team_id is None or user.team_id != alert.case.team_id):
        return render(request, "cases/staff/forbidden.html", status=403)
    form = ResolveAlertForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["foto"]
        try:
            thresholds.resolve_alert(
                alert,
                by=user,
                actions=form.cleaned_data["tindakan"],
                note=form.cleaned_data["catatan"],
                proof_photos=[(upload.name or "", upload)],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Penanganan tercatat."))
    else:
        messages.error(request, _("Pilih tindakan, isi catatan dan lampirkan foto bukti."))
    return redirect("larvae-alerts")


def poc_panel_context(request: HttpRequest) -> dict[str, object]:
    now = clock.now()
    today = now.astimezone(Period.week_of(now).start.tzinfo).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"larvae": area_queries.poc_panel(Period.week_of(now), today)}


def mayor_panel_context(request: HttpRequest) -> dict[str, object]:
    period = Period.week_of(clock.now())
    return {"risks": area_queries.district_risk(period), "week": _week_label(period)}


@area_page
def poc_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "larvae/_poc_panel_body.html", poc_panel_context(request))


@area_page
def mayor_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "larvae/_mayor_panel_body.html", mayor_panel_context(request))
