"""The public bed board's figures as HTML, cached per hospital so that a change rebuilds one hospital, not the
board (issue 12 item 12: ≤ 50 ms also right after a change).

One grouped query per request gives each hospital's version (its bed rows' count, how many are current, the newest
update): any change of a hospital's figures stamps a new update time, and any figure turning stale changes the
current count, so a hospital's key is never behind its figures — the change shows on the next request. The hospitals
whose fragment is not cached under their version are read in one query (queries.board_hospitals) and rendered; the
board's body, keyed by every hospital's version, is cached as well (one cache read when nothing changed). Fragments
live at most a minute, so a renamed hospital shows within it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja.responses import NinjaJSONEncoder

from patriot.core import clock
from patriot.core.shared_cache import shared_cache
from patriot.referrals import queries
from patriot.referrals.choices import BedTypeChoices
from patriot.referrals.models import BedCount

MAX_SECONDS = 60.0
PREFIX = "referrals:board"


@dataclass(frozen=True)
class Fragment:
    """One hospital on the board: its <tbody>, its map marker (None without a point) and its place in the order."""

    html: str
    point: dict[str, Any] | None
    order: tuple[Any, ...]


def hospital_versions(bed_type: str | None = None) -> tuple[dict[int, str], float]:
    """Every active hospital's version (by facility id) and how many seconds they all stay true: until the next
    current figure turns stale, at most MAX_SECONDS."""
    now = clock.now()
    limit = queries.stale_after()
    beds = BedCount.objects.filter(facility__unit__is_active=True)
    if bed_type:
        beds = beds.filter(bed_type=bed_type)
    current = Q(updated_at__gt=now - limit)
    rows = (
        beds.values("facility_id")
        .annotate(
            count=Count("id"),
            current=Count("id", filter=current),
            latest=Max("updated_at"),
            oldest_current=Min("updated_at", filter=current),
        )
        .order_by()
    )
    versions: dict[int, str] = {}
    ttl = MAX_SECONDS
    for row in rows:
        versions[row["facility_id"]] = f"{row['count']}:{row['current']}:{row['latest'].isoformat()}"
        if row["oldest_current"] is not None:
            ttl = min(ttl, (row["oldest_current"] + limit - now).total_seconds())
    return versions, max(0.0, ttl)


def _rows_html(hospital: queries.BoardHospital, stale_text: str) -> str:
    """A hospital's table rows, built here rather than in the template: the board renders hundreds of them, and
    the template engine's per-variable cost would dominate its budget (bench/referral_beds.py)."""
    badge = f' <span class="badge badge-gray" data-stale-badge>{escape(stale_text)}</span>'
    parts = []
    for row in hospital.rows:
        stale = row.stale
        css = ' class="stale"' if stale else ""
        free = "–" if stale else str(row.free)
        parts.append(
            f'<tr data-bed-type="{escape(row.bed_type)}" data-updated="{row.updated_iso}"{css}>'
            f"<td>{escape(row.bed_type_label)}</td>"
            f'<td class="free num"><span data-free>{free}</span><small>/<span data-total>{row.total}</span></small></td>'
            f"<td><span data-updated-label>{escape(row.updated_label)}</span>{badge if stale else ''}</td></tr>"
        )
    return "".join(parts)


def _fragment(hospital: queries.BoardHospital, bed_type: str, stale_text: str, outside_text: str) -> Fragment:
    outside = "" if hospital.inside_city else f' <span class="badge badge-gray">{escape(outside_text)}</span>'
    html = (
        f'<tbody class="bed-hospital" data-hospital="{escape(hospital.code)}"><tr><th colspan="3" scope="rowgroup">'
        f"{escape(hospital.name)}{outside}</th></tr>{_rows_html(hospital, stale_text)}</tbody>"
    )
    points = queries.map_points([hospital])
    if bed_type:
        first = hospital.rows[0]
        order: tuple[Any, ...] = (first.stale, -(first.free or 0), hospital.name)
    else:
        order = (hospital.name,)
    return Fragment(html, points[0] if points else None, order)


