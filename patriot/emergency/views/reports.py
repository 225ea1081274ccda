"""PSC 119's interval report (/psc/laporan/) and its CSV: medians and 90th percentiles of every interval of a run
over a period, by kecamatan, triage level and unit, with counts by complaint and outcome. Figures only: no caller
or patient detail, so the health office reads it beside the PSC's own staff."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from patriot.accounts.choices import RoleChoices
from patriot.cases.views.staff import staff_page
from patriot.core.exports import csv_response
from patriot.emergency import intervals
from patriot.emergency.forms import ReportPeriodForm
from patriot.emergency.queries import CALL_ROLES

REPORT_ROLES = CALL_ROLES | {RoleChoices.HEALTH_OFFICER}
report_page = staff_page(REPORT_ROLES)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    return (
        timezone.make_aware(datetime.combine(first, time.min), zone),
        timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone),
    )


def _report(request: HttpRequest) -> tuple[ReportPeriodForm, date, date, intervals.Report]:
    form = ReportPeriodForm(request.GET)
    first, last = form.period()
    return form, first, last, intervals.report(*_bounds(first, last))


@require_GET
@report_page
def interval_report(request: HttpRequest) -> HttpResponse:
    form, first, last, report = _report(request)
    sections = [
        (_("Menurut level triase"), report.by_level),
        (_("Menurut kecamatan"), report.by_district),
        (_("Menurut unit pertama"), report.by_unit),
    ]
    return render(
        request,
        "emergency/report.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "report": report,
            "intervals": intervals.INTERVALS,
            "sections": sections,
            "query": request.GET.urlencode(),
        },
        status=200 if form.is_valid() or not request.GET else 400,
    )


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


@require_GET
@report_page
def interval_report_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    _form, first, last, report = _report(request)
    header = [_("Kelompok"), _("Nilai"), _("Insiden")]
    for interval in intervals.INTERVALS:
        label = str(interval.label)
        header += [f"{label}: n", f"{label}: {_('median (detik)')}", f"{label}: {_('persentil 90 (detik)')}"]
    groups = [
        (_("Seluruh kota"), [report.overall]),
        (_("Level triase"), report.by_level),
        (_("Kecamatan"), report.by_district),
        (_("Unit pertama"), report.by_unit),
    ]
    rows: list[list[object]] = []
    for group, group_rows in groups:
        for row in group_rows:
            cells: list[object] = [str(group), row.label, row.incidents]
            for interval in intervals.INTERVALS:
                figure = row.figures[interval.key]
                cells += [figure.count, _seconds(figure.median), _seconds(figure.p90)]
            rows.append(cells)
    for label, counts in ((_("Keluhan utama"), report.by_complaint), (_("Hasil"), report.by_outcome)):
        rows += [[str(label), name, count] for _value, name, count in counts]
    return csv_response(header, rows, filename=f"interval-psc119-{first.isoformat()}-{last.isoformat()}.csv")
