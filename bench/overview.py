"""POC overview benchmark (child process; the database comes from PATRIOT_DATABASE_URL, migrated and seeded).

Fills cases_case with N synthetic cases in bulk SQL (not through the services) unless it already holds
exactly those N, then times patriot.cases.queries.overview() against a plain SELECT count(*) FROM cases_case
run in the same rounds, and EXPLAINs every query overview() sends.

The data set (deterministic, ids in created_at order as in real life):
- created_at spread evenly over the last 3 years; the last `today` rows fall between local midnight and now;
- ~6 % open (submitted / verified / dispatched / assigned / in_progress): 80 % of the last 45 days'
  cases plus a stale tail of older ones (mostly overdue); ~0.5 % resolved; the rest closed / rejected / duplicate;
- agency set from dispatch on (the category's default agency), sla_status on_track / due_soon / overdue for
  open cases and stopped for the rest; every NOT NULL column filled (village/district pairs, h3 cells …).

    python -m bench.overview --out FILE --cases 1000000 [--runs 20]
"""

# ruff: noqa: S608  (SQL built from integers and model metadata; commands from fixed argument lists)

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import django_setup, log, median, time_call, write_json

AIM_MS = 100.0
YEARS = 3
RECENT_DAYS = 45
RECENT_OPEN_PER_10K = 8000
TARGET_OPEN_FRACTION = 0.06
PREFIX = "SYN-"

OPEN_STATES = ("submitted", "verified", "dispatched", "assigned", "in_progress")


# --- data set -------------------------------------------------------------------------------


class Dialect:
    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.pg = vendor == "postgresql"

    def ts(self, epoch: str) -> str:
        return f"to_timestamp({epoch})" if self.pg else f"datetime({epoch}, 'unixepoch')"

    def pad(self, expr: str, width: int) -> str:
        # lpad() cuts a longer text to the width (10,000,000 would become 1000000): pad only what is shorter.
        if self.pg:
            return f"lpad(({expr})::text, greatest({width}, length(({expr})::text)), '0')"
        return f"printf('%0{width}d', {expr})"

    def text(self, expr: str) -> str:
        return f"({expr})::text" if self.pg else f"CAST({expr} AS TEXT)"

    def json_empty(self) -> str:
        return "'{}'::jsonb" if self.pg else "'{}'"

    def sequence(self, lo: int, hi: int) -> tuple[str, str]:
        """(WITH prefix, FROM item) producing rows i = lo..hi."""
        if self.pg:
            return "", f"generate_series({lo}::bigint, {hi}::bigint) AS seq(i)"
        return f"WITH RECURSIVE seq(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM seq WHERE i < {hi}) ", "seq"


def _mapping_tables(cursor: Any, dialect: Dialect) -> tuple[int, int]:
    """Temporary tables of villages (with h3 cells of their centroids) and categories (with an agency)."""
    import h3

    from patriot.accounts.models import Agency
    from patriot.cases.models import Category
    from patriot.geo.lookup import H3_RESOLUTION, H3_RESOLUTION_COARSE
    from patriot.geo.models import Village

    villages = list(Village.objects.order_by("code"))
    categories = list(Category.objects.order_by("code"))
    agencies = list(Agency.objects.order_by("code").values_list("id", flat=True))
    if not villages or not categories or not agencies:
        raise SystemExit("The database has no villages, categories or agencies: did `patriot seed` run?")
    for table in ("bench_v", "bench_c"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(
        "CREATE TEMP TABLE bench_v (idx integer PRIMARY KEY, village_id bigint, district_id bigint, name text,"
        " lat double precision, lon double precision, h3 text, h3c text)"
    )
    cursor.executemany(
        "INSERT INTO bench_v VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [
            (
                n,
                v.id,
                v.district_id,
                v.name,
                v.centroid_lat,
                v.centroid_lon,
                h3.latlng_to_cell(v.centroid_lat, v.centroid_lon, H3_RESOLUTION),
                h3.latlng_to_cell(v.centroid_lat, v.centroid_lon, H3_RESOLUTION_COARSE),
            )
            for n, v in enumerate(villages)
        ],
    )
    cursor.execute(
        "CREATE TEMP TABLE bench_c (idx integer PRIMARY KEY, category_id bigint, agency_id bigint, title text, priority text)"
    )
    cursor.executemany(
        "INSERT INTO bench_c VALUES (%s, %s, %s, %s, %s)",
        [
            (n, c.id, c.default_agency_id or agencies[n % len(agencies)], c.name, c.default_priority or "normal")
            for n, c in enumerate(categories)
        ],
    )
    return len(villages), len(categories)


