"""Reads for the areas pages (/jumantik/wilayah/…): figures of every sub-area of an area for a period with the
numbers behind them, an area's weekly trend, the weekly recap per kelurahan, the map's data, the POC and mayor
panels. Figures only: never a household's address, point or name (the map's RW points are means of at least
MIN_HOUSES_FOR_POINT houses)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce

from patriot.accounts.choices import RoleChoices as Role
from patriot.geo.models import District, Village
from patriot.larvae.choices import BuildingKindChoices
from patriot.larvae.indices import Area, Counts, Figures, Period, area_figures, figures, inspections_in
from patriot.larvae.models import AreaAlert, DengueCase, Inspection

# Who reads area figures (no household in them): Dinkes, the POC, the mayor.
AREA_ROLES = frozenset({Role.HEALTH_OFFICER, Role.MAYOR}) | Role.POC_ROLES
DENGUE_ROLES = frozenset({Role.HEALTH_OFFICER, Role.SYSTEM_ADMIN})
MIN_HOUSES_FOR_POINT = 5
TREND_WEEKS = 26

_AGGREGATES = {
    "houses": Count("id"),
    "positive_houses": Count("id", filter=Q(is_positive=True)),
    "containers": Coalesce(Sum("containers_inspected"), 0),
    "positive_containers": Coalesce(Sum("containers_positive"), 0),
}


@dataclass(frozen=True)
class AreaRow:
    """One sub-area: its key, its name, its figures and the dengue cases of the period."""

    key: tuple[int, ...]
    name: str
    figures: Figures
    dengue_cases: int
    area: Area


def _dengue_in(period: Period) -> Any:
    return DengueCase.objects.filter(onset_date__gte=period.start.date(), onset_date__lte=period.last_day)


def sub_areas(area: Area, period: Period) -> tuple[str, list[AreaRow]]:
    """The next level down from `area` with its figures: the city → kecamatan, a kecamatan → kelurahan, a
    kelurahan → RW, an RW → RT (one grouped query each, plus one for dengue cases). Returns (level, rows)."""
    houses = inspections_in(area, period)
    dengue = _dengue_in(period)
    if area.district_id is not None:
        dengue = dengue.filter(district_id=area.district_id)
    if area.village_id is not None:
        dengue = dengue.filter(village_id=area.village_id)
    if area.rw is not None:
        dengue = dengue.filter(rw=area.rw)
    rows: list[AreaRow] = []
    empty = figures(Counts())
    if area.village_id is None and area.district_id is None:
        level, group = "district", ["district_id"]
    elif area.village_id is None:
        level, group = "village", ["village_id"]
    elif area.rw is None:
        level, group = "rw", ["rw"]
    else:
        level, group = "rt", ["rt"]
    counted = {
        tuple(row.pop(g) for g in group): figures(Counts(**row))
        for row in houses.values(*group).order_by(*group).annotate(**_AGGREGATES)
    }
    dengue_group = group if level != "rt" else []
    dengue_counts: dict[tuple[Any, ...], int] = defaultdict(int)
    if dengue_group:
        for row in dengue.values(*dengue_group).order_by().annotate(total=Sum("count")):
            dengue_counts[tuple(row[g] for g in dengue_group)] += row["total"]
    if level == "district":
        for district in District.objects.order_by("name"):
            key = (district.pk,)
            rows.append(
                AreaRow(key, district.name, counted.get(key, empty), dengue_counts[key], Area(district_id=district.pk))
            )
    elif level == "village":
        for village in Village.objects.filter(district_id=area.district_id or 0).order_by("name"):
            key = (village.pk,)
            rows.append(
                AreaRow(
                    key,
                    village.name,
                    counted.get(key, empty),
                    dengue_counts[key],
                    Area(district_id=village.district_id, village_id=village.pk),
                )
            )
    else:
        for key in sorted(set(counted) | {k for k in dengue_counts if k[0] is not None}):
            number = key[0]
            name = f"RW {number:02d}" if level == "rw" else f"RT {number:02d}"
            sub = (
                Area(village_id=area.village_id, rw=number)
                if level == "rw"
                else Area(village_id=area.village_id, rw=area.rw, rt=number)
            )
            rows.append(AreaRow(key, name, counted.get(key, empty), dengue_counts.get(key, 0), sub))
    return level, rows


def area_name(area: Area) -> str:
    if area.village_id is not None:
        village = Village.objects.select_related("district").get(pk=area.village_id)
        name = f"{village.name}, {village.district.name}"
        if area.rw is not None:
            name += f" · RW {area.rw:02d}"
        if area.rt is not None:
            name += f" · RT {area.rt:02d}"
        return name
    if area.district_id is not None:
        return District.objects.get(pk=area.district_id).name
    return "Kota Bekasi"


def dengue_total(area: Area, period: Period) -> int:
    dengue = _dengue_in(period)
    if area.district_id is not None:
        dengue = dengue.filter(district_id=area.district_id)
    if area.village_id is not None:
        dengue = dengue.filter(village_id=area.village_id)
    if area.rw is not None:
        dengue = dengue.filter(rw=area.rw)
    return int(dengue.aggregate(total=Coalesce(Sum("count"), 0))["total"])


def trend(area: Area, last: Period, weeks: int = TREND_WEEKS) -> list[dict[str, Any]]:
    """The area's figures week by week, the `weeks` ISO weeks ending with `last` (one aggregate per week)."""
    points = []
    for back in range(weeks - 1, -1, -1):
        start = last.start - timedelta(weeks=back)
        period = Period.week_of(start + timedelta(hours=12))
        f = area_figures(area, period)
        year, week, _day = period.start.isocalendar()
        points.append(
            {
                "week": f"{year}-W{week:02d}",
                "houses": f.counts.houses,
                "abj": None if f.larva_free_index is None else round(f.larva_free_index, 1),
                "hi": None if f.house_index is None else round(f.house_index, 1),
                "bi": None if f.breteau_index is None else round(f.breteau_index, 1),
                "df": f.density_figure,
            }
        )
    return points


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def map_data(period: Period) -> dict[str, Any]:
    """Per kelurahan code: ABJ, DF and the numbers behind them, dengue cases; per RW with enough houses a point
    (the mean of its houses' points) with the same figures. Three grouped queries."""
    houses = inspections_in(Area(), period)
    by_village = {
        row.pop("village_id"): figures(Counts(**row))
        for row in houses.values("village_id").order_by("village_id").annotate(**_AGGREGATES)
    }
    dengue_village: dict[int, int] = defaultdict(int)
    dengue_rw: dict[tuple[int, int], int] = defaultdict(int)
    for row in _dengue_in(period).values("village_id", "rw").order_by().annotate(total=Sum("count")):
        dengue_village[row["village_id"]] += row["total"]
        if row["rw"]:
            dengue_rw[(row["village_id"], row["rw"])] += row["total"]
    villages = {}
    codes = dict(Village.objects.values_list("pk", "code"))
    names = dict(Village.objects.values_list("pk", "name"))
    for pk, code in codes.items():
        f = by_village.get(pk)
        villages[code] = {
            "name": names[pk],
            "houses": f.counts.houses if f else 0,
            "positive_houses": f.counts.positive_houses if f else 0,
            "abj": _round(f.larva_free_index) if f else None,
            "hi": _round(f.house_index) if f else None,
            "bi": _round(f.breteau_index) if f else None,
            "df": f.density_figure if f else None,
            "dengue_cases": dengue_village.get(pk, 0),
        }
    rws = []
    rw_rows = (
        houses.values("village_id", "rw")
        .order_by("village_id", "rw")
        .annotate(**_AGGREGATES, lat=Avg("latitude"), lon=Avg("longitude"))
    )
    for row in rw_rows:
        if row["houses"] < MIN_HOUSES_FOR_POINT:
            continue
        f = figures(Counts(row["houses"], row["positive_houses"], row["containers"], row["positive_containers"]))
        rws.append(
            {
                "village": codes.get(row["village_id"], ""),
                "village_name": names.get(row["village_id"], ""),
                "rw": row["rw"],
                "lat": round(row["lat"], 4),
                "lon": round(row["lon"], 4),
                "houses": row["houses"],
                "positive_houses": row["positive_houses"],
                "abj": _round(f.larva_free_index),
                "df": f.density_figure,
                "dengue_cases": dengue_rw.get((row["village_id"], row["rw"]), 0),
            }
        )
    return {"villages": villages, "rws": rws}


