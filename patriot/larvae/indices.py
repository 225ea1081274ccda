"""Larva indices (ABJ, House Index, Container Index, Breteau Index, WHO density figure, coverage) from counts, and
their aggregation over an area and a period in one SQL query.

The formulas (Kemenkes' dengue vector surveillance, WHO):

- ABJ, angka bebas jentik (larva-free index) = houses without larvae ÷ houses inspected × 100
- House Index (HI) = houses with larvae ÷ houses inspected × 100
- Container Index (CI) = containers with larvae ÷ containers inspected × 100
- Breteau Index (BI) = containers with larvae per 100 houses inspected
- coverage = houses inspected ÷ houses targeted × 100

Nothing inspected gives no index (None), never 100 % larva-free: an area nobody visited is unknown, not safe.
Figures are returned unrounded; pages round them for display.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from patriot.cases.sla import city_zone
from patriot.larvae.choices import BuildingKindChoices
from patriot.larvae.models import Inspection

# WHO density figure (DF) for Aedes aegypti larval indices, after Brown (1977): the lowest HI, CI and BI of each figure
# 1–9 (DF: HI / CI / BI, in %; BI per 100 houses):
#   1: 1–3 / 1–2 / 1–4        2: 4–7 / 3–5 / 5–9         3: 8–17 / 6–9 / 10–19
#   4: 18–28 / 10–14 / 20–34  5: 29–37 / 15–20 / 35–49   6: 38–49 / 21–27 / 50–74
#   7: 50–59 / 28–31 / 75–99  8: 60–76 / 32–40 / 100–199 9: 77+ / 41+ / 200+
# Sources: WHO, "Dengue haemorrhagic fever: diagnosis, treatment, prevention and control", 2nd ed., Geneva 1997,
# chapter 5 (vector surveillance), after A. W. A. Brown, "Yellow fever, dengue and dengue haemorrhagic fever", in
# G. M. Howe (ed.), A world geography of human diseases, London 1977. The figures were checked one by one (2026-12)
# against the table as Indonesian surveillance material prints it, "Tabel Larva Index, Sumber: WHO (1972)":
# https://pdfcoffee.com/download/angka-kepadatan-nyamukdocx-pdf-free.html (the WHO 1997 page itself was not at
# hand); the same table is in D. A. Focks, "A review of entomological sampling methods and indicators for dengue
# vectors", WHO/TDR, TDR/IDE/Den/03.1, 2003. DF 1 is low density, 2–5 moderate, 6–9 high (transmission risk). The
# last figure's floors are inclusive ("77+"; the Indonesian copy prints ">77", but 60–76 ends figure 8, so 77 is
# figure 9). tests/larvae/test_indices.py pins every boundary of the table.
HOUSE_INDEX_FLOORS = (1, 4, 8, 18, 29, 38, 50, 60, 77)
CONTAINER_INDEX_FLOORS = (1, 3, 6, 10, 15, 21, 28, 32, 41)
BRETEAU_INDEX_FLOORS = (1, 5, 10, 20, 35, 50, 75, 100, 200)


def _percent(part: int, whole: int) -> float | None:
    if part < 0 or whole < 0:
        raise ValueError("Counts are never negative.")
    if part > whole:
        raise ValueError("A part cannot exceed its whole.")
    return part / whole * 100 if whole else None


def larva_free_index(houses: int, positive_houses: int) -> float | None:
    """ABJ: larva-free houses ÷ houses inspected × 100; None when no house was inspected."""
    if positive_houses > houses or positive_houses < 0:
        raise ValueError("Positive houses must be between 0 and the houses inspected.")
    return _percent(houses - positive_houses, houses)


def house_index(houses: int, positive_houses: int) -> float | None:
    """HI: houses with larvae ÷ houses inspected × 100; None when no house was inspected."""
    return _percent(positive_houses, houses)


def container_index(containers: int, positive_containers: int) -> float | None:
    """CI: containers with larvae ÷ containers inspected × 100; None when no container was inspected."""
    return _percent(positive_containers, containers)


def breteau_index(houses: int, positive_containers: int) -> float | None:
    """BI: containers with larvae per 100 houses inspected (may exceed 100); None when no house was inspected."""
    if houses < 0 or positive_containers < 0:
        raise ValueError("Counts are never negative.")
    return positive_containers / houses * 100 if houses else None


def coverage(houses: int, target: int | None) -> float | None:
    """Houses inspected ÷ houses targeted × 100 (may exceed 100); None without a target."""
    if houses < 0:
        raise ValueError("Counts are never negative.")
    return houses / target * 100 if target else None


def _figure(value: float | None, floors: tuple[int, ...]) -> int | None:
    """The density figure whose range holds `value`; 0 below figure 1 (no or almost no larvae).

    The table's ranges are whole numbers (HI 1–3, 4–7, …); a value between two of them (HI 3.5) has not reached
    the next range's floor, so it keeps the lower figure.
    """
    if value is None:
        return None
    return bisect.bisect_right(floors, value)


def density_figure_from_house_index(value: float | None) -> int | None:
    return _figure(value, HOUSE_INDEX_FLOORS)


def density_figure_from_container_index(value: float | None) -> int | None:
    return _figure(value, CONTAINER_INDEX_FLOORS)


def density_figure_from_breteau_index(value: float | None) -> int | None:
    return _figure(value, BRETEAU_INDEX_FLOORS)


def density_figure(house_index_value: float | None, breteau_index_value: float | None) -> int | None:
    """The area's WHO density figure from HI and BI: the mean of the two figures, a half rounded up (a risk
    signal should not understate). HI 20 (figure 4) and BI 40 (figure 5) give 5. None without houses."""
    by_house = density_figure_from_house_index(house_index_value)
    by_breteau = density_figure_from_breteau_index(breteau_index_value)
    if by_house is None or by_breteau is None:
        return None
    return (by_house + by_breteau + 1) // 2


@dataclass(frozen=True)
class Counts:
    """The numbers behind the indices."""

    houses: int = 0
    positive_houses: int = 0
    containers: int = 0
    positive_containers: int = 0


@dataclass(frozen=True)
class Figures:
    counts: Counts
    target: int | None
    larva_free_index: float | None
    house_index: float | None
    container_index: float | None
    breteau_index: float | None
    density_figure_house: int | None
    density_figure_container: int | None
    density_figure_breteau: int | None
    density_figure: int | None
    coverage: float | None


def figures(counts: Counts, target: int | None = None) -> Figures:
    """Every index of one area and period from its counts."""
    hi = house_index(counts.houses, counts.positive_houses)
    ci = container_index(counts.containers, counts.positive_containers)
    bi = breteau_index(counts.houses, counts.positive_containers)
    return Figures(
        counts=counts,
        target=target,
        larva_free_index=larva_free_index(counts.houses, counts.positive_houses),
        house_index=hi,
        container_index=ci,
        breteau_index=bi,
        density_figure_house=density_figure_from_house_index(hi),
        density_figure_container=density_figure_from_container_index(ci),
        density_figure_breteau=density_figure_from_breteau_index(bi),
        density_figure=density_figure(hi, bi),
        coverage=coverage(counts.houses, target),
    )


# --- areas and periods ----------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """The city (nothing set), a kecamatan, a kelurahan, or an RW or RT of a kelurahan."""

    district_id: int | None = None
    village_id: int | None = None
    rw: int | None = None
    rt: int | None = None

    def __post_init__(self) -> None:
        if (self.rw is not None or self.rt is not None) and self.village_id is None:
            raise ValueError("RW and RT numbers repeat across kelurahan: name the kelurahan.")
        if self.rt is not None and self.rw is None:
            raise ValueError("RT numbers repeat across RWs: name the RW.")

    def condition(self) -> Q:
        condition = Q()
        if self.district_id is not None:
            condition &= Q(district_id=self.district_id)
        if self.village_id is not None:
            condition &= Q(village_id=self.village_id)
        if self.rw is not None:
            condition &= Q(rw=self.rw)
        if self.rt is not None:
            condition &= Q(rt=self.rt)
        return condition


@dataclass(frozen=True)
class Period:
    """[start, end) in the city's time zone: an ISO week (Monday to Sunday), a calendar month, or days chosen."""

    start: datetime
    end: datetime

    @property
    def last_day(self) -> date:
        """The period's last day (its end is the midnight after it)."""
        return (self.end.astimezone(city_zone()) - timedelta(days=1)).date()

    @staticmethod
    def _midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=city_zone())

    @classmethod
    def iso_week(cls, year: int, week: int) -> Period:
        monday = date.fromisocalendar(year, week, 1)
        return cls(cls._midnight(monday), cls._midnight(monday + timedelta(days=7)))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(cls._midnight(date(year, month, 1)), cls._midnight(following))

    @classmethod
    def days(cls, first: date, last: date) -> Period:
        """From the start of `first` to the end of `last`, both included."""
        if last < first:
            raise ValueError("The period ends before it starts.")
        return cls(cls._midnight(first), cls._midnight(last + timedelta(days=1)))

    @classmethod
    def week_of(cls, moment: datetime) -> Period:
        year, week, _weekday = moment.astimezone(city_zone()).isocalendar()
        return cls.iso_week(year, week)