def _insert_sql(dialect: Dialect, *, lo: int, hi: int, plan: dict[str, Any], nv: int, nc: int) -> str:
    d = dialect
    n_old, n_today = plan["n_old"], plan["n_today"]
    t0, midnight, now = plan["t0"], plan["midnight"], plan["now"]
    old_span, today_span = midnight - t0, max(now - midnight - 60, 1)
    recent_cut = plan["recent_cut"]
    old_open = plan["old_open_per_10k"]
    with_prefix, source = d.sequence(lo, hi)
    # Two 32-bit multiplicative hashes of i; different digit ranges feed independent-looking choices.
    inner = f"""
        SELECT i,
               (i * 2654435761) % 4294967296 AS h1,
               (i * 2246822519) % 4294967296 AS h2,
               CASE WHEN i > {n_old} THEN {midnight} + ((i - {n_old}) * {today_span}) / {n_today + 1}
                    ELSE {t0} + ((i - 1) * {old_span}) / {max(n_old, 1)} END AS ct
        FROM {source}"""
    middle = f"""
        SELECT i, ct, h1 % 10000 AS u, (h1 / 10000) % 100 AS w, (h1 / 1000000) % 100 AS s,
               h2 % {nc} AS ci, (h2 / 1000) % {nv} AS vi, (h2 / 100000) % 100 AS ch,
               CASE
                 WHEN i > {n_old} THEN CASE WHEN (h1 / 10000) % 100 < 75 THEN 'submitted' ELSE 'verified' END
                 WHEN (ct >= {recent_cut} AND h1 % 10000 < {RECENT_OPEN_PER_10K}) OR (ct < {recent_cut} AND h1 % 10000 < {old_open}) THEN
                   CASE WHEN (h1 / 10000) % 100 < 20 THEN 'submitted' WHEN (h1 / 10000) % 100 < 30 THEN 'verified'
                        WHEN (h1 / 10000) % 100 < 55 THEN 'dispatched' WHEN (h1 / 10000) % 100 < 70 THEN 'assigned'
                        ELSE 'in_progress' END
                 WHEN h1 % 10000 >= 9950 THEN 'resolved'
                 WHEN h1 % 10000 >= 9700 THEN 'duplicate'
                 WHEN h1 % 10000 >= 9000 THEN 'rejected'
                 ELSE 'closed'
               END AS st,
               CASE WHEN ct >= {recent_cut} THEN 1 ELSE 0 END AS recent
        FROM ({inner}) AS g"""
    is_open = "m.st IN ('submitted', 'verified', 'dispatched', 'assigned', 'in_progress')"
    sla = f"""CASE WHEN NOT ({is_open}) THEN 'stopped'
                   WHEN m.recent = 1 AND m.s < 65 THEN 'on_track'
                   WHEN m.recent = 1 AND m.s < 85 THEN 'due_soon'
                   WHEN m.recent = 1 THEN 'overdue'
                   WHEN m.s < 85 THEN 'overdue' ELSE 'due_soon' END"""
    # The clock agrees with the status: on track due in 1–5 days, due soon within 12 h, overdue in the past.
    due_epoch = f"""CASE WHEN m.st = 'resolved' THEN {now} + 5 * 86400
                         WHEN NOT ({is_open}) THEN NULL
                         WHEN ({sla}) = 'on_track' THEN {now} + (1 + m.s % 5) * 86400
                         WHEN ({sla}) = 'due_soon' THEN {now} + (1 + m.s % 12) * 3600
                         WHEN m.ct + 3 * 86400 < {now} THEN m.ct + 3 * 86400
                         ELSE {now} - 3600 END"""

    def at(offset: int, states: tuple[str, ...]) -> str:
        listed = ", ".join(f"'{s}'" for s in states)
        return f"CASE WHEN m.st IN ({listed}) THEN {d.ts(f'm.ct + {offset}')} ELSE NULL END"

    columns: dict[str, str] = {
        "tracking_number": f"'{PREFIX}' || {d.pad('m.i', 7)}",
        "channel": "CASE WHEN m.ch < 45 THEN 'pot' WHEN m.ch < 70 THEN 'sorot' WHEN m.ch < 90 THEN 'phone'"
        " WHEN m.ch < 95 THEN 'open311' ELSE 'field' END",
        "category_id": "c.category_id",
        "title": "c.title",
        "description": f"'Laporan sintetis ' || {d.text('m.i')} || ': ' || c.title || ' di kelurahan ' || v.name || '.'",
        "attributes": d.json_empty(),
        "priority": "c.priority",
        "latitude": "v.lat + ((m.i % 101) - 50) * 0.00003",
        "longitude": "v.lon + (((m.i * 7) % 101) - 50) * 0.00003",
        "address": "''",
        "village_id": "v.village_id",
        "district_id": "v.district_id",
        "h3_cell": "v.h3",
        "h3_cell_coarse": "v.h3c",
        "reporter_id": "NULL",
        "reporter_name": f"'Warga ' || {d.text('m.i % 5000')}",
        "reporter_phone": f"'0812' || {d.pad('(m.i * 7919) % 100000000', 8)}",
        "reporter_email": "''",
        "is_anonymous": "(m.i % 10 = 0)",
        "is_confidential": "(m.i % 50 = 0)",
        "state": "m.st",
        "agency_id": "CASE WHEN m.st IN ('submitted', 'verified', 'rejected', 'duplicate') THEN NULL ELSE c.agency_id END",
        "team_id": "NULL",
        "duplicate_of_id": "NULL",
        "rejection_reason": "CASE WHEN m.st = 'rejected' THEN CASE WHEN m.w < 50 THEN 'spam' WHEN m.w < 80"
        " THEN 'insufficient_information' ELSE 'not_city_authority' END ELSE '' END",
        "resolution_note": "CASE WHEN m.st IN ('resolved', 'closed') THEN 'Sudah ditangani URC.' ELSE '' END",
        "due_at": f"CASE WHEN ({due_epoch}) IS NULL THEN NULL ELSE {d.ts(due_epoch)} END",
        "due_soon_at": f"CASE WHEN {is_open} THEN {d.ts(f'({due_epoch}) - 64800')} ELSE NULL END",
        "sla_status": sla,
        "escalated_at": f"CASE WHEN ({sla}) = 'overdue' THEN {d.ts(due_epoch)} ELSE NULL END",
        "dispute_until": f"CASE WHEN m.st = 'resolved' THEN {d.ts(f'{now} + 5 * 86400')} ELSE NULL END",
        "created_at": d.ts("m.ct"),
        "updated_at": d.ts(f"CASE WHEN m.i > {n_old} THEN m.ct ELSE m.ct + 3600 END"),
        "verified_at": at(600, ("verified", "dispatched", "assigned", "in_progress", "resolved", "closed")),
        "dispatched_at": at(40_000, ("dispatched", "assigned", "in_progress", "resolved", "closed")),
        "assigned_at": at(80_000, ("assigned", "in_progress", "resolved", "closed")),
        "started_at": at(100_000, ("in_progress", "resolved", "closed")),
        "resolved_at": at(300_000, ("resolved", "closed")),
        "closed_at": f"CASE WHEN m.st = 'closed' THEN {d.ts('m.ct + 1200000')}"
        f" WHEN m.st IN ('rejected', 'duplicate') THEN {d.ts('m.ct + 20000')} ELSE NULL END",
    }
    columns = _complete(columns, d)
    names = ", ".join(f'"{name}"' for name in columns)
    exprs = ",\n               ".join(columns.values())
    return f"""{with_prefix}INSERT INTO "cases_case" ({names})
        SELECT {exprs}
        FROM ({middle}) AS m
        JOIN bench_v v ON v.idx = m.vi
        JOIN bench_c c ON c.idx = m.ci"""