@dataclass(frozen=True)
class Recap:
    """The weekly recap a puskesmas sends upward for one kelurahan: one row per RW and the total."""

    village: Village
    period: Period
    rows: list[AreaRow]
    total: Figures
    dengue_cases: int


def weekly_recap(village: Village, period: Period) -> Recap:
    area = Area(district_id=village.district_id, village_id=village.pk)
    _level, rows = sub_areas(area, period)
    return Recap(
        village=village,
        period=period,
        rows=rows,
        total=area_figures(area, period),
        dengue_cases=dengue_total(area, period),
    )


@dataclass(frozen=True)
class PocLarvae:
    period: Period
    city: Figures
    today_positive: int
    areas: list[dict[str, Any]]
    open_alerts: int


def poc_panel(period: Period, today_start: Any) -> PocLarvae:
    """The POC's larvae panel: the week's city figures, positive houses today, the RWs with most positive houses
    this week (areas, never households), the open threshold cases."""
    week = inspections_in(Area(), period)
    top = (
        week.filter(is_positive=True)
        .values("village__name", "village__district__name", "rw")
        .order_by()
        .annotate(positive=Count("id"))
        .order_by("-positive", "village__name", "rw")[:8]
    )
    return PocLarvae(
        period=period,
        city=area_figures(Area(), period),
        today_positive=week.filter(is_positive=True, inspected_at__gte=today_start).count(),
        areas=[
            {
                "village": row["village__name"],
                "district": row["village__district__name"],
                "rw": row["rw"],
                "positive": row["positive"],
            }
            for row in top
        ],
        open_alerts=AreaAlert.objects.filter(is_open=True).count(),
    )