def fragments(bed_type: str, versions: dict[int, str]) -> list[Fragment]:
    """Every hospital's fragment in the board's order: from the cache under its version, the others built from one
    query and cached."""
    language = get_language()
    keys = {pk: f"{PREFIX}:h:{language}:{bed_type}:{pk}:{version}" for pk, version in versions.items()}
    found: dict[str, Fragment] = shared_cache().get_many(list(keys.values())) if keys else {}
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        stale_text, outside_text = _("usang"), _("luar kota")
        built = {}
        for hospital in queries.board_hospitals(bed_type or None, facility_ids=missing):
            built[keys[hospital.facility_id]] = _fragment(hospital, bed_type, stale_text, outside_text)
        shared_cache().set_many(built, MAX_SECONDS)
        found.update(built)
    result = [found[key] for key in keys.values() if key in found]
    result.sort(key=lambda fragment: fragment.order)
    return result


def board_body(bed_type: str, tile_url: str) -> SafeString:
    """The board's figures (map markers, the table, or the empty text) as HTML for the page."""
    versions, ttl = hospital_versions(bed_type or None)
    digest = hashlib.sha256(repr(sorted(versions.items())).encode()).hexdigest()[:32]
    key = f"{PREFIX}:body:{get_language()}:{bed_type}:{tile_url}:{digest}"
    body = shared_cache().get(key) if ttl > 0 else None
    if body is None:
        parts = fragments(bed_type, versions)
        body = render_to_string(
            "referrals/_board_body.html",
            {
                "tables": [mark_safe(part.html) for part in parts],  # noqa: S308 (built escaped by _fragment)
                "points": [part.point for part in parts if part.point is not None],
                "tile_url": tile_url,
                "bed_type": bed_type,
                "bed_type_label": BedTypeChoices.label(bed_type) if bed_type else "",
            },
        )
        if ttl > 0:
            shared_cache().set(key, body, min(ttl, MAX_SECONDS))
    return mark_safe(body)  # noqa: S308 (rendered by the template engine, which escaped it)


# --- the public JSON API (GET /api/v1/referrals/beds) --------------------------------------------------------------


def _json_rows(hospital: queries.BoardHospital) -> str:
    """A hospital's rows as the API writes them (BedBoardOut's fields in order, ninja's encoder: times in ISO 8601
    to the millisecond, "Z" for UTC), without the list's brackets: the body joins hospitals with ", "."""
    rows = [
        {
            "facility": row.hospital_code,
            "nama": row.hospital,
            "id_tt": row.bed_type,
            "jumlah": row.total,
            "kosong": row.free,
            "updated_at": row.updated_at,
            "usang": row.stale,
        }
        for row in hospital.rows
    ]
    return json.dumps(rows, cls=NinjaJSONEncoder)[1:-1]


def api_body(bed_type: str) -> bytes:
    """The public bed API's JSON body (every active hospital's rows of `bed_type`, or of every type; by hospital name,
    then bed type), from the same hospital versions as the board: each hospital's rows cached under its version, the
    body under all of them, with the board's staleness rules (a figure turning stale changes its hospital's version,
    and the body lives no longer than the next figure stays current). The API names no language: one body for all."""
    versions, ttl = hospital_versions(bed_type or None)
    digest = hashlib.sha256(repr(sorted(versions.items())).encode()).hexdigest()[:32]
    key = f"{PREFIX}:api:{bed_type}:{digest}"
    body: bytes | None = shared_cache().get(key) if ttl > 0 else None
    if body is not None:
        return body
    keys = {pk: f"{PREFIX}:j:{bed_type}:{pk}:{version}" for pk, version in versions.items()}
    found: dict[str, tuple[str, str, str]] = shared_cache().get_many(list(keys.values())) if keys else {}
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        built = {
            keys[hospital.facility_id]: (hospital.name, hospital.code, _json_rows(hospital))
            for hospital in queries.board_hospitals(bed_type or None, facility_ids=missing)
        }
        shared_cache().set_many(built, MAX_SECONDS)
        found.update(built)
    parts = sorted(found[key] for key in keys.values() if key in found)  # by name (then code)
    body = ("[" + ", ".join(text for _name, _code, text in parts if text) + "]").encode()
    if ttl > 0:
        shared_cache().set(key, body, min(ttl, MAX_SECONDS))
    return body
