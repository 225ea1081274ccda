"""Finding a place by name for the report form: the gazetteer shipped as data and the city's own places, then an
optional geocoder.

The gazetteer (data/gazetteer.csv: kecamatan, kelurahan, every health facility and some streets, each row naming its
source) answers without any outside service. The city's own places (geo.CityPlace: loaded with `import-places` or in
the admin) are searched with it, by the same rules, as one list. When PATRIOT_GEOCODER_URL names a
Nominatim-compatible server, its `/search` answers are added after those: asked from the server (the browser talks
only to us), with a timeout, cached, rate-limited per visitor, and kept only where the point lies inside the city.

The city's places are held per process, like the case categories (cases/catalogue.py): a place saved or deleted in
this process clears this process's copy at once (and again after the commit); every other process reloads its copy
at most `CITY_PLACES_TTL_SECONDS` after it last loaded it, which also bounds changes that send no signal.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from patriot.core.fuzzy import word_similarity, words
from patriot.core.shared_cache import shared_cache
from patriot.geo.lookup import LocationError, locate
from patriot.geo.models import CityPlace

logger = logging.getLogger("patriot.geo")

GAZETTEER_FILE = Path(__file__).resolve().parent / "data" / "gazetteer.csv"
MAX_RESULTS = 8
GEOCODER_CACHE_SECONDS = 24 * 3600
# The city's bounding box for the geocoder's viewbox (west, north, east, south), Kota Bekasi by default.
CITY_VIEWBOX = "106.88,-6.15,107.06,-6.40"


@dataclass(frozen=True)
class Place:
    name: str
    kind: str
    latitude: float
    longitude: float
    source: str  # "gazetteer" (shipped), "city" (geo.CityPlace) or "geocoder"


@dataclass(frozen=True)
class _Entry:
    place: Place
    vocabulary: frozenset[str]


_MEMO_WORDS = 16


@dataclass(frozen=True)
class _Index:
    """Entries and, for each word of their vocabularies, which entries hold it: a search compares the typed words with
    each distinct word once, not with every entry (a city may load tens of thousands of places)."""

    entries: tuple[_Entry, ...]
    positions: dict[str, tuple[int, ...]]
    # A typed word's scores by entry, kept while this index lives: the next keystroke repeats the words before it.
    memo: dict[str, dict[int, float]] = field(default_factory=dict, compare=False, repr=False)

    def scores(self, typed: str) -> dict[int, float]:
        """fuzzy.best_similarity of the typed word over each entry's vocabulary, for the entries where it is > 0."""
        held = self.memo.get(typed)
        if held is not None:
            return held
        scores: dict[int, float] = {}
        for known, positions in self.positions.items():
            similarity = word_similarity(typed, known)
            if similarity > 0:
                for position in positions:
                    if similarity > scores.get(position, 0.0):
                        scores[position] = similarity
        if len(self.memo) >= _MEMO_WORDS:
            self.memo.clear()
        self.memo[typed] = scores
        return scores

    @classmethod
    def of(cls, entries: tuple[_Entry, ...]) -> _Index:
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for position, entry in enumerate(entries):
            for word in entry.vocabulary:
                positions[word].append(position)
        return cls(entries, {word: tuple(found) for word, found in positions.items()})


@lru_cache(maxsize=1)
def entries() -> tuple[_Entry, ...]:
    with GAZETTEER_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return tuple(
            _Entry(
                place=Place(
                    name=row["name"],
                    kind=row["kind"],
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                    source="gazetteer",
                ),
                vocabulary=frozenset(words(f"{row['name']} {row['aliases']}")),
            )
            for row in rows
        )


@lru_cache(maxsize=1)
def _shipped_index() -> _Index:
    return _Index.of(entries())


# How long a process answers from its copy of the city's places before it reads them again.
CITY_PLACES_TTL_SECONDS = 30.0

_city_lock = threading.Lock()
_city_index: _Index | None = None
_city_loaded_at = 0.0


def _load_city_index(fresh_since: float) -> _Index:
    global _city_index, _city_loaded_at
    with _city_lock:
        if _city_index is not None and _city_loaded_at >= fresh_since:
            return _city_index  # another request reloaded them while this one waited for the lock
        started = time.monotonic()
        rows = (
            CityPlace.objects.filter(is_active=True).order_by("id").values_list("name", "kind", "latitude", "longitude")
        )
        loaded = _Index.of(
            tuple(
                _Entry(
                    place=Place(name=name, kind=kind, latitude=latitude, longitude=longitude, source="city"),
                    vocabulary=frozenset(words(name)),
                )
                for name, kind, latitude, longitude in rows
            )
        )
        _city_index, _city_loaded_at = loaded, started
        return loaded


def _city() -> _Index:
    held = _city_index
    fresh_since = time.monotonic() - CITY_PLACES_TTL_SECONDS
    if held is None or _city_loaded_at < fresh_since:
        held = _load_city_index(fresh_since)
    return held


