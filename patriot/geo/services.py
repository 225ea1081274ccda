"""Area changes: loading reference kecamatan/kelurahan with demo polygons, importing official boundaries and RW/RT;
importing the city's own places."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from patriot.geo.choices import PlaceKindChoices
from patriot.geo.gazetteer import reset_city_places
from patriot.geo.geometry import (
    area_km2,
    from_geojson,
    km_to_degrees_latitude,
    polygonal_parts,
    snap_to_grid,
    to_geojson,
)
from patriot.geo.lookup import LocationError, locate, reset_area_index
from patriot.geo.models import (
    MAX_NEIGHBOURHOOD_NUMBER,
    CityPlace,
    District,
    RukunTetangga,
    RukunWarga,
    Village,
    rt_label,
    rw_label,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
# Kemendagri kelurahan code: province.city.kecamatan.kelurahan; the first three parts are the kecamatan code.
VILLAGE_CODE = re.compile(r"^(?P<district>\d{2}\.\d{2}\.\d{2})\.\d{4}$")
NAME_MAX_LENGTH = 100
# An RW or RT number as GIS files write it in text: "5", "05", "005".
NEIGHBOURHOOD_NUMBER = re.compile(r"^[0-9]{1,4}$")
# Closing the union of per-village discs by ~0.9 km merges discs that nearly touch and fills the notches
# between them, so the demo outline is one piece without pinholes while its area stays near the real 213 km².
OUTLINE_CLOSING_DEGREES = 0.008
# An operator fixing a broken file needs the first problems, not eighty thousand lines.
MAX_REPORTED_PROBLEMS = 20


class AreaImportError(Exception):
    """A boundary file that was refused as a whole; `problems` lists what is wrong, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = list(problems[:MAX_REPORTED_PROBLEMS])
        if len(problems) > MAX_REPORTED_PROBLEMS:
            hidden = len(problems) - MAX_REPORTED_PROBLEMS
            shown.append(_("… dan %(count)d masalah lain.") % {"count": hidden})
        self.problems = shown
        super().__init__("\n".join(shown))


@dataclass(frozen=True)
class ImportResult:
    villages_created: int
    villages_updated: int
    districts_created: int
    # Codes whose geometry was invalid (self-intersecting, …) and was repaired with shapely.make_valid.
    repaired_codes: tuple[str, ...]

    @property
    def villages_imported(self) -> int:
        return self.villages_created + self.villages_updated


@dataclass(frozen=True)
class _ReferencePoint:
    code: str
    lat: float
    lon: float
    area_km2: float


@dataclass(frozen=True)
class _ImportedVillage:
    code: str
    name: str
    district_code: str
    district_name: str
    boundary: dict[str, Any]
    shape: BaseGeometry
    repaired: bool


def _read_reference_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _approximate_boundaries(points: Sequence[_ReferencePoint]) -> dict[str, dict[str, Any]]:
    """Demo polygons derived from the reference points alone: Voronoi cells clipped to a derived outline.

    The outline is the union of one disc per village with that village's real area, closed so it becomes
    one piece. A Voronoi cell holds its own point strictly inside, and so does the disc, so every cell keeps
    its centroid; along the city edge the disc sizes keep each cell near its village's real area.
    """
    sites = [shapely.Point(p.lon, p.lat) for p in points]
    discs = [
        site.buffer(km_to_degrees_latitude(math.sqrt(p.area_km2 / math.pi)), quad_segs=16)
        for site, p in zip(sites, points, strict=True)
    ]
    closed = (
        shapely.union_all(discs)
        .buffer(OUTLINE_CLOSING_DEGREES, quad_segs=16)
        .buffer(-OUTLINE_CLOSING_DEGREES, quad_segs=16)
    )
    outline = shapely.union_all([Polygon(part.exterior) for part in shapely.get_parts(closed)])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(sites), extend_to=outline))
    site_index, cell_index = shapely.STRtree(cells).query(sites, predicate="within")
    cell_of_site = dict(zip(site_index.tolist(), cell_index.tolist(), strict=True))
    return {
        point.code: to_geojson(polygonal_parts(shapely.intersection(cells[cell_of_site[i]], outline)))  # type: ignore[arg-type]  # types-shapely: an element of a geometry array is a geometry, not an array
        for i, point in enumerate(points)
    }


