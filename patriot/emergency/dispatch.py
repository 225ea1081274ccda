"""Which ambulance should go: the suggested units for an incident, in order of estimated arrival, each with why.

How the estimate is made (documented for the dispatcher on the board's help, configurable in settings):

- **Where the unit is**: its last known position (`Ambulance.last_latitude/longitude`, sent by the crew's phone),
  else its station's point (the ambulance_station unit's, else the PSC / puskesmas / hospital it belongs to).
  A unit with neither is listed last, with no estimate.
- **How far**: the straight-line (haversine) distance to the incident's point × `PATRIOT_EMERGENCY_ROAD_FACTOR`
  (default 1.4: roads are longer than the straight line; 1.3–1.5 is the usual urban detour index).
- **How fast**: the speed of the local hour's band in `PATRIOT_EMERGENCY_SPEEDS` ("from-to:km/h,…", default
  `0-6:40,6-9:18,9-16:26,16-20:16,20-24:32`: an ambulance with siren in Kota Bekasi, slowest in the morning and
  evening peaks on the toll-road feeders; the project's assumption, to be tuned from the recorded en-route → on-scene
  intervals). ETA minutes = road km ÷ km/h × 60.
- **Who is listed**: AVAILABLE units, and RETURNING ones (marked: they are on the road back, crew possibly tired
  or the vehicle not restocked). A unit DISPATCHED or EN_ROUTE to an incident of a lower priority (P1 before P2
  before P3 before P0) is listed apart as one that may be re-routed (emergency.services.reroute_ambulance).
- **Fit**: a P1 incident wants an emergency-type ambulance (`AmbulanceTypeChoices.EMERGENCY`); a transport unit is
  still listed, in its ETA place, but marked as not matching, and the *recommended* unit is the fastest that
  matches (the fastest of all when none does). Pregnancy/labour notes a midwife or doctor in the crew.

The read is one query of plain values (no model instances), so suggesting among 200 units takes about a
millisecond (bench/emergency_dispatch.py). No patient or caller data is read here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.choices import AmbulanceTypeChoices, ComplaintChoices, CrewSkillChoices
from patriot.emergency.choices import IncidentStateChoices as State
from patriot.emergency.choices import TriageLevelChoices as Level
from patriot.emergency.models import Ambulance, Incident
from patriot.geo.models import District

EARTH_RADIUS_KM = 6371.0088

# Most urgent first; a unit on an incident ranked after this one's may be re-routed to it.
LEVEL_RANK = {Level.P1: 0, Level.P2: 1, Level.P3: 2, Level.P0: 3, "": 4}

SUGGESTED_STATUSES = frozenset({Status.AVAILABLE, Status.RETURNING})
REROUTABLE_STATUSES = frozenset({Status.DISPATCHED, Status.EN_ROUTE})


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=8)
def parse_speeds(text: str) -> tuple[tuple[int, int, float], ...]:
    """ "0-6:40,6-9:18,…" → ((0, 6, 40.0), (6, 9, 18.0), …); the bands must cover 0–24 without gaps, speeds > 0."""
    bands: list[tuple[int, int, float]] = []
    for part in text.split(","):
        hours, _sep, kmh = part.strip().partition(":")
        first, _dash, last = hours.partition("-")
        bands.append((int(first), int(last), float(kmh)))
    bands.sort()
    hour = 0
    for start, end, speed in bands:
        if start != hour or end <= start or speed <= 0:
            raise ValueError(f"PATRIOT_EMERGENCY_SPEEDS: bands must cover 0-24 in order with speeds > 0: {text!r}")
        hour = end
    if hour != 24:
        raise ValueError(f"PATRIOT_EMERGENCY_SPEEDS: bands must end at 24: {text!r}")
    return tuple(bands)


def speed_at(moment: datetime) -> float:
    """Ambulance speed in km/h for the local hour of `moment`."""
    hour = timezone.localtime(moment).hour
    for start, end, speed in parse_speeds(settings.PATRIOT_EMERGENCY_SPEEDS):
        if start <= hour < end:
            return speed
    raise AssertionError("speed bands cover every hour")  # parse_speeds checked it


def eta_minutes(distance_km: float, moment: datetime) -> float:
    return distance_km * settings.PATRIOT_EMERGENCY_ROAD_FACTOR / speed_at(moment) * 60


@dataclass
class Suggestion:
    ambulance_id: int
    name: str
    status: str
    ambulance_type: str
    skills: list[str]
    distance_km: float | None  # straight line
    road_km: float | None
    eta_minutes: float | None
    from_last_position: bool
    type_matches: bool
    returning: bool = False
    reroute_from: int | None = None  # the incident it would leave
    reroute_from_level: str = ""
    recommended: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Status.label(self.status))

    @property
    def type_label(self) -> str:
        return str(AmbulanceTypeChoices.label(self.ambulance_type))

    @property
    def eta_text(self) -> str:
        return f"{self.eta_minutes:.0f}" if self.eta_minutes is not None else "?"


@dataclass
class Suggestions:
    units: list[Suggestion]  # AVAILABLE and RETURNING, by ETA
    reroutable: list[Suggestion]  # on a lower-priority incident, by ETA
    speed_kmh: float
    road_factor: float
    has_point: bool
    available: int = 0  # every AVAILABLE or RETURNING unit, shown or not


_FIELDS = (
    "pk",
    "unit__name",
    "status",
    "ambulance_type",
    "last_latitude",
    "last_longitude",
    "unit__parent__latitude",
    "unit__parent__longitude",
    "unit__parent__parent__latitude",
    "unit__parent__parent__longitude",
    "incident_id",
    "incident__final_level",
    "incident__proposed_level",
)


def _wants_emergency_type(level: str) -> bool:
    return level == Level.P1


def _texts() -> dict[str, str]:
    """The reasons' wording, translated once per suggestion list (not once per unit: 200 units × 5 lookups)."""
    return {
        "last": _("posisi terakhir"),
        "station": _("titik pos"),
        "distance": _("%(km).1f km garis lurus dari %(where)s (± %(road).1f km jalan)"),
        "unknown": _("posisi tidak diketahui"),
        "match": _("ambulans gawat darurat sesuai untuk P1"),
        "mismatch": _("ambulans transportasi, P1 butuh ambulans gawat darurat"),
        "midwife": _("ada bidan/dokter untuk persalinan"),
        "returning": _("sedang kembali ke pos"),
        "reroute": _("dialihkan dari insiden 119-%(number)06d (%(level)s)"),
    }


