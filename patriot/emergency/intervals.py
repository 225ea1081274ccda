"""PSC 119's interval report: every interval of a run, from the incident's timestamps (never typed), as the median
and 90th percentile over a period — for the whole city, by kecamatan, by triage level and by the first unit sent —
plus the counts of incidents by complaint and by outcome, and the response-time targets per triage level.

An interval counts for an incident only when both its ends were stamped and the end is not before the start. The
percentiles interpolate linearly between the two nearest values (numpy's default, the same as PostgreSQL's
`percentile_cont`). The durations are computed by the database in one query (seconds between two timestamps) and
the percentiles by numpy, so the report costs one pass over the period's incidents whatever the grouping.

Response-time targets (call received → ambulance on scene) per triage level come from PATRIOT_EMERGENCY_RESPONSE_TARGETS
(minutes: the median and the 90th percentile the PSC aims at). The defaults are the English NHS Ambulance Response
Programme standards (NHS England, 2017): category 1, life-threatening — mean 7 min, 90th centile 15 min; category 2,
emergency — mean 18 min, 90th centile 40 min; category 3, urgent — 90th centile 120 min. P1 is read as category 1,
P2 as category 2, P3 as category 3 (the programme sets no mean for it); a median stands in for the mean, which long
waits would pull up. Indonesia's national rules (Permenkes 19/2016 on SPGDT) set no ambulance arrival time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, F, FloatField, Func, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from patriot.emergency.choices import (
    ClosureReasonChoices,
    ComplaintChoices,
    IncidentStateChoices,
    TriageLevelChoices,
)
from patriot.emergency.models import Ambulance, Incident
from patriot.geo.models import District


@dataclass(frozen=True)
class Interval:
    key: str
    start: str
    end: str
    label: Promise


# In the order of a run. `response` spans the first six: what the caller waits for.
INTERVALS: tuple[Interval, ...] = (
    Interval("answer", "call_received_at", "call_answered_at", _("Panggilan masuk → dijawab")),
    Interval("logging", "call_answered_at", "created_at", _("Dijawab → insiden dibuat")),
    Interval("notify", "created_at", "dispatched_at", _("Insiden dibuat → unit ditugaskan")),
    Interval("turnout", "dispatched_at", "en_route_at", _("Unit ditugaskan → berangkat")),
    Interval("travel", "en_route_at", "on_scene_at", _("Berangkat → tiba di lokasi")),
    Interval("on_scene", "on_scene_at", "left_scene_at", _("Tiba di lokasi → meninggalkan lokasi")),
    Interval("transport", "left_scene_at", "at_hospital_at", _("Meninggalkan lokasi → tiba di rumah sakit")),
    Interval("handover", "at_hospital_at", "handover_at", _("Tiba di rumah sakit → serah terima di IGD")),
    Interval("clear", "handover_at", "back_in_service_at", _("Serah terima → siaga kembali")),
    Interval("response", "call_received_at", "on_scene_at", _("Waktu tanggap: panggilan masuk → tiba di lokasi")),
)
INTERVAL_KEYS = tuple(interval.key for interval in INTERVALS)

# Minutes: {level: (median target or None, 90th-percentile target)}. See the module docstring for the source.
DEFAULT_RESPONSE_TARGETS: dict[str, tuple[float | None, float]] = {
    TriageLevelChoices.P1: (7, 15),
    TriageLevelChoices.P2: (18, 40),
    TriageLevelChoices.P3: (None, 120),
}


def response_targets() -> dict[str, tuple[float | None, float]]:
    configured = getattr(settings, "PATRIOT_EMERGENCY_RESPONSE_TARGETS", None)
    return dict(configured) if configured else dict(DEFAULT_RESPONSE_TARGETS)


class SecondsBetween(Func):
    """Seconds from one timestamp column to another, computed by the database (NULL when either is NULL)."""

    output_field = FloatField()
    arity = 2

    def _seconds(self, compiler: Any, template: str) -> tuple[str, list[Any]]:
        start, end = (compiler.compile(expression) for expression in self.source_expressions)
        return template.format(start=start[0], end=end[0]), [*end[1], *start[1]]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return self._seconds(compiler, "((julianday({end}) - julianday({start})) * 86400.0)")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return self._seconds(compiler, "(EXTRACT(EPOCH FROM ({end} - {start})))::double precision")


@dataclass(frozen=True)
class Figure:
    """One interval over a group: how many incidents have it, its median and 90th percentile in seconds."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    incidents: int
    figures: dict[str, Figure]
    # For a triage level's row: (median target, p90 target) in minutes and whether each is met.
    target: tuple[float | None, float] | None = None

    def meets(self, which: str) -> bool | None:
        """Whether the response time meets its target: "median" or "p90"; None when there is no target or data."""
        if self.target is None:
            return None
        goal = self.target[0] if which == "median" else self.target[1]
        figure = self.figures["response"]
        value = figure.median if which == "median" else figure.p90
        if goal is None or value is None:
            return None
        return value <= goal * 60


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    overall: Row
    by_district: list[Row]
    by_level: list[Row]
    by_unit: list[Row]
    by_complaint: list[tuple[str, str, int]]
    by_outcome: list[tuple[str, str, int]]