def city_entries() -> tuple[_Entry, ...]:
    """The city's active places, as held by this process (read again when older than CITY_PLACES_TTL_SECONDS)."""
    return _city().entries


def reset_city_places() -> None:
    """Forget the held city places; the next search reads them again."""
    global _city_index
    with _city_lock:
        _city_index = None


def reset_city_places_on_change(sender: type, **kwargs: Any) -> None:
    """Signal receiver: a saved or deleted place outdates this process's copy; again after the commit, so a search
    made between the save and the commit does not keep what it read."""
    reset_city_places()
    transaction.on_commit(reset_city_places, using=kwargs.get("using"))


# "Jl." and friends say nothing about which street: every street has one.
_GENERIC = frozenset({"jl", "jalan", "kelurahan", "kecamatan", "kel", "kec", "rs", "rumah", "sakit", "puskesmas"})


# fuzzy.word_similarity's score for the same word or a prefix of it; below that, a typo was forgiven.
_WHOLE_OR_PREFIX = 0.9


def _scored(index: _Index, specific: list[str], generic_typed: list[str]) -> list[tuple[float, bool, Place]]:
    """(score, every word as typed, place) of each entry whose vocabulary holds every specific word, in entry order.

    The score of a word in an entry is fuzzy.best_similarity over the entry's vocabulary, found through the index.
    """
    best: list[dict[int, float]] = []
    for word in specific:
        scores = index.scores(word)
        if not scores:
            return []
        best.append(scores)
    found = []
    for position in sorted(set(best[0]).intersection(*best[1:])):
        entry = index.entries[position]
        word_scores = [scores[position] for scores in best]
        kind_bonus = 0.5 * sum(1 for word in generic_typed if word in entry.vocabulary)
        found.append((sum(word_scores) + kind_bonus, min(word_scores) >= _WHOLE_OR_PREFIX, entry.place))
    return found


def search_gazetteer(query: str) -> list[Place]:
    """Shipped and city places whose name holds every typed word (any order, typos forgiven), best first."""
    typed = words(query)
    specific = [w for w in typed if w not in _GENERIC] or typed
    if not specific:
        return []
    # A generic word does not find a place, but it says which kind is meant: "puskesmas margahayu" puts the
    # puskesmas before the kelurahan of the same name.
    generic_typed = [w for w in typed if w in _GENERIC and w not in specific]
    scored = _scored(_shipped_index(), specific, generic_typed) + _scored(_city(), specific, generic_typed)
    # Typos are forgiven only when nothing matches as typed: "bintara" finds Bintara, not also Bantar Gebang.
    if any(as_typed for _score, as_typed, _place in scored):
        scored = [item for item in scored if item[1]]
    scored.sort(key=lambda item: (-item[0], item[2].name))
    return [place for _score, _as_typed, place in scored[:MAX_RESULTS]]


def search_geocoder(query: str) -> list[Place]:
    """The configured geocoder's places inside the city; [] when none is set or it fails (logged, not raised)."""
    base = settings.PATRIOT_GEOCODER_URL.rstrip("/")
    if not base or len(query.strip()) < 3:
        return []
    key = "geocoder:" + hashlib.sha256(f"{base}|{query.strip().lower()}".encode()).hexdigest()
    cached = shared_cache().get(key)
    if cached is not None:
        return [Place(**item) for item in cached]
    params = urllib.parse.urlencode(
        {
            "q": query.strip(),
            "format": "jsonv2",
            "limit": MAX_RESULTS,
            "countrycodes": "id",
            "viewbox": CITY_VIEWBOX,
            "bounded": 1,
            "accept-language": "id",
        }
    )
    request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting, http or https)
        f"{base}/search?{params}", headers={"User-Agent": f"Patriot ({settings.PATRIOT_SITE_URL})"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.PATRIOT_GEOCODER_TIMEOUT_SECONDS) as response:  # noqa: S310
            answer: Any = json.loads(response.read(1_000_000))
    except (OSError, ValueError) as error:
        logger.warning("geocoder failed", extra={"error": type(error).__name__})
        return []
    places = []
    for item in answer if isinstance(answer, list) else []:
        try:
            lat, lon = float(item["lat"]), float(item["lon"])
            locate(lat, lon)
        except (KeyError, TypeError, ValueError, LocationError):
            continue
        name = str(item.get("display_name") or item.get("name") or "")[:200]
        places.append(
            Place(name=name, kind=str(item.get("type") or "place")[:40], latitude=lat, longitude=lon, source="geocoder")
        )
    shared_cache().set(key, [asdict(place) for place in places], GEOCODER_CACHE_SECONDS)
    return places


def search(query: str, *, use_geocoder: bool = True) -> list[Place]:
    """The gazetteer's and the city's places first, then the geocoder's (without repeats), at most MAX_RESULTS."""
    found = search_gazetteer(query)
    if use_geocoder and len(found) < MAX_RESULTS:
        names = {place.name.lower() for place in found}
        found += [place for place in search_geocoder(query) if place.name.lower() not in names]
    return found[:MAX_RESULTS]
