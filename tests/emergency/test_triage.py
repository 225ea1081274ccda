"""The proposed triage level: one row per rule of emergency.triage, and the page's table agrees with the function."""

from __future__ import annotations

import pytest

from patriot.emergency import triage

# complaint, conscious, breathing normally, severe bleeding, age band → proposed level
CASES = [
    # Rule 1: unconscious, not breathing normally, severe bleeding — or not known — is red.
    ("fall", "no", "yes", "no", "adult", "p1"),
    ("other", "yes", "no", "no", "adult", "p1"),
    ("bleeding_trauma", "yes", "yes", "yes", "adult", "p1"),
    ("fall", "unknown", "yes", "no", "adult", "p1"),
    ("fall", "yes", "unknown", "no", "adult", "p1"),
    ("fall", "yes", "yes", "unknown", "adult", "p1"),
    ("unconscious", "no", "no", "no", "elderly", "p1"),
    # Rule 2: time-critical complaints are red even when the patient talks and breathes.
    ("chest_pain", "yes", "yes", "no", "adult", "p1"),
    ("stroke_signs", "yes", "yes", "no", "elderly", "p1"),
    ("drowning", "yes", "yes", "no", "child", "p1"),
    # Rule 3: infants and the elderly are at least yellow.
    ("fall", "yes", "yes", "no", "infant", "p2"),
    ("other", "yes", "yes", "no", "elderly", "p2"),
    # Rule 4: complaints that need an ambulance soon are yellow.
    ("traffic_accident", "yes", "yes", "no", "adult", "p2"),
    ("seizure", "yes", "yes", "no", "child", "p2"),
    ("pregnancy_labour", "yes", "yes", "no", "adult", "p2"),
    ("burn", "yes", "yes", "no", "unknown", "p2"),
    ("poisoning", "yes", "yes", "no", "adult", "p2"),
    ("breathing_problem", "yes", "yes", "no", "adult", "p2"),
    # Rule 5: the rest is green.
    ("fall", "yes", "yes", "no", "adult", "p3"),
    ("other", "yes", "yes", "no", "child", "p3"),
    ("fall", "yes", "yes", "no", "unknown", "p3"),
]


@pytest.mark.parametrize(("complaint", "conscious", "breathing", "bleeding", "age", "level"), CASES)
def test_proposed_level(complaint: str, conscious: str, breathing: str, bleeding: str, age: str, level: str) -> None:
    assert triage.propose(triage.Answers(complaint, conscious, breathing, bleeding, age)) == level


def test_black_is_never_proposed() -> None:
    # P0 needs signs of death the four questions cannot establish: "not breathing" must lead to CPR, not to black.
    assert "p0" not in set(triage.table().values())


def test_the_pages_table_is_the_function() -> None:
    table = triage.table()
    assert len(table) == 13 * 3 * 3 * 3 * 5
    for row in CASES:
        *answers, level = row
        assert table[triage.key(triage.Answers(*answers))] == level