def _complete(columns: dict[str, str], dialect: Dialect) -> dict[str, str]:
    """Fill columns added to Case after this was written with their default, or fail clearly."""
    from django.db.models.fields import NOT_PROVIDED

    from patriot.cases.models import Case

    known = dict(columns)
    for field in Case._meta.concrete_fields:
        if field.primary_key or field.column in known:
            continue
        if field.null:
            known[field.column] = "NULL"
        elif field.default is not NOT_PROVIDED:
            known[field.column] = _literal(field.get_default(), dialect)
        elif field.blank and field.empty_strings_allowed:
            known[field.column] = "''"  # a text field left blank: Django's own default for it
        else:
            raise SystemExit(
                f"bench/overview.py does not know how to fill the new NOT NULL column cases_case.{field.column}"
            )
    return known


def _literal(value: Any, dialect: Dialect) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if dialect.pg else ("1" if value else "0")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dict, list)):
        text = json.dumps(value).replace("'", "''")
        return f"'{text}'::jsonb" if dialect.pg else f"'{text}'"
    return "'" + str(value).replace("'", "''") + "'"


def _plan(n: int) -> dict[str, Any]:
    from patriot.cases.queries import start_of_today

    now_dt = datetime.now().astimezone()
    now = int(now_dt.timestamp())
    midnight = int(start_of_today().timestamp())
    if now - midnight < 1800:  # just after midnight: keep "today" a real span
        midnight = now - 1800
    n_today = max(50, round(n * 0.0003))
    n_old = n - n_today
    t0 = int((now_dt - timedelta(days=365 * YEARS)).timestamp())
    recent_cut = now - RECENT_DAYS * 86400
    recent_fraction = min(1.0, (midnight - recent_cut) / max(midnight - t0, 1))
    open_from_recent = recent_fraction * RECENT_OPEN_PER_10K / 10_000 * n_old
    wanted_old = max(0.0, TARGET_OPEN_FRACTION * n - n_today - open_from_recent)
    old_open_per_10k = round(wanted_old / max(n_old * (1 - recent_fraction), 1) * 10_000)
    return {
        "n_old": n_old,
        "n_today": n_today,
        "t0": t0,
        "midnight": midnight,
        "now": now,
        "recent_cut": recent_cut,
        "old_open_per_10k": old_open_per_10k,
    }


