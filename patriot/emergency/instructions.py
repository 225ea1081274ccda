"""Pre-arrival instructions to read out while the ambulance drives, from data/instructions.json (Bahasa Indonesia
and English, written by the project). The call taker's incident page shows them in the page's language: the CPR
steps first when the patient may be in cardiac arrest, then the complaint's own, then what every caller is told."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from patriot.emergency.choices import AnswerChoices, ComplaintChoices

DATA = Path(__file__).parent / "data" / "instructions.json"


@dataclass(frozen=True)
class Section:
    title: str
    steps: list[str]
    urgent: bool = False


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def _steps(topic: str, language: str) -> list[str]:
    texts: dict[str, list[str]] = _data()[topic]
    return texts["en"] if language.startswith("en") else texts["id"]


def may_need_cpr(conscious: str, breathing_normally: str) -> bool:
    """Not conscious and not breathing normally (or not known): the caller is talked through hands-only CPR."""
    return conscious != AnswerChoices.YES and breathing_normally != AnswerChoices.YES


def sections(complaint: str, *, conscious: str = "", breathing_normally: str = "") -> list[Section]:
    if complaint == ComplaintChoices.INTER_FACILITY_TRANSFER:
        # A referral's ambulance: the patient is with the referring facility's clinicians, no caller to instruct.
        return []
    language = get_language() or "id"
    result = []
    if may_need_cpr(conscious, breathing_normally) and conscious and breathing_normally:
        result.append(Section(_("Resusitasi: tekan dada"), _steps("cpr", language), urgent=True))
    topic = complaint if complaint in _data() else ComplaintChoices.OTHER
    result.append(Section(ComplaintChoices.label(topic), _steps(topic, language)))
    result.append(Section(_("Untuk setiap penelepon"), _steps("_always", language)))
    return result
