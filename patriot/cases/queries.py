"""Reads of cases used by pages and the API: visibility by role, routing suggestion, duplicates, overview."""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.functions import Floor
from django.utils import timezone

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import Agency, OrganisationUnit, User
from patriot.cases.choices import CaseStateChoices, ChannelChoices, PriorityChoices, SlaStatusChoices
from patriot.cases.models import Case, Category, Instruction, PublicMapCell, RoutingRule, state_among
from patriot.cases.search_sql import AscNullsLast, PriorityRank
from patriot.cases.sla import city_zone
from patriot.core import clock
from patriot.geo.models import Village

DUPLICATE_RADIUS_METRES = 250
DUPLICATE_WINDOW_DAYS = 30
# One degree of latitude on the sphere distance_metres() measures on, so the search box never cuts into the circle.
_METRES_PER_DEGREE = math.pi * 6_371_000.0 / 180


# Decides whether a signed-in citizen's report is SOROT: the citizens app, which knows whether an account is
# verified, registers it in its AppConfig.ready() (cases does not import citizens). Without it every report is POT.
_account_channel: Callable[[User | None], str] | None = None


def register_account_channel(decide: Callable[[User | None], str]) -> None:
    global _account_channel  # set once, at start-up
    _account_channel = decide


def report_channel(user: User | None) -> str:
    """The channel of a report filed by `user` on the web or through the API: SOROT for a verified citizen, else POT."""
    return _account_channel(user) if _account_channel is not None else ChannelChoices.POT


@dataclass(frozen=True)
class AgencyLoad:
    open: int
    overdue: int


def open_cases_by_agency() -> dict[str, AgencyLoad]:
    """Open and overdue cases per agency code ("-" for cases not yet dispatched), for the metrics endpoint.

    One grouped query on the partial index case_open_overview (open cases only, `state_among` keeps SQLite on
    it), so its cost follows the open backlog, not the history.
    """
    counts: dict[int | None, list[int]] = {}
    rows = (
        Case.objects.filter(state_among(CaseStateChoices.OPEN))
        .values("agency_id", "sla_status")
        .annotate(count=Count("*"))
        .order_by()
    )
    for row in rows:
        total = counts.setdefault(row["agency_id"], [0, 0])
        total[0] += row["count"]
        if row["sla_status"] == SlaStatusChoices.OVERDUE:
            total[1] += row["count"]
    codes = dict(Agency.objects.filter(pk__in=[pk for pk in counts if pk]).values_list("pk", "code"))
    return {codes.get(pk, "-") if pk else "-": AgencyLoad(*total) for pk, total in counts.items()}


def visible_cases(user: User | None) -> QuerySet[Case]:
    """The cases a person may open: everything for city-wide roles, an agency's own, a team's assignments."""
    cases = Case.objects.all()
    if user is None or not user.is_authenticated:
        return cases.none()
    if user.sees_citywide:
        return cases
    if user.role in RoleChoices.AGENCY_ROLES and user.agency_id:
        return cases.filter(agency_id=user.agency_id)
    if user.role == RoleChoices.URC_OFFICER and user.team_id:
        return cases.filter(team_id=user.team_id)
    if user.role == RoleChoices.CITIZEN:
        return cases.filter(reporter=user)
    return cases.none()


def reporter_shown(user: User) -> Q:
    """The cases whose reporter `user` may be shown (among those they may open).

    A named reporter is shown to whoever handles the case; an anonymous one only to the POC, as the report form
    promises, and to the call centre for a report filed on a call from the very number it names: the caller
    gave that number to the line themselves. A withheld number ("") never counts as the same number.
    """
    if user.sees_reporter_identity:
        return Q(pk__isnull=False)
    named = Q(is_anonymous=False)
    if user.role != RoleChoices.CALLCENTRE_OPERATOR:
        return named
    same_number_called = Case.objects.filter(pk=OuterRef("pk"), calls__caller_number=OuterRef("reporter_phone"))
    return named | (Q(channel=ChannelChoices.PHONE) & ~Q(reporter_phone="") & Q(Exists(same_number_called)))


def public_cases() -> QuerySet[Case]:
    """Cases the public may see: never confidential ones, never a rejected or merged report."""
    return Case.objects.filter(is_confidential=False).exclude(
        state__in=[CaseStateChoices.REJECTED, CaseStateChoices.DUPLICATE]
    )