def _case_tables() -> list[str]:
    """cases_case and every table whose rows point at a case, children first."""
    from patriot.cases.models import Case

    children = [rel.related_model._meta.db_table for rel in Case._meta.related_objects if rel.related_model is not Case]
    return [*dict.fromkeys(children), Case._meta.db_table]


def _analyze(cursor: Any, vendor: str) -> None:
    if vendor == "postgresql":
        # VACUUM sets the visibility map, without which an index-only scan still visits the heap;
        # autovacuum would do it on a live server a little later.
        cursor.execute('VACUUM (ANALYZE) "cases_case"')
    else:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


MARKER_TABLE = "bench_dataset"


def _marker(cursor: Any) -> int | None:
    """The size of the complete synthetic data set this database holds, from the marker table."""
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (cases bigint NOT NULL, completed_at varchar(40) NOT NULL)"
    )
    cursor.execute(f"SELECT cases FROM {MARKER_TABLE}")
    row = cursor.fetchone()
    return int(row[0]) if row else None


def _secondary_indexes(cursor: Any, pg: bool) -> list[tuple[str, str]]:
    """(name, CREATE statement) of cases_case's indexes that back no constraint; rebuilt after a bulk load."""
    if pg:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'cases_case'"
            " AND indexname NOT IN (SELECT c.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conindid"
            " WHERE k.conrelid = 'cases_case'::regclass)"
        )
    else:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases_case' AND sql IS NOT NULL"
        )
    return sorted(cursor.fetchall())