@dataclass(frozen=True)
class DistrictRisk:
    district: District
    figures: Figures
    dengue_cases: int
    risk: str  # "high", "moderate", "low", "unknown"


def risk_level(f: Figures, dengue_cases: int) -> str:
    """One word for the mayor: high with a confirmed case or DF ≥ 6 (WHO: high transmission risk), moderate with
    DF 2–5 or ABJ below 95 %, low otherwise; unknown when no house was inspected and no case recorded."""
    if dengue_cases or (f.density_figure is not None and f.density_figure >= 6):
        return "high"
    if f.density_figure is None:
        return "unknown"
    if f.density_figure >= 2 or (f.larva_free_index is not None and f.larva_free_index < 95):
        return "moderate"
    return "low"


def district_risk(period: Period) -> list[DistrictRisk]:
    _level, rows = sub_areas(Area(), period)
    districts = {d.pk: d for d in District.objects.all()}
    return [
        DistrictRisk(districts[row.key[0]], row.figures, row.dengue_cases, risk_level(row.figures, row.dengue_cases))
        for row in rows
    ]


def recent_dengue_cases(limit: int = 50) -> list[DengueCase]:
    return list(DengueCase.objects.select_related("village", "district").order_by("-onset_date", "-id")[:limit])


def open_alerts(limit: int = 50) -> list[AreaAlert]:
    return list(AreaAlert.objects.select_related("village", "case").order_by("-is_open", "-updated_at")[:limit])


def positive_inspection_count(period: Period) -> int:
    return Inspection.objects.filter(
        inspected_at__gte=period.start,
        inspected_at__lt=period.end,
        is_positive=True,
        building_kind=BuildingKindChoices.HOUSE,
    ).count()