def _reasons(s: Suggestion, level: str, complaint: str, texts: dict[str, str]) -> list[str]:
    reasons = []
    if s.distance_km is not None and s.road_km is not None:
        where = texts["last"] if s.from_last_position else texts["station"]
        reasons.append(texts["distance"] % {"km": s.distance_km, "where": where, "road": s.road_km})
    else:
        reasons.append(texts["unknown"])
    if _wants_emergency_type(level):
        reasons.append(texts["match"] if s.type_matches else texts["mismatch"])
    if complaint == ComplaintChoices.PREGNANCY_LABOUR and (
        CrewSkillChoices.MIDWIFE in s.skills or CrewSkillChoices.DOCTOR in s.skills
    ):
        reasons.append(texts["midwife"])
    if s.returning:
        reasons.append(texts["returning"])
    if s.reroute_from is not None:
        reasons.append(texts["reroute"] % {"number": s.reroute_from, "level": Level.label(s.reroute_from_level)})
    return reasons


def suggest(
    *,
    incident_id: int | None,
    latitude: float | None,
    longitude: float | None,
    level: str,
    complaint: str = "",
    now: datetime,
    explain: bool = True,
    limit: int | None = 12,
) -> Suggestions:
    """The units for an incident at (latitude, longitude) of `level`, by estimated arrival (see the module's doc):
    the first `limit` of each list (None: all), plus the recommended unit if it falls beyond them."""
    rank = LEVEL_RANK.get(level, 4)
    speed = speed_at(now)
    factor = float(settings.PATRIOT_EMERGENCY_ROAD_FACTOR)
    has_point = latitude is not None and longitude is not None
    candidates = Ambulance.objects.filter(status__in=SUGGESTED_STATUSES | REROUTABLE_STATUSES)
    rows = candidates.values_list(*_FIELDS)
    # Crew skills (a JSON column) matter only for a delivery: read them only then.
    skills_of = (
        dict(candidates.values_list("pk", "crew_skills")) if complaint == ComplaintChoices.PREGNANCY_LABOUR else {}
    )
    # Plain tuples for every candidate (sorted by ETA, then name); Suggestion objects with their reasons only for
    # the ones shown (`limit`), so 200 units cost one query and a short loop.
    found: list[tuple[bool, float, str, int, str, str, float | None, bool, int | None, str]] = []
    wants_emergency = _wants_emergency_type(level)
    for (
        pk,
        name,
        status,
        kind,
        last_lat,
        last_lon,
        station_lat,
        station_lon,
        home_lat,
        home_lon,
        on_incident,
        on_final,
        on_proposed,
    ) in rows:
        reroute_from = None
        on_level = ""
        if status in REROUTABLE_STATUSES:
            on_level = on_final or on_proposed or ""
            if on_incident is None or on_incident == incident_id or LEVEL_RANK.get(on_level, 4) <= rank:
                continue
            reroute_from = on_incident
        from_last = last_lat is not None and last_lon is not None
        lat, lon = (last_lat, last_lon) if from_last else (station_lat, station_lon)
        if lat is None or lon is None:
            lat, lon = home_lat, home_lon
        distance = None
        if has_point and lat is not None and lon is not None:
            distance = haversine_km(lat, lon, latitude, longitude)  # type: ignore[arg-type]
        found.append(
            (distance is None, distance or 0.0, name, pk, status, kind, distance, from_last, reroute_from, on_level)
        )
    found.sort()
    minutes_per_km = factor / speed * 60

    def make(row: tuple[bool, float, str, int, str, str, float | None, bool, int | None, str]) -> Suggestion:
        _none, _key, name, pk, status, kind, distance, from_last, reroute_from, on_level = row
        return Suggestion(
            ambulance_id=pk,
            name=name,
            status=status,
            ambulance_type=kind,
            skills=list(skills_of.get(pk) or []),
            distance_km=distance,
            road_km=distance * factor if distance is not None else None,
            eta_minutes=distance * minutes_per_km if distance is not None else None,
            from_last_position=from_last,
            type_matches=not wants_emergency or kind == AmbulanceTypeChoices.EMERGENCY,
            returning=status == Status.RETURNING,
            reroute_from=reroute_from,
            reroute_from_level=on_level,
        )

    free = [row for row in found if row[8] is None]
    busy = [row for row in found if row[8] is not None]
    best = next((row for row in free if not wants_emergency or row[5] == AmbulanceTypeChoices.EMERGENCY), None)
    shown = free[:limit] if limit else free
    if best is not None and best not in shown:
        shown.append(best)
    units = [make(row) for row in shown]
    reroutable = [make(row) for row in (busy[:limit] if limit else busy)]
    recommended = next((s for s in units if s.ambulance_id == best[3]), None) if best else (units[0] if units else None)
    if recommended is not None:
        recommended.recommended = True
    if explain:
        texts = _texts()
        for suggestion in (*units, *reroutable):
            suggestion.reasons = _reasons(suggestion, level, complaint, texts)
    return Suggestions(units, reroutable, speed, factor, has_point, available=len(free))