def ensure_dataset(n: int) -> dict[str, Any]:
    from django.db import connection, transaction

    dialect = Dialect(connection.vendor)
    with connection.cursor() as cursor:
        marked = _marker(cursor)
        cursor.execute('SELECT count(*) FROM "cases_case"')
        total = cursor.fetchone()[0]
    plan = _plan(n)
    if marked == n and total == n:
        refreshed = _refresh_today(plan, dialect)
        log(f"reusing the {n:,}-case data set ({refreshed} cases moved to today)")
        with connection.cursor() as cursor:
            _analyze(cursor, connection.vendor)
        return {"generated": False, "reused": True, "cases": n, "today_refreshed": refreshed}

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        if total:
            log(f"cases_case holds {total:,} rows, not a complete set of {n:,}: emptying it")
            if dialect.pg:
                cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in _case_tables()) + " RESTART IDENTITY CASCADE")
            else:
                for table in _case_tables():
                    cursor.execute(f'DELETE FROM "{table}"')
        # Bulk-load speed: no per-row foreign-key checks (the ids come from the tables themselves) and
        # secondary indexes built once at the end rather than maintained row by row.
        if dialect.pg:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -400000")
            cursor.execute("PRAGMA temp_store = MEMORY")
        indexes = _secondary_indexes(cursor, dialect.pg)
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        nv, nc = _mapping_tables(cursor, dialect)
    chunk = 250_000
    log(f"generating {n:,} synthetic cases with bulk SQL ({connection.vendor}, chunks of {chunk:,})")
    lo = 1
    while lo <= n:
        hi = min(n, lo + chunk - 1)
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_insert_sql(dialect, lo=lo, hi=hi, plan=plan, nv=nv, nc=nc))
        log(f"  rows {lo:,}–{hi:,} in {time.perf_counter() - t:.1f}s")
        lo = hi + 1
    insert_seconds = time.perf_counter() - started
    t = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)
    index_seconds = time.perf_counter() - t
    log(f"rows in {insert_seconds:.1f}s, {len(indexes)} indexes rebuilt in {index_seconds:.1f}s")
    with connection.cursor() as cursor:
        if dialect.pg:
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        t = time.perf_counter()
        _analyze(cursor, connection.vendor)
        analyze_seconds = time.perf_counter() - t
    # The public map's cell counts are kept by triggers, which the bulk load bypassed (PostgreSQL: replica mode).
    from patriot.cases.queries import rebuild_public_map_cells

    map_cells = rebuild_public_map_cells()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (cases, completed_at) VALUES (%s, %s)", [n, datetime.now().isoformat()]
        )
    log(f"analyzed in {analyze_seconds:.1f}s")
    return {
        "generated": True,
        "reused": False,
        "cases": n,
        "insert_seconds": insert_seconds,
        "index_seconds": index_seconds,
        "analyze_seconds": analyze_seconds,
        "indexes_rebuilt": len(indexes),
        "public_map_cells": map_cells,
        "plan": plan,
    }


