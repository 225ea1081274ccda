"""PSC 119's interval report: every interval of a run, from the incident's timestamps (never typed), as the median
and 90th percentile over a period — for the whole city, by kecamatan, by triage level and by the first unit sent —
plus the counts of incidents by complaint and by outcome, and the response-time targets per triage level.

An interval counts for an incident only when both its ends were stamped and the end is not before the start.
Durations are in seconds to the millisecond. The percentiles interpolate linearly between the two nearest values
(PostgreSQL's `percentile_cont`, numpy's default). How the figures are made depends on the database, each doing
the least work it can (issue 11, item 14: ≤ 300 ms over 100,000 incidents; bench/emergency_report.py):

- PostgreSQL computes everything: the durations, their counts and `percentile_cont(ARRAY[0.5, 0.9])` for the
  city and by kecamatan, level and unit in one statement (GROUPING SETS), and the counts by complaint and outcome
  in a second. The durations are rounded to the millisecond in float8 (`round(x * 1000) / 1000`, rint's
  half-to-even, as numpy's `round`).
- SQLite has no percentile: one query reads the period's incidents once — group keys, outcome columns and each of
  the ten timestamps as a Julian day (SQLite keeps milliseconds) — and numpy makes every interval from those epoch
  pairs and the percentiles, and Python counts the outcomes from the same rows.

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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count
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


# The ten timestamps of a run, in order; each interval is a pair of them.
STAMPS = (
    "call_received_at",
    "call_answered_at",
    "created_at",
    "dispatched_at",
    "en_route_at",
    "on_scene_at",
    "left_scene_at",
    "at_hospital_at",
    "handover_at",
    "back_in_service_at",
)
PAIRS = tuple((STAMPS.index(interval.start), STAMPS.index(interval.end)) for interval in INTERVALS)
# Every time an incident records, in order: its run and when it was closed (the incident page, the EIDO export).
INCIDENT_TIMES = (*STAMPS, "closed_at")
NO_FIGURE = Figure(0, None, None)

# One group's figures: how many incidents, and a Figure per interval key.
Group = tuple[int, dict[str, Figure]]
# The groups of each grouping ("all", "district", "level", "unit"), by group key.
Groups = dict[str, dict[Any, Group]]


def report(start: datetime, end: datetime) -> Report:
    """The interval report for the incidents whose call came in from `start` (inclusive) to `end` (exclusive).
    Calls closed as not an emergency count in the outcome figures only: they have no run."""
    period = Incident.objects.filter(call_received_at__gte=start, call_received_at__lt=end)
    if connection.vendor == "postgresql":
        groups = _groups_in_sql(start, end)
        counts = _counts(period)
    else:
        groups, counts = _groups_and_counts_in_numpy(start, end)

    district_names = dict(District.objects.values_list("id", "name"))
    district_names[-1] = str(_("Di luar kota / tanpa kecamatan"))
    unit_names = dict(Ambulance.objects.values_list("id", "unit__name"))
    unit_names[-1] = str(_("Belum ada unit"))
    level_labels = {value: str(label) for value, label in TriageLevelChoices.choices()}
    level_labels[""] = str(_("Tanpa level"))
    targets = response_targets()

    def rows(grouping: str, labels: dict[Any, str], order: Iterable[Any], **per_key: Any) -> list[Row]:
        found = groups[grouping]
        return [
            Row(str(key), labels.get(key, str(key)), found[key][0], found[key][1], **per_key.get(str(key), {}))
            for key in order
            if key in found
        ]

    overall = groups["all"].get("all", (0, dict.fromkeys(INTERVAL_KEYS, NO_FIGURE)))
    return Report(
        start=start,
        end=end,
        overall=Row("all", str(_("Seluruh kota")), overall[0], overall[1]),
        by_district=rows("district", district_names, sorted(district_names, key=lambda key: district_names[key])),
        by_level=rows(
            "level",
            level_labels,
            [*TriageLevelChoices.values(), ""],
            **{level: {"target": target} for level, target in targets.items()},
        ),
        by_unit=rows("unit", unit_names, sorted(unit_names, key=lambda key: unit_names[key])),
        **counts,
    )


def _bounds(start: datetime, end: datetime) -> list[Any]:
    """The period's ends as the database compares them (SQLite: naive UTC text, as the ORM writes them)."""
    return [connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)]


# --- PostgreSQL: durations and percentiles in SQL -------------------------------------------------------------

# GROUPING(district_key, level_key, unit_key) of each grouping set: a bit set for each key not grouped by.
_GROUPING_SETS = {7: "all", 3: "district", 5: "level", 6: "unit"}


