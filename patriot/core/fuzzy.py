"""Forgiving word matching for search boxes over short lists (categories, place names): any order, typos, prefixes."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case ASCII words of a text (accents dropped, punctuation and hyphens split)."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return _WORD.findall(folded)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once every path is longer than `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def word_similarity(typed: str, known: str) -> float:
    """1 for the same word, 0.9 for a prefix of three letters or more, 0.7–0.6 for one or two typos, else 0."""
    if typed == known:
        return 1.0
    if len(typed) >= 3 and known.startswith(typed):
        return 0.9
    if len(typed) < 4:
        return 0.0
    allowed = 1 if len(typed) < 7 else 2
    distance = edit_distance(typed, known, allowed)
    return 0.8 - 0.1 * distance if distance <= allowed else 0.0


def best_similarity(typed: str, vocabulary: set[str]) -> float:
    return max((word_similarity(typed, known) for known in vocabulary), default=0.0)
