"""Category search on the report form: any words, any order, typos forgiven, Bekasi's own words (data/category_synonyms.json)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from patriot.cases.models import Category
from patriot.core.fuzzy import best_similarity, words

SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "category_synonyms.json"
# The category a report goes to when the citizen cannot tell; the POC classifies it (no default agency).
FALLBACK_CATEGORY = "lainnya"
# Words that say nothing about the kind of problem.
_STOPWORDS = frozenset(
    [
        "di",
        "ke",
        "dari",
        "yang",
        "ada",
        "dan",
        "atau",
        "itu",
        "ini",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "saya",
        "kami",
        "kita",
        "sudah",
        "udah",
        "sangat",
        "banget",
        "dekat",
        "depan",
        "sekitar",
        "mohon",
        "tolong",
        "please",
    ]
)


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    data = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    return {code: tuple(phrases) for code, phrases in data.items() if not code.startswith("_")}


@dataclass(frozen=True)
class Match:
    code: str
    score: float


def _vocabulary(category: Category) -> tuple[set[str], list[list[str]]]:
    phrases = [category.name, category.name_en, *category.keywords.split(","), *synonyms().get(category.code, ())]
    split = [words(p) for p in phrases if p.strip()]
    return {w for phrase in split for w in phrase}, split


def search(query: str, categories: Iterable[Category]) -> list[Match]:
    """The categories matching every meaningful word typed (in any order, with typos), best first.

    A whole phrase typed as people say it ("got mampet") ranks its category first. When no category has every
    word, those with the most words are returned, so one unknown word does not empty the list.
    """
    typed = [w for w in words(query) if w not in _STOPWORDS] or words(query)
    if not typed:
        return []
    joined = " ".join(typed)
    scored: list[tuple[int, float, str]] = []
    for category in categories:
        vocabulary, phrases = _vocabulary(category)
        found, total = 0, 0.0
        for word in typed:
            best = best_similarity(word, vocabulary)
            if best > 0:
                found += 1
                total += best
        if not found:
            continue
        if any(" ".join(phrase) == joined or joined in " ".join(phrase) for phrase in phrases if phrase):
            total += 2
        scored.append((found, total, category.code))
    if not scored:
        return []
    most = max(found for found, _total, _code in scored)
    ranked = sorted(((total, code) for found, total, code in scored if found == most), key=lambda i: (-i[0], i[1]))
    return [Match(code=code, score=round(total, 2)) for total, code in ranked]
