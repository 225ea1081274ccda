"""Placing points: kelurahan/kecamatan (and RW/RT) over STRtrees of boundaries built once per process, and h3.

`locate` is for work that must lie in the city (every citizen's report): a point outside is refused. `place` is
for work that may cross the border (a referral hospital in Jakarta, an ambulance on the toll road): any point in
Indonesia is placed, with the kelurahan and kecamatan only when it lies in the city.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import h3
import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from patriot.geo.geometry import from_geojson
from patriot.geo.models import RukunTetangga, RukunWarga, Village, rt_label, rw_label

logger = logging.getLogger(__name__)

# Resolution 9 cells (~0.1 km²) place a report within a few blocks; resolution 7 (~5 km²) suits heat maps.
H3_RESOLUTION = 9
H3_RESOLUTION_COARSE = 7


class LocationError(ValidationError):
    """A point that cannot be placed in one of the city's villages."""


class InvalidCoordinatesError(LocationError):
    pass


class OutsideCityError(LocationError):
    pass


class OutsideIndonesiaError(LocationError):
    pass


# A sane box around Indonesia (Weh island to the Papua border, Miangas to Rote) with a margin for the sea:
# it catches swapped or mistyped coordinates, it is not the national border.
INDONESIA_LATITUDE = (-11.5, 6.5)
INDONESIA_LONGITUDE = (94.5, 141.5)


@dataclass(frozen=True)
class Location:
    village_id: int
    village_code: str
    village_name: str
    district_id: int
    district_code: str
    district_name: str
    h3_cell: str
    h3_cell_coarse: str


@dataclass(frozen=True)
class Place:
    """A point anywhere in Indonesia; the kelurahan and kecamatan fields are None outside the city."""

    latitude: float
    longitude: float
    village_id: int | None
    village_code: str | None
    village_name: str | None
    district_id: int | None
    district_code: str | None
    district_name: str | None
    h3_cell: str
    h3_cell_coarse: str

    @property
    def inside_city(self) -> bool:
        return self.village_id is not None


@dataclass(frozen=True)
class Neighbourhood:
    """The RW (and, where an RT polygon holds the point, the RT) at a point."""

    village_id: int
    village_code: str
    rw_id: int
    rw_number: int
    rt_id: int | None
    rt_number: int | None

    @property
    def label(self) -> str:
        """Written like "RT 003/RW 05", or "RW 05" when no RT polygon holds the point."""
        rw = rw_label(self.rw_number)
        return rw if self.rt_number is None else f"{rt_label(self.rt_number)}/{rw}"


# The grid that answers most lookups without GEOS (see _VillageGrid): cells per side, and the coarser grid its
# build starts from, halving only the cells a boundary crosses.
GRID_CELLS_PER_SIDE = 256
_FIRST_CELLS_PER_SIDE = 32
_OUTSIDE = -1
_ON_A_BOUNDARY = -2


