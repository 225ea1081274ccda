"""PSC 119's interval report: every interval of a run, from the incident's timestamps (never typed), as the median
and 90th percentile over a period — for the whole city, by kecamatan, by triage level and by the first unit sent —
plus the counts of incidents by complaint and by outcome, and the response-time targets per triage level.

An interval counts for an incident only when both its ends were stamped and the end is not before the start. The
percentiles interpolate linearly between the two nearest values (numpy's default, the same as PostgreSQL's
`percentile_cont`). The durations are computed by the database in one query (seconds between two timestamps) and
the percentiles by numpy, so the report costs one pass over the period's incidents whatever the grouping.

Response-time targets (call received → ambulance on scene) per triage level are the dispatch board's
(PATRIOT_EMERGENCY_RESPONSE_TARGETS, "level:amber/red" minutes): the report reads amber as the median target and red
as the 90th-percentile target. The defaults are the English NHS Ambulance Response Programme standards (NHS England,
2017): category 1, life-threatening — mean 7 min, 90th centile 15 min; category 2, emergency — mean 18 min, 90th
centile 40 min; category 3, urgent — 90th centile 120 min. P1 is read as category 1, P2 as category 2, P3 as
category 3 (the programme sets no mean for it; the board's amber of 60 min stands in); a median stands in for the
mean, which long waits would pull up. Indonesia's national rules (Permenkes 19/2016 on SPGDT) set no ambulance
arrival time.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, F, FloatField, Func, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from patriot.emergency import dispatch
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


def response_targets() -> dict[str, tuple[float | None, float]]:
    """Minutes per level: (median target, 90th-percentile target) — the dispatch board's amber and red
    (PATRIOT_EMERGENCY_RESPONSE_TARGETS, read by emergency.dispatch.response_targets)."""
    return {level: (float(amber), float(red)) for level, (amber, red) in dispatch.response_targets().items()}


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
        return self._seconds(compiler, "date_part('epoch', {end} - {start})")


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


def _row(key: str, label: str, durations: np.ndarray, **extra: Any) -> Row:
    """One group's figures: `durations` holds a row per incident and a column per interval, NaN where the
    interval does not count; each column's percentiles in one call."""
    counts = np.count_nonzero(~np.isnan(durations), axis=0)
    if durations.shape[0]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a column with no value: NaN, read as no figure
            medians, p90s = np.nanpercentile(durations, [50, 90], axis=0)
    else:
        medians = p90s = np.full(len(INTERVALS), np.nan)
    figures = {
        interval.key: Figure(0, None, None)
        if not counts[column]
        else Figure(int(counts[column]), float(medians[column]), float(p90s[column]))
        for column, interval in enumerate(INTERVALS)
    }
    return Row(key=key, label=label, incidents=int(durations.shape[0]), figures=figures, **extra)


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
        district_key=Coalesce(F("district_id"), Value(-1)),
        level_worked=Coalesce(NullIf(F("final_level"), Value("")), F("proposed_level"), Value("")),
        unit_key=Coalesce(F("first_ambulance_id"), Value(-1)),
        **{f"seconds_{interval.key}": SecondsBetween(F(interval.start), F(interval.end)) for interval in INTERVALS},
    )
    columns = ("district_key", "level_worked", "unit_key", *(f"seconds_{interval.key}" for interval in INTERVALS))
    # Straight from the cursor: Django's per-row converters would cost more than the query.
    sql, params = runs.values_list(*columns).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    districts = np.array([row[0] for row in rows], dtype=np.int64)
    levels = np.array([row[1] for row in rows], dtype=object)
    units = np.array([row[2] for row in rows], dtype=np.int64)
    # None becomes NaN (a stamp missing). To the millisecond: SQLite's julianday arithmetic is off by microseconds.
    durations = np.round(np.array([row[3:] for row in rows], dtype=float).reshape(len(rows), len(INTERVALS)), 3)
    durations[durations < 0] = np.nan  # an end stamped before its start does not count

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
        by_district=_grouped(
            districts, durations, district_names, sorted(district_names, key=lambda key: district_names[key])
        ),
        by_level=_grouped(
            levels,
            durations,
            level_labels,
            [*TriageLevelChoices.values(), ""],
            **{level: {"target": target} for level, target in targets.items()},
        ),
        by_unit=_grouped(units, durations, unit_names, sorted(unit_names, key=lambda key: unit_names[key])),
        **_counts(period),
    )


def _counts(period: Any) -> dict[str, list[tuple[str, str, int]]]:
    """The period's incidents by complaint and by outcome (each state of a run, each reason a call was not an
    emergency), every choice listed with its count, from one grouped query."""
    by_complaint: dict[str, int] = {}
    by_state: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    grouped = period.order_by().values_list("state", "closure_reason", "complaint").annotate(n=Count("id"))
    for state, reason, complaint, count in grouped.values_list("state", "closure_reason", "complaint", "n"):
        by_complaint[complaint] = by_complaint.get(complaint, 0) + count
        if state == IncidentStateChoices.NON_EMERGENCY:
            by_reason[reason] = by_reason.get(reason, 0) + count
        else:
            by_state[state] = by_state.get(state, 0) + count
    complaints = [(value, str(label), by_complaint.get(value, 0)) for value, label in ComplaintChoices.choices()]
    if by_complaint.get(""):
        complaints.append(("", str(_("Belum diisi")), by_complaint[""]))
    not_emergency = str(_("Bukan kedaruratan"))
    outcomes = [
        (value, str(label), by_state.get(value, 0))
        for value, label in IncidentStateChoices.choices()
        if value != IncidentStateChoices.NON_EMERGENCY
    ] + [
        (f"non_emergency:{value}", f"{not_emergency}: {label}", by_reason.get(value, 0))
        for value, label in ClosureReasonChoices.choices()
    ]
    return {"by_complaint": complaints, "by_outcome": outcomes}
