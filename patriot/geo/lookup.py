"""Point → kelurahan/kecamatan lookup over an STRtree of village boundaries built once per process, and h3."""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import h3
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from patriot.geo.geometry import from_geojson
from patriot.geo.models import Village

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

    def __len__(self) -> int:
        return len(self._entries)

    def village_at(self, lat: float, lon: float) -> _IndexedVillage | None:
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self._entries[int(hits.min())] if hits.size else None

    @cached_property
    def district_boundaries(self) -> dict[str, BaseGeometry]:
        """Each kecamatan as the union of its villages' polygons, by kecamatan code."""
        parts: defaultdict[str, list[BaseGeometry]] = defaultdict(list)
        for entry, boundary in zip(self._entries, self._shapes, strict=True):
            parts[entry.district_code].append(boundary)
        return {code: shapely.union_all(shapes) for code, shapes in parts.items()}


_index: AreaIndex | None = None
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


def reset_area_index() -> None:
    """Drop the index so the next lookup rebuilds it; the lock makes a build in progress finish first."""
    global _index
    with _index_lock:
        _index = None


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
    return Location(
        village_id=village.village_id,
        village_code=village.village_code,
        village_name=village.village_name,
        district_id=village.district_id,
        district_code=village.district_code,
        district_name=village.district_name,
        h3_cell=h3.latlng_to_cell(lat, lon, H3_RESOLUTION),
        h3_cell_coarse=h3.latlng_to_cell(lat, lon, H3_RESOLUTION_COARSE),
    )


def district_boundaries() -> dict[str, BaseGeometry]:
    """Kecamatan polygons by code, derived on the fly from the indexed village boundaries."""
    return area_index().district_boundaries
