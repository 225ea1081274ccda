"""The referral section of Dinkes' page (/dinkes/#rujukan), its CSV export and the POC dashboard's panel: the
figures of referrals.services.statistics over a period (default: the last 30 days). Counts only, no patient: the
same people who open Dinkes' page (Dinkes, the POC, the mayor) see them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patriot.core.exports import csv_response
from patriot.referrals.choices import RejectReasonChoices
from patriot.referrals.services import statistics
from patriot.referrals.views.dinkes import Section, dinkes_page, register_section


def _charts(figures: statistics.ReferralFigures) -> dict[str, Any]:
    reasons = RejectReasonChoices.values()
    names = [hospital.name for hospital in figures.hospitals]
    return {
        "per_day": {
            "labels": [day.isoformat() for day, _count in figures.per_day],
            "datasets": [{"label": _("Rujukan"), "data": [count for _day, count in figures.per_day]}],
        },
        "answers": {
            "labels": names,
            "datasets": [
                {"label": _("Diterima"), "data": [hospital.accepted for hospital in figures.hospitals]},
                *[
                    {
                        "label": _("Ditolak: %(reason)s") % {"reason": RejectReasonChoices.label(reason)},
                        "data": [hospital.reasons.get(reason, 0) for hospital in figures.hospitals],
                    }
                    for reason in reasons
                ],
            ],
        },
        "response": {
            "labels": names,
            "datasets": [
                {"label": _("Median"), "data": [hospital.median_minutes for hospital in figures.hospitals]},
                {"label": _("Persentil 90"), "data": [hospital.p90_minutes for hospital in figures.hospitals]},
            ],
        },
        "diagnoses": {
            "labels": [f"{group.chapter} {group.name}" for group in figures.diagnosis_groups],
            "datasets": [{"label": _("Rujukan"), "data": [group.count for group in figures.diagnosis_groups]}],
        },
    }


def referrals_context(request: HttpRequest) -> dict[str, Any]:
    period = statistics.period_from(request.GET)
    figures = statistics.referral_figures(period)
    return {
        "period": period,
        "figures": figures,
        "charts": _charts(figures),
        "reasons": [(reason, RejectReasonChoices.label(reason)) for reason in RejectReasonChoices.values()],
        "hospital": request.GET.get("rs", ""),
    }


register_section(
    Section("rujukan", gettext_lazy("Rujukan"), "referrals/dinkes_referrals.html", referrals_context, order=20)
)


@dinkes_page
def referrals_csv(request: HttpRequest) -> HttpResponseBase:
    """The per-hospital table of the period as CSV (counts and response times, no patient)."""
    period = statistics.period_from(request.GET)
    header, rows = statistics.csv_rows(statistics.referral_figures(period))
    return csv_response(header, rows, filename=f"rujukan-{period.start.isoformat()}-{period.end.isoformat()}.csv")


def poc_panel(request: object) -> dict[str, Any]:
    """The POC dashboard's compact panel: the city's figures of the last 30 days (no patient, no hospital)."""
    figures = statistics.referral_figures(statistics.default_period())
    return {"referral_figures": figures, "referral_city": figures.city}