# The statuses whose units the POC and mayor panels show on their map (see workspace_summary).
PANEL_MAP_STATUSES = frozenset({Status.AVAILABLE, Status.OUT_OF_SERVICE})


def parse_targets(text: str) -> dict[str, tuple[int, int]]:
    """ "p1:7/15,…" → {"p1": (7, 15), …}: amber and red minutes from the call to the first unit on scene."""
    targets = {}
    for part in text.split(","):
        level, _sep, minutes = part.strip().partition(":")
        amber, _slash, red = minutes.partition("/")
        targets[level.strip()] = (int(amber), int(red))
    return targets


def response_targets() -> dict[str, tuple[int, int]]:
    """The board's targets per level (PATRIOT_EMERGENCY_RESPONSE_TARGETS; defaults from NHS England's Ambulance
    Response Programme, 2017: category 1 (life-threatening) mean 7 min, 90th centile 15 min; category 2 mean 18,
    90th centile 40; category 3 90th centile 120 — P3 and P0 take amber at 60)."""
    return parse_targets(settings.PATRIOT_EMERGENCY_RESPONSE_TARGETS)


# --- The dispatch board's reads (PSC roles only: views/dispatch.py checks the role) ----------------------------


def board_incidents() -> list[dict[str, Any]]:
    """Active incidents for the board: ids, state, level, complaint, area and times. No caller, patient or address."""
    rows = (
        Incident.objects.filter(state__in=State.ACTIVE)
        .order_by("call_received_at", "pk")
        .values(
            "pk",
            "state",
            "final_level",
            "proposed_level",
            "complaint",
            "call_received_at",
            "dispatched_at",
            "on_scene_at",
            "latitude",
            "longitude",
            "village__name",
            "district__name",
        )
    )
    units: dict[int, list[str]] = {}
    for incident_id, name in Ambulance.objects.filter(incident__state__in=State.ACTIVE).values_list(
        "incident_id", "unit__name"
    ):
        units.setdefault(incident_id, []).append(name)
    return [
        {
            "id": row["pk"],
            "number": f"119-{row['pk']:06d}",
            "state": row["state"],
            "state_label": str(State.label(row["state"])),
            "level": row["final_level"] or row["proposed_level"],
            "level_label": str(Level.label(row["final_level"] or row["proposed_level"])),
            "complaint": str(ComplaintChoices.label(row["complaint"])) if row["complaint"] else "",
            "received": row["call_received_at"].isoformat(),
            "on_scene": row["on_scene_at"].isoformat() if row["on_scene_at"] else None,
            "lat": row["latitude"],
            "lon": row["longitude"],
            "area": ", ".join(part for part in (row["village__name"], row["district__name"]) if part),
            "units": units.get(row["pk"], []),
        }
        for row in rows
    ]


