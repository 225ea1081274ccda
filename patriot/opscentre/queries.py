"""Reads for the POC dashboard, the mayor's workspace and the weekly summary (bounded windows, index-backed)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate

from patriot.accounts.models import Agency
from patriot.cases.choices import CaseStateChoices, CategoryGroupChoices, ChannelChoices, SlaStatusChoices
from patriot.cases.models import Case, Category, TimelineEntry, state_among

# The mayor's instructions live in cases (model, services, queries, forms); the workspace reads them from there.
from patriot.cases.queries import (  # noqa: F401 (re-exported for the mayor's workspace)
    InstructionView,
    answered_instructions,
    instruction_summary,
    open_instructions,
    start_of_today,
)
from patriot.cases.sla import city_zone
from patriot.core import clock
from patriot.geo.models import District, Village

State = CaseStateChoices
WINDOW_DAYS = 30
FEED_SIZE = 20
TOP_SIZE = 10
HOTSPOT_SIZE = 5
# The dashboard map shows the newest open cases in scope; beyond this the choropleth tells the rest.
MAP_POINT_CAP = 1500


def local_today() -> date:
    return clock.now().astimezone(city_zone()).date()


def last_full_week() -> date:
    """Monday of the last complete Monday–Sunday week in the city's time zone."""
    today = local_today()
    return today - timedelta(days=today.weekday() + 7)


# --- scope: the dashboard's filters ------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which cases (area, category, channel, agency) and the window [start, end) for the statistics."""

    start: datetime
    end: datetime
    district: District | None = None
    village: Village | None = None
    category: Category | None = None
    channel: str = ""
    agency: Agency | None = None

    @classmethod
    def last_days(cls, days: int = WINDOW_DAYS) -> Scope:
        today = local_today()
        zone = city_zone()
        return cls(
            start=datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=zone),
            end=datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone),
        )

    def cases(self, cases: QuerySet[Case] | None = None) -> QuerySet[Case]:
        """Cases narrowed by area, category, channel and agency (not by the window)."""
        cases = Case.objects.all() if cases is None else cases
        if self.village is not None:
            cases = cases.filter(village_id=self.village.pk)
        elif self.district is not None:
            cases = cases.filter(district_id=self.district.pk)
        if self.category is not None:
            cases = cases.filter(category_id=self.category.pk)
        if self.channel:
            cases = cases.filter(channel=self.channel)
        if self.agency is not None:
            cases = cases.filter(agency_id=self.agency.pk)
        return cases

    def in_window(self, cases: QuerySet[Case] | None = None) -> QuerySet[Case]:
        return self.cases(cases).filter(created_at__gte=self.start, created_at__lt=self.end)

    @property
    def first_day(self) -> date:
        return self.start.astimezone(city_zone()).date()

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(city_zone()) - timedelta(seconds=1)).date()

    def search_params(self, *, window: bool = False) -> dict[str, Any]:
        """The scope as /poc/cari/ parameters (cases.filters.CaseFilter), for drill-down links."""
        params: dict[str, Any] = {}
        if self.district is not None:
            params["district"] = self.district.code
        if self.village is not None:
            params["village"] = self.village.code
        if self.category is not None:
            params["category"] = self.category.code
        if self.channel:
            params["channel"] = self.channel
        if self.agency is not None:
            params["agency"] = self.agency.code
        if window:
            params["created_from"] = self.first_day.isoformat()
            params["created_to"] = self.last_day.isoformat()
        return params


def search_url(base: dict[str, Any], **extra: Any) -> str:
    """/poc/cari/?… with the scope's parameters and `extra` (a list value repeats its key)."""
    return "/poc/cari/?" + urlencode({**base, **{k: v for k, v in extra.items() if v not in (None, "")}}, doseq=True)


OPEN_STATE_PARAMS = list(State.OPEN)


# --- counters --------------------------------------------------------------------------------