def nearby_open_reports(
    category_id: int, latitude: float, longitude: float, *, radius_m: float = DUPLICATE_RADIUS_METRES, limit: int = 5
) -> list[tuple[Case, int]]:
    """Open public cases of a category within `radius_m` of a point, nearest first, with their distance in metres:
    "Sudah dilaporkan?" before a citizen files a duplicate."""
    dlat = radius_m / _METRES_PER_DEGREE
    dlon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    candidates = (
        public_cases()
        .filter(
            category_id=category_id,
            state__in=CaseStateChoices.OPEN,
            latitude__range=(latitude - dlat, latitude + dlat),
            longitude__range=(longitude - dlon, longitude + dlon),
        )
        .select_related("category", "village")
        .order_by("-created_at")[:200]
    )
    found = []
    for case in candidates:
        metres = distance_metres(latitude, longitude, case.latitude, case.longitude)
        if metres <= radius_m:
            found.append((case, round(metres)))
    found.sort(key=lambda item: item[1])
    return found[:limit]


def public_tracking_numbers(tracking_numbers: Collection[str]) -> set[str]:
    """Those of `tracking_numbers` whose case the public may see now (the live public stream asks per batch)."""
    numbers = list(tracking_numbers)
    visible: set[str] = set()
    # In slices: SQLite limits the parameters of one statement.
    for start in range(0, len(numbers), 500):
        visible.update(
            public_cases()
            .filter(tracking_number__in=numbers[start : start + 500])
            .values_list("tracking_number", flat=True)
        )
    return visible


def suggest_agency(category: Category, village: Village) -> Agency | None:
    """The routing rule's agency for this category and place: kelurahan, then kecamatan, then city-wide."""
    rules = (
        RoutingRule.objects.filter(category=category)
        .filter(
            Q(village=village)
            | Q(district_id=village.district_id, village__isnull=True)
            | Q(district__isnull=True, village__isnull=True)
        )
        .select_related("agency")
    )
    best: RoutingRule | None = None
    best_rank = -1
    for rule in rules:
        rank = 2 if rule.village_id else 1 if rule.district_id else 0
        if rank > best_rank:
            best, best_rank = rule, rank
    if best is not None:
        return best.agency
    return category.default_agency


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class DuplicateCandidate:
    case: Case
    distance_metres: float


def duplicate_candidates(case: Case) -> list[DuplicateCandidate]:
    """Open cases of the same category within 250 m reported in the 30 days before this one, nearest first."""
    lat_span = DUPLICATE_RADIUS_METRES / _METRES_PER_DEGREE
    lon_span = lat_span / max(math.cos(math.radians(case.latitude)), 0.01)
    nearby = (
        Case.objects.filter(
            category_id=case.category_id,
            state__in=CaseStateChoices.OPEN,
            created_at__gte=case.created_at - timedelta(days=DUPLICATE_WINDOW_DAYS),
            created_at__lte=case.created_at,
            latitude__range=(case.latitude - lat_span, case.latitude + lat_span),
            longitude__range=(case.longitude - lon_span, case.longitude + lon_span),
        )
        .exclude(pk=case.pk)
        .select_related("category", "agency", "village")
    )
    found = []
    for other in nearby:
        distance = distance_metres(case.latitude, case.longitude, other.latitude, other.longitude)
        if distance <= DUPLICATE_RADIUS_METRES:
            found.append(DuplicateCandidate(case=other, distance_metres=round(distance, 1)))
    return sorted(found, key=lambda candidate: candidate.distance_metres)


@dataclass(frozen=True)
class Overview:
    """The POC's headline numbers."""

    open_by_state_and_agency: list[dict[str, Any]]
    open_total: int
    due_soon: int
    overdue: int
    new_today: int
    generated_at: datetime