def unit_positions() -> list[dict[str, Any]]:
    """Every ambulance's status and position (last known, else its station's)."""
    rows = Ambulance.objects.values_list(
        "pk",
        "unit__name",
        "status",
        "ambulance_type",
        "last_latitude",
        "last_longitude",
        "unit__parent__latitude",
        "unit__parent__longitude",
        "unit__parent__parent__latitude",
        "unit__parent__parent__longitude",
        "incident_id",
    ).order_by("unit__name")
    result = []
    for pk, name, status, kind, lat, lon, s_lat, s_lon, h_lat, h_lon, incident_id in rows:
        if lat is None or lon is None:
            lat, lon = (s_lat, s_lon) if s_lat is not None and s_lon is not None else (h_lat, h_lon)
        result.append(
            {
                "id": pk,
                "name": name,
                "status": status,
                "status_label": str(Status.label(status)),
                "colour": Status.colour(status),
                "type": kind,
                "lat": lat,
                "lon": lon,
                "incident": incident_id,
            }
        )
    return result


def workspace_summary() -> dict[str, Any]:
    """For the POC dashboard's and the mayor's panel: counts of active incidents by state and level, incidents per
    kecamatan (its centre point, never the incident's), and units by status with their positions. Nothing about a
    patient, a caller or an address: the panel is shown to roles outside the PSC."""
    active = Incident.objects.filter(state__in=State.ACTIVE)
    by_state_level: dict[tuple[str, str], int] = {}
    for state, final, proposed, n in active.values_list("state", "final_level", "proposed_level").annotate(
        n=Count("id")
    ):
        key = (state, final or proposed)
        by_state_level[key] = by_state_level.get(key, 0) + n
    levels = [Level.P1, Level.P2, Level.P3, Level.P0]
    states = [State.OPEN, State.DISPATCHED, State.ON_SCENE, State.TRANSPORTING]
    table = [
        {
            "state": state,
            "label": str(State.label(state)),
            "counts": [by_state_level.get((state, level), 0) for level in levels],
            "total": sum(by_state_level.get((state, level), 0) for level in levels),
        }
        for state in states
    ]
    per_district = dict(
        active.exclude(district=None).values_list("district_id").annotate(n=Count("id")).values_list("district_id", "n")
    )
    areas = [
        {"name": name, "lat": lat, "lon": lon, "count": per_district[pk]}
        for pk, name, lat, lon in District.objects.filter(pk__in=per_district).values_list(
            "pk", "name", "centroid_lat", "centroid_lon"
        )
    ]
    # Only units at rest are placed on this map: a unit working an incident (on its way, on scene, carrying the
    # patient, returning) would mark where the patient is; those are counted by status below.
    positions = unit_positions()
    units = [
        {"lat": u["lat"], "lon": u["lon"], "status": u["status"], "colour": u["colour"]}
        for u in positions
        if u["lat"] is not None and u["lon"] is not None and u["status"] in PANEL_MAP_STATUSES
    ]
    status_counts: dict[str, int] = {}
    for unit in positions:
        status_counts[unit["status"]] = status_counts.get(unit["status"], 0) + 1
    return {
        "levels": [(level, str(Level.label(level)).split(" ")[0], Level.colour(level)) for level in levels],
        "table": table,
        "total": sum(row["total"] for row in table),
        "areas": areas,
        "units": units,
        "unit_counts": [
            {"status": value, "label": str(label), "count": status_counts.get(value, 0), "colour": Status.colour(value)}
            for value, label in Status.choices()
        ],
    }


def overview_payload() -> dict[str, Any]:
    """The POC/mayor panels' live event (emergency.events.OVERVIEW_EVENTS): workspace_summary's figures without
    labels — counts by state × level, active incidents per kecamatan at its centre point, units by status, and
    the points of units at rest. Nothing about an incident's place, patient or caller."""
    summary = workspace_summary()
    return {
        "total": summary["total"],
        "table": {row["state"]: row["counts"] + [row["total"]] for row in summary["table"]},
        "areas": [[area["name"], area["lat"], area["lon"], area["count"]] for area in summary["areas"]],
        "units": [[unit["lat"], unit["lon"], unit["colour"]] for unit in summary["units"]],
        "unit_counts": {row["status"]: row["count"] for row in summary["unit_counts"]},
    }