def _open_breakdown(scope: Scope) -> list[dict[str, Any]]:
    """Open cases in scope grouped by state × agency × SLA status.

    Unfiltered it reads the partial index case_open_overview; with area, category or channel filters the
    wider partial index case_open_dashboard. `state_among` keeps SQLite on the partial indexes.
    """
    return list(
        scope.cases()
        .filter(state_among(State.OPEN))
        .values("state", "agency_id", "sla_status")
        .annotate(count=Count("*"))
        .order_by()
    )


@dataclass(frozen=True)
class Counters:
    new_today: int
    open_total: int
    open_by_state: list[tuple[str, int]]
    due_soon: int
    overdue: int


def counters(scope: Scope) -> Counters:
    rows = _open_breakdown(scope)
    by_state: dict[str, int] = defaultdict(int)
    due_soon = overdue = 0
    for row in rows:
        by_state[row["state"]] += row["count"]
        if row["sla_status"] == SlaStatusChoices.DUE_SOON:
            due_soon += row["count"]
        elif row["sla_status"] == SlaStatusChoices.OVERDUE:
            overdue += row["count"]
    return Counters(
        new_today=scope.cases().filter(created_at__gte=start_of_today()).count(),
        open_total=sum(by_state.values()),
        open_by_state=[(state, by_state.get(state, 0)) for state in State.OPEN],
        due_soon=due_soon,
        overdue=overdue,
    )


# --- the agency table ------------------------------------------------------------------------