def _groups_in_sql(start: datetime, end: datetime) -> Groups:
    table = connection.ops.quote_name(Incident._meta.db_table)
    durations = ",\n".join(
        f"CASE WHEN {interval.end} >= {interval.start} "
        f"THEN round(date_part('epoch', {interval.end} - {interval.start}) * 1000::float8) / 1000::float8 "
        f"END AS d_{interval.key}"
        for interval in INTERVALS
    )
    aggregates = ",\n".join(
        f"count(d_{interval.key}), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d_{interval.key})"
        for interval in INTERVALS
    )
    sql = f"""
        WITH runs AS (
            SELECT coalesce(district_id, -1) AS district_key,
                   coalesce(nullif(final_level, ''), proposed_level, '') AS level_key,
                   coalesce(first_ambulance_id, -1) AS unit_key,
                   {durations}
            FROM {table}
            WHERE call_received_at >= %s AND call_received_at < %s AND state <> %s
        )
        SELECT GROUPING(district_key, level_key, unit_key), district_key, level_key, unit_key, count(*),
               {aggregates}
        FROM runs
        GROUP BY GROUPING SETS ((), (district_key), (level_key), (unit_key))
    """  # noqa: S608 (column and table names from the model; values are parameters)
    groups: Groups = {grouping: {} for grouping in _GROUPING_SETS.values()}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_bounds(start, end), IncidentStateChoices.NON_EMERGENCY])
        for grouping_id, district_key, level_key, unit_key, incidents, *columns in cursor.fetchall():
            grouping = _GROUPING_SETS[grouping_id]
            if not incidents:
                continue  # the empty period's grand total
            key = {"all": "all", "district": district_key, "level": level_key, "unit": unit_key}[grouping]
            figures = {}
            for index, interval in enumerate(INTERVALS):
                count, percentiles = columns[2 * index], columns[2 * index + 1]
                figures[interval.key] = (
                    Figure(count, float(percentiles[0]), float(percentiles[1])) if count else NO_FIGURE
                )
            groups[grouping][key] = (incidents, figures)
    return groups


# --- SQLite: one pass over the period, percentiles in numpy ---------------------------------------------------


def _figures(durations: np.ndarray) -> dict[str, Figure]:
    """Count, median and 90th percentile of each column (an interval; NaN where it does not count)."""
    figures = {}
    for column, interval in enumerate(INTERVALS):
        values = durations[:, column]
        values = values[~np.isnan(values)]
        if values.size:
            median, p90 = np.percentile(values, [50, 90])
            figures[interval.key] = Figure(int(values.size), float(median), float(p90))
        else:
            figures[interval.key] = NO_FIGURE
    return figures


def _by(keys: np.ndarray, durations: np.ndarray) -> dict[Any, Group]:
    found: dict[Any, Group] = {}
    for key in dict.fromkeys(keys.tolist()):
        selected = durations[keys == key]
        found[key] = (int(selected.shape[0]), _figures(selected))
    return found


def _groups_and_counts_in_numpy(start: datetime, end: datetime) -> tuple[Groups, dict[str, list[tuple[str, str, int]]]]:
    table = connection.ops.quote_name(Incident._meta.db_table)
    stamps = ", ".join(f"julianday({column})" for column in STAMPS)
    sql = f"""
        SELECT state, closure_reason, complaint, coalesce(district_id, -1),
               coalesce(nullif(final_level, ''), proposed_level, ''), coalesce(first_ambulance_id, -1), {stamps}
        FROM {table}
        WHERE call_received_at >= %s AND call_received_at < %s
    """  # noqa: S608 (column and table names from the model; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, _bounds(start, end))
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * (6 + len(STAMPS))
    states = np.array(columns[0], dtype=object)
    counts = _count_outcomes(zip(columns[0], columns[1], columns[2], strict=True))
    runs = states != IncidentStateChoices.NON_EMERGENCY
    # Julian days → whole milliseconds (SQLite's own resolution), NaN where a stamp is missing.
    milliseconds = np.rint(np.array(columns[6:], dtype=float).T[runs] * 86_400_000.0).reshape(-1, len(STAMPS))
    starts, ends = zip(*PAIRS, strict=True)
    durations = (milliseconds[:, list(ends)] - milliseconds[:, list(starts)]) / 1000.0
    durations[durations < 0] = np.nan  # an end stamped before its start does not count
    groups: Groups = {
        "all": {"all": (int(durations.shape[0]), _figures(durations))} if durations.shape[0] else {},
        "district": _by(np.array(columns[3], dtype=np.int64)[runs], durations),
        "level": _by(np.array(columns[4], dtype=object)[runs], durations),
        "unit": _by(np.array(columns[5], dtype=np.int64)[runs], durations),
    }
    return groups, counts


def _counts(period: Any) -> dict[str, list[tuple[str, str, int]]]:
    """The period's incidents by complaint and by outcome, from one grouped query."""
    grouped = period.order_by().values_list("state", "closure_reason", "complaint").annotate(n=Count("id"))
    return _count_outcomes(grouped.values_list("state", "closure_reason", "complaint", "n"))


def _count_outcomes(rows: Iterable[tuple[Any, ...]]) -> dict[str, list[tuple[str, str, int]]]:
    """By complaint and by outcome (each state of a run, each reason a call was not an emergency), every choice
    listed with its count, from (state, closure reason, complaint[, how many]) rows."""
    by_complaint: dict[str, int] = {}
    by_state: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    for state, reason, complaint, *how_many in rows:
        count = how_many[0] if how_many else 1
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
