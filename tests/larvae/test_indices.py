"""larvae.indices: each formula pinned against worked examples (empties and density-figure boundaries included),
and the SQL aggregation over raw inspections against an independent computation from the container rows."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from patriot.accounts.models import User
from patriot.cases.sla import city_zone
from patriot.core import clock
from patriot.geo.models import Village
from patriot.larvae import indices, services
from patriot.larvae.choices import ContainerPlaceChoices, ContainerTypeChoices
from patriot.larvae.indices import Area, Counts, Period
from patriot.larvae.models import ContainerCount, Inspection
from tests.factories import BEKASI_JAYA, BINTARA, MARGAHAYU
from tests.larvae.conftest import inspection_submission

# --- the formulas ------------------------------------------------------------------------------

# A worked example: 10 houses inspected, 2 with larvae; 51 containers inspected, 3 with larvae (one house had 2).
WORKED = Counts(houses=10, positive_houses=2, containers=51, positive_containers=3)


def test_worked_example_gives_every_index() -> None:
    result = indices.figures(WORKED, target=40)
    assert result.larva_free_index == 80.0  # 8 larva-free of 10
    assert result.house_index == 20.0  # 2 of 10
    assert result.container_index == pytest.approx(300 / 51)  # 5.88…
    assert round(result.container_index, 2) == 5.88
    assert result.breteau_index == 30.0  # 3 positive containers per 10 houses = 30 per 100
    assert result.density_figure_house == 4  # HI 20 lies in 18–28
    assert result.density_figure_container == 2  # CI 5.88 lies in 3–5 (not yet 6)
    assert result.density_figure_breteau == 4  # BI 30 lies in 20–34
    assert result.density_figure == 4
    assert result.coverage == 25.0  # 10 of 40 targeted


def test_abj_and_hi_are_complements() -> None:
    for houses, positive in ((1, 0), (1, 1), (7, 3), (200, 9)):
        assert indices.larva_free_index(houses, positive) + indices.house_index(houses, positive) == pytest.approx(100)


def test_no_house_inspected_gives_no_index_never_100_percent() -> None:
    result = indices.figures(Counts())
    assert result.larva_free_index is None
    assert result.house_index is None
    assert result.container_index is None
    assert result.breteau_index is None
    assert result.density_figure is None
    assert result.density_figure_house is None
    assert result.coverage is None


def test_houses_without_containers_have_indices_but_no_container_index() -> None:
    result = indices.figures(Counts(houses=4, positive_houses=0, containers=0, positive_containers=0))
    assert result.larva_free_index == 100.0
    assert result.house_index == 0.0
    assert result.breteau_index == 0.0
    assert result.container_index is None
    # No larvae found: below the table's first figure.
    assert result.density_figure == 0


def test_coverage_needs_a_target_and_may_exceed_100() -> None:
    assert indices.coverage(30, None) is None
    assert indices.coverage(30, 0) is None
    assert indices.coverage(30, 20) == 150.0


def test_breteau_index_can_exceed_100() -> None:
    assert indices.breteau_index(houses=4, positive_containers=9) == 225.0
    assert indices.density_figure_from_breteau_index(225.0) == 9


@pytest.mark.parametrize(
    "counts",
    [(5, 6), (-1, 0), (3, -1)],
)
def test_impossible_counts_are_refused(counts: tuple[int, int]) -> None:
    houses, positive = counts
    with pytest.raises(ValueError):
        indices.house_index(houses, positive)
    with pytest.raises(ValueError):
        indices.larva_free_index(houses, positive)


# The WHO table as printed (WHO 1997 after Brown 1977): density figure → HI, CI and BI ranges; None: no upper end.
WHO_TABLE = {
    1: ((1, 3), (1, 2), (1, 4)),
    2: ((4, 7), (3, 5), (5, 9)),
    3: ((8, 17), (6, 9), (10, 19)),
    4: ((18, 28), (10, 14), (20, 34)),
    5: ((29, 37), (15, 20), (35, 49)),
    6: ((38, 49), (21, 27), (50, 74)),
    7: ((50, 59), (28, 31), (75, 99)),
    8: ((60, 76), (32, 40), (100, 199)),
    9: ((77, None), (41, None), (200, None)),
}


@pytest.mark.parametrize("figure", sorted(WHO_TABLE))
def test_every_range_of_the_who_table_gives_its_figure(figure: int) -> None:
    by_index = (
        indices.density_figure_from_house_index,
        indices.density_figure_from_container_index,
        indices.density_figure_from_breteau_index,
    )
    for (low, high), of in zip(WHO_TABLE[figure], by_index, strict=True):
        assert of(low) == figure, (of.__name__, low)
        top = high if high is not None else low * 10
        assert of(top) == figure, (of.__name__, top)
        assert of(top + 0.5) == figure, (of.__name__, top + 0.5)  # between two ranges: not yet the next one
        if figure > 1:
            assert of(low - 0.5) == figure - 1, (of.__name__, low - 0.5)


# The WHO table's floors and the last value of each range (HI / CI / BI).
@pytest.mark.parametrize(
    ("value", "figure"),
    [(0, 0), (0.99, 0), (1, 1), (3, 1), (3.99, 1), (4, 2), (7, 2), (8, 3), (17, 3), (17.5, 3), (18, 4), (28, 4),
     (29, 5), (37, 5), (38, 6), (49, 6), (50, 7), (59, 7), (60, 8), (76, 8), (76.9, 8), (77, 9), (100, 9)],
)  # fmt: skip
def test_density_figure_from_house_index_boundaries(value: float, figure: int) -> None:
    assert indices.density_figure_from_house_index(value) == figure


@pytest.mark.parametrize(
    ("value", "figure"),
    [(0, 0), (1, 1), (2, 1), (3, 2), (5, 2), (6, 3), (9, 3), (10, 4), (14, 4), (15, 5), (20, 5), (21, 6), (27, 6),
     (28, 7), (31, 7), (32, 8), (40, 8), (41, 9)],
)  # fmt: skip
def test_density_figure_from_container_index_boundaries(value: float, figure: int) -> None:
    assert indices.density_figure_from_container_index(value) == figure


@pytest.mark.parametrize(
    ("value", "figure"),
    [(0, 0), (1, 1), (4, 1), (5, 2), (9, 2), (10, 3), (19, 3), (20, 4), (34, 4), (35, 5), (49, 5), (50, 6),
     (74, 6), (75, 7), (99, 7), (100, 8), (199, 8), (199.5, 8), (200, 9), (450, 9)],
)  # fmt: skip
def test_density_figure_from_breteau_index_boundaries(value: float, figure: int) -> None:
    assert indices.density_figure_from_breteau_index(value) == figure


@pytest.mark.parametrize(
    ("hi", "bi", "figure"),
    [(20, 30, 4), (20, 40, 5), (3, 4, 1), (3, 5, 2), (77, 200, 9), (0, 0, 0), (0.5, 1, 1), (None, None, None)],
)
def test_density_figure_is_the_mean_of_hi_and_bi_figures_half_rounded_up(
    hi: float | None, bi: float | None, figure: int | None
) -> None:
    assert indices.density_figure(hi, bi) == figure


# --- periods and areas -------------------------------------------------------------------------


def test_iso_week_runs_monday_to_monday_in_the_city() -> None:
    week = Period.iso_week(2026, 1)  # 2026-W01 starts on Monday 29 December 2025
    assert week.start == datetime(2025, 12, 29, tzinfo=city_zone())
    assert week.end == datetime(2026, 1, 5, tzinfo=city_zone())
    assert week.last_day == date(2026, 1, 4)


def test_month_and_days() -> None:
    december = Period.month(2026, 12)
    assert (december.start.date(), december.end.date()) == (date(2026, 12, 1), date(2027, 1, 1))
    chosen = Period.days(date(2026, 3, 2), date(2026, 3, 3))
    assert chosen.end - chosen.start == timedelta(days=2)
    with pytest.raises(ValueError):
        Period.days(date(2026, 3, 3), date(2026, 3, 2))


def test_rw_and_rt_need_their_kelurahan() -> None:
    with pytest.raises(ValueError):
        Area(rw=3)
    with pytest.raises(ValueError):
        Area(village_id=1, rt=5)


# --- aggregation over raw inspections ------------------------------------------------------------


def _record(user: User, at: datetime, **kwargs: Any) -> Inspection:
    return services.record_inspection(user, inspection_submission(at=at, **kwargs)).inspection


def _independent(inspections: list[Inspection], target: int | None = None) -> indices.Figures:
    """The same figures from the container rows, computed in Python without the stored totals."""
    houses = [i for i in inspections if i.building_kind == "house"]
    rows = list(ContainerCount.objects.filter(inspection__in=houses))
    positive_by_house = {house.pk: 0 for house in houses}
    for row in rows:
        positive_by_house[row.inspection_id] += row.positive
    return indices.figures(
        Counts(
            houses=len(houses),
            positive_houses=sum(1 for count in positive_by_house.values() if count > 0),
            containers=sum(row.inspected for row in rows),
            positive_containers=sum(row.positive for row in rows),
        ),
        target,
    )


@pytest.mark.django_db
def test_area_figures_match_an_independent_computation_from_raw_inspections(
    areas: None, jumantik: User, other_jumantik: User
) -> None:
    rng = random.Random(13)
    week = Period.iso_week(2026, 10)
    types = ContainerTypeChoices.values()
    places = ContainerPlaceChoices.values()
    made: list[Inspection] = []
    with clock.pinned(datetime(2026, 4, 1, tzinfo=city_zone())):
        for _number in range(60):
            point = rng.choice([MARGAHAYU, BEKASI_JAYA, BINTARA])
            chosen = rng.sample([(t, p) for t in types for p in places], k=rng.randint(0, 5))
            containers = []
            for container_type, place in chosen:
                inspected = rng.randint(0, 6)
                positive = rng.randint(0, inspected) if rng.random() < 0.3 else 0
                containers.append((container_type, place, inspected, positive))
            # Some inspections fall just outside the week: Sunday 23:59 before, Monday 00:00 after.
            at = rng.choice(
                [week.start + timedelta(hours=rng.randint(0, 167)), week.start - timedelta(minutes=1), week.end]
            )
            made.append(
                _record(
                    rng.choice([jumantik, other_jumantik]),
                    at,
                    lat=point[0],
                    lon=point[1],
                    containers=containers or [("bucket", "outdoor", 0, 0)],
                    rw=rng.randint(1, 3),
                    rt=rng.randint(1, 4),
                    building_kind=rng.choice(["house", "house", "house", "ttu", "tti"]),
                )
            )
    in_week = [i for i in made if week.start <= i.inspected_at < week.end]
    margahayu = Village.objects.get(name="Margahayu")
    cases: list[tuple[Area, list[Inspection]]] = [
        (Area(), in_week),
        (Area(district_id=margahayu.district_id), [i for i in in_week if i.district_id == margahayu.district_id]),
        (Area(village_id=margahayu.pk), [i for i in in_week if i.village_id == margahayu.pk]),
        (Area(village_id=margahayu.pk, rw=2), [i for i in in_week if i.village_id == margahayu.pk and i.rw == 2]),
        (
            Area(village_id=margahayu.pk, rw=2, rt=3),
            [i for i in in_week if i.village_id == margahayu.pk and i.rw == 2 and i.rt == 3],
        ),
    ]
    for area, expected in cases:
        assert indices.area_figures(area, week, target=50) == _independent(expected, target=50), area
    assert indices.area_figures(Area(), week).counts.houses > 10
    by_village = indices.figures_by_village(week)
    for village_id, result in by_village.items():
        assert result == _independent([i for i in in_week if i.village_id == village_id])
    assert set(by_village) == {i.village_id for i in in_week if i.building_kind == "house"}


@pytest.mark.django_db
def test_an_area_without_inspections_has_no_index(areas: None, jumantik: User) -> None:
    _record(jumantik, datetime(2026, 3, 4, 9, tzinfo=city_zone()))
    result = indices.area_figures(Area(), Period.iso_week(2026, 11))
    assert result.counts == Counts()
    assert result.larva_free_index is None