class MedianDuration(Aggregate):
    """PostgreSQL's percentile_cont(0.5) over an interval (SQLite computes the median in Python)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass
class AgencyRow:
    agency_id: int | None
    code: str
    name: str
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    resolved: int = 0
    resolved_in_time: int = 0
    median_resolve: timedelta | None = None

    @property
    def compliance(self) -> float | None:
        """SLA compliance %: resolved in the window before the follow-up deadline ÷ resolved in the window."""
        return 100.0 * self.resolved_in_time / self.resolved if self.resolved else None

    @property
    def median_hours(self) -> float | None:
        return self.median_resolve.total_seconds() / 3600 if self.median_resolve is not None else None


def _resolved_in(scope: Scope, start: datetime, end: datetime) -> QuerySet[Case]:
    return scope.cases().filter(resolved_at__gte=start, resolved_at__lt=end, agency_id__isnull=False)


def resolution_by_agency(scope: Scope, start: datetime, end: datetime) -> dict[int, dict[str, Any]]:
    """Per agency, cases resolved in [start, end): how many, how many before their follow-up deadline (never
    escalated in the agency's phase: `escalated_at` is cleared when that clock starts), and the median time
    from dispatch to resolution."""
    resolved = _resolved_in(scope, start, end)
    aggregates: dict[str, Any] = {
        "resolved": Count("*"),
        "in_time": Count("id", filter=Q(escalated_at__isnull=True)),
    }
    if connection.vendor == "postgresql":
        aggregates["median"] = MedianDuration(F("resolved_at") - F("dispatched_at"))
    rows = {row["agency_id"]: row for row in resolved.values("agency_id").annotate(**aggregates).order_by()}
    if connection.vendor != "postgresql":
        durations: dict[int, list[timedelta]] = defaultdict(list)
        for agency_id, dispatched, done in resolved.values_list("agency_id", "dispatched_at", "resolved_at"):
            if dispatched is not None and done is not None:
                durations[agency_id].append(done - dispatched)
        for agency_id, row in rows.items():
            values = durations.get(agency_id)
            row["median"] = statistics.median(values) if values else None  # type: ignore[type-var]  # median of timedeltas works: typeshed allows numbers only
    return rows


def agency_table(scope: Scope) -> list[AgencyRow]:
    """Every agency with open cases or resolutions in scope: open, due soon, overdue (now), and over the
    window: resolved, SLA compliance % and median time from dispatch to resolution."""
    rows: dict[int | None, AgencyRow] = {}
    names = {a.pk: a for a in Agency.objects.only("id", "code", "short_name")}

    def row_for(agency_id: int | None) -> AgencyRow:
        if agency_id not in rows:
            agency = names.get(agency_id) if agency_id else None
            rows[agency_id] = AgencyRow(
                agency_id=agency_id, code=agency.code if agency else "", name=agency.short_name if agency else ""
            )
        return rows[agency_id]

    for cell in _open_breakdown(scope):
        if cell["agency_id"] is None:
            continue  # not dispatched yet: the POC's own queue, counted in the counters
        row = row_for(cell["agency_id"])
        row.open += cell["count"]
        if cell["sla_status"] == SlaStatusChoices.DUE_SOON:
            row.due_soon += cell["count"]
        elif cell["sla_status"] == SlaStatusChoices.OVERDUE:
            row.overdue += cell["count"]
    for agency_id, stats in resolution_by_agency(scope, scope.start, scope.end).items():
        row = row_for(agency_id)
        row.resolved = stats["resolved"]
        row.resolved_in_time = stats["in_time"]
        row.median_resolve = stats["median"]
    return sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.name))


# --- charts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Charts:
    days: list[date]
    per_day_by_channel: dict[str, list[int]]
    top_categories: list[dict[str, Any]]
    by_hour: list[int]
    total: int


def charts(scope: Scope) -> Charts:
    """Cases received in the window: per day by channel, the top categories, and by hour of day (city time)."""
    zone = city_zone()
    window = scope.in_window()
    days = [scope.first_day + timedelta(days=n) for n in range((scope.last_day - scope.first_day).days + 1)]
    index = {day: n for n, day in enumerate(days)}
    per_day: dict[str, list[int]] = {}
    total = 0
    rows = window.annotate(day=TruncDate("created_at", tzinfo=zone)).values("day", "channel").annotate(n=Count("*"))
    for row in rows.order_by():
        series = per_day.setdefault(row["channel"], [0] * len(days))
        if row["day"] in index:
            series[index[row["day"]]] += row["n"]
        total += row["n"]
    ordered = {channel: per_day[channel] for channel in ChannelChoices.values() if channel in per_day}
    top = list(window.values("category_id").annotate(n=Count("*")).order_by("-n", "category_id")[:TOP_SIZE])
    categories = Category.objects.in_bulk([row["category_id"] for row in top])
    by_hour = [0] * 24
    for row in (
        window.annotate(hour=ExtractHour("created_at", tzinfo=zone)).values("hour").annotate(n=Count("*")).order_by()
    ):
        by_hour[row["hour"]] += row["n"]
    return Charts(
        days=days,
        per_day_by_channel=ordered,
        top_categories=[
            {
                "code": categories[row["category_id"]].code,
                "label": categories[row["category_id"]].label,
                "count": row["n"],
            }
            for row in top
        ],
        by_hour=by_hour,
        total=total,
    )


# --- feed and map ----------------------------------------------------------------------------


def feed(scope: Scope, limit: int = FEED_SIZE) -> list[TimelineEntry]:
    """The newest timeline entries of cases in scope: new reports and every change, newest first."""
    entries = TimelineEntry.objects.select_related("case", "case__category", "case__village").order_by("-id")
    narrowed = scope.cases()
    if narrowed.query.where:
        entries = entries.filter(case__in=narrowed)
    return list(entries[:limit])


def map_points(scope: Scope, cap: int = MAP_POINT_CAP) -> list[Mapping[str, Any]]:
    """The newest open cases in scope with their position (at most `cap`)."""
    return list(
        scope.cases()
        .filter(state_among(State.OPEN))
        .order_by("-created_at")
        .values(
            "tracking_number",
            "latitude",
            "longitude",
            "state",
            "sla_status",
            "title",
            "category__name",
            "category__name_en",
        )[:cap]
    )


def open_by_village(scope: Scope) -> dict[str, dict[str, int]]:
    """Open and overdue cases per kelurahan code (the choropleth)."""
    codes = dict(Village.objects.values_list("id", "code"))
    result: dict[str, dict[str, int]] = {}
    rows = (
        scope.cases()
        .filter(state_among(State.OPEN))
        .values("village_id", "sla_status")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in rows:
        cell = result.setdefault(codes.get(row["village_id"], ""), {"open": 0, "overdue": 0})
        cell["open"] += row["n"]
        if row["sla_status"] == SlaStatusChoices.OVERDUE:
            cell["overdue"] += row["n"]
    return result


# --- the mayor's workspace -------------------------------------------------------------------

MAYOR_VIEWS = ("all", "sorot", "overdue")


def mayor_cases(view: str = "all") -> QuerySet[Case]:
    """SOROT reports (all of them) and open cases that are overdue or were escalated, newest first."""
    attention = Q(state__in=State.OPEN) & (Q(sla_status=SlaStatusChoices.OVERDUE) | Q(escalated_at__isnull=False))
    sorot = Q(channel=ChannelChoices.SOROT)
    condition = {"sorot": sorot, "overdue": attention}.get(view, sorot | attention)
    return (
        Case.objects.filter(condition)
        .select_related("category", "village", "district", "agency")
        .order_by("-created_at", "-pk")
    )


# --- the weekly summary ----------------------------------------------------------------------


@dataclass
class WeekFigures:
    start: datetime
    end: datetime
    received: int = 0
    resolved: int = 0
    closed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_group: dict[str, int] = field(default_factory=dict)
    agencies: dict[int, dict[str, Any]] = field(default_factory=dict)
    top_villages: list[dict[str, Any]] = field(default_factory=list)
    top_categories: list[dict[str, Any]] = field(default_factory=list)
    top_cells: list[dict[str, Any]] = field(default_factory=list)

    @property
    def resolved_in_time(self) -> int:
        return sum(row["in_time"] for row in self.agencies.values())

    @property
    def compliance(self) -> float | None:
        resolved = sum(row["resolved"] for row in self.agencies.values())
        return 100.0 * self.resolved_in_time / resolved if resolved else None


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    zone = city_zone()
    start = datetime.combine(monday, time.min, tzinfo=zone)
    return start, datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)


def week_figures(monday: date) -> WeekFigures:
    start, end = week_bounds(monday)
    figures = WeekFigures(start=start, end=end)
    received = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    figures.by_channel = dict(received.values_list("channel").annotate(n=Count("*")).order_by())
    figures.received = sum(figures.by_channel.values())
    figures.by_group = dict(received.values_list("category__group").annotate(n=Count("*")).order_by())
    figures.resolved = Case.objects.filter(resolved_at__gte=start, resolved_at__lt=end).count()
    figures.closed = Case.objects.filter(closed_at__gte=start, closed_at__lt=end, state=State.CLOSED).count()
    figures.agencies = resolution_by_agency(Scope(start=start, end=end), start, end)
    villages = list(received.values("village_id").annotate(n=Count("*")).order_by("-n", "village_id")[:TOP_SIZE])
    names = Village.objects.select_related("district").in_bulk([row["village_id"] for row in villages])
    figures.top_villages = [
        {"village": names[row["village_id"]], "count": row["n"]} for row in villages if row["village_id"] in names
    ]
    top = list(received.values("category_id").annotate(n=Count("*")).order_by("-n", "category_id")[:TOP_SIZE])
    categories = Category.objects.in_bulk([row["category_id"] for row in top])
    figures.top_categories = [{"category": categories[row["category_id"]], "count": row["n"]} for row in top]
    figures.top_cells = hotspot_areas(received)
    return figures


def hotspot_areas(received: QuerySet[Case], limit: int = HOTSPOT_SIZE) -> list[dict[str, Any]]:
    """The h3 cells (resolution 7, about 5 km²) with the most cases, each named for people: the kelurahan holding
    most of its cases (and its kecamatan), how many other kelurahan it reaches into, and its leading category
    (None when several categories share the lead)."""
    cells = list(received.values("h3_cell_coarse").annotate(n=Count("*")).order_by("-n", "h3_cell_coarse")[:limit])
    codes = [row["h3_cell_coarse"] for row in cells]
    inside = received.filter(h3_cell_coarse__in=codes)
    villages_in: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in inside.values("h3_cell_coarse", "village_id").annotate(n=Count("*")).order_by():
        villages_in[row["h3_cell_coarse"]].append((-row["n"], row["village_id"]))
    categories_in: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in inside.values("h3_cell_coarse", "category_id").annotate(n=Count("*")).order_by():
        categories_in[row["h3_cell_coarse"]].append((-row["n"], row["category_id"]))
    villages = Village.objects.select_related("district").in_bulk(
        {village_id for pairs in villages_in.values() for _n, village_id in pairs}
    )
    categories = Category.objects.in_bulk(
        {category_id for pairs in categories_in.values() for _n, category_id in pairs}
    )
    areas = []
    for row in cells:
        ranked = sorted(villages_in[row["h3_cell_coarse"]])
        if not ranked or ranked[0][1] not in villages:
            continue
        by_category = sorted(categories_in[row["h3_cell_coarse"]])
        # A leading category only when one is ahead: among equals, naming one would be arbitrary.
        leading = (
            by_category[0] if by_category and (len(by_category) == 1 or by_category[1][0] > by_category[0][0]) else None
        )
        areas.append(
            {
                "cell": row["h3_cell_coarse"],
                "count": row["n"],
                "village": villages[ranked[0][1]],
                "village_count": -ranked[0][0],
                "other_villages": len(ranked) - 1,
                "category": categories.get(leading[1]) if leading else None,
                "category_count": -leading[0] if leading else 0,
            }
        )
    return areas


@dataclass(frozen=True)
class WeeklySummary:
    monday: date
    this: WeekFigures
    previous: WeekFigures
    agencies: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    groups: list[dict[str, Any]]


def _change(now: int, before: int) -> dict[str, Any]:
    return {
        "now": now,
        "before": before,
        "delta": now - before,
        "percent": (100.0 * (now - before) / before) if before else None,
    }


def weekly_summary(monday: date) -> WeeklySummary:
    """The week from `monday` (city time) beside the week before it."""
    this, previous = week_figures(monday), week_figures(monday - timedelta(days=7))
    agencies = Agency.objects.in_bulk(set(this.agencies) | set(previous.agencies))
    rows = []
    for agency_id, agency in sorted(agencies.items(), key=lambda item: item[1].short_name):
        now = this.agencies.get(agency_id, {"resolved": 0, "in_time": 0, "median": None})
        before = previous.agencies.get(agency_id, {"resolved": 0, "in_time": 0, "median": None})
        rows.append(
            {
                "agency": agency,
                "resolved": now["resolved"],
                "in_time": now["in_time"],
                "compliance": 100.0 * now["in_time"] / now["resolved"] if now["resolved"] else None,
                "compliance_before": 100.0 * before["in_time"] / before["resolved"] if before["resolved"] else None,
                "median_hours": now["median"].total_seconds() / 3600 if now["median"] is not None else None,
            }
        )
    channels = [
        {"value": value, "label": label, **_change(this.by_channel.get(value, 0), previous.by_channel.get(value, 0))}
        for value, label in ChannelChoices.choices()
    ]
    groups = [
        {"value": value, "label": label, **_change(this.by_group.get(value, 0), previous.by_group.get(value, 0))}
        for value, label in CategoryGroupChoices.choices()
    ]
    return WeeklySummary(monday=monday, this=this, previous=previous, agencies=rows, channels=channels, groups=groups)


def change(now: int, before: int) -> dict[str, Any]:
    """Public form of the week-on-week comparison used by the summary's headline figures."""
    return _change(now, before)
