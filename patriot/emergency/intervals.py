"""PSC 119's interval report: every interval of a run, from the incident's timestamps (never typed), as the median
and 90th percentile over a period — for the whole city, by kecamatan, by triage level and by the first unit sent —
plus the counts of incidents by complaint and by outcome, and the response-time targets per triage level.

An interval counts for an incident only when both its ends were stamped and the end is not before the start.
Durations are in seconds to the millisecond. The percentiles interpolate linearly between the two nearest values
(numpy.percentile's default, repeated here to the last bit; PostgreSQL's `percentile_cont` is the same rule).

How the figures are made (issue 11, item 14: ≤ 300 ms over 100,000 incidents; bench/emergency_report.py): the
database keeps each interval of an incident in milliseconds (Incident.<key>_ms, generated columns: NULL when it
does not count; PostgreSQL rounds the exact difference in float8, SQLite differences its millisecond stamps), so a
report does no date arithmetic. One statement reads the period once and hands back, as comma-separated text that
numpy reads without a Python value per row, the kecamatan, first unit, the level/state/reason/complaint codes packed
in one integer and the ten durations — PostgreSQL row after row (one string_agg), SQLite column after column
(group_concat, from the report's covering index, Incident's REPORT_INDEX). The four choice columns' codes come
from a CASE on SQLite and from hashtext() on PostgreSQL (where the CASE cost a sixth of the statement). numpy then sorts each interval once per grouping (group code and value in one int64 key) and
takes every group's median and 90th percentile from that order; the counts by complaint and outcome come from the
packed codes.

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
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from patriot.emergency import dispatch
from patriot.emergency.choices import (
    ClosureReasonChoices,
    ComplaintChoices,
    IncidentStateChoices,
    TriageLevelChoices,
)
from patriot.emergency.models import REPORT_INDEX, Ambulance, Incident
from patriot.geo.models import District


@dataclass(frozen=True)
class Interval:
    key: str
    start: str
    end: str
    label: Promise

    @property
    def column(self) -> str:
        """The incident's column holding this interval in milliseconds (Incident.<key>_ms, kept by the database)."""
        return f"{self.key}_ms"


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
    groups, counts = _groups_and_counts(start, end)

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


# --- one pass over the period: the durations the database keeps, order statistics in numpy -------------------

# numpy.percentile's quantiles for [50, 90] (it divides by 100 as here): its interpolation is repeated exactly.
QUANTILES = np.array([50, 90]) / 100
# Group code and milliseconds packed in one int64 sort key (durations under 2**40 ms, about 34 years).
_VALUE_BITS = 40
# Each choice column of a row as a small code (its 1-based place among the choices, 0: none of them), four of
# them packed in one integer of 6 bits each: level, state, closure reason, complaint.
_CODE_BITS = 6


def _choice_columns() -> tuple[tuple[str, list[str]], ...]:
    return (
        ("coalesce(nullif(final_level, ''), proposed_level, '')", [*TriageLevelChoices.values(), ""]),
        ("state", IncidentStateChoices.values()),
        ("closure_reason", ClosureReasonChoices.values()),
        ("complaint", [*ComplaintChoices.values(), ""]),
    )


def _packed_choices() -> tuple[str, list[str]]:
    """SQL packing the row's level, state, closure reason and complaint codes in one integer, and its parameters."""
    sql, params = "0", []
    for expression, values in _choice_columns():
        assert len(values) < 1 << _CODE_BITS
        cases = " ".join(f"WHEN %s THEN {place}" for place in range(1, len(values) + 1))
        sql = f"({sql}) * {1 << _CODE_BITS} + (CASE {expression} {cases} ELSE 0 END)"
        params += values
    return sql, params