def inspections_in(
    area: Area, period: Period, building_kind: str | None = BuildingKindChoices.HOUSE
) -> QuerySet[Inspection]:
    """The inspections an area's figures count: by the phone's inspection time, of one building kind (houses by
    default, as ABJ, HI and BI are defined on houses; None for every kind)."""
    inspections = Inspection.objects.filter(
        area.condition(), inspected_at__gte=period.start, inspected_at__lt=period.end
    )
    if building_kind is not None:
        inspections = inspections.filter(building_kind=building_kind)
    return inspections


_AGGREGATES = {
    "houses": Count("id"),
    "positive_houses": Count("id", filter=Q(is_positive=True)),
    "containers": Coalesce(Sum("containers_inspected"), 0),
    "positive_containers": Coalesce(Sum("containers_positive"), 0),
}


def counts_of(inspections: QuerySet[Inspection]) -> Counts:
    """The counts behind the indices of these inspections, in one aggregate query."""
    return Counts(**inspections.aggregate(**_AGGREGATES))


def area_figures(
    area: Area,
    period: Period,
    *,
    target: int | None = None,
    building_kind: str | None = BuildingKindChoices.HOUSE,
) -> Figures:
    """The indices of one area and period, from one aggregate query over its inspections."""
    return figures(counts_of(inspections_in(area, period, building_kind)), target)


def figures_by_village(
    period: Period, *, district_id: int | None = None, building_kind: str | None = BuildingKindChoices.HOUSE
) -> dict[int, Figures]:
    """Each kelurahan's indices for a period (one grouped query); a kelurahan without inspections is absent."""
    rows = (
        inspections_in(Area(district_id=district_id), period, building_kind)
        .values("village_id")
        .order_by("village_id")
        .annotate(**_AGGREGATES)
    )
    by_village = {}
    for row in rows:
        village_id = row.pop("village_id")
        by_village[village_id] = figures(Counts(**row))
    return by_village