class _VillageGrid:
    """A grid over the villages' bounding box that answers a point without GEOS where the answer is plain.

    A lookup through GEOS costs little CPU, but it releases the GIL and waits to take it back, which under
    concurrent requests costs several times the lookup itself. Each cell is checked against the polygons
    once, when the index is built: a cell that no polygon touches answers "outside", and a cell that the
    first polygon touching it covers whole answers that polygon, since every point of the cell then
    intersects it and no polygon before it. Any other cell (a boundary crosses it, or an invalid polygon
    lies near, whose predicates are not to be trusted) answers "ask GEOS". Cells are checked slightly
    enlarged, so a point that rounding puts just across a cell's edge is still inside the cell checked.
    The build checks a coarse grid first and splits only the cells left undecided, level by level.
    """

    def __init__(self, shapes: list[BaseGeometry], tree: shapely.STRtree) -> None:
        self._cells: list[int] = []
        self._bounds = (math.inf, math.inf, -math.inf, -math.inf)
        self._exact_only = False
        if not shapes:
            return
        west, south, east, north = (float(value) for value in shapely.total_bounds(shapes))
        if not (west < east and south < north):
            self._exact_only = True  # polygons without width or height: too odd to grid, GEOS answers
            return
        self._bounds = (west, south, east, north)
        final = GRID_CELLS_PER_SIDE
        self._lon_scale = final / (east - west)
        self._lat_scale = final / (north - south)
        margin_lon, margin_lat = (east - west) / final * 1e-6, (north - south) / final * 1e-6
        polygons = np.array(shapes, dtype=object)
        trusted = shapely.is_valid(polygons)
        cells = np.full((final, final), _ON_A_BOUNDARY, dtype=np.int64)
        side = _FIRST_CELLS_PER_SIDE
        columns, rows = (grid.ravel() for grid in np.meshgrid(np.arange(side), np.arange(side)))
        while columns.size:
            width, height = (east - west) / side, (north - south) / side
            boxes = shapely.box(
                west + columns * width - margin_lon,
                south + rows * height - margin_lat,
                west + (columns + 1) * width + margin_lon,
                south + (rows + 1) * height + margin_lat,
            )
            answers = self._answers(boxes, polygons, trusted, tree)
            level = np.full((side, side), _ON_A_BOUNDARY, dtype=np.int64)
            level[rows, columns] = answers
            scale = final // side
            level = level.repeat(scale, axis=0).repeat(scale, axis=1)
            decided = level != _ON_A_BOUNDARY
            cells[decided] = level[decided]
            if side == final:
                break
            undecided = answers == _ON_A_BOUNDARY
            columns = np.concatenate([2 * columns[undecided] + offset for offset in (0, 1, 0, 1)])
            rows = np.concatenate([2 * rows[undecided] + offset for offset in (0, 0, 1, 1)])
            side *= 2
        for polygon in polygons[~trusted]:
            # An invalid polygon may hold a point of a cell that it does not intersect as a whole.
            low_lon, low_lat, high_lon, high_lat = shapely.bounds(polygon)
            first_column, last_column = (
                self._index(low_lon, west, self._lon_scale),
                self._index(high_lon, west, self._lon_scale),
            )
            first_row, last_row = (
                self._index(low_lat, south, self._lat_scale),
                self._index(high_lat, south, self._lat_scale),
            )
            cells[max(first_row - 1, 0) : last_row + 2, max(first_column - 1, 0) : last_column + 2] = _ON_A_BOUNDARY
        self._cells = cells.ravel().tolist()

    @staticmethod
    def _answers(boxes: np.ndarray, polygons: np.ndarray, trusted: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
        """Per box: _OUTSIDE, the position of the first polygon touching it if that one covers it, or _ON_A_BOUNDARY."""
        box_numbers, polygon_numbers = tree.query(boxes, predicate="intersects")
        first = np.full(len(boxes), len(polygons), dtype=np.int64)
        np.minimum.at(first, box_numbers, polygon_numbers)
        answers = np.full(len(boxes), _OUTSIDE, dtype=np.int64)
        touched = np.flatnonzero(first < len(polygons))
        owner = first[touched]
        covered = trusted[owner] & shapely.covers(polygons[owner], boxes[touched])
        answers[touched] = np.where(covered, owner, _ON_A_BOUNDARY)
        return answers

    @staticmethod
    def _index(value: float, low: float, scale: float) -> int:
        return min(int((value - low) * scale), GRID_CELLS_PER_SIDE - 1)

    def answer(self, lat: float, lon: float) -> int:
        """The position of the polygon holding the point, _OUTSIDE, or _ON_A_BOUNDARY (ask GEOS)."""
        if self._exact_only:
            return _ON_A_BOUNDARY
        west, south, east, north = self._bounds
        if not (west <= lon <= east and south <= lat <= north):
            return _OUTSIDE
        column = self._index(lon, west, self._lon_scale)
        row = self._index(lat, south, self._lat_scale)
        return self._cells[row * GRID_CELLS_PER_SIDE + column]


@dataclass(frozen=True)
class _IndexedVillage:
    village_id: int
    village_code: str
    village_name: str
    district_id: int
    district_code: str
    district_name: str


class AreaIndex:
    """Village boundaries in an STRtree.

    Official boundaries come before approximate ones, then by code, and the lowest position among the
    polygons covering a point wins: a point on a shared edge always gets the same village, and an official
    polygon beats the approximate cell of a village whose official boundary has not been imported yet.
    """

    def __init__(self, villages: list[Village]) -> None:
        ordered = sorted((v for v in villages if v.boundary), key=lambda v: (v.boundary_is_approximate, v.code))
        self._entries = [
            _IndexedVillage(
                village_id=v.id,
                village_code=v.code,
                village_name=v.name,
                district_id=v.district_id,
                district_code=v.district.code,
                district_name=v.district.name,
            )
            for v in ordered
        ]
        self._shapes = [from_geojson(v.boundary) for v in ordered]  # type: ignore[arg-type]  # `ordered` keeps villages with a boundary
        shapely.prepare(self._shapes)
        self._tree = shapely.STRtree(self._shapes)
        self._grid = _VillageGrid(self._shapes, self._tree)

    def __len__(self) -> int:
        return len(self._entries)

    def village_at(self, lat: float, lon: float) -> _IndexedVillage | None:
        answer = self._grid.answer(lat, lon)
        if answer >= 0:
            return self._entries[answer]
        if answer == _OUTSIDE:
            return None
        return self.village_by_geos(lat, lon)

    def village_by_geos(self, lat: float, lon: float) -> _IndexedVillage | None:
        """The exact test for every point, which the grid stands in for where it can."""
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self._entries[int(hits.min())] if hits.size else None

    @cached_property
    def district_boundaries(self) -> dict[str, BaseGeometry]:
        """Each kecamatan as the union of its villages' polygons, by kecamatan code."""
        parts: defaultdict[str, list[BaseGeometry]] = defaultdict(list)
        for entry, boundary in zip(self._entries, self._shapes, strict=True):
            parts[entry.district_code].append(boundary)
        return {code: shapely.union_all(shapes) for code, shapes in parts.items()}


class NeighbourhoodIndex:
    """RW and RT boundaries in two STRtrees; numbers without a polygon are not indexed.

    The lowest (kelurahan code, RW number, RT number) among the polygons covering a point wins, as for
    villages. An RT polygon names its own RW, so a point in an RT gets that RT's RW even where the RW
    polygons (imported separately, perhaps from another survey) disagree.
    """

    def __init__(self, rws: list[RukunWarga], rts: list[RukunTetangga]) -> None:
        ordered_rws = sorted((rw for rw in rws if rw.boundary), key=lambda rw: (rw.village.code, rw.number))
        ordered_rts = sorted(
            (rt for rt in rts if rt.boundary), key=lambda rt: (rt.rw.village.code, rt.rw.number, rt.number)
        )
        self._rws = [
            Neighbourhood(
                village_id=rw.village_id,
                village_code=rw.village.code,
                rw_id=rw.id,
                rw_number=rw.number,
                rt_id=None,
                rt_number=None,
            )
            for rw in ordered_rws
        ]
        self._rts = [
            Neighbourhood(
                village_id=rt.rw.village_id,
                village_code=rt.rw.village.code,
                rw_id=rt.rw_id,
                rw_number=rt.rw.number,
                rt_id=rt.id,
                rt_number=rt.number,
            )
            for rt in ordered_rts
        ]
        # Only rows with a boundary were kept above.
        rw_shapes = [from_geojson(cast(dict[str, Any], rw.boundary)) for rw in ordered_rws]
        rt_shapes = [from_geojson(cast(dict[str, Any], rt.boundary)) for rt in ordered_rts]
        shapely.prepare(rw_shapes + rt_shapes)
        self._rw_tree = shapely.STRtree(rw_shapes)
        self._rt_tree = shapely.STRtree(rt_shapes)

    def at(self, lat: float, lon: float) -> Neighbourhood | None:
        point = shapely.Point(lon, lat)
        hits = self._rt_tree.query(point, predicate="intersects")
        if hits.size:
            return self._rts[int(hits.min())]
        hits = self._rw_tree.query(point, predicate="intersects")
        return self._rws[int(hits.min())] if hits.size else None


_index: AreaIndex | None = None
_neighbourhood_index: NeighbourhoodIndex | None = None
_index_lock = threading.Lock()


def area_index() -> AreaIndex:
    """The process's index, built from the database on first use."""
    global _index
    index = _index
    if index is None:
        with _index_lock:
            if _index is None:
                _index = AreaIndex(list(Village.objects.select_related("district")))
                if not _index:
                    logger.warning("No village boundaries loaded: every point lies outside the city.")
            index = _index
    return index


def neighbourhood_index() -> NeighbourhoodIndex:
    """The process's RW/RT index, built from the database on first use."""
    global _neighbourhood_index
    index = _neighbourhood_index
    if index is None:
        with _index_lock:
            if _neighbourhood_index is None:
                _neighbourhood_index = NeighbourhoodIndex(
                    list(RukunWarga.objects.filter(boundary__isnull=False).select_related("village")),
                    list(RukunTetangga.objects.filter(boundary__isnull=False).select_related("rw__village")),
                )
            index = _neighbourhood_index
    return index


def reset_area_index() -> None:
    """Drop the indexes so the next lookup rebuilds them; the lock makes a build in progress finish first."""
    global _index, _neighbourhood_index
    with _index_lock:
        _index = None
        _neighbourhood_index = None


def reset_area_index_on_change(sender: type, **kwargs: Any) -> None:
    """Signal receiver: a saved or deleted area (admin rename, import) outdates the names and shapes held."""
    reset_area_index()


def _checked_coordinates(lat: float, lon: float) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
        numeric = math.isfinite(lat) and math.isfinite(lon)
    except (TypeError, ValueError):
        numeric = False
    if not numeric:
        raise InvalidCoordinatesError(
            _("Koordinat tidak sah: lintang dan bujur harus berupa angka."), code="invalid_coordinates"
        )
    if not -90 <= lat <= 90:
        raise InvalidCoordinatesError(
            _("Koordinat tidak sah: lintang harus di antara -90 dan 90."), code="invalid_coordinates"
        )
    if not -180 <= lon <= 180:
        raise InvalidCoordinatesError(
            _("Koordinat tidak sah: bujur harus di antara -180 dan 180."), code="invalid_coordinates"
        )
    return lat, lon


def _h3_cells(lat: float, lon: float) -> tuple[str, str]:
    return h3.latlng_to_cell(lat, lon, H3_RESOLUTION), h3.latlng_to_cell(lat, lon, H3_RESOLUTION_COARSE)


def locate(lat: float, lon: float) -> Location:
    """The kelurahan and kecamatan containing a WGS84 point, with its h3 cells.

    Raises InvalidCoordinatesError for a malformed point and OutsideCityError for one beyond every village.
    """
    lat, lon = _checked_coordinates(lat, lon)
    village = area_index().village_at(lat, lon)
    if village is None:
        raise OutsideCityError(
            _("Lokasi berada di luar wilayah %(city)s.") % {"city": settings.PATRIOT_CITY_NAME},
            code="outside_city",
        )
    h3_cell, h3_cell_coarse = _h3_cells(lat, lon)
    return Location(
        village_id=village.village_id,
        village_code=village.village_code,
        village_name=village.village_name,
        district_id=village.district_id,
        district_code=village.district_code,
        district_name=village.district_name,
        h3_cell=h3_cell,
        h3_cell_coarse=h3_cell_coarse,
    )


def village_centre(village_code: str) -> tuple[float, float, Location]:
    """A kelurahan's centre point and its Location, for a report placed by kelurahan alone (no map).

    The stored centroid may lie outside a concave kelurahan; the case still belongs to the kelurahan chosen.
    Raises OutsideCityError for an unknown code.
    """
    village = Village.objects.select_related("district").filter(code=village_code).first()
    if village is None:
        raise OutsideCityError(_("Kelurahan tidak dikenal."), code="unknown_village")
    lat, lon = village.centroid_lat, village.centroid_lon
    h3_cell, h3_cell_coarse = _h3_cells(lat, lon)
    location = Location(
        village_id=village.pk,
        village_code=village.code,
        village_name=village.name,
        district_id=village.district_id,
        district_code=village.district.code,
        district_name=village.district.name,
        h3_cell=h3_cell,
        h3_cell_coarse=h3_cell_coarse,
    )
    return lat, lon, location


def place(lat: float, lon: float) -> Place:
    """A WGS84 point anywhere in Indonesia, with its kelurahan and kecamatan when it lies in the city.

    Only for domains whose work crosses the city's border (referrals, ambulances): a citizen's report goes
    through `locate`, which refuses such a point. Raises InvalidCoordinatesError for a malformed point and
    OutsideIndonesiaError for one beyond the national bounding box.
    """
    lat, lon = _checked_coordinates(lat, lon)
    if not (
        INDONESIA_LATITUDE[0] <= lat <= INDONESIA_LATITUDE[1]
        and INDONESIA_LONGITUDE[0] <= lon <= INDONESIA_LONGITUDE[1]
    ):
        raise OutsideIndonesiaError(
            _("Lokasi berada di luar wilayah Indonesia; periksa lintang dan bujurnya."),
            code="outside_indonesia",
        )
    village = area_index().village_at(lat, lon)
    h3_cell, h3_cell_coarse = _h3_cells(lat, lon)
    return Place(
        latitude=lat,
        longitude=lon,
        village_id=village.village_id if village else None,
        village_code=village.village_code if village else None,
        village_name=village.village_name if village else None,
        district_id=village.district_id if village else None,
        district_code=village.district_code if village else None,
        district_name=village.district_name if village else None,
        h3_cell=h3_cell,
        h3_cell_coarse=h3_cell_coarse,
    )


def neighbourhood_at(lat: float, lon: float) -> Neighbourhood | None:
    """The RW and RT whose imported polygons hold a WGS84 point; None where no RW or RT polygon does."""
    lat, lon = _checked_coordinates(lat, lon)
    return neighbourhood_index().at(lat, lon)


def district_boundaries() -> dict[str, BaseGeometry]:
    """Kecamatan polygons by code, derived on the fly from the indexed village boundaries."""
    return area_index().district_boundaries