def start_of_today() -> datetime:
    now = timezone.now().astimezone(city_zone())
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def overview(cases: QuerySet[Case] | None = None) -> Overview:
    """Open cases by state × agency with SLA counts, and today's new cases.

    Reads only the partial index of open cases (case_open_overview), so its cost follows the open
    backlog, not the millions of finished cases behind it.
    """
    scope = Case.objects.all() if cases is None else cases
    rows = list(
        scope.filter(state_among(CaseStateChoices.OPEN))
        .values("state", "agency_id", "sla_status")
        .annotate(count=Count("*"))
        .order_by()
    )
    grouped: dict[tuple[str, int | None], dict[str, Any]] = {}
    due_soon = overdue = total = 0
    for row in rows:
        key = (row["state"], row["agency_id"])
        cell = grouped.setdefault(
            key, {"state": row["state"], "agency_id": row["agency_id"], "open": 0, "due_soon": 0, "overdue": 0}
        )
        count = int(row["count"])
        cell["open"] = int(cell["open"]) + count
        total += count
        if row["sla_status"] == SlaStatusChoices.DUE_SOON:
            cell["due_soon"] = int(cell["due_soon"]) + count
            due_soon += count
        elif row["sla_status"] == SlaStatusChoices.OVERDUE:
            cell["overdue"] = int(cell["overdue"]) + count
            overdue += count
    new_today = scope.filter(created_at__gte=start_of_today()).count()
    return Overview(
        open_by_state_and_agency=sorted(grouped.values(), key=lambda c: (str(c["state"]), c["agency_id"] or 0)),
        open_total=total,
        due_soon=due_soon,
        overdue=overdue,
        new_today=new_today,
        generated_at=timezone.now(),
    )


# --- staff work lists -------------------------------------------------------------------------