def load_reference_areas() -> tuple[int, int]:
    """Create or update the reference kecamatan and kelurahan; returns (districts, villages) loaded.

    Villages without an official boundary get the derived demo polygon and the reference centroid and
    area; villages with an imported official boundary keep it, with the centroid and area taken from it.
    """
    district_rows = _read_reference_csv("kecamatan.csv")
    village_rows = _read_reference_csv("kelurahan.csv")
    demo_boundaries = _approximate_boundaries(
        [
            _ReferencePoint(
                code=row["code"],
                lat=float(row["centroid_lat"]),
                lon=float(row["centroid_lon"]),
                area_km2=float(row["area_km2"]),
            )
            for row in village_rows
        ]
    )
    with transaction.atomic():
        districts: dict[str, District] = {}
        for row in district_rows:
            districts[row["code"]], _created = District.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "official_name": row["official_name"],
                    "centroid_lat": float(row["centroid_lat"]),
                    "centroid_lon": float(row["centroid_lon"]),
                    "area_km2": float(row["area_km2"]),
                },
            )
        officially_bounded = set(
            Village.objects.filter(boundary_is_approximate=False, boundary__isnull=False).values_list("code", flat=True)
        )
        for row in village_rows:
            defaults: dict[str, Any] = {
                "name": row["name"],
                "official_name": row["official_name"],
                "district": districts[row["kecamatan_code"]],
            }
            if row["code"] not in officially_bounded:
                defaults |= {
                    "centroid_lat": float(row["centroid_lat"]),
                    "centroid_lon": float(row["centroid_lon"]),
                    "area_km2": float(row["area_km2"]),
                    "boundary": demo_boundaries[row["code"]],
                    "boundary_is_approximate": True,
                }
            Village.objects.update_or_create(code=row["code"], defaults=defaults)
    reset_area_index()
    return len(district_rows), len(village_rows)


def read_feature_collection(path: str | Path) -> list[Any]:
    """The features of a GeoJSON FeatureCollection file, or AreaImportError saying why it is unusable."""
    try:
        document = Path(path).read_bytes()
    except FileNotFoundError:
        raise AreaImportError([_("Berkas %(path)s tidak ditemukan.") % {"path": path}]) from None
    except OSError as exc:
        raise AreaImportError(
            [_("Berkas %(path)s tidak dapat dibaca: %(error)s") % {"path": path, "error": exc.strerror}]
        ) from None
    return parse_feature_collection(document)


def _refuse_constant(name: str) -> None:
    raise ValueError(_("nilai %(name)s bukan JSON standar") % {"name": name})


def parse_feature_collection(document: str | bytes) -> list[Any]:
    """The features of a GeoJSON FeatureCollection document, or AreaImportError saying why it is unusable."""
    try:
        # UTF-8 as RFC 8259 requires, tolerating the byte-order mark some desktop GIS tools write.
        text = document.decode("utf-8-sig") if isinstance(document, bytes) else document
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise AreaImportError([_("Berkas bukan JSON yang sah: %(error)s") % {"error": exc}]) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise AreaImportError([_('Berkas harus berupa GeoJSON dengan "type": "FeatureCollection".')])
    features = data.get("features")
    if not isinstance(features, list):
        raise AreaImportError([_('FeatureCollection harus memiliki daftar "features".')])
    return features


def _feature_label(index: int, code: object) -> str:
    if isinstance(code, str) and code:
        return f"features[{index}] ({code})"
    return f"features[{index}]"


def _checked_name(value: object, field: str) -> tuple[str, str | None]:
    """The stripped name, and a problem if it is missing, not text or too long."""
    if not isinstance(value, str) or not value.strip():
        return "", _('properti "%(field)s" wajib diisi dengan teks.') % {"field": field}
    if len(value.strip()) > NAME_MAX_LENGTH:
        return "", _('properti "%(field)s" lebih dari %(max)d karakter.') % {
            "field": field,
            "max": NAME_MAX_LENGTH,
        }
    return value.strip(), None


