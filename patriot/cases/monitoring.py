"""What the cases app shows operations (core.registry): open and overdue cases per agency on /metrics."""

from __future__ import annotations

from patriot.cases.queries import open_cases_by_agency
from patriot.core.registry import GaugeFamily, Gauges, GaugeSamples


def read_case_gauges() -> GaugeSamples:
    loads = open_cases_by_agency().items()
    return {
        "patriot_cases_open": [((agency,), counts.open) for agency, counts in loads],
        "patriot_cases_overdue": [((agency,), counts.overdue) for agency, counts in loads],
    }


CASE_GAUGES = Gauges(
    "cases",
    (
        GaugeFamily("patriot_cases_open", "Open cases per agency.", ("agency",)),
        GaugeFamily("patriot_cases_overdue", "Open overdue cases per agency.", ("agency",)),
    ),
    read_case_gauges,
)
