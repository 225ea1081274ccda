"""How the staff search writes its hour filter, phone-part and text filters and two SLA orders so that an index
answers them on both databases (issue 16 item 3).

PostgreSQL's indexes for these (cases/0017) match the SQL Django writes anyway. SQLite's (cases/0020) can only serve a
query that repeats the indexed expression literally, so on SQLite these expressions are written out with their values
in the SQL text (bound parameters never match an index expression there) and without Python functions (Django's
`django_datetime_extract` cannot be indexed: no other SQLite client knows it). Keep each SQLite rendering in step with
its index in cases/0020; tests/cases/test_search_indexes.py checks EXPLAIN QUERY PLAN names the index. The phone-part
and text filters read SQLite's FTS5 trigram tables (cases/0020 and 0024).
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import F, Func, IntegerField, OrderBy, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractHour

from patriot.cases.choices import PriorityChoices

# --- the hour of the day in the city's time zone ---------------------------------------------------------------


@functools.cache
def fixed_utc_offset_minutes(zone_name: str) -> int | None:
    """The zone's offset from UTC in minutes when it has not changed since 1970 and is not known to change before
    2100 (Asia/Jakarta: +420; every Indonesian zone), else None: then SQLite needs the zone's rules per row."""
    zone = ZoneInfo(zone_name)
    offsets = {
        datetime(year, month, 1, tzinfo=zone).utcoffset() or timedelta(0)
        for year in range(1970, 2100)
        for month in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        return None
    minutes = offsets.pop().total_seconds() / 60
    return int(minutes) if minutes.is_integer() else None


def sqlite_hour_sql(column: str, offset_minutes: int) -> str:
    """The local hour as SQLite's index case_created_hour (cases/0020) has it: the UTC text shifted by the fixed
    offset (SQLite's date functions are deterministic and indexable without 'now' or 'localtime'). Only the text's
    first 19 characters (to the whole second): SQLite rounds the fraction to milliseconds, so 16:59:59.999999 UTC
    would be 17:00, the next hour in Jakarta."""
    return f"CAST(strftime('%H', substr({column}, 1, 19), '{offset_minutes:+d} minutes') AS INTEGER)"


class LocalHour(ExtractHour):
    """ExtractHour with a time zone; on SQLite, for a zone of one fixed offset, written as `sqlite_hour_sql` so that
    case_created_hour answers it. Same value as `django_datetime_extract('hour', …)` for such a zone."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        zone: tzinfo | None = self.tzinfo
        offset = fixed_utc_offset_minutes(str(zone)) if isinstance(zone, ZoneInfo) else None
        if offset is None:
            return super().as_sql(compiler, connection, **extra)
        column, params = compiler.compile(self.lhs)
        # The connection wrapper reads %-placeholders when parameters are passed: a literal % is written %%.
        return sqlite_hour_sql(column, offset).replace("%", "%%"), list(params)


# --- the SLA orders ------------------------------------------------------------------------------------------------

PRIORITY_RANKS = ((PriorityChoices.URGENT, 0), (PriorityChoices.HIGH, 1))
PRIORITY_RANK_DEFAULT = 2


class PriorityRank(Func):
    """Emergencies (urgent) 0, high priority 1, the rest 2. PostgreSQL: the CASE Django writes for When/Value (its
    index case_priority_order, cases/0017, matches that); SQLite: the same CASE with the values in the SQL text, as
    its index case_priority_order (cases/0020) has it."""

    output_field = IntegerField()

    def __init__(self, **extra: Any) -> None:
        super().__init__(F("priority"), **extra)

    def _case(self, compiler: Any, connection: Any, *, literal: bool) -> tuple[str, Any]:
        column, params = compiler.compile(self.source_expressions[0])
        rank_param = IntegerField().get_db_prep_value  # as Value(rank) passes it (psycopg: Int4)
        params = list(params)
        whens = []
        for value, rank in PRIORITY_RANKS:
            if literal:
                whens.append(f"WHEN {column} = '{value}' THEN {rank}")
            else:
                whens.append(f"WHEN {column} = %s THEN %s")
                params += [str(value), rank_param(rank, connection)]
        default = str(PRIORITY_RANK_DEFAULT) if literal else "%s"
        if not literal:
            params.append(rank_param(PRIORITY_RANK_DEFAULT, connection))
        return f"CASE {' '.join(whens)} ELSE {default} END", params

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        return self._case(compiler, connection, literal=False)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self._case(compiler, connection, literal=True)


class AscNullsLast(OrderBy):
    """`expression ASC NULLS LAST`. SQLite's indexes keep NULLs first, so none can follow that clause; there it is
    written `expression IS NULL, expression ASC` — the same order — which case_due_order and case_priority_order
    (cases/0020) index."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, descending=False, nulls_last=True)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        if self.descending or not self.nulls_last:  # reversed (QuerySet.reverse(), last()): Django's own clause
            return super().as_sql(compiler, connection, **extra)
        sql, params = compiler.compile(self.expression)
        return f"{sql} IS NULL, {sql} ASC", [*params, *params]


# --- SQLite's FTS5 trigram tables --------------------------------------------------------------------------------


def _fts_string(text: str) -> str:
    """`text` as one FTS5 string: no operator or column filter in it counts."""
    return '"' + text.replace('"', '""') + '"'


def _trigram_matches(table: str, query: str) -> RawSQL:
    """The rowids (case ids) that `query` matches in the trigram table `table`. Its tokenizer folds the case of every
    letter, LIKE only of A–Z: a text's matches hold at least every case LIKE finds."""
    matching = f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH %s'  # noqa: S608  # table: a constant
    return RawSQL(matching, (query,))  # noqa: S611  # constant SQL, a parameter


def _has_more_matches(connection: Any, table: str, query: str, most: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM (SELECT 1 FROM "{table}" WHERE "{table}" MATCH %s LIMIT %s)',  # noqa: S608  # table: a constant
            [query, most + 1],
        )
        return cursor.fetchone()[0] > most


def merge_trigram_tables() -> None:
    """SQLite: rewrite each trigram table's index as one segment. A number or a text that was changed, forgotten
    (retention, an account deleted) or deleted leaves its trigrams in the index's older segments, marked deleted,
    until FTS5 merges them; this drops them, so the database file keeps no part of what the cases no longer hold.
    About a third of a second for the numbers at 100,000 cases; the worker runs it daily (cases/jobs.py). Nothing to
    do on PostgreSQL."""
    connection = connections["default"]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in (PHONE_TRIGRAM_TABLE, TEXT_TRIGRAM_TABLE):
            cursor.execute(f'INSERT INTO "{table}" ("{table}") VALUES (\'optimize\')')  # noqa: S608  # constants


# --- part of a reporter's phone number -----------------------------------------------------------------------------

# SQLite: an FTS5 table of the reporters' numbers with the trigram tokenizer (cases/0020), kept in step by triggers.
PHONE_TRIGRAM_TABLE = "case_reporter_phone_trigram"
# A part of a number found in more cases than this is searched with LIKE along the newest cases instead: the first
# page's 50 are then among the newest few thousand, whereas sorting every trigram match by date would read them all.
PHONE_TRIGRAM_MOST_MATCHES = 1000


def phone_part_filter(cases: QuerySet[Any], digits: str) -> QuerySet[Any]:
    """The cases whose reporter's number contains `digits` (a substring, as `reporter_phone__contains`).

    PostgreSQL: LIKE, which the pg_trgm index case_reporter_phone_trgm answers. SQLite: for 3 digits or more the
    trigram table's matches, unless they are many (see PHONE_TRIGRAM_MOST_MATCHES); shorter parts have no trigram."""
    connection = connections[cases.db]
    if connection.vendor == "sqlite" and len(digits) >= 3 and digits.isdigit():
        phrase = _fts_string(digits)
        if not _has_more_matches(connection, PHONE_TRIGRAM_TABLE, phrase, PHONE_TRIGRAM_MOST_MATCHES):
            return cases.filter(pk__in=_trigram_matches(PHONE_TRIGRAM_TABLE, phrase))
    return cases.filter(reporter_phone__contains=digits)


# --- words in the title or the description -------------------------------------------------------------------------

# Between the title and the description in TitleAndDescription. A typed text without it matches the joined text exactly
# when it matches the title or the description: no match can reach across the seam.
TEXT_SEAM = "\n"


class TitleAndDescription(Func):
    """PostgreSQL: `("title" || E'\\n' || "description")`, the text that case_text_trgm (cases/0021) indexes with
    pg_trgm as `UPPER((…)::text)` — what `icontains` on it writes. One trigram index scan instead of a BitmapOr of
    two (title's and description's): each scan reads the posting lists of every trigram of the word, which for a
    word in one case in sixty cost ~15 ms apiece at 1,000,000 cases. Both columns are NOT NULL."""

    template = "(%(expressions)s)"
    arg_joiner = " || E'\\n' || "
    output_field = TextField()

    def __init__(self, **extra: Any) -> None:
        super().__init__(F("title"), F("description"), **extra)


# SQLite: an FTS5 table of the titles and descriptions with the trigram tokenizer (cases/0024), kept in step by triggers.
TEXT_TRIGRAM_TABLE = "case_text_trigram"


def text_filter(cases: QuerySet[Any], text: str) -> QuerySet[Any]:
    """The cases with `text` in the title or the description (case-insensitive, a substring).

    PostgreSQL: one LIKE on TitleAndDescription (unless the text holds the seam). SQLite: `title LIKE … OR description
    LIKE …` among the trigram table's matches for a text of 3 characters or more, else along the cases: the answer is
    LIKE's. Unlike a part of a number, a common text has no LIKE fallback: SQLite's plan for the page's LIKE sorts
    every match rather than reading the newest first, so at 1,000,000 cases the trigram matches were quicker at every
    frequency measured (a word in 1.7 % of the cases 79–85 ms against 1.9–2.2 s, in 6.8 % 218 ms against 1.9 s) and
    no slower for a text in every case (2.0 s against 2.3 s; bench/README).
    """
    connection = connections[cases.db]
    if connection.vendor == "postgresql" and TEXT_SEAM not in text:
        return cases.alias(title_and_description=TitleAndDescription()).filter(title_and_description__icontains=text)
    in_text = Q(title__icontains=text) | Q(description__icontains=text)
    if connection.vendor == "sqlite" and len(text) >= 3:
        # The table keeps no positions (cases/0024): the cases holding every trigram of the text, each anywhere in the
        # title or the description; the LIKE keeps those that hold the text.
        trigrams = dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2))
        query = " AND ".join(_fts_string(trigram) for trigram in trigrams)
        return cases.filter(in_text, pk__in=_trigram_matches(TEXT_TRIGRAM_TABLE, query))
    return cases.filter(in_text)
