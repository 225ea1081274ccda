"""The staff search's hour filter, phone-part filter and SLA orders: the same rows on both databases, and on SQLite
answered by the indexes of cases/0020 (EXPLAIN QUERY PLAN), as PostgreSQL's by cases/0017."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.http import urlencode

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases import search_sql
from patriot.cases.choices import CaseStateChoices as State
from patriot.cases.choices import PriorityChoices
from patriot.cases.filters import CaseFilter
from patriot.cases.models import Case
from patriot.cases.queries import visible_cases
from tests.factories import make_agency, make_case, make_category, staff

pytestmark = pytest.mark.usefixtures("areas")

JAKARTA = ZoneInfo("Asia/Jakarta")
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own indexes (cases/0020)")


def _search(user: User, query: str) -> QuerySet[Case]:
    return CaseFilter(QueryDict(query), visible_cases(user), user=user).cases()


def _ids(cases: QuerySet[Case]) -> list[int]:
    return list(cases.values_list("pk", flat=True))


def _plan(cases: QuerySet[Case]) -> str:
    sql, params = cases[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _matches_in_checked_index(table: str, query: str) -> int:
    """How many cases `query` matches in an FTS5 table, after FTS5's own check that its index agrees with the cases."""
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" ("{table}") VALUES (\'integrity-check\')')  # noqa: S608  # a constant
        cursor.execute(f'SELECT count(*) FROM "{table}" WHERE "{table}" MATCH %s', [query])  # noqa: S608  # a constant
        return cursor.fetchone()[0]


