"""Shapely helpers for area boundaries: GeoJSON in and out, and areas measured in km²."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

WGS84_SEMI_MAJOR_AXIS_KM = 6378.137
WGS84_ECCENTRICITY_SQUARED = 0.00669437999014
# Kilometres per degree of latitude on the mean (authalic) sphere: close enough for sizing demo shapes.
KM_PER_DEGREE_LATITUDE = 6371.0072 * math.pi / 180
# GeoJSON coordinates are stored to 6 decimals (about 0.1 m): finer digits are noise, not survey accuracy.
COORDINATE_DECIMALS = 6
_COORDINATE_GRID = 10.0**-COORDINATE_DECIMALS


def snap_to_grid(geometry: BaseGeometry) -> BaseGeometry:
    """The geometry on the stored 6-decimal grid, kept valid; parts thinner than the grid collapse away."""
    return shapely.set_precision(geometry, _COORDINATE_GRID)


def polygonal_parts(geometry: BaseGeometry) -> BaseGeometry:
    """The polygons of a geometry as one (multi)polygon, dropping lines and points a clip or repair left over."""
    if isinstance(geometry, (Polygon, MultiPolygon)):
        return geometry
    return shapely.union_all(
        [part for part in shapely.get_parts(geometry) if isinstance(part, (Polygon, MultiPolygon))]
    )


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """The GeoJSON geometry dict of a (multi)polygon, snapped to the stored 6-decimal grid and still valid."""
    rounded = shapely.transform(snap_to_grid(geometry), lambda coords: np.round(coords, COORDINATE_DECIMALS))
    return _as_lists(mapping(rounded))


def _as_lists(value: Any) -> Any:
    """Lists where mapping() gives tuples: JSONField returns lists, so a saved boundary equals its source."""
    if isinstance(value, dict):
        return {key: _as_lists(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_lists(item) for item in value]
    return value


def from_geojson(geometry: dict[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry dict, flattened to 2D (elevations play no part in areas)."""
    return shapely.force_2d(shape(geometry))


def area_km2(geometry: BaseGeometry) -> float:
    """Area in km² of a lon/lat geometry: Lambert's cylindrical equal-area projection on the local sphere.

    The sphere has the WGS84 ellipsoid's Gaussian radius of curvature at the geometry's mid-latitude, so
    for a city-sized area the result stays within about 0.01 % of the ellipsoidal area.
    """
    mid_latitude = math.radians((geometry.bounds[1] + geometry.bounds[3]) / 2) if not geometry.is_empty else 0.0
    radius = (
        WGS84_SEMI_MAJOR_AXIS_KM
        * math.sqrt(1 - WGS84_ECCENTRICITY_SQUARED)
        / (1 - WGS84_ECCENTRICITY_SQUARED * math.sin(mid_latitude) ** 2)
    )

    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = np.radians(coords[:, 0]), np.radians(coords[:, 1])
        return np.column_stack((radius * lon, radius * np.sin(lat)))

    return float(shapely.transform(geometry, project).area)


def km_to_degrees_latitude(km: float) -> float:
    return km / KM_PER_DEGREE_LATITUDE