def _checked_boundary(geometry: object) -> tuple[BaseGeometry | None, bool, str | None]:
    """The (multi)polygon of a GeoJSON geometry, whether it had to be repaired, and a problem if unusable."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None, False, _("geometri harus berupa Polygon atau MultiPolygon.")
    try:
        shape = from_geojson(geometry)
    except (GEOSException, ValueError, TypeError, IndexError, KeyError, AttributeError):
        return None, False, _("koordinat geometri tidak dapat dibaca.")
    coordinates = shapely.get_coordinates(shape)
    if shape.is_empty or not np.isfinite(coordinates).all():
        return None, False, _("geometri kosong atau berisi koordinat yang bukan angka.")
    longitudes, latitudes = coordinates[:, 0], coordinates[:, 1]
    if (np.abs(longitudes) > 180).any() or (np.abs(latitudes) > 90).any():
        projected = _("koordinat di luar rentang bujur/lintang; berkas harus memakai WGS84 (EPSG:4326).")
        return None, False, projected
    repaired = not shape.is_valid
    if repaired:
        shape = polygonal_parts(shapely.make_valid(shape))
    # Checked on the stored grid: a sliver that survives in full floats may still collapse when saved.
    shape = snap_to_grid(shape)
    if not isinstance(shape, (Polygon, MultiPolygon)) or shape.area == 0:
        return None, repaired, _("geometri tidak memiliki luas (berupa garis atau titik) dan tidak dapat dipakai.")
    return shape, repaired, None


def _checked_feature(index: int, feature: object) -> tuple[_ImportedVillage | None, list[str]]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problem = _("%(feature)s: harus berupa GeoJSON Feature.") % {"feature": _feature_label(index, None)}
        return None, [problem]
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        properties = {}
    code = properties.get("code")
    label = _feature_label(index, code)
    problems: list[str] = []

    match = VILLAGE_CODE.match(code) if isinstance(code, str) else None
    if match is None:
        problems.append(_('properti "code" harus berformat NN.NN.NN.NNNN, misalnya 32.75.01.1001.'))
    name, name_problem = _checked_name(properties.get("name"), "name")
    if name_problem:
        problems.append(name_problem)
    district_code = match["district"] if match else ""
    given_district_code = properties.get("kecamatan_code")
    if match and given_district_code not in (None, "", district_code):
        problems.append(
            _('properti "kecamatan_code" %(given)s tidak sesuai dengan awalan kode %(prefix)s.')
            % {"given": given_district_code, "prefix": district_code}
        )
    district_name = ""
    if properties.get("kecamatan_name") not in (None, ""):
        district_name, district_name_problem = _checked_name(properties["kecamatan_name"], "kecamatan_name")
        if district_name_problem:
            problems.append(district_name_problem)
    shape, repaired, geometry_problem = _checked_boundary(feature.get("geometry"))
    if geometry_problem:
        problems.append(geometry_problem)

    if problems or shape is None or not isinstance(code, str):
        return None, [f"{label}: {problem}" for problem in problems]
    # Store exactly what the lookup will index: the polygon snapped to the stored 6-decimal grid.
    boundary = to_geojson(shape)
    return (
        _ImportedVillage(
            code=code,
            name=name,
            district_code=district_code,
            district_name=district_name,
            boundary=boundary,
            shape=from_geojson(boundary),
            repaired=repaired,
        ),
        [],
    )


def _checked_collection(features: list[Any]) -> tuple[list[_ImportedVillage], list[str]]:
    """Every feature checked on its own, then against each other and the kecamatan already known."""
    villages: list[_ImportedVillage] = []
    problems: list[str] = []
    first_index_of_code: dict[str, int] = {}
    for index, feature in enumerate(features):
        village, feature_problems = _checked_feature(index, feature)
        problems.extend(feature_problems)
        if village is None:
            continue
        if village.code in first_index_of_code:
            problems.append(
                _("%(feature)s: kode ganda, sudah dipakai oleh features[%(first)d].")
                % {"feature": _feature_label(index, village.code), "first": first_index_of_code[village.code]}
            )
            continue
        first_index_of_code[village.code] = index
        villages.append(village)

    # A kecamatan missing from the database is created if at least one of its features names it.
    known_districts = set(District.objects.values_list("code", flat=True))
    new_district_names: dict[str, set[str]] = {}
    for village in villages:
        if village.district_code not in known_districts:
            names = new_district_names.setdefault(village.district_code, set())
            if village.district_name:
                names.add(village.district_name)
    for village in villages:
        if village.district_code in new_district_names and not new_district_names[village.district_code]:
            problems.append(
                _(
                    '%(feature)s: kecamatan %(district)s belum ada; isi properti "kecamatan_name" '
                    "agar kecamatan itu dibuat."
                )
                % {
                    "feature": _feature_label(first_index_of_code[village.code], village.code),
                    "district": village.district_code,
                }
            )
    for district_code, names in new_district_names.items():
        if len(names) > 1:
            problems.append(
                _("Kecamatan %(district)s diberi nama yang berbeda-beda: %(names)s.")
                % {"district": district_code, "names": ", ".join(sorted(names))}
            )
    return villages, problems


def _create_districts(villages: list[_ImportedVillage]) -> int:
    """The kecamatan named in the file but not yet known, placed and sized from their imported villages."""
    known = set(District.objects.values_list("code", flat=True))
    new_villages: dict[str, list[_ImportedVillage]] = {}
    for village in villages:
        if village.district_code not in known:
            new_villages.setdefault(village.district_code, []).append(village)
    for code, members in new_villages.items():
        name = next(member.district_name for member in members if member.district_name)
        outline = shapely.union_all([member.shape for member in members])
        inside = outline.point_on_surface()
        District.objects.create(
            code=code,
            name=name,
            official_name=name,
            centroid_lat=inside.y,
            centroid_lon=inside.x,
            area_km2=round(area_km2(outline), 3),
        )
    return len(new_villages)


def import_areas(features: list[Any], *, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import official kelurahan boundaries from the features of a GeoJSON FeatureCollection.

    Every feature is checked before anything is written; any problem raises AreaImportError listing them
    all and leaves the database untouched. Otherwise one transaction creates the missing kecamatan and
    creates or updates each kelurahan with its official boundary, a point inside it and its area.
    `progress` is called with 1 after each kelurahan is saved.
    """
    if not isinstance(features, list):
        raise AreaImportError([_('"features" harus berupa daftar.')])
    if not features:
        raise AreaImportError([_("FeatureCollection tidak berisi satu fitur pun.")])
    villages, problems = _checked_collection(features)
    if problems:
        raise AreaImportError(problems)

    created = 0
    with transaction.atomic():
        districts_created = _create_districts(villages)
        districts = {district.code: district for district in District.objects.all()}
        for village in villages:
            inside = village.shape.point_on_surface()
            fields = {
                "name": village.name,
                "district": districts[village.district_code],
                "centroid_lat": inside.y,
                "centroid_lon": inside.x,
                "area_km2": round(area_km2(village.shape), 3),
                "boundary": village.boundary,
                "boundary_is_approximate": False,
            }
            _village, was_created = Village.objects.update_or_create(
                code=village.code, defaults=fields, create_defaults={**fields, "official_name": village.name}
            )
            created += was_created
            if progress is not None:
                progress(1)
    reset_area_index()
    return ImportResult(
        villages_created=created,
        villages_updated=len(villages) - created,
        districts_created=districts_created,
        repaired_codes=tuple(village.code for village in villages if village.repaired),
    )