def _refresh_today(plan: dict[str, Any], dialect: Dialect) -> int:
    """On a reused data set, move the newest rows (generated as today's) into today again."""
    from django.db import connection, transaction

    n_today, midnight, now = plan["n_today"], plan["midnight"], plan["now"]
    span = max(now - midnight - 60, 1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute('SELECT max("id") FROM "cases_case"')
        top = cursor.fetchone()[0]
        first = top - n_today + 1
        offset = f'({midnight} + (("id" - {first} + 1) * {span}) / {n_today + 1})'
        cursor.execute(
            f'UPDATE "cases_case" SET "created_at" = {dialect.ts(offset)}, "updated_at" = {dialect.ts(offset)}'
            f' WHERE "id" >= %s',
            [first],
        )
        return cursor.rowcount


def dataset_stats() -> dict[str, Any]:
    from django.db.models import Count

    from patriot.cases.models import Case
    from patriot.cases.queries import start_of_today

    by_state = dict(Case.objects.values_list("state").annotate(n=Count("*")).order_by())
    open_sla = dict(
        Case.objects.filter(state__in=OPEN_STATES).values_list("sla_status").annotate(n=Count("*")).order_by()
    )
    total = sum(by_state.values())
    open_total = sum(by_state.get(s, 0) for s in OPEN_STATES)
    return {
        "total": total,
        "by_state": by_state,
        "open": open_total,
        "open_fraction": open_total / total if total else 0.0,
        "open_by_sla_status": open_sla,
        "today": Case.objects.filter(created_at__gte=start_of_today()).count(),
        "agencies_with_open_cases": Case.objects.filter(state__in=OPEN_STATES).values("agency_id").distinct().count(),
    }


# --- measurement ----------------------------------------------------------------------------


def capture_queries(fn: Any) -> list[tuple[str, Any]]:
    from django.db import connection

    captured: list[tuple[str, Any]] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fn()
    return captured


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        rows = cursor.fetchall()
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * (depth[node] - 1) + detail)
    return "\n".join(lines)


def measure(runs: int) -> dict[str, Any]:
    from django.db import connection

    from patriot.cases import queries

    def count_all() -> None:
        with connection.cursor() as cursor:
            cursor.execute('SELECT count(*) FROM "cases_case"')
            cursor.fetchone()

    sent = capture_queries(queries.overview)
    group_sql = next(((s, p) for s, p in sent if "GROUP BY" in s.upper()), None)
    other = [(s, p) for s, p in sent if (s, p) != group_sql]

    def run_sql(sql: str, params: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    for _ in range(3):  # warm-up: caches, prepared plans
        queries.overview()
        count_all()
    timings: dict[str, list[float]] = {"count": [], "overview": [], "group_by": [], "others": []}
    for _ in range(runs):
        timings["count"].append(time_call(count_all) * 1000)
        timings["overview"].append(time_call(queries.overview) * 1000)
        if group_sql:
            timings["group_by"].append(time_call(lambda: run_sql(*group_sql)) * 1000)
        timings["others"].append(time_call(lambda: [run_sql(s, p) for s, p in other]) * 1000)
    result = queries.overview()
    plans = [{"sql": s, "params": [str(p) for p in (p or [])], "plan": explain(s, p)} for s, p in sent]
    group_plan = next((p["plan"] for p in plans if group_sql and p["sql"] == group_sql[0]), "")
    base, ov = median(timings["count"]), median(timings["overview"])
    return {
        "runs": runs,
        "baseline_count_ms": base,
        "overview_ms": ov,
        "overview_p95_ms": sorted(timings["overview"])[max(0, int(len(timings["overview"]) * 0.95) - 1)],
        "ratio_to_baseline": ov / base if base else None,
        "group_by_ms": median(timings["group_by"]) if timings["group_by"] else None,
        "other_queries_ms": median(timings["others"]),
        "meets_aim": ov <= AIM_MS,
        "queries_sent": len(sent),
        "group_by_uses_case_open_overview": "case_open_overview" in group_plan,
        "timings_ms": timings,
        "result": {
            "open_total": result.open_total,
            "due_soon": result.due_soon,
            "overdue": result.overdue,
            "new_today": result.new_today,
            "cells": len(result.open_by_state_and_agency),
        },
        "explain": plans,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    django_setup()
    from django.db import connection

    started = time.perf_counter()
    data: dict[str, Any] = {"vendor": connection.vendor, "dataset": ensure_dataset(args.cases)}
    data["dataset"]["stats"] = dataset_stats()
    log(f"measuring overview() × {args.runs}")
    data.update(measure(args.runs))
    data["seconds"] = time.perf_counter() - started
    log(
        f"overview {data['overview_ms']:.1f} ms (count(*) {data['baseline_count_ms']:.1f} ms),"
        f" index used: {data['group_by_uses_case_open_overview']}"
    )
    write_json(args.out, data)


if __name__ == "__main__":
    main()
