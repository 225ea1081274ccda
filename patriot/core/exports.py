"""CSV exports: every cell a spreadsheet could run as a formula is neutralised; one streaming response for all."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import StreamingHttpResponse

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and CR, strips them and then
# does); OWASP's advice is to prefix such a cell with a single quote so it is shown as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as it may go into a CSV cell: numbers as they are, any text that could be a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download of `rows` under `header`, every cell through safe_cell, never cached."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([safe_cell(cell) for cell in row]) for row in _with_header(header, rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _with_header(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
    yield header
    yield from rows