def _hashed_choices() -> tuple[str, list[Any], list[tuple[int, np.ndarray]]]:
    """PostgreSQL: the same codes from hashtext() of each choice column (four hash calls a row instead of a CASE
    comparing up to ~30 strings: a sixth of the statement, bench/README.md). Each column keeps the fewest low bits
    of its hash that tell its choices apart; a table per column turns those bits back into the 1-based place (0: none
    of the choices). Returns the SQL packing the four, its parameters, and (bits, table) per column."""
    expressions = _choice_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("ARRAY(SELECT hashtext(v) FROM unnest(%s::text[]) AS v)" for _ in expressions),  # noqa: S608 (no names; values are parameters)
            [values for _expression, values in expressions],
        )
        hashes = cursor.fetchone()
    sql, layout = "CAST(0 AS bigint)", []
    for (expression, _values), found in zip(expressions, hashes, strict=True):
        bits = next(bits for bits in range(1, 16) if len({value & ((1 << bits) - 1) for value in found}) == len(found))
        table = np.zeros(1 << bits, dtype=np.int64)
        table[[value & ((1 << bits) - 1) for value in found]] = np.arange(1, len(found) + 1)
        sql = f"({sql}) * {1 << bits} + (hashtext({expression}) & {(1 << bits) - 1})"
        layout.append((bits, table))
    return sql, [], layout


def _unhash(packed: np.ndarray, layout: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """The hashed codes (_hashed_choices) as _packed_choices packs them: each column's place in 6 bits."""
    result = np.zeros_like(packed)
    shift = 0
    for place, (bits, table) in enumerate(reversed(layout)):
        result |= table[(packed >> shift) & ((1 << bits) - 1)] << (place * _CODE_BITS)
        shift += bits
    return result


def _columns(start: datetime, end: datetime) -> list[np.ndarray]:
    """One statement over the period's incidents, one int64 array per column in the same row order: kecamatan id
    (-1: none), first unit id (-1: none), the packed choice codes, and each interval in milliseconds (-1: it does
    not count). The database hands them back as comma-separated text, which numpy reads without a Python value per
    row: PostgreSQL each row's columns joined, rows joined (one aggregate step per row: three to four times faster
    than an int8 array per column, whose every element goes through its send function — bench/README.md); SQLite
    each column concatenated, read from the report's index alone (models.REPORT_INDEX: it holds every column used,
    so SQLite never seeks the table's row, and walks the period in time order)."""
    table = connection.ops.quote_name(Incident._meta.db_table)
    layout: list[tuple[int, np.ndarray]] = []
    if connection.vendor == "postgresql":
        choices, params, layout = _hashed_choices()
    else:
        choices, params = _packed_choices()
    columns = [
        "coalesce(district_id, -1)",
        "coalesce(first_ambulance_id, -1)",
        choices,
        *(f"coalesce({interval.column}, -1)" for interval in INTERVALS),
    ]
    period = "call_received_at >= %s AND call_received_at < %s"
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT count(*), string_agg(concat_ws(',', {', '.join(columns)}), ',') "  # noqa: S608 (names from the model; values are parameters)
            f"FROM {table} WHERE {period}"
        )
    else:
        aggregates = ", ".join(f"group_concat({column}, ',')" for column in columns)
        index = connection.ops.quote_name(REPORT_INDEX)
        sql = f"SELECT count(*), {aggregates} FROM {table} INDEXED BY {index} WHERE {period}"  # noqa: S608 (names from the model; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *_bounds(start, end)])
        count, *concatenated = cursor.fetchone()
    if not count:
        return [np.zeros(0, dtype=np.int64) for _column in columns]
    if connection.vendor == "postgresql":
        rows = np.fromstring(concatenated[0], dtype=np.int64, sep=",").reshape(count, len(columns))
        arrays = [np.ascontiguousarray(rows[:, index]) for index in range(len(columns))]
        arrays[2] = _unhash(arrays[2], layout)
    else:
        arrays = [np.fromstring(value, dtype=np.int64, sep=",") for value in concatenated]
    assert all(array.size == count for array in arrays), "one value per incident in every column"
    return arrays