def _figure(values: np.ndarray) -> Figure:
    values = values[~np.isnan(values)]
    values = values[values >= 0]
    if not values.size:
        return Figure(0, None, None)
    median, p90 = np.percentile(values, [50, 90])
    return Figure(int(values.size), float(median), float(p90))


def _row(key: str, label: str, durations: np.ndarray, **extra: Any) -> Row:
    return Row(
        key=key,
        label=label,
        incidents=int(durations.shape[0]),
        figures={interval.key: _figure(durations[:, column]) for column, interval in enumerate(INTERVALS)},
        **extra,
    )


def _grouped(
    groups: np.ndarray, durations: np.ndarray, labels: dict[Any, str], order: Iterable[Any], **per_key: Any
) -> list[Row]:
    rows = []
    for key in order:
        selected = durations[groups == key]
        if selected.shape[0]:
            rows.append(_row(str(key), labels.get(key, str(key)), selected, **per_key.get(str(key), {})))
    return rows


def report(start: datetime, end: datetime) -> Report:
    """The interval report for the incidents whose call came in from `start` (inclusive) to `end` (exclusive).
    Calls closed as not an emergency count in the outcome figures only: they have no run."""
    period = Incident.objects.filter(call_received_at__gte=start, call_received_at__lt=end)
    runs = period.exclude(state=IncidentStateChoices.NON_EMERGENCY).annotate(
        level_worked=Coalesce(NullIf(F("final_level"), Value("")), F("proposed_level")),
        **{f"seconds_{interval.key}": SecondsBetween(F(interval.start), F(interval.end)) for interval in INTERVALS},
    )
    rows = list(
        runs.values_list(
            "district_id",
            "level_worked",
            "first_ambulance_id",
            *(f"seconds_{interval.key}" for interval in INTERVALS),
        )
    )
    if rows:
        columns = list(zip(*rows, strict=True))
        districts = np.array([-1 if value is None else value for value in columns[0]])
        levels = np.array([value or "" for value in columns[1]], dtype=object)
        units = np.array([-1 if value is None else value for value in columns[2]])
        # To the millisecond: SQLite's julianday arithmetic is off by a few microseconds.
        durations = np.round(np.array(columns[3:], dtype=float).T, 3)
    else:
        districts = levels = units = np.array([])
        durations = np.empty((0, len(INTERVALS)))

    district_names = dict(District.objects.values_list("id", "name"))
    district_names[-1] = str(_("Di luar kota / tanpa kecamatan"))
    unit_names = dict(Ambulance.objects.values_list("id", "unit__name"))
    unit_names[-1] = str(_("Belum ada unit"))
    level_labels = {value: str(label) for value, label in TriageLevelChoices.choices()}
    level_labels[""] = str(_("Tanpa level"))
    targets = response_targets()

    return Report(
        start=start,
        end=end,
        overall=_row("all", str(_("Seluruh kota")), durations),
        by_district=_grouped(districts, durations, district_names, sorted(district_names, key=lambda key: district_names[key])),
        by_level=_grouped(
            levels,
            durations,
            level_labels,
            [*TriageLevelChoices.values(), ""],
            **{level: {"target": target} for level, target in targets.items()},
        ),
        by_unit=_grouped(units, durations, unit_names, sorted(unit_names, key=lambda key: unit_names[key])),
        by_complaint=_counted(period, "complaint", ComplaintChoices.choices(), _("Belum diisi")),
        by_outcome=_outcomes(period),
    )


def _counted(
    incidents: Any, field: str, choices: Sequence[tuple[str, Any]], blank_label: Any
) -> list[tuple[str, str, int]]:
    """(value, label, count) for every choice of `field`, in the choices' order; blanks last when there are any."""
    counts = dict(incidents.order_by().values_list(field).annotate(n=Count("id")).values_list(field, "n"))
    rows = [(value, str(label), counts.get(value, 0)) for value, label in choices]
    if counts.get(""):
        rows.append(("", str(blank_label), counts[""]))
    return rows


def _outcomes(period: Any) -> list[tuple[str, str, int]]:
    """Incidents by where they ended: each state of a run, and each reason a call was not an emergency."""
    run_states = [
        (value, label) for value, label in IncidentStateChoices.choices() if value != IncidentStateChoices.NON_EMERGENCY
    ]
    runs = _counted(period.exclude(state=IncidentStateChoices.NON_EMERGENCY), "state", run_states, "")
    closed = _counted(
        period.filter(state=IncidentStateChoices.NON_EMERGENCY), "closure_reason", ClosureReasonChoices.choices(), ""
    )
    not_emergency = str(_("Bukan kedaruratan"))
    return runs + [(f"non_emergency:{value}", f"{not_emergency}: {label}", count) for value, label, count in closed]
