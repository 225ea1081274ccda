"""The ICD-10 code list referrals use (data/icd10.csv): 3-character categories with the English ICD-10-CM title
(CMS/NCHS, public domain) and an Indonesian name written for Patriot. Read once per process; searched by code,
Indonesian or English name."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ICD10_FILE = Path(__file__).parent / "data" / "icd10.csv"
SOURCE = "ICD-10-CM (CMS/NCHS, public domain); Indonesian names by Patriot"


@dataclass(frozen=True)
class Code:
    code: str
    title_en: str
    name_id: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.name_id}"


@cache
def codes() -> dict[str, Code]:
    """Every code of the list by its code (upper case, no dot)."""
    with ICD10_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {row["code"]: Code(row["code"], row["title_en"], row["name_id"]) for row in rows}


def normalise(text: str) -> str:
    """'i 21.9' → 'I21': the 3-character category of a typed code."""
    return "".join(text.split()).replace(".", "").upper()[:3]


def get(code: str) -> Code | None:
    return codes().get(normalise(code))


def search(text: str, limit: int = 20) -> list[Code]:
    """Codes whose code starts with the text, then those whose Indonesian or English name contains every word."""
    words = text.lower().split()
    if not words:
        return []
    prefix = normalise(text) if len(words) == 1 else ""
    by_code = [code for key, code in codes().items() if prefix and key.startswith(prefix)]
    by_name = [
        code
        for code in codes().values()
        if code not in by_code and all(word in f"{code.name_id} {code.title_en}".lower() for word in words)
    ]
    return (by_code + by_name)[:limit]