def _order_statistics(codes: np.ndarray, groups: int, milliseconds: np.ndarray) -> list[Figure]:
    """Per group code (0 … groups - 1): the count, median and 90th percentile in seconds of the durations (all
    counting, ≥ 0), as numpy.percentile's default linear interpolation makes them, from one sort for every group."""
    if not milliseconds.size:
        return [NO_FIGURE] * groups
    if milliseconds.max() < 1 << _VALUE_BITS and groups < 1 << (62 - _VALUE_BITS):
        values = np.sort((codes << _VALUE_BITS) | milliseconds) & ((1 << _VALUE_BITS) - 1)
    else:
        values = milliseconds[np.lexsort((milliseconds, codes))]
    seconds = values / 1000.0
    counts = np.bincount(codes, minlength=groups)
    starts = (np.cumsum(counts) - counts)[:, None]
    last = (counts - 1)[:, None]
    virtual = last * QUANTILES  # numpy: (n - 1) * q
    above = virtual >= last  # numpy takes the last value (both ends of its interpolation are that value)
    previous = np.where(above, last, np.floor(virtual).astype(np.int64))
    following = np.where(above, last, previous + 1)
    gamma = virtual - np.where(above, -1, previous)
    a = seconds[np.clip(starts + previous, 0, seconds.size - 1)]
    b = seconds[np.clip(starts + following, 0, seconds.size - 1)]
    difference = b - a
    result = a + difference * gamma
    upper = gamma >= 0.5
    result[upper] = (b - difference * (1 - gamma))[upper]
    return [
        Figure(count, median, p90) if count else NO_FIGURE
        for count, (median, p90) in zip(counts.tolist(), result.tolist(), strict=True)
    ]


def _codes(ids: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Dense group codes for ids (-1: none) and the id of each code, in id order (a table of the ids present while
    they are below ten million, else numpy.unique's sort)."""
    if ids.size and ids.max() >= 10_000_000:
        found, codes = np.unique(ids, return_inverse=True)
        return codes.reshape(-1).astype(np.int64), found.tolist()
    present = np.zeros(int(ids.max(initial=-1)) + 2, dtype=bool)
    present[ids + 1] = True
    return (np.cumsum(present) - 1)[ids + 1], (np.flatnonzero(present) - 1).tolist()


def _groups_and_counts(start: datetime, end: datetime) -> tuple[Groups, dict[str, list[tuple[str, str, int]]]]:
    districts, units, packed, *durations = _columns(start, end)
    # The choice codes back to their values (None: none of the choices), and the counts by complaint and outcome.
    mask = (1 << _CODE_BITS) - 1
    values = [[None, *choices] for _expression, choices in _choice_columns()]
    combinations, how_many = np.unique(packed, return_counts=True)
    counts = _count_outcomes(
        (
            values[1][(code >> 2 * _CODE_BITS) & mask],
            values[2][(code >> _CODE_BITS) & mask],
            values[3][code & mask],
            n,
        )
        for code, n in zip(combinations.tolist(), how_many.tolist(), strict=True)
    )
    non_emergency = values[1].index(IncidentStateChoices.NON_EMERGENCY)
    runs = ((packed >> 2 * _CODE_BITS) & mask) != non_emergency
    levels = packed[runs] >> 3 * _CODE_BITS
    groups: Groups = {}
    codes_of: dict[str, tuple[np.ndarray, list[Any]]] = {}
    if runs.any():
        codes_of["all"] = (np.zeros(int(runs.sum()), dtype=np.int64), ["all"])
    else:
        groups["all"] = {}
    codes_of["district"] = _codes(districts[runs])
    codes_of["level"] = (levels, values[0])
    codes_of["unit"] = _codes(units[runs])
    figures: dict[str, list[list[Figure]]] = {grouping: [] for grouping in codes_of}
    for column in durations:
        milliseconds = column[runs]
        counting = milliseconds >= 0
        milliseconds = milliseconds[counting]
        for grouping, (codes, keys) in codes_of.items():
            figures[grouping].append(_order_statistics(codes[counting], len(keys), milliseconds))
    for grouping, (codes, keys) in codes_of.items():
        incidents = np.bincount(codes, minlength=len(keys)).tolist()
        groups[grouping] = {
            key: (
                incidents[code],
                {interval.key: figures[grouping][index][code] for index, interval in enumerate(INTERVALS)},
            )
            for code, key in enumerate(keys)
            if incidents[code]
        }
    return groups, counts


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