# --- RW and RT ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeighbourhoodImportResult:
    rw_created: int
    rw_updated: int
    rt_created: int
    rt_updated: int
    # Labels ("RT 003/RW 05 32.75.01.1001") whose geometry was invalid and was repaired with shapely.make_valid.
    repaired: tuple[str, ...]


@dataclass(frozen=True)
class _ImportedNeighbourhood:
    index: int
    village_code: str
    rw_number: int
    rt_number: int | None
    # None for a feature without geometry: the number is created, an imported boundary is kept.
    boundary: dict[str, Any] | None
    shape: BaseGeometry | None
    repaired: bool

    @property
    def key(self) -> tuple[str, int, int | None]:
        return self.village_code, self.rw_number, self.rt_number

    @property
    def label(self) -> str:
        rw = rw_label(self.rw_number)
        name = rw if self.rt_number is None else f"{rt_label(self.rt_number)}/{rw}"
        return f"{name} {self.village_code}"


def _checked_number(value: object, field: str) -> tuple[int | None, str | None]:
    """An RW or RT number from a property (5, 5.0 or "005"), and a problem if it is not one."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and NEIGHBOURHOOD_NUMBER.match(value.strip()):
        number = int(value.strip())
    if number is None or not 1 <= number <= MAX_NEIGHBOURHOOD_NUMBER:
        return None, _('properti "%(field)s" harus berupa nomor 1 sampai %(max)d.') % {
            "field": field,
            "max": MAX_NEIGHBOURHOOD_NUMBER,
        }
    return number, None


def _checked_neighbourhood_feature(
    index: int, feature: object, known_villages: set[str]
) -> tuple[_ImportedNeighbourhood | None, list[str]]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problem = _("%(feature)s: harus berupa GeoJSON Feature.") % {"feature": _feature_label(index, None)}
        return None, [problem]
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        properties = {}
    village_code = properties.get("kelurahan_code")
    label = _feature_label(index, village_code)
    problems: list[str] = []

    if not isinstance(village_code, str) or VILLAGE_CODE.match(village_code) is None:
        problems.append(_('properti "kelurahan_code" harus berformat NN.NN.NN.NNNN, misalnya 32.75.01.1001.'))
    elif village_code not in known_villages:
        problems.append(
            _("kelurahan %(code)s tidak ada; impor kelurahannya lebih dulu (import-areas).") % {"code": village_code}
        )
    rw_number, rw_problem = _checked_number(properties.get("rw"), "rw")
    if rw_problem:
        problems.append(rw_problem)
    rt_number: int | None = None
    if properties.get("rt") not in (None, ""):
        rt_number, rt_problem = _checked_number(properties["rt"], "rt")
        if rt_problem:
            problems.append(rt_problem)
    shape: BaseGeometry | None = None
    repaired = False
    if feature.get("geometry") is not None:
        shape, repaired, geometry_problem = _checked_boundary(feature["geometry"])
        if geometry_problem:
            problems.append(geometry_problem)

    if problems or rw_number is None or not isinstance(village_code, str):
        return None, [f"{label}: {problem}" for problem in problems]
    boundary = to_geojson(shape) if shape is not None else None
    return (
        _ImportedNeighbourhood(
            index=index,
            village_code=village_code,
            rw_number=rw_number,
            rt_number=rt_number,
            boundary=boundary,
            shape=from_geojson(boundary) if boundary else None,
            repaired=repaired,
        ),
        [],
    )


def _polygons_away_from_their_kelurahan(items: list[_ImportedNeighbourhood]) -> list[str]:
    """A polygon that does not even touch its kelurahan's official boundary names the wrong kelurahan.

    Only official boundaries are asked, and only whether they touch: RW maps and kelurahan maps come from
    different surveys and rarely share edges exactly. Approximate (demo) boundaries prove nothing.
    """
    codes = {item.village_code for item in items if item.shape is not None}
    official = {
        code: from_geojson(cast(dict[str, Any], boundary))  # boundary__isnull=False below
        for code, boundary in Village.objects.filter(
            code__in=codes, boundary__isnull=False, boundary_is_approximate=False
        ).values_list("code", "boundary")
    }
    return [
        _("%(feature)s: poligon %(area)s tidak bersinggungan dengan batas resmi kelurahan %(code)s.")
        % {"feature": _feature_label(item.index, item.village_code), "area": item.label, "code": item.village_code}
        for item in items
        if item.shape is not None
        and item.village_code in official
        and not item.shape.intersects(official[item.village_code])
    ]


def _neighbourhood_fields(item: _ImportedNeighbourhood) -> dict[str, Any]:
    """The boundary and a point inside it; nothing for a feature without geometry, so an imported one stays."""
    if item.shape is None:
        return {}
    inside = item.shape.point_on_surface()
    return {"boundary": item.boundary, "centroid_lat": inside.y, "centroid_lon": inside.x}


def import_rw_rt(features: list[Any], *, progress: Callable[[int], None] | None = None) -> NeighbourhoodImportResult:
    """Import RW and RT numbers, with their polygons where given, from the features of a GeoJSON FeatureCollection.

    Each feature names its kelurahan ("kelurahan_code", which must already exist), its "rw" and, for an RT,
    its "rt"; its geometry is a (Multi)Polygon or null for the number alone. An RT's RW is created if
    neither the file nor the database has it. Every feature is checked first; any problem raises
    AreaImportError listing them all and writes nothing. Otherwise one transaction creates or updates them.
    `progress` is called with 1 after each feature is saved.
    """
    if not isinstance(features, list):
        raise AreaImportError([_('"features" harus berupa daftar.')])
    if not features:
        raise AreaImportError([_("FeatureCollection tidak berisi satu fitur pun.")])
    known_villages = set(Village.objects.values_list("code", flat=True))
    items: list[_ImportedNeighbourhood] = []
    problems: list[str] = []
    first_index: dict[tuple[str, int, int | None], int] = {}
    for index, feature in enumerate(features):
        item, feature_problems = _checked_neighbourhood_feature(index, feature, known_villages)
        problems.extend(feature_problems)
        if item is None:
            continue
        if item.key in first_index:
            problems.append(
                _("%(feature)s: %(area)s ganda, sudah ada di features[%(first)d].")
                % {
                    "feature": _feature_label(index, item.village_code),
                    "area": item.label,
                    "first": first_index[item.key],
                }
            )
            continue
        first_index[item.key] = index
        items.append(item)
    problems.extend(_polygons_away_from_their_kelurahan(items))
    if problems:
        raise AreaImportError(problems)

    counts = {"rw_created": 0, "rw_updated": 0, "rt_created": 0, "rt_updated": 0}
    # RWs first, so an RT finds the polygon-bearing RW of the same file rather than creating a bare one.
    items.sort(key=lambda item: item.rt_number is not None)
    with transaction.atomic():
        villages = {
            village.code: village for village in Village.objects.filter(code__in={i.village_code for i in items})
        }
        for item in items:
            if item.rt_number is None:
                _rw, created = RukunWarga.objects.update_or_create(
                    village=villages[item.village_code], number=item.rw_number, defaults=_neighbourhood_fields(item)
                )
                counts["rw_created" if created else "rw_updated"] += 1
            else:
                rw, rw_created = RukunWarga.objects.get_or_create(
                    village=villages[item.village_code], number=item.rw_number
                )
                counts["rw_created"] += rw_created
                _rt, created = RukunTetangga.objects.update_or_create(
                    rw=rw, number=item.rt_number, defaults=_neighbourhood_fields(item)
                )
                counts["rt_created" if created else "rt_updated"] += 1
            if progress is not None:
                progress(1)
    reset_area_index()
    return NeighbourhoodImportResult(
        **counts, repaired=tuple(item.label for item in sorted(items, key=lambda item: item.index) if item.repaired)
    )


# --- the city's own places (`import-places`) ---------------------------------------------------------------------

PLACE_NAME_MAX_LENGTH = 200
PLACE_SOURCE_MAX_LENGTH = 200
PLACE_CSV_COLUMNS = ("name", "kind", "latitude", "longitude")
_PLACE_BATCH = 1000


@dataclass(frozen=True)
class PlaceImportResult:
    created: int
    # Places imported before from the same sources, removed by --replace.
    removed: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PlaceRecord:
    """One place as a file gives it, before it is checked; `label` says where it is ("baris 3", "features[2]")."""

    label: str
    name: object
    kind: object
    latitude: object
    longitude: object
    source: object
    # What makes the record unusable before its fields are looked at (a feature that is not a Point, …).
    problem: str = ""


def _place_kinds() -> dict[str, str]:
    """Every way a file may write a kind: the code (`market`) or its Indonesian label (`Pasar`), any case."""
    with translation.override("id"):
        known = {str(label).casefold(): value for value, label, _colour in PlaceKindChoices.CHOICES}
    known.update({value: value for value in PlaceKindChoices.values()})
    return known


def _read_places_csv(text: str, default_source: str) -> list[PlaceRecord]:
    lines = text.splitlines()
    # Lines starting with "#" are comments (as in data/gazetteer.csv); the row numbers stay those of the file.
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if not line.lstrip().startswith("#")]
    # Spreadsheets set to Indonesian write ";" between columns and a decimal comma; a tab-separated export also reads.
    first = numbered[0][1] if numbered else ""
    delimiter = next((sign for sign in (";", "\t") if sign in first and "," not in first), ",")
    reader = csv.reader((line for _number, line in numbered), delimiter=delimiter)
    try:
        header = [column.strip().casefold() for column in next(reader)]
    except StopIteration:
        raise AreaImportError([_("Berkas kosong.")]) from None
    except csv.Error as exc:
        raise AreaImportError([_("Berkas bukan CSV yang sah: %(error)s") % {"error": exc}]) from None
    missing = [column for column in PLACE_CSV_COLUMNS if column not in header]
    if missing:
        raise AreaImportError(
            [
                _("Baris judul CSV harus memuat kolom %(columns)s (dan boleh %(optional)s); tidak ada: %(missing)s.")
                % {"columns": ",".join(PLACE_CSV_COLUMNS), "optional": "source", "missing": ", ".join(missing)}
            ]
        )
    position = {column: header.index(column) for column in (*PLACE_CSV_COLUMNS, "source") if column in header}
    records = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            number = numbered[reader.line_num - 1][0]

            def cell(column: str, values: list[str] = values) -> str | None:
                at = position.get(column)
                return values[at] if at is not None and at < len(values) else None

            source = cell("source")
            latitude, longitude = cell("latitude"), cell("longitude")
            if delimiter != "," and latitude is not None and longitude is not None:
                latitude, longitude = latitude.replace(",", "."), longitude.replace(",", ".")
            records.append(
                PlaceRecord(
                    label=_("baris %(number)d") % {"number": number},
                    name=cell("name"),
                    kind=cell("kind"),
                    latitude=latitude,
                    longitude=longitude,
                    source=source if source and source.strip() else default_source,
                )
            )
    except csv.Error as exc:
        raise AreaImportError([_("Berkas bukan CSV yang sah: %(error)s") % {"error": exc}]) from None
    return records


def _read_places_geojson(text: str, default_source: str) -> list[PlaceRecord]:
    records = []
    for index, feature in enumerate(parse_feature_collection(text)):
        label = _feature_label(index, None)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            records.append(PlaceRecord(label, None, None, None, None, None, _("harus berupa GeoJSON Feature.")))
            continue
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        geometry = feature.get("geometry")
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not (
            isinstance(geometry, dict)
            and geometry.get("type") == "Point"
            and isinstance(coordinates, list)
            and len(coordinates) in (2, 3)
        ):
            records.append(PlaceRecord(label, None, None, None, None, None, _("geometri harus berupa Point.")))
            continue
        source = properties.get("source")
        records.append(
            PlaceRecord(
                label=label,
                name=properties.get("name"),
                kind=properties.get("kind"),
                # GeoJSON writes a point as [longitude, latitude].
                latitude=coordinates[1],
                longitude=coordinates[0],
                source=source if isinstance(source, str) and source.strip() else default_source,
            )
        )
    return records


def read_places_file(path: str | Path, *, default_source: str | None = None) -> list[PlaceRecord]:
    """The places of a CSV (name,kind,latitude,longitude[,source]) or GeoJSON (Point features) file.

    A row without its own source gets `default_source`, or the file's name. The rows are not checked here.
    """
    try:
        document = Path(path).read_bytes()
    except FileNotFoundError:
        raise AreaImportError([_("Berkas %(path)s tidak ditemukan.") % {"path": path}]) from None
    except OSError as exc:
        raise AreaImportError(
            [_("Berkas %(path)s tidak dapat dibaca: %(error)s") % {"path": path, "error": exc.strerror}]
        ) from None
    try:
        text = document.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AreaImportError([_("Berkas harus memakai pengodean UTF-8.")]) from None
    source = (default_source or "").strip() or Path(path).name
    if text.lstrip().startswith("{"):
        return _read_places_geojson(text, source)
    return _read_places_csv(text, source)


def _checked_coordinate(value: object, low: float, high: float) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def _checked_place(record: PlaceRecord, kinds: dict[str, str]) -> tuple[dict[str, Any] | None, list[str]]:
    if record.problem:
        return None, [f"{record.label}: {record.problem}"]
    problems: list[str] = []
    name = record.name.strip() if isinstance(record.name, str) else ""
    if not name:
        problems.append(_('"name" wajib diisi.'))
    elif len(name) > PLACE_NAME_MAX_LENGTH:
        problems.append(_('"name" lebih dari %(max)d karakter.') % {"max": PLACE_NAME_MAX_LENGTH})
    kind = kinds.get(record.kind.strip().casefold()) if isinstance(record.kind, str) else None
    if kind is None:
        problems.append(
            _('"kind" harus salah satu dari: %(kinds)s.') % {"kinds": ", ".join(sorted(set(kinds.values())))}
        )
    source = record.source.strip() if isinstance(record.source, str) else ""
    if len(source) > PLACE_SOURCE_MAX_LENGTH:
        problems.append(_('"source" lebih dari %(max)d karakter.') % {"max": PLACE_SOURCE_MAX_LENGTH})
    latitude = _checked_coordinate(record.latitude, -90, 90)
    longitude = _checked_coordinate(record.longitude, -180, 180)
    village_id = None
    if latitude is None or longitude is None:
        problems.append(_("titik harus berupa lintang dan bujur WGS84 dalam derajat desimal."))
    else:
        try:
            village_id = locate(latitude, longitude).village_id
        except LocationError as error:
            problems.append(error.messages[0])
    if problems:
        return None, [f"{record.label}: {problem}" for problem in problems]
    fields = {
        "name": name,
        "kind": kind,
        "latitude": latitude,
        "longitude": longitude,
        "village_id": village_id,
        "source": source,
    }
    return fields, []


def import_places(
    records: list[PlaceRecord], *, replace: bool = False, progress: Callable[[int], None] | None = None
) -> PlaceImportResult:
    """Import the city's own places (geo.CityPlace) for the report form's place search.

    Every record is checked first (a name, a known kind, a point inside the city); any problem raises AreaImportError
    listing them all, with their row numbers, and writes nothing. A place already imported from the same source, with
    the same name and point, is refused unless `replace`, which first removes every place imported before from the
    sources the file names (places added by hand in the admin stay). `progress` is called after each batch is saved.
    """
    if not records:
        raise AreaImportError([_("Berkas tidak berisi satu tempat pun.")])
    kinds = _place_kinds()
    places: list[dict[str, Any]] = []
    problems: list[str] = []
    first_label: dict[tuple[str, str, float, float], tuple[str, str]] = {}
    for record in records:
        fields, record_problems = _checked_place(record, kinds)
        problems.extend(record_problems)
        if fields is None:
            continue
        key = (fields["source"], fields["name"].casefold(), fields["latitude"], fields["longitude"])
        if key in first_label:
            problems.append(
                _("%(row)s: tempat yang sama sudah ada di %(first)s.")
                % {"row": record.label, "first": first_label[key][0]}
            )
            continue
        first_label[key] = (record.label, fields["name"])
        places.append(fields)
    sources = tuple(sorted({place["source"] for place in places}))
    if not replace and not problems:
        existing = {
            (source, name.casefold(), latitude, longitude)
            for source, name, latitude, longitude in CityPlace.objects.filter(
                source__in=sources, imported_at__isnull=False
            ).values_list("source", "name", "latitude", "longitude")
        }
        problems.extend(
            _("%(row)s: %(name)s dari sumber ini sudah diimpor; pakai --replace untuk mengganti impor sebelumnya.")
            % {"row": label, "name": name}
            for key, (label, name) in first_label.items()
            if key in existing
        )
    if problems:
        raise AreaImportError(problems)

    now = timezone.now()
    with transaction.atomic():
        removed = 0
        if replace:
            removed, _by_model = CityPlace.objects.filter(source__in=sources, imported_at__isnull=False).delete()
        for start in range(0, len(places), _PLACE_BATCH):
            batch = places[start : start + _PLACE_BATCH]
            CityPlace.objects.bulk_create([CityPlace(**fields, imported_at=now) for fields in batch])
            if progress is not None:
                progress(len(batch))
        # bulk_create sends no post_save: the search's copy is cleared here, and again once committed.
        reset_city_places()
        transaction.on_commit(reset_city_places)
    return PlaceImportResult(created=len(places), removed=removed, sources=sources)