def _raw_index(table: str) -> bytes:
    """The raw blocks of an FTS5 table's index, as they lie in the database file."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT block FROM "{table}_data"')  # noqa: S608  # the table's name: a constant
        return b"".join(bytes(block) for (block,) in cursor.fetchall())


# --- the hour of the day (Asia/Jakarta) --------------------------------------------------------------------------


@pytest.fixture
def around_midnight() -> dict[str, Case]:
    """Cases reported on either side of midnight WIB (17:00 UTC), and one at 07:00 WIB (midnight UTC)."""
    category = make_category()
    moments = {
        "23:00": datetime(2026, 11, 2, 16, 0, tzinfo=UTC),
        "23:59:59.999": datetime(2026, 11, 2, 16, 59, 59, 999999, tzinfo=UTC),
        "00:00": datetime(2026, 11, 2, 17, 0, tzinfo=UTC),
        "00:59": datetime(2026, 11, 2, 17, 59, 30, tzinfo=UTC),
        "01:00": datetime(2026, 11, 2, 18, 0, tzinfo=UTC),
        "07:00": datetime(2026, 11, 3, 0, 0, tzinfo=UTC),
        "06:59 new year": datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
    }
    cases = {}
    for name, moment in moments.items():
        case = make_case(category)
        Case.objects.filter(pk=case.pk).update(created_at=moment)
        cases[name] = case
    return cases


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (23, ["23:59:59.999", "23:00"]),
        (0, ["00:59", "00:00"]),
        (1, ["01:00"]),
        (7, ["07:00"]),
        (6, ["06:59 new year"]),
        (16, []),
        (17, []),
    ],
)
def test_the_hour_is_the_hour_in_jakarta_around_midnight(
    around_midnight: dict[str, Case], hour: int, expected: list[str]
) -> None:
    found = _ids(_search(staff(RoleChoices.POC_SUPERVISOR), f"hour={hour}"))
    assert found == [around_midnight[name].pk for name in expected]  # newest first
    # And what Python makes of the stored moments.
    by_python = [c.pk for c in Case.objects.order_by("-created_at") if c.created_at.astimezone(JAKARTA).hour == hour]
    assert found == by_python


def test_the_hour_offset_is_fixed_for_jakarta_and_none_for_a_zone_with_daylight_saving() -> None:
    assert search_sql.fixed_utc_offset_minutes("Asia/Jakarta") == 420
    assert search_sql.fixed_utc_offset_minutes("Asia/Kolkata") == 330
    assert search_sql.fixed_utc_offset_minutes("Europe/Amsterdam") is None


@sqlite_only
def test_sqlite_answers_the_hour_from_case_created_hour(around_midnight: dict[str, Case]) -> None:
    plan = _plan(_search(staff(RoleChoices.POC_SUPERVISOR), "hour=0"))
    assert "USING INDEX case_created_hour" in plan and "TEMP B-TREE" not in plan, plan


# --- part of the reporter's phone number ---------------------------------------------------------------------------

PHONES = {
    "first": ("081298765432", False),
    "second": ("085611112222", False),
    "third": ("081211119876", False),
    "anonymous": ("087798761234", True),
    "none": ("", False),
}


@pytest.fixture
def phones() -> dict[str, Case]:
    category = make_category()
    return {
        name: make_case(category, reporter_phone=phone, is_anonymous=anonymous)
        for name, (phone, anonymous) in PHONES.items()
    }


def _expected(cases: dict[str, Case], digits: str, *, anonymous: bool) -> list[int]:
    rows = [c for c in cases.values() if digits in c.reporter_phone and (anonymous or not c.is_anonymous)]
    return [c.pk for c in sorted(rows, key=lambda c: (c.created_at, c.pk), reverse=True)]


@pytest.mark.parametrize("typed", ["987", "9876", "1111", "11119876", "0000", "2", "12", "98", "812", "8"])
@pytest.mark.parametrize("many", [False, True])
def test_part_of_a_phone_number_finds_the_same_cases_however_searched(
    phones: dict[str, Case], typed: str, many: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """3 digits or more through SQLite's trigram table (or, when it holds many matches, LIKE along the newest cases:
    `many` makes every match "many"), fewer through LIKE; PostgreSQL always LIKE. The numbers are stored in E.164
    (+62…), the part is typed without the trunk 0."""
    if many:
        monkeypatch.setattr(search_sql, "PHONE_TRIGRAM_MOST_MATCHES", 0)
    poc = staff(RoleChoices.POC_SUPERVISOR)
    agency = staff(RoleChoices.AGENCY_OFFICER, agency=make_agency("dbmsda"))
    Case.objects.update(agency=agency.agency)
    stored = {name: Case.objects.get(pk=case.pk) for name, case in phones.items()}
    assert _ids(_search(poc, f"phone={typed}")) == _expected(stored, typed, anonymous=True)
    # Whoever may not see anonymous reporters never finds one by the number.
    assert _ids(_search(agency, f"phone={typed}")) == _expected(stored, typed, anonymous=False)


def test_the_trigram_table_follows_changes_and_deletions(phones: dict[str, Case]) -> None:
    poc = staff(RoleChoices.POC_SUPERVISOR)
    first, second = phones["first"], phones["second"]
    Case.objects.filter(pk=first.pk).update(reporter_phone="+6281300004444")
    assert _ids(_search(poc, "phone=98765432")) == []
    assert _ids(_search(poc, "phone=300004")) == [first.pk]
    second.delete()
    assert _ids(_search(poc, "phone=56111122")) == []
    if connection.vendor == "sqlite":
        # The third case's; the deleted one's left the index.
        assert _matches_in_checked_index(search_sql.PHONE_TRIGRAM_TABLE, '"1111"') == 1


@sqlite_only
def test_a_forgotten_number_leaves_no_trigram_in_the_database_after_the_daily_merge() -> None:
    """FTS5 keeps a changed number's trigrams in its older index segments, marked deleted, until they are merged: the
    number +62 899 777 555 blanked by the retention rule is still in the index's raw blocks (a segment's first term is
    stored whole, "+62", and others by what they add to the one before, e.g. "899") until the worker's daily merge
    drops it."""
    from patriot.cases import jobs

    case = make_case(make_category(), reporter_phone="+62899777555")
    Case.objects.filter(pk=case.pk).update(reporter_phone="")
    held = _raw_index(search_sql.PHONE_TRIGRAM_TABLE)
    assert b"+62" in held and b"899" in held  # held, though no case has the number any more
    jobs.TRIGRAM_TABLES.run()
    merged = _raw_index(search_sql.PHONE_TRIGRAM_TABLE)
    assert b"+62" not in merged and b"899" not in merged
    assert _ids(_search(staff(RoleChoices.POC_SUPERVISOR), "phone=777555")) == []


@sqlite_only
def test_sqlite_answers_part_of_a_number_from_the_trigram_table(phones: dict[str, Case]) -> None:
    plan = _plan(_search(staff(RoleChoices.POC_SUPERVISOR), "phone=9876"))
    assert "case_reporter_phone_trigram VIRTUAL TABLE" in plan, plan
    assert "case_reporter_phone_trigram" not in _plan(_search(staff(RoleChoices.POC_SUPERVISOR), "phone=98"))


# --- words in the title or the description ----------------------------------------------------------------------

TEXTS = {
    "road": ("Jalan rusak", "Jalan berlubang di depan SDN 3, sudah dua minggu."),
    "rubbish": ("Sampah", 'Sampah menumpuk, bau "busuk" sekali.'),
    "wildcards": ("Lainnya", "Spanduk diskon 50% untuk_semua menutup rambu."),
    "cafe": ("Penerangan jalan", "Lampu depan KAFÉ Melati mati."),
    "tree": ("Pohon tumbang", "Menutup separuh badan jalan."),
}


@pytest.fixture
def texts() -> dict[str, Case]:
    category = make_category()
    cases = {name: make_case(category, description=description) for name, (_title, description) in TEXTS.items()}
    for name, (title, _description) in TEXTS.items():
        Case.objects.filter(pk=cases[name].pk).update(title=title)
    return cases


def _found_by_like(text: str) -> list[int]:
    """What the text filter must find: `title LIKE … OR description LIKE …`, newest first (SQLite folds the case of
    A–Z only, PostgreSQL's ILIKE of every letter its locale knows)."""
    rows = Case.objects.filter(Q(title__icontains=text) | Q(description__icontains=text))
    return list(rows.order_by("-created_at", "-pk").values_list("pk", flat=True))


@pytest.mark.parametrize(
    "typed",
    [
        "jalan",
        "JALAN",
        "lan",
        "lang",
        "la",
        "n b",
        '"busuk"',
        'bau "',
        "50%",
        "_s",
        "kafé",
        "KAFÉ",
        "tumbang",
        "zqxwv",
        "ab",
    ],
)
def test_a_text_finds_the_same_cases_however_searched(texts: dict[str, Case], typed: str) -> None:
    """3 characters or more through SQLite's trigram table, fewer through LIKE; PostgreSQL one LIKE on the joined text.
    Quotes and LIKE's wildcards are plain characters; a letter LIKE does not fold is not folded by the trigram table
    either."""
    found = _ids(_search(staff(RoleChoices.POC_SUPERVISOR), urlencode({"text": typed})))
    assert found == _found_by_like(typed)
    if typed in ("jalan", "JALAN"):
        assert set(found) == {texts[name].pk for name in ("road", "cafe", "tree")}
    if typed == "lang":  # "Jalan berlubang" holds both its trigrams, "lan" and "ang", but not "lang"
        assert found == []
    if typed == "50%":
        assert found == [texts["wildcards"].pk]
    if typed == "kafé" and connection.vendor == "sqlite":
        assert found == []  # SQLite's LIKE folds A–Z only, and the trigram table's wider folding is not the answer


def test_the_text_trigram_table_follows_changes_and_deletions(texts: dict[str, Case]) -> None:
    poc = staff(RoleChoices.POC_SUPERVISOR)
    road, rubbish = texts["road"], texts["rubbish"]
    Case.objects.filter(pk=road.pk).update(description="Aspal mengelupas.")
    assert _ids(_search(poc, "text=berlubang")) == []
    assert _ids(_search(poc, "text=mengelupas")) == [road.pk]
    Case.objects.filter(pk=rubbish.pk).update(title="Tumpukan sampah liar")
    assert _ids(_search(poc, "text=sampah+liar")) == [rubbish.pk]
    rubbish.delete()
    assert _ids(_search(poc, "text=busuk")) == []
    if connection.vendor == "sqlite":
        # The deleted case's title and description left the index.
        assert _matches_in_checked_index(search_sql.TEXT_TRIGRAM_TABLE, '"bus"') == 0


@sqlite_only
def test_sqlite_answers_a_text_from_the_trigram_table_unless_it_is_short(texts: dict[str, Case]) -> None:
    poc = staff(RoleChoices.POC_SUPERVISOR)
    assert "case_text_trigram VIRTUAL TABLE" in _plan(_search(poc, "text=berlubang"))
    assert "case_text_trigram VIRTUAL TABLE" in _plan(_search(poc, "text=jalan"))  # however many cases hold it
    assert "case_text_trigram" not in _plan(_search(poc, "text=la"))  # no trigram in two letters


@sqlite_only
def test_a_deleted_text_leaves_no_trigram_in_the_database_after_the_daily_merge() -> None:
    """As a forgotten number (above): a deleted case's text stays in the text table's older segments until the merge.
    The title and the description are one word, so their one trigram, "qqq", is stored whole (a segment's first
    term)."""
    from patriot.cases import jobs

    case = make_case(make_category(), description="Qqqqqqqqqqqqqqqqqqqq")
    Case.objects.filter(pk=case.pk).update(title="Qqqqqqqqqqqqqqqqqqqq")
    case.delete()
    assert b"qqq" in _raw_index(search_sql.TEXT_TRIGRAM_TABLE)  # held, though no case has the text any more
    jobs.TRIGRAM_TABLES.run()
    assert b"qqq" not in _raw_index(search_sql.TEXT_TRIGRAM_TABLE)


# --- the SLA orders ------------------------------------------------------------------------------------------------


@pytest.fixture
def clocks() -> list[Case]:
    """Cases of every priority with due times earlier, later and none (a stopped clock), two sharing one."""
    category = make_category()
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    rows = [
        (PriorityChoices.NORMAL, timedelta(hours=5)),
        (PriorityChoices.HIGH, None),
        (PriorityChoices.URGENT, timedelta(hours=9)),
        (PriorityChoices.LOW, timedelta(hours=1)),
        (PriorityChoices.HIGH, timedelta(hours=3)),
        (PriorityChoices.URGENT, None),
        (PriorityChoices.NORMAL, None),
        (PriorityChoices.HIGH, timedelta(hours=3)),
        (PriorityChoices.URGENT, timedelta(hours=2)),
        (PriorityChoices.LOW, None),
    ]
    cases = []
    for index, (priority, due) in enumerate(rows):
        case = make_case(category)
        created = start + timedelta(minutes=index * 7 % 5)  # some share a created_at: the id decides
        Case.objects.filter(pk=case.pk).update(
            priority=priority, due_at=start + due if due else None, created_at=created, state=State.SUBMITTED
        )
        cases.append(Case.objects.get(pk=case.pk))
    return cases


def _by_due(case: Case) -> tuple[Any, ...]:
    return (case.due_at is None, case.due_at or datetime.min.replace(tzinfo=UTC), case.created_at, case.pk)


RANK = {PriorityChoices.URGENT: 0, PriorityChoices.HIGH: 1}


@pytest.mark.parametrize("sort", ["priority", "due"])
def test_the_sla_orders_are_the_same_on_both_databases(clocks: list[Case], sort: str) -> None:
    found = _ids(_search(staff(RoleChoices.POC_SUPERVISOR), f"sort={sort}"))
    if sort == "due":
        expected = sorted(clocks, key=_by_due)
    else:
        expected = sorted(clocks, key=lambda c: (RANK.get(c.priority, 2), *_by_due(c)))
    assert found == [c.pk for c in expected]
    # reverse() keeps Django's own NULLS clause (the list read backwards).
    assert _ids(_search(staff(RoleChoices.POC_SUPERVISOR), f"sort={sort}").reverse()) == found[::-1]


@sqlite_only
@pytest.mark.parametrize(("sort", "index"), [("priority", "case_priority_order"), ("due", "case_due_order")])
def test_sqlite_follows_the_sla_orders_along_their_index(clocks: list[Case], sort: str, index: str) -> None:
    plan = _plan(_search(staff(RoleChoices.POC_SUPERVISOR), f"sort={sort}"))
    assert f"USING INDEX {index}" in plan and "TEMP B-TREE" not in plan, plan
