"""Dinkes' page (/dinkes/): sections of charts and tables for the health office, the POC and the mayor. Beds
first (occupancy over time per bed type, city-wide or one hospital, from the BedChange history; today's figures
per hospital), over the period of `dari`/`sampai` (default: the last 30 days). Another concern adds its section with `register_section` (e.g. referrals per day)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import RoleChoices
from patriot.cases.views.staff import staff_page
from patriot.core import clock
from patriot.referrals import queries
from patriot.referrals.choices import BedTypeChoices
from patriot.referrals.services import statistics

# Dinkes acts on these figures; the POC and the mayor watch the city's.
DINKES_ROLES = RoleChoices.POC_ROLES | {RoleChoices.HEALTH_OFFICER, RoleChoices.MAYOR}
dinkes_page = staff_page(DINKES_ROLES)


@dataclass(frozen=True)
class Section:
    """One section of the page: its anchor, title, template and a function of the request giving its context."""

    slug: str
    title: Any
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 100


_sections: dict[str, Section] = {}


def register_section(section: Section) -> None:
    _sections[section.slug] = section


def beds_context(request: HttpRequest) -> dict[str, Any]:
    hospitals = queries.hospitals_with_beds()
    hospital = request.GET.get("rs", "")
    if hospital not in {code for code, _name in hospitals}:
        hospital = ""
    period = statistics.period_from(request.GET)
    # The end of the period's last day (or now, for a period ending today): occupancy's days end there.
    end = min(clock.now(), period.until - timedelta(microseconds=1))
    series = queries.occupancy(len(period.days), hospital or None, now=end)
    labels = dict(BedTypeChoices.choices())
    chart = {
        "labels": series.labels,
        "datasets": [{"label": str(labels.get(kind, kind)), "data": data} for kind, data in series.series.items()],
    }
    now_rows = queries.board_hospitals()
    if hospital:
        now_rows = [row for row in now_rows if row.code == hospital]
    return {
        "hospitals": hospitals,
        "hospital": hospital,
        "chart": chart,
        "table": [
            (label, [values[index] for values in series.series.values()]) for index, label in enumerate(series.labels)
        ],
        "days": len(period.days),
        "period": period,
        "ends_today": period.end == timezone.localdate(clock.now()),
        "now_rows": now_rows,
    }


register_section(Section("tempat-tidur", _("Tempat tidur"), "referrals/dinkes_beds.html", beds_context, order=10))


@dinkes_page
def dashboard(request: HttpRequest) -> HttpResponse:
    sections = sorted(_sections.values(), key=lambda section: section.order)
    blocks = [{"section": section, **section.context(request)} for section in sections]
    # Dinkes also runs Si Tik Tik: its health officers (who land here) find the larvae pages from here.
    larvae = request.user.role == RoleChoices.HEALTH_OFFICER  # type: ignore[union-attr]
    return render(request, "referrals/dinkes.html", {"blocks": blocks, "larvae_links": larvae})
