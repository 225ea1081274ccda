"""The one CSV writer every export uses: a cell a spreadsheet could run as a formula is quoted (OWASP)."""

from __future__ import annotations

import pytest

from patriot.core.exports import safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+6281234", "'+6281234"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Jalan rusak", "Jalan rusak"),
        ("", ""),
        (None, ""),
        (-6.251143, -6.251143),
        (42, 42),
        (True, "True"),
    ],
)
def test_safe_cell(value: object, cell: object) -> None:
    assert safe_cell(value) == cell