def _sla_urgency() -> DbCase:
    """Overdue first, then due soon, then the rest."""
    return DbCase(
        When(sla_status=SlaStatusChoices.OVERDUE, then=Value(0)),
        When(sla_status=SlaStatusChoices.DUE_SOON, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def priority_rank() -> PriorityRank:
    """Emergencies (urgent) first, then high priority, then the rest alike (time left decides among them).

    The indexes case_priority_order (PostgreSQL cases/0017, SQLite cases/0020) repeat this expression: see
    cases/search_sql.py."""
    return PriorityRank()


# The orders a case list can be sorted in: the queue's default is "priority", the search page's and the API's
# "newest". Time left on the SLA is the deadline of the case's current clock (cases without one last); on SQLite
# AscNullsLast writes that as `due_at IS NULL, due_at`, the order its index case_due_order keeps.
SORTS: dict[str, tuple[Any, ...]] = {
    "priority": ("priority_rank", AscNullsLast(F("due_at")), "created_at", "pk"),
    "due": (AscNullsLast(F("due_at")), "created_at", "pk"),
    "newest": ("-created_at", "-pk"),
    "oldest": ("created_at", "pk"),
}


def sort_cases(cases: QuerySet[Case], sort: str) -> QuerySet[Case]:
    """`cases` in one of the SORTS orders."""
    if sort == "priority":
        cases = cases.annotate(priority_rank=priority_rank())
    return cases.order_by(*SORTS[sort])


def triage_queue(user: User) -> QuerySet[Case]:
    """The POC's queue: cases waiting for verification or for dispatch, emergencies and high priority first, then
    least time left."""
    return sort_cases(
        visible_cases(user)
        .filter(state__in=[CaseStateChoices.SUBMITTED, CaseStateChoices.VERIFIED])
        .select_related("category", "village", "district"),
        "priority",
    )


def queue_emergencies(user: User, limit: int = 50) -> list[str]:
    """Tracking numbers of the emergencies (urgent priority) waiting in the POC's queue, newest first: the queue's
    alarm sounds when one appears that the page has not seen (whatever page, filter or order it shows)."""
    waiting = triage_queue(user).filter(priority=PriorityChoices.URGENT).order_by("-created_at", "-pk")
    return list(waiting.values_list("tracking_number", flat=True)[:limit])


def agency_inbox(user: User) -> QuerySet[Case]:
    """An agency's open cases: overdue and due-soon first, then by deadline."""
    return (
        visible_cases(user)
        .filter(state__in=[CaseStateChoices.DISPATCHED, CaseStateChoices.ASSIGNED, CaseStateChoices.IN_PROGRESS])
        .select_related("category", "village", "district", "team")
        .annotate(urgency=_sla_urgency())
        .order_by("urgency", F("due_at").asc(nulls_last=True), "created_at")
    )


def cases_of_unit(unit: OrganisationUnit) -> QuerySet[Case]:
    """The cases a unit holds: an agency's cases, a URC team's assignments. Other kinds of unit hold no case."""
    if unit.kind == UnitKindChoices.AGENCY:
        return Case.objects.filter(agency__unit=unit)
    if unit.kind == UnitKindChoices.URC_TEAM:
        return Case.objects.filter(team__unit=unit)
    return Case.objects.none()


def unit_inbox(unit: OrganisationUnit) -> QuerySet[Case]:
    """A unit's open cases, most urgent first: the agency inbox's order, for any unit."""
    return (
        cases_of_unit(unit)
        .filter(state__in=[CaseStateChoices.DISPATCHED, CaseStateChoices.ASSIGNED, CaseStateChoices.IN_PROGRESS])
        .select_related("category", "village", "district", "team")
        .annotate(urgency=_sla_urgency())
        .order_by("urgency", F("due_at").asc(nulls_last=True), "created_at")
    )


def team_assignments(user: User) -> QuerySet[Case]:
    """A URC officer's work: the team's assigned and in-progress cases, most urgent first."""
    return (
        visible_cases(user)
        .filter(state__in=[CaseStateChoices.ASSIGNED, CaseStateChoices.IN_PROGRESS])
        .select_related("category", "village", "district")
        .annotate(urgency=_sla_urgency())
        .order_by("urgency", F("due_at").asc(nulls_last=True), "created_at")
    )


def find_visible_case(user: User, tracking_number: str) -> Case | None:
    """One case the user may open, by tracking number (None when it does not exist for them)."""
    return (
        visible_cases(user)
        .select_related("category", "village", "district", "agency", "team", "reporter", "duplicate_of")
        .filter(tracking_number=tracking_number)
        .first()
    )


# --- the public map and list ----------------------------------------------------------------------

# At most this many cases are drawn one by one; a view holding more gets clusters with their count, as a citizen's
# map does, so the answer stays small (a few hundred features) however many cases the city has.
PUBLIC_MAP_POINT_CAP = 250
# About this many h3 edges along the view's wider side: 6 to 8 hexagons across, a size a 360 px phone shows.
PUBLIC_MAP_CLUSTERS_ACROSS = 12
# A view finer than the counted cells (h3 res 9, a street or two) clusters the cases it reads with one GROUP BY
# when the res-9 cells reaching into it hold at most this many; more are drawn from the res-9 counts unread.
PUBLIC_MAP_READ_LIMIT = 40_000
# PublicMapCell.h3_cell's resolution.
_COUNTED_RESOLUTION = 9
# MapView.resolution of the street grid's squares (finer than any h3 resolution).
_GRID_RESOLUTION = 16
# How far (degrees) a res-9 cell's cases can lie from its centre: its edge is about 174 m, so 0.0025° has margin.
_FINE_CELL_REACH = 0.0025
# Beyond this many cells the "in these cells" condition costs more than it saves.
_MAX_CELLS_LISTED = 500


@dataclass(frozen=True)
class PublicMapFilter:
    """The public map's filters: category code, state, kecamatan code, created range."""

    category: str | None = None
    state: str | None = None
    district: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def dated(self) -> bool:
        return bool(self.since or self.until)

    def cases(self) -> QuerySet[Case]:
        return filtered_public_cases(
            category=self.category, state=self.state, district=self.district, since=self.since, until=self.until
        )

    def cell_counts(self, coarse_cells: Collection[str] | None = None) -> dict[str, int]:
        """Res-9 cell -> public cases, from PublicMapCell (its rows, not the cases), only of `coarse_cells` (res 7)
        when given. The counts have no dates: with a date range they are an upper bound, which says where to look
        and how much there could be."""
        rows = PublicMapCell.objects.filter(cases__gt=0).exclude(
            state__in=[CaseStateChoices.REJECTED, CaseStateChoices.DUPLICATE]
        )
        if coarse_cells is not None:
            rows = rows.filter(h3_cell_coarse__in=sorted(coarse_cells))
        if self.category:
            rows = rows.filter(category__code=self.category)
        if self.state:
            rows = rows.filter(state=self.state)
        if self.district:
            rows = rows.filter(district__code=self.district)
        totals = rows.values_list("h3_cell").annotate(n=Sum("cases")).order_by()
        return {cell: n for cell, n in totals if cell}


def filtered_public_cases(
    *,
    category: str | None = None,
    state: str | None = None,
    district: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Case]:
    """Public cases narrowed by the public map's filters (category code, state, kecamatan code, created range)."""
    cases = public_cases()
    if category:
        cases = cases.filter(category__code=category)
    if state:
        cases = cases.filter(state=state)
    if district:
        cases = cases.filter(district__code=district)
    if since:
        cases = cases.filter(created_at__gte=since)
    if until:
        cases = cases.filter(created_at__lte=until)
    return cases


Box = tuple[float, float, float, float]  # west, south, east, north in degrees


@dataclass(frozen=True)
class MapCell:
    """A cluster of cases: an h3 cell's (`cell` its index) or a square's of the fine grid (`cell` "g…"); how many,
    where to draw it (the mean of its cases or cells) and the box round them, which a tap on it zooms to."""

    cell: str
    count: int
    latitude: float
    longitude: float
    bbox: Box | None = None


@dataclass(frozen=True)
class MapView:
    """What the public map shows for a bounding box: points when few, clusters with counts when many."""

    points: Sequence[Mapping[str, Any]]
    cells: list[MapCell]
    total: int
    resolution: int | None = None  # the clusters' h3 resolution; None for points, 16 for the street grid

    @property
    def aggregated(self) -> bool:
        return bool(self.cells)


@functools.lru_cache(maxsize=65536)
def _cell_centre(cell: str) -> tuple[float, float]:
    import h3

    return h3.cell_to_latlng(cell)


@functools.lru_cache(maxsize=262144)
def _cell_parent(cell: str, resolution: int) -> str:
    import h3

    return h3.cell_to_parent(cell, resolution)


@functools.lru_cache(maxsize=1)
def _edge_km() -> tuple[float, ...]:
    import h3

    return tuple(h3.average_hexagon_edge_length(resolution, unit="km") for resolution in range(16))


def map_resolution(west: float, south: float, east: float, north: float) -> int:
    """The h3 resolution whose average edge is nearest the box's wider side / PUBLIC_MAP_CLUSTERS_ACROSS (about
    res 6 for the whole city, 8 for 5 km, 10 for 1 km); above the counted res 9 the cases are clustered on a grid."""
    middle = math.radians((south + north) / 2)
    span_km = max((east - west) * math.cos(middle), north - south) * _METRES_PER_DEGREE / 1000
    wanted = max(span_km / PUBLIC_MAP_CLUSTERS_ACROSS, 0.0005)
    edges = _edge_km()
    return min(range(len(edges)), key=lambda resolution: abs(math.log(edges[resolution] / wanted)))


def public_map_view(
    filters: PublicMapFilter,
    *,
    west: float,
    south: float,
    east: float,
    north: float,
    cap: int | None = None,
) -> MapView:
    """The public cases in the box: up to `cap` points (PUBLIC_MAP_POINT_CAP), more as clusters with their count.

    The res-9 cells' counts (PublicMapCell) say first which cells reach into the box and how many cases they hold.
    Few: the cases are read (index case_public_map_point, only those cells). Many: clusters at the h3 resolution
    the box's size asks for (map_resolution) — res 9 or coarser summed from the counts without reading a case; finer
    (a street) by one GROUP BY over a grid of the cases read, bounded by PUBLIC_MAP_READ_LIMIT, beyond which the res-9
    counts answer. A date range, which the counts lack, has its cases read and counted. Confidential, rejected and
    duplicate cases are in neither the counts nor the reads, so no cluster counts them.
    """
    cap = PUBLIC_MAP_POINT_CAP if cap is None else cap
    counts = filters.cell_counts(_coarse_cells_round(west, south, east, north))
    reaching = {cell: n for cell, n in counts.items() if _near_box(cell, west, south, east, north, _FINE_CELL_REACH)}
    if not reaching:
        return MapView(points=[], cells=[], total=0)
    inside = filters.cases().filter(latitude__range=(south, north), longitude__range=(west, east)).order_by()
    if len(reaching) <= _MAX_CELLS_LISTED:
        inside = inside.filter(h3_cell__in=sorted(reaching))
    reaching_total = sum(reaching.values())
    in_box = {cell: n for cell, n in reaching.items() if _near_box(cell, west, south, east, north, 0.0)}
    # Few enough for points by the counts (with a date range: whatever the dates, so surely few).
    if reaching_total <= cap or (not filters.dated and sum(in_box.values()) <= cap):
        points = _read_points(inside, cap=cap)
        if points is not None:
            return MapView(points=points, cells=[], total=len(points))
    # A box wider than any city (the API without a bbox asks for the world) is narrowed to the cases' extent.
    box = (
        (west, south, east, north)
        if max(east - west, north - south) <= 1
        else _clip(reaching, west, south, east, north)
    )
    resolution = map_resolution(*box)
    if resolution > _COUNTED_RESOLUTION and reaching_total <= PUBLIC_MAP_READ_LIMIT:
        view = _grid_view(inside, west=box[0], south=box[1], east=box[2], north=box[3])
    else:
        if filters.dated:
            in_box = dict(inside.values_list("h3_cell").annotate(n=Count("*")).order_by())
        view = _counted_view(in_box, resolution=min(resolution, _COUNTED_RESOLUTION))
    if view.total <= cap and (filters.dated or view.resolution == _GRID_RESOLUTION):
        # Counted exactly, and few after all (the cells reaching in held more, or the dates kept few).
        points = _read_points(inside, cap=cap)
        if points is not None:
            return MapView(points=points, cells=[], total=len(points))
    return view


# A res-7 cell (edge about 1.4 km) holding a point within _FINE_CELL_REACH of the box has its centre this near it.
_COARSE_CELL_REACH = 0.02
# A box wider than this (degrees) reads the counts of the whole city: listing its res-7 cells saves nothing.
_COARSE_LIST_SPAN = 0.08


def _coarse_cells_round(west: float, south: float, east: float, north: float) -> set[str] | None:
    """The res-7 cells (PublicMapCell.h3_cell_coarse: the one holding a case of the row's res-9 cell) whose rows may
    reach into a small box, so that a street reads the counts of its neighbourhood, not the city's; None for a big
    box. Their centres lie within _COARSE_CELL_REACH of the box."""
    if max(east - west, north - south) > _COARSE_LIST_SPAN:
        return None
    import h3

    reach = _COARSE_CELL_REACH
    w, s, e, n = west - reach, south - reach, east + reach, north + reach
    outline = h3.LatLngPoly([(s, w), (s, e), (n, e), (n, w)])
    cells = set(h3.polygon_to_cells(outline, 7))
    cells.update(h3.latlng_to_cell(lat, lon, 7) for lat in (s, n, (s + n) / 2) for lon in (w, e, (w + e) / 2))
    return cells


def _near_box(cell: str, west: float, south: float, east: float, north: float, margin: float) -> bool:
    latitude, longitude = _cell_centre(cell)
    return south - margin <= latitude <= north + margin and west - margin <= longitude <= east + margin


def _clip(cells: Collection[str], west: float, south: float, east: float, north: float) -> Box:
    """The box narrowed to the cells' extent."""
    latitudes, longitudes = zip(*(_cell_centre(cell) for cell in cells), strict=True)
    reach = _FINE_CELL_REACH
    return (
        max(west, min(longitudes) - reach),
        max(south, min(latitudes) - reach),
        min(east, max(longitudes) + reach),
        min(north, max(latitudes) + reach),
    )


def _read_points(inside: QuerySet[Case], *, cap: int) -> Sequence[Mapping[str, Any]] | None:
    """The cases in the box as points, or None when there are more than `cap` (at most `cap` + 1 rows read)."""
    points = list(
        inside.values(
            "tracking_number",
            "latitude",
            "longitude",
            "state",
            "created_at",
            "category__code",
            "category__name",
            "category__name_en",
        )[: cap + 1]
    )
    return points if len(points) <= cap else None


def _counted_view(in_box: Mapping[str, int], *, resolution: int) -> MapView:
    """Res-9 cells summed into their parents at `resolution`, each drawn at its cells' centre weighted by cases."""
    sums: dict[str, list[float]] = {}  # parent -> [cases, Σ lat·n, Σ lon·n, west, south, east, north]
    for cell, n in in_box.items():
        if not n:
            continue
        latitude, longitude = _cell_centre(cell)
        parent = cell if resolution == _COUNTED_RESOLUTION else _cell_parent(cell, resolution)
        acc = sums.setdefault(parent, [0, 0.0, 0.0, longitude, latitude, longitude, latitude])
        acc[0] += n
        acc[1] += latitude * n
        acc[2] += longitude * n
        acc[3], acc[4] = min(acc[3], longitude), min(acc[4], latitude)
        acc[5], acc[6] = max(acc[5], longitude), max(acc[6], latitude)
    reach = _FINE_CELL_REACH
    cells = [
        MapCell(
            cell=parent,
            count=int(n),
            latitude=round(lat_sum / n, 6),
            longitude=round(lon_sum / n, 6),
            bbox=(round(w - reach, 5), round(s - reach, 5), round(e + reach, 5), round(nn + reach, 5)),
        )
        for parent, (n, lat_sum, lon_sum, w, s, e, nn) in sorted(sums.items())
    ]
    return MapView(points=[], cells=cells, total=sum(cell.count for cell in cells), resolution=resolution)


def _grid_view(inside: QuerySet[Case], *, west: float, south: float, east: float, north: float) -> MapView:
    """The cases in the box counted per square of a grid (a power of two of degrees, about 1/8 of the box, so a
    pan at the same zoom keeps the squares), each drawn at the mean of its cases: one GROUP BY in the database."""
    span = max(east - west, north - south, 1e-6)
    exponent = round(math.log2(span / 8))
    size = 2.0**exponent
    squares = (
        inside.annotate(gx=Floor(F("longitude") / size), gy=Floor(F("latitude") / size))
        .values("gx", "gy")
        .annotate(n=Count("*"), mean_lat=Avg("latitude"), mean_lon=Avg("longitude"))
        .order_by()
    )
    cells = []
    for row in squares:
        gx, gy = int(row["gx"]), int(row["gy"])
        cells.append(
            MapCell(
                cell=f"g{exponent}:{gx}:{gy}",
                count=row["n"],
                latitude=round(row["mean_lat"], 6),
                longitude=round(row["mean_lon"], 6),
                bbox=(gx * size, gy * size, (gx + 1) * size, (gy + 1) * size),
            )
        )
    cells.sort(key=lambda cell: cell.cell)
    return MapView(points=[], cells=cells, total=sum(cell.count for cell in cells), resolution=_GRID_RESOLUTION)


def rebuild_public_map_cells() -> int:
    """Count PublicMapCell afresh from cases_case (after a bulk load that bypassed its triggers); its row count."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_publicmapcell")
        cursor.execute(
            "INSERT INTO cases_publicmapcell (h3_cell, h3_cell_coarse, category_id, state, district_id, cases)"
            " SELECT h3_cell, MIN(h3_cell_coarse), category_id, state, district_id, COUNT(*) FROM cases_case"
            " WHERE NOT is_confidential GROUP BY h3_cell, category_id, state, district_id"
        )
        return cursor.rowcount


# --- the mayor's instructions ("disposisi pimpinan") ---------------------------------------------

# The window of the mayor's workspace's "answered" count and median answer time.
INSTRUCTION_SUMMARY_DAYS = 30


@dataclass(frozen=True)
class InstructionView:
    instruction: Instruction
    age: timedelta
    answered_in: timedelta | None


def _instruction_views(instructions: QuerySet[Instruction]) -> list[InstructionView]:
    now = clock.now()
    return [
        InstructionView(
            instruction=item,
            age=now - item.created_at,
            answered_in=item.answered_at - item.created_at if item.answered_at else None,
        )
        for item in instructions
    ]


def _instructions() -> QuerySet[Instruction]:
    return Instruction.objects.select_related("case", "case__agency", "case__category", "author", "answered_by")


def open_instructions(limit: int = 50) -> list[InstructionView]:
    """Unanswered instructions, oldest first (the longest wait on top)."""
    return _instruction_views(_instructions().filter(answered_at__isnull=True).order_by("created_at", "id")[:limit])


def answered_instructions(limit: int = 20) -> list[InstructionView]:
    return _instruction_views(_instructions().filter(answered_at__isnull=False).order_by("-answered_at", "-id")[:limit])


def instruction_summary() -> dict[str, Any]:
    """How many instructions are open and the median time to an answer over the last 30 days."""
    since = clock.now() - timedelta(days=INSTRUCTION_SUMMARY_DAYS)
    answered = list(Instruction.objects.filter(answered_at__gte=since).values_list("created_at", "answered_at"))
    waits = [done - made for made, done in answered if done is not None]
    return {
        "open": Instruction.objects.filter(answered_at__isnull=True).count(),
        "answered_30d": len(waits),
        "median_answer": statistics.median(waits) if waits else None,  # type: ignore[type-var]  # median sorts and averages; timedeltas do both, typeshed admits numbers only
    }


def agency_instructions(user: User) -> list[InstructionView]:
    """Unanswered instructions on the cases of the user's agency (the OPD inbox banner)."""
    if not user.agency_id:
        return []
    return _instruction_views(
        _instructions().filter(answered_at__isnull=True, case__agency_id=user.agency_id).order_by("created_at", "id")
    )


def case_instructions(case: Case) -> list[InstructionView]:
    return _instruction_views(_instructions().filter(case=case).order_by("created_at", "id"))


# --- the public transparency page ------------------------------------------------------------------------


@dataclass(frozen=True)
class TransparencyRow:
    """One agency's or kelurahan's figures for a period. Confidential cases count; no case is listed."""

    code: str
    name: str
    short_name: str  # the chart's axis label: an agency's abbreviation (DBMSDA), a kelurahan's name
    received: int
    resolved: int
    on_time: int
    median_hours: float | None
    rating: float | None
    ratings: int

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.on_time / self.resolved, 1) if self.resolved else None


def transparency(by: str, start: datetime, end: datetime) -> list[TransparencyRow]:
    """Per agency (`by="agency"`) or kelurahan (`by="village"`): reports received in [start, end), resolved in it,
    resolved without passing the SLA (never escalated), the median time from report to resolution, and the average
    rating of cases rated in it. Rejected and merged reports are not counted as received."""
    key = "agency" if by == "agency" else "village"
    received_rows = (
        Case.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(state__in=[CaseStateChoices.REJECTED, CaseStateChoices.DUPLICATE])
        .exclude(**{f"{key}__isnull": True})
        .values(key)
        .annotate(n=Count("id"))
    )
    received = {row[key]: row["n"] for row in received_rows}
    resolved_cases = (
        Case.objects.filter(resolved_at__gte=start, resolved_at__lt=end)
        .exclude(**{f"{key}__isnull": True})
        .values_list(key, "created_at", "resolved_at", "escalated_at")
    )
    durations: dict[int, list[float]] = {}
    on_time: dict[int, int] = {}
    for group, created_at, resolved_at, escalated_at in resolved_cases:
        durations.setdefault(group, []).append((resolved_at - created_at).total_seconds() / 3600)
        if escalated_at is None or escalated_at > resolved_at:
            on_time[group] = on_time.get(group, 0) + 1
    rating_rows = (
        Case.objects.filter(rated_at__gte=start, rated_at__lt=end, rating__isnull=False)
        .exclude(**{f"{key}__isnull": True})
        .values(key)
        .annotate(average=Avg("rating"), n=Count("id"))
    )
    ratings = {row[key]: (row["average"], row["n"]) for row in rating_rows}
    groups = set(received) | set(durations) | set(ratings)
    model = Agency if key == "agency" else Village
    short = "short_name" if key == "agency" else "name"
    names = {
        pk: (code, name, short_name)
        for pk, code, name, short_name in model.objects.filter(pk__in=groups).values_list("pk", "code", "name", short)
    }
    rows = [
        TransparencyRow(
            code=names[group][0],
            name=names[group][1],
            short_name=names[group][2] or names[group][1],
            received=received.get(group, 0),
            resolved=len(durations.get(group, [])),
            on_time=on_time.get(group, 0),
            median_hours=round(statistics.median(durations[group]), 1) if group in durations else None,
            rating=round(ratings[group][0], 2) if group in ratings else None,
            ratings=ratings[group][1] if group in ratings else 0,
        )
        for group in groups
        if group in names
    ]
    rows.sort(key=lambda row: (-row.received, row.name))
    return rows
