"""`make bench`: intake and POC-overview benchmarks on SQLite and, when it answers, PostgreSQL; SSE latency and
PSC 119 dispatch (bench/emergency_dispatch.py) on PostgreSQL.

For each database and benchmark this process (which never imports Django) prepares a dedicated
database, runs `patriot migrate` and `patriot seed` against it, then runs the benchmark in a child
process (`python -m bench.intake` / `python -m bench.overview`) with PATRIOT_DATABASE_URL set, because
settings are read at import. It prints a table and writes var/bench/results-<timestamp>.json.

    python -m bench.run [--quick] [--fresh] [--db sqlite,postgresql] [--only intake,overview,referral_beds]
                        [--workers 1,2] [--concurrency 16] [--cases N] [--profile auto|always|never]

Databases:
- intake: SQLite file in a temporary directory (WAL, as in production) / PostgreSQL `patriot_bench`,
  both made afresh and removed afterwards;
- overview: var/bench/overview-<size>.sqlite3 / PostgreSQL `patriot_bench_<size>`, kept between runs
  and reused when they hold exactly the synthetic cases asked for (`--fresh` rebuilds them).
PostgreSQL is reached at PATRIOT_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
a loopback address only; the benchmarked code connects with the same URL (as production settings have it,
through psycopg's pool, which bounds its connections).
"""

# ruff: noqa: S603, S608

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.common import ROOT, VENV_BIN, calibration_ms, load_average, log, write_json

RESULTS_DIR = ROOT / "var" / "bench"
PG_ADMIN_URL = os.environ.get("PATRIOT_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_INTAKE_DB = "patriot_bench"
PG_BEDS_DB = "patriot_bench_beds"
SEED_WAIT_SECONDS = 20 * 60
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Benchmarks of one app each, on a database of their own per backend, kept between runs (each child reuses the data
# it generated when the table still holds exactly that): name -> child module. A child's JSON carries a "summary"
# {"title": ..., "rows": [[label, text], ...]} that the report prints as it is.
APP_BENCHES = {"emergency_report": "bench.emergency_report"}


# --- databases ------------------------------------------------------------------------------


def _loopback_only(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"PATRIOT_BENCH_POSTGRES_URL must point at a loopback address, not {host!r}")


def pg_url(name: str) -> str:
    parts = urlsplit(PG_ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def pg_admin(statement: str) -> Any:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else None


def pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    _loopback_only(PG_ADMIN_URL)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    try:
        pg_admin("SELECT 1")
    except Exception as error:
        return f"{type(error).__name__}: {error}".strip()
    return None


def pg_exists(name: str) -> bool:
    return bool(pg_admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))


def pg_drop(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_create(name: str) -> None:
    pg_admin(f'CREATE DATABASE "{name}"')


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# --- child processes ------------------------------------------------------------------------


def child_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PATRIOT_REDIS_URL", "PATRIOT_DEMO", "PATRIOT_TRUSTED_PROXIES"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="patriot.settings",
        PATRIOT_DATABASE_URL=database_url,
        PATRIOT_VAR_DIR=str(var_dir),
        PATRIOT_DEBUG="0",
        PATRIOT_INPROCESS_WORKER="0",
        PATRIOT_SECURE_COOKIES="0",
        PATRIOT_INTAKE_RATE_PER_MINUTE="1000000",
        PATRIOT_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    return env


def patriot(args: list[str], env: dict[str, str], *, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "patriot"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def wait_for_seed(env: dict[str, str]) -> None:
    """The seed command is another engineer's; until it exists, poll."""
    deadline = time.monotonic() + SEED_WAIT_SECONDS
    while True:
        done = patriot(["help", "seed"], env, timeout=120)
        if done.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise SystemExit("`patriot seed` still does not exist; giving up")
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        log(f"`patriot seed` is not available yet ({last[0][:200]}); checking again in 30 s")
        time.sleep(30)


def migrate_and_seed(env: dict[str, str], *, attempts: int = 4) -> None:
    """`patriot migrate` then `patriot seed`; retried for a while since the code base may be mid-edit."""
    for command in (["migrate", "--noinput"], ["seed"]):
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            done = patriot(command, env)
            if done.returncode == 0:
                log(f"patriot {' '.join(command)}: {time.perf_counter() - started:.1f}s")
                break
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
            if attempt == attempts:
                raise RuntimeError(f"patriot {' '.join(command)} failed:\n{tail}")
            log(f"patriot {' '.join(command)} failed (attempt {attempt}/{attempts}), retrying in 30 s:\n{tail}")
            time.sleep(30)


def run_child(module: str, args: list[str], env: dict[str, str], out: Path, *, timeout: float) -> dict[str, Any]:
    command = [sys.executable, "-m", module, "--out", str(out), *args]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        stdout, _ = child.communicate(timeout=timeout)
    except BaseException:
        # SIGTERM first: the child stops the uvicorn server it started in its own session.
        child.terminate()
        try:
            child.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
        if sys.exc_info()[0] is subprocess.TimeoutExpired:
            return {"error": f"{module} did not finish within {timeout:.0f}s"}
        raise
    if child.returncode != 0 or not out.exists():
        return {"error": f"{module} exited with {child.returncode}", "output": (stdout or "")[-2000:]}
    data = json.loads(out.read_text())
    data["wall_seconds"] = time.perf_counter() - started
    return data


# --- one database ---------------------------------------------------------------------------


def bench_database(db: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    var_dir = work / f"var-{db}"
    var_dir.mkdir(parents=True, exist_ok=True)
    if "intake" in args.only:
        log(f"=== {LABELS[db]}: intake ===")
        if db == "sqlite":
            url = f"sqlite:///{work / 'intake.sqlite3'}"
        else:
            pg_drop(PG_INTAKE_DB)
            pg_create(PG_INTAKE_DB)
            url = pg_url(PG_INTAKE_DB)
        env = child_env(url, var_dir)
        try:
            migrate_and_seed(env)
            child_args = [
                "--workers",
                args.workers,
                "--concurrency",
                str(args.concurrency),
                "--profile",
                args.profile,
                "--log-dir",
                str(work),
            ]
            if args.quick:
                child_args.append("--quick")
            results["intake"] = run_child("bench.intake", child_args, env, work / f"intake-{db}.json", timeout=9 * 60)
        except RuntimeError as error:
            results["intake"] = {"error": str(error)}
        finally:
            if db == "postgresql" and not args.keep:
                pg_drop(PG_INTAKE_DB)
    if "overview" in args.only or "dashboard" in args.only:
        log(f"=== {LABELS[db]}: {args.cases:,} cases (overview, dashboard) ===")
        label = size_label(args.cases)
        if db == "sqlite":
            path = RESULTS_DIR / f"overview-{label}.sqlite3"
            if args.fresh:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
        else:
            name = f"patriot_bench_{label}"
            if args.fresh:
                pg_drop(name)
            if not pg_exists(name):
                pg_create(name)
            url = pg_url(name)
        env = child_env(url, var_dir)
        try:
            migrate_and_seed(env)
            child_args = ["--cases", str(args.cases), "--runs", str(args.runs)]
            if "overview" in args.only:
                results["overview"] = run_child(
                    "bench.overview", child_args, env, work / f"overview-{db}.json", timeout=12 * 60
                )
            if "dashboard" in args.only:
                log(f"=== {LABELS[db]}: POC dashboard on {args.cases:,} cases ===")
                dashboard_args = ["--cases", str(args.cases), "--runs", str(min(args.runs, 15))]
                results["dashboard"] = run_child(
                    "bench.dashboard", dashboard_args, env, work / f"dashboard-{db}.json", timeout=12 * 60
                )
        except RuntimeError as error:
            results["overview"] = {"error": str(error)}
    if "scale" in args.only:
        results["scale"] = {}
        for size in args.scale_cases:
            log(f"=== {LABELS[db]}: public map and staff search on {size:,} cases ===")
            try:
                env = child_env(_overview_database(db, size, args), var_dir)
                migrate_and_seed(env)
                # 40 rounds: the nearest-rank p95 of 20 is the slowest round, one hiccup of a shared machine.
                scale_args = ["--cases", str(size), "--runs", str(2 * args.runs)]
                if args.quick:
                    scale_args += ["--export-rows", "20000"]
                results["scale"][size_label(size)] = run_child(
                    "bench.scale", scale_args, env, work / f"scale-{db}-{size}.json", timeout=90 * 60
                )
            except RuntimeError as error:
                results["scale"][size_label(size)] = {"error": str(error)}
    for name, module in APP_BENCHES.items():
        if name in args.only:
            results[name] = _app_bench(db, name, module, args, var_dir, work)
    if "larvae" in args.only:
        log(f"=== {LABELS[db]}: Si Tik Tik on {args.inspections:,} inspections ===")
        label = size_label(args.inspections)
        if db == "sqlite":
            path = RESULTS_DIR / f"larvae-{label}.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
        else:
            name = f"patriot_bench_larvae_{label}"
            if args.fresh:
                pg_drop(name)
            if not pg_exists(name):
                pg_create(name)
            url = pg_url(name)
        env = child_env(url, var_dir)
        try:
            migrate_and_seed(env)
            larvae_args = [
                "--inspections",
                str(args.inspections),
                "--runs",
                str(args.runs),
                "--concurrency",
                str(args.concurrency),
                "--seconds",
                "4" if args.quick else "10",
                "--log-dir",
                str(work),
            ]
            results["larvae"] = run_child("bench.larvae", larvae_args, env, work / f"larvae-{db}.json", timeout=20 * 60)
        except RuntimeError as error:
            results["larvae"] = {"error": str(error)}
    if "referral_beds" in args.only:
        log(f"=== {LABELS[db]}: Sirine bed board ===")
        if db == "sqlite":
            url = f"sqlite:///{work / 'beds.sqlite3'}"
        else:
            pg_drop(PG_BEDS_DB)
            pg_create(PG_BEDS_DB)
            url = pg_url(PG_BEDS_DB)
        env = child_env(url, var_dir)
        try:
            migrate_and_seed(env)
            beds_args = ["--runs", str(max(args.runs, 15))]
            results["referral_beds"] = run_child(
                "bench.referral_beds", beds_args, env, work / f"beds-{db}.json", timeout=10 * 60
            )
        except RuntimeError as error:
            results["referral_beds"] = {"error": str(error)}
        finally:
            if db == "postgresql" and not args.keep:
                pg_drop(PG_BEDS_DB)
    return results


def _overview_database(db: str, size: int, args: argparse.Namespace) -> str:
    """The URL of the overview's kept data set of `size` cases (made empty first when --fresh)."""
    label = size_label(size)
    if db == "sqlite":
        path = RESULTS_DIR / f"overview-{label}.sqlite3"
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    name = f"patriot_bench_{label}"
    if args.fresh:
        pg_drop(name)
    if not pg_exists(name):
        pg_create(name)
    return pg_url(name)


def _app_bench(db: str, name: str, module: str, args: argparse.Namespace, var_dir: Path, work: Path) -> dict[str, Any]:
    log(f"=== {LABELS[db]}: {name} ===")
    if db == "sqlite":
        path = RESULTS_DIR / f"{name}.sqlite3"
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    else:
        database = f"patriot_bench_{name}"
        if args.fresh:
            pg_drop(database)
        if not pg_exists(database):
            pg_create(database)
        url = pg_url(database)
    env = child_env(url, var_dir)
    try:
        migrate_and_seed(env)
        child_args = ["--quick"] if args.quick else []
        return run_child(module, child_args, env, work / f"{name}-{db}.json", timeout=20 * 60)
    except RuntimeError as error:
        return {"error": str(error)}


# --- report ---------------------------------------------------------------------------------


def _num(value: Any, fmt: str = "{:,.0f}") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return fmt.format(value)


def render(report: dict[str, Any]) -> str:
    dbs = [db for db in report["databases"]]
    width = 36
    lines = []
    head = f"{'':44}" + "".join(f"{LABELS[db]:>{width}}" for db in dbs)
    rule = "-" * len(head)

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"{label:44}" + "".join(f"{c:>{width}}" for c in cells))

    def get(db: str, *path: Any) -> Any:
        node: Any = report["databases"][db]
        for key in path:
            if isinstance(node, dict):
                node = node.get(key)
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                node = node[key]
            else:
                return None
        return node

    machine = report.get("machine_at_start") or {}
    lines += [
        rule,
        f"Patriot bench {report['started']}  quick={report['quick']}  {report['machine']}",
        f"load average at start {machine.get('load_average')}, calibration {machine.get('calibration_ms', 0):.0f} ms",
        rule,
        head,
        rule,
    ]
    for db in dbs:
        if "skipped" in report["databases"][db]:
            lines.append(f"{LABELS[db]} skipped: {report['databases'][db]['skipped']}")
    for db in dbs:
        if start := get(db, "intake", "machine_at_start"):
            end = get(db, "intake", "machine_at_end") or {}
            lines.append(
                f"machine during {LABELS[db]} intake: load average {start['load_average'][:1]} → "
                f"{end.get('load_average', [])[:1]}, calibration {start['calibration_ms']:.0f} → "
                f"{end.get('calibration_ms', float('nan')):.0f} ms (lower is faster; idle ≈ the smallest seen)"
            )
    lines.append("INTAKE (aim: HTTP ≥ 500 cases/s)")
    row("  database backend (as in production)", [_num(get(db, "intake", "backend"), "{}") for db in dbs])
    row("  a. bare INSERT+COMMIT, rows/s", [_num(get(db, "intake", "baseline", "rows_per_s")) for db in dbs])
    row("  b. create_case(), cases/s", [_num(get(db, "intake", "service", "cases_per_s")) for db in dbs])
    row("     ratio to (a)", [_num(get(db, "intake", "service", "ratio_to_baseline"), "{:.3f}×") for db in dbs])
    row("     SQL statements per case", [_num(get(db, "intake", "service", "queries_per_case_total")) for db in dbs])
    row(
        "     cases made = new rows",
        [
            f"{_num(get(db, 'intake', 'service', 'cases_created_expected'))} = {_num(get(db, 'intake', 'service', 'cases_created_counted'))}"
            f" {'ok' if get(db, 'intake', 'service', 'all_cases_exist') else 'MISMATCH'}"
            if get(db, "intake", "service")
            else "–"
            for db in dbs
        ],
    )
    workers = sorted({h.get("workers") for db in dbs for h in (get(db, "intake", "http") or [])})
    for w in workers:

        def http(db: str, key: str, w: int = w) -> Any:
            for h in get(db, "intake", "http") or []:
                if h.get("workers") == w:
                    return h.get(key) if "error" not in h else ("error" if key == "cases_per_s" else None)
            return None

        conc = next((http(db, "concurrency") for db in dbs if http(db, "concurrency")), "?")
        row(
            f"  c. HTTP {w} worker{'s' if w > 1 else ''} ({conc} conns), cases/s",
            [(lambda v: v if isinstance(v, str) else _num(v))(http(db, "cases_per_s")) for db in dbs],
        )
        row("     ratio to (a)", [_num(http(db, "ratio_to_baseline"), "{:.3f}×") for db in dbs])
        row(
            "     empty view (GET /healthz), same server, req/s",
            [_num((http(db, "empty_view") or {}).get("requests_per_s")) for db in dbs],
        )
        row(
            "     intake / empty view (aim ≥ 0.60 on 1 worker)",
            [_num(http(db, "ratio_to_empty_view"), "{:.2f}×") for db in dbs],
        )
        row(
            "     latency p50 / p95, ms",
            [f"{_num(http(db, 'p50_ms'), '{:.1f}')} / {_num(http(db, 'p95_ms'), '{:.1f}')}" for db in dbs],
        )
        row(
            "     201s = new rows = numbers found; non-201",
            [
                f"{_num(http(db, 'responses_201'))} = {_num(http(db, 'cases_counted_in_db'))} = "
                f"{_num(http(db, 'tracking_numbers_found_in_db'))} {'ok' if http(db, 'all_cases_exist') else 'MISMATCH'}; "
                f"{_num(http(db, 'non_201'))}"
                if http(db, "responses_201") is not None
                else "–"
                for db in dbs
            ],
        )
        row(
            "     CPU cores: uvicorn / client / pg / other",
            [
                f"{_num(http(db, 'cpu_cores_server'), '{:.2f}')} / {_num(http(db, 'cpu_cores_client'), '{:.2f}')}"
                f" / {_num(http(db, 'cpu_cores_postgres'), '{:.2f}')} / {_num(http(db, 'cpu_cores_other'), '{:.2f}')}"
                for db in dbs
            ],
        )
        if any(http(db, "one_connection") for db in dbs):
            row(
                "     same server, 1 conn: cases/s, p50/p95 ms",
                [
                    (
                        lambda o: (
                            f"{_num(o['cases_per_s'])}, {_num(o['p50_ms'], '{:.1f}')}/{_num(o['p95_ms'], '{:.1f}')}"
                            if o
                            else "–"
                        )
                    )(http(db, "one_connection"))
                    for db in dbs
                ],
            )
        row(
            "     meets aim",
            [("yes" if http(db, "meets_aim") else "NO") if http(db, "meets_aim") is not None else "–" for db in dbs],
        )
    lines.append(rule)
    lines.append(f"OVERVIEW (aim: ≤ 100 ms median on {report['cases']:,} cases)")
    row(
        "  data set",
        [
            (
                "reused"
                if get(db, "overview", "dataset", "reused")
                else f"built {_num(get(db, 'overview', 'dataset', 'insert_seconds'), '{:.0f}')}"
                f"+{_num(get(db, 'overview', 'dataset', 'index_seconds'), '{:.0f}')}"
                f"+{_num(get(db, 'overview', 'dataset', 'analyze_seconds'), '{:.0f}')} s"
            )
            if get(db, "overview", "dataset")
            else "–"
            for db in dbs
        ],
    )
    row(
        "  open / due soon / overdue / new today",
        [
            f"{_num(get(db, 'overview', 'result', 'open_total'))} / {_num(get(db, 'overview', 'result', 'due_soon'))}"
            f" / {_num(get(db, 'overview', 'result', 'overdue'))} / {_num(get(db, 'overview', 'result', 'new_today'))}"
            for db in dbs
        ],
    )
    row("  baseline SELECT count(*), ms", [_num(get(db, "overview", "baseline_count_ms"), "{:.1f}") for db in dbs])
    row("  overview() median, ms", [_num(get(db, "overview", "overview_ms"), "{:.1f}") for db in dbs])
    row("     p95, ms", [_num(get(db, "overview", "overview_p95_ms"), "{:.1f}") for db in dbs])
    row("     ratio to count(*)", [_num(get(db, "overview", "ratio_to_baseline"), "{:.3f}×") for db in dbs])
    row("     group-by query alone, ms", [_num(get(db, "overview", "group_by_ms"), "{:.1f}") for db in dbs])
    row("     other queries (new today), ms", [_num(get(db, "overview", "other_queries_ms"), "{:.1f}") for db in dbs])
    row(
        "     group-by uses case_open_overview",
        [{True: "yes", False: "NO", None: "–"}[get(db, "overview", "group_by_uses_case_open_overview")] for db in dbs],
    )
    row("     meets aim", [{True: "yes", False: "NO", None: "–"}[get(db, "overview", "meets_aim")] for db in dbs])
    lines.append(rule)
    dashboard_rows = next((list(get(db, "dashboard", "results") or {}) for db in dbs if get(db, "dashboard")), [])
    if dashboard_rows:
        lines.append(f"POC DASHBOARD (aim: ≤ 150 ms median on {report['cases']:,} cases; median / p95 ms)")
        for name in dashboard_rows:
            row(
                f"  {name[:42]}",
                [
                    f"{_num(get(db, 'dashboard', 'results', name, 'median_ms'), '{:.1f}')} / "
                    f"{_num(get(db, 'dashboard', 'results', name, 'p95_ms'), '{:.1f}')}"
                    for db in dbs
                ],
            )
        lines.append(rule)
    lines += _render_scale(report, dbs)
    for name in APP_BENCHES:
        summaries = {db: get(db, name, "summary") for db in dbs}
        title = next((summary["title"] for summary in summaries.values() if summary), None)
        if title is None:
            continue
        lines.append(title)
        labels = next(summary["rows"] for summary in summaries.values() if summary)
        for index, (label, _text) in enumerate(labels):
            row(f"  {label}", [summaries[db]["rows"][index][1] if summaries[db] else "–" for db in dbs])
    if any(get(db, "larvae") for db in dbs):
        lines.append(f"SI TIK TIK (larvae) on {report.get('inspections', 0):,} inspections")
        row(
            "  all 56 kelurahan, one week: median ms",
            [_num(get(db, "larvae", "indices", "indices_ms"), "{:.1f}") for db in dbs],
        )
        row(
            "     baseline count(*) of the week, ms",
            [_num(get(db, "larvae", "indices", "baseline_count_ms"), "{:.1f}") for db in dbs],
        )
        row(
            "     ratio to count(*)", [_num(get(db, "larvae", "indices", "ratio_to_baseline"), "{:.2f}×") for db in dbs]
        )
        row(
            "     meets aim (≤ 200 ms)",
            [{True: "yes", False: "NO", None: "–"}[get(db, "larvae", "indices", "meets_aim")] for db in dbs],
        )
        row(
            "  HTTP inspection, 16 jumantik waves p50/p95",
            [
                f"{_num(get(db, 'larvae', 'http', 'waves', 'p50_ms'), '{:.1f}')} / "
                f"{_num(get(db, 'larvae', 'http', 'waves', 'p95_ms'), '{:.1f}')}"
                for db in dbs
            ],
        )
        row(
            "     baseline /healthz in waves p50/p95 ms",
            [
                f"{_num(get(db, 'larvae', 'http', 'waves', 'baseline_healthz_p50_ms'), '{:.1f}')} / "
                f"{_num(get(db, 'larvae', 'http', 'waves', 'baseline_healthz_p95_ms'), '{:.1f}')}"
                for db in dbs
            ],
        )
        row(
            "     p95 ÷ /healthz p95",
            [_num(get(db, "larvae", "http", "waves", "ratio_to_baseline"), "{:.2f}×") for db in dbs],
        )
        row(
            "     meets aim (p95 ≤ 50 ms)",
            [{True: "yes", False: "NO", None: "–"}[get(db, "larvae", "http", "waves", "meets_aim")] for db in dbs],
        )
        row(
            "  HTTP inspection at saturation: p95 ms",
            [_num(get(db, "larvae", "http", "p95_ms"), "{:.1f}") for db in dbs],
        )
        row(
            "     accepted per second at saturation",
            [_num(get(db, "larvae", "http", "accepted_per_second"), "{:.0f}") for db in dbs],
        )
        row(
            "     baseline /healthz p95 ms, saturation",
            [_num(get(db, "larvae", "http", "baseline_healthz_p95_ms"), "{:.1f}") for db in dbs],
        )
        row("  positive → POC panel p95 ms", [_num(get(db, "larvae", "live", "p95_ms"), "{:.1f}") for db in dbs])
        row(
            "     baseline panel render ms",
            [_num(get(db, "larvae", "live", "baseline_panel_render_ms"), "{:.1f}") for db in dbs],
        )
        row(
            "     meets aim (< 200 ms)",
            [{True: "yes", False: "NO", None: "–"}[get(db, "larvae", "live", "meets_aim")] for db in dbs],
        )
    beds_rows = next((list(get(db, "referral_beds", "results") or {}) for db in dbs if get(db, "referral_beds")), [])
    if beds_rows:
        lines.append(
            "SIRINE BED BOARD (aims: all hospitals ≤ 50 ms median also after a change, suggest ≤ 20 ms; median / p95 "
            "ms, ×baseline)"
        )
        for name in beds_rows:
            row(
                f"  {name[:42]}",
                [
                    f"{_num(get(db, 'referral_beds', 'results', name, 'median_ms'), '{:.1f}')} / "
                    f"{_num(get(db, 'referral_beds', 'results', name, 'p95_ms'), '{:.1f}')} "
                    f"×{_num(get(db, 'referral_beds', 'results', name, 'ratio_to_baseline'), '{:.1f}')}"
                    for db in dbs
                ],
            )
        row("  meets aim", [{True: "yes", False: "NO", None: "–"}[get(db, "referral_beds", "meets_aim")] for db in dbs])
        row(
            "  suggest meets aim",
            [{True: "yes", False: "NO", None: "–"}[get(db, "referral_beds", "suggest_meets_aim")] for db in dbs],
        )
        row(
            "  referral → hospital screens p50 / p95 ms",
            [
                f"{_num(get(db, 'referral_beds', 'live', 'p50_ms'), '{:.1f}')} / "
                f"{_num(get(db, 'referral_beds', 'live', 'p95_ms'), '{:.1f}')}"
                for db in dbs
            ],
        )
        row(
            "     clients × referrals, missing",
            [
                f"{get(db, 'referral_beds', 'live', 'clients')} × {get(db, 'referral_beds', 'live', 'events')}, "
                f"{get(db, 'referral_beds', 'live', 'missing')}"
                for db in dbs
            ],
        )
        row(
            "     send POST median / healthz p50 ms",
            [
                f"{_num(get(db, 'referral_beds', 'live', 'post_ms_median'), '{:.1f}')} / "
                f"{_num(get(db, 'referral_beds', 'live', 'baseline_healthz_p50_ms'), '{:.1f}')}"
                for db in dbs
            ],
        )
        row(
            "     meets aim (p95 < 200 ms)",
            [{True: "yes", False: "NO", None: "–"}[get(db, "referral_beds", "live", "meets_aim")] for db in dbs],
        )
        lines.append(rule)
    if sse := report.get("sse"):
        lines.append(
            "LIVE EVENTS (aim: p95 ≤ 100 ms from a case's commit to its event at every SSE client; none missing)"
        )
        if error := sse.get("error"):
            lines.append(f"  ERROR: {error}")
            lines.append(sse.get("output", ""))
        else:
            trip = sse.get("baseline_http_round_trip_ms") or {}
            lines.append(f"  baseline GET /healthz round trip p50 / p95: {trip.get('p50')} / {trip.get('p95')} ms")
            for name, result in (sse.get("scenarios") or {}).items():
                lines.append(
                    f"  {name:38} from commit p50 {_num(result.get('commit_p50_ms'), '{:.1f}')} / p95 "
                    f"{_num(result.get('commit_p95_ms'), '{:.1f}')} ms ({_num(result.get('commit_p95_to_healthz_p50'), '{:.0f}')}"
                    f"× /healthz), from POST p50 {_num(result.get('p50_ms'), '{:.1f}')} / p95 "
                    f"{_num(result.get('p95_ms'), '{:.1f}')} ms, missing {result.get('missing')}, load "
                    f"{(result.get('load_average') or ['–'])[0]}"
                )
        lines.append(rule)
    if emergency := report.get("emergency"):
        if error := emergency.get("error"):
            lines.append(f"PSC 119 DISPATCH ERROR: {error}")
            lines.append(emergency.get("output", ""))
        else:
            from bench.emergency_dispatch import render as render_emergency

            lines.append(render_emergency(emergency))
        lines.append(rule)
    for db in dbs:
        for part in ("intake", "overview", "dashboard", "larvae", "referral_beds", *APP_BENCHES):
            if error := get(db, part, "error"):
                lines.append(f"{LABELS[db]} {part} ERROR: {error}")
                if output := get(db, part, "output"):
                    lines.append(output)
    for db in dbs:
        for h in get(db, "intake", "http") or []:
            if h.get("error"):
                lines.append(f"{LABELS[db]} HTTP {h.get('workers')}w: {h['error']}")
            elif h.get("server_errors"):
                lines.append(
                    f"{LABELS[db]} HTTP {h.get('workers')}w: {h.get('non_201')} failed answers; the server logged:"
                )
                lines += [f"    {n} × {text}" for text, n in h["server_errors"].items()]
            elif h.get("sample_failure"):
                lines.append(f"{LABELS[db]} HTTP {h.get('workers')}w: {h['sample_failure'][:300]}")
    for db in dbs:
        for plan in get(db, "overview", "explain") or []:
            lines.append(f"EXPLAIN on {LABELS[db]}: {plan['sql'][:160]}{'…' if len(plan['sql']) > 160 else ''}")
            lines.append("    params: " + ", ".join(plan["params"]))
            lines += ["    " + line for line in plan["plan"].splitlines()]
    for db in dbs:
        if profile := get(db, "intake", "profile"):
            from bench.intake import format_profile

            lines.append(f"PROFILE on {LABELS[db]} (HTTP intake below the aim)")
            lines.append(format_profile(profile).rstrip())
    lines.append(rule)
    lines.append(f"total {report['seconds']:.0f} s; JSON: {report.get('json', '')}")
    return "\n".join(lines)


def _render_scale(report: dict[str, Any], dbs: list[str]) -> list[str]:
    """The public map and staff search table: one column per database and data set size."""
    columns = [
        (db, size, report["databases"][db]["scale"][size])
        for db in dbs
        for size in (report["databases"][db].get("scale") or {})
    ]
    if not columns:
        return []
    width = 24
    lines = [
        "PUBLIC MAP (aim p95 ≤ 50 ms) AND STAFF SEARCH (aim p95 ≤ 100 ms): median / p95 ms ×baseline, bytes",
        f"{'':44}" + "".join(f"{LABELS[db] + ' ' + size:>{width}}" for db, size, _r in columns),
    ]
    names = next((list(r.get("results") or {}) for _db, _size, r in columns if r.get("results")), [])
    for name in names:
        cells = []
        for _db, _size, result in columns:
            row = (result.get("results") or {}).get(name)
            cells.append(
                f"{row['median_ms']:.1f}/{row['p95_ms']:.1f} ×{row['ratio_to_baseline']:.0f}"
                + ("" if row.get("meets_aim") in (None, True) else " !")
                if row
                else "–"
            )
        lines.append(f"  {name[:42]:42}" + "".join(f"{c:>{width}}" for c in cells))
        if name.startswith(("map", "/peta")):
            sizes = [(r.get("results") or {}).get(name, {}).get("bytes") for _db, _size, r in columns]
            lines.append(f"  {'   response bytes':42}" + "".join(f"{_num(b):>{width}}" for b in sizes))
    lines.append("  CSV export (streamed, consumed chunk by chunk)")
    for label, key, fmt in (
        ("   rows", "rows", "{:,.0f}"),
        ("   seconds", "seconds", "{:.1f}"),
        ("   tracemalloc peak, KiB", "tracemalloc_peak_kib", "{:,.0f}"),
        ("   RSS growth, KiB", "rss_delta_kib", "{:,.0f}"),
    ):
        lines.append(
            f"  {label:42}"
            + "".join(f"{_num((r.get('export') or {}).get(key), fmt):>{width}}" for _d, _s, r in columns)
        )
    lines.append(
        f"  {'load average (start of timing)':42}"
        + "".join(f"{_num((r.get('load_average') or [[None]])[0][0], '{:.2f}'):>{width}}" for _d, _s, r in columns)
    )
    for db, size, result in columns:
        if error := result.get("error"):
            lines.append(f"{LABELS[db]} scale {size} ERROR: {error}")
            if output := result.get("output"):
                lines.append(output)
    return lines


# --- entry ----------------------------------------------------------------------------------


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM ends the run through the normal clean-up (temporary files, children, a partial JSON)."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small version: 50k cases, short rounds")
    parser.add_argument("--fresh", action="store_true", help="rebuild the kept overview data sets")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument(
        "--only",
        default=",".join(
            ["intake", "overview", "dashboard", "scale", "sse", "emergency", "larvae", "referral_beds", *APP_BENCHES]
        ),
    )
    parser.add_argument(
        "--inspections", type=int, default=None, help="Si Tik Tik data set size (default 1,000,000; quick 50,000)"
    )
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts to try")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent HTTP connections")
    parser.add_argument(
        "--cases", type=int, default=None, help="overview data set size (default 1,000,000; quick 50,000)"
    )
    parser.add_argument("--runs", type=int, default=None, help="overview() timings per database (default 20; quick 10)")
    parser.add_argument(
        "--scale-cases",
        default=None,
        help="data set sizes for the public map and staff search (default 100000,1000000,10000000; quick 50000)",
    )
    parser.add_argument(
        "--profile",
        choices=["auto", "always", "never"],
        default="auto",
        help="profile intake when HTTP misses the aim (auto), always or never",
    )
    parser.add_argument("--keep", action="store_true", help="keep the intake databases for inspection")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    args.only = [p.strip() for p in args.only.split(",") if p.strip()]
    args.cases = args.cases or (50_000 if args.quick else 1_000_000)
    args.inspections = args.inspections or (50_000 if args.quick else 1_000_000)
    args.runs = args.runs or (10 if args.quick else 20)
    sizes = args.scale_cases or ("50000" if args.quick else "100000,1000000,10000000")
    args.scale_cases = [int(size) for size in sizes.split(",") if size.strip()]

    started = time.perf_counter()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    work = Path(tempfile.mkdtemp(prefix="patriot-bench-"))
    report: dict[str, Any] = {
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": args.quick,
        "cases": args.cases,
        "inspections": args.inspections,
        "args": vars(args),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}",
        "databases": {},
        "machine_at_start": {"load_average": load_average(), "calibration_ms": calibration_ms()},
    }
    try:
        probe = child_env("sqlite:///" + str(work / "probe.sqlite3"), work / "var-probe")
        wait_for_seed(probe)
        for db in [d.strip() for d in args.db.split(",") if d.strip()]:
            if db not in LABELS:
                raise SystemExit(f"unknown database {db!r}: sqlite or postgresql")
            if db == "postgresql" and (why := pg_available()):
                log(f"PostgreSQL skipped: {why}")
                report["databases"][db] = {"skipped": why}
                continue
            report["databases"][db] = bench_database(db, args, work)
        if "sse" in args.only:
            log("=== live events: SSE latency (PostgreSQL, private Redis) ===")
            sse_args = ["--quick"] if args.quick else []
            report["sse"] = run_child(
                "bench.sse_latency", sse_args, dict(os.environ), work / "sse.json", timeout=15 * 60
            )
        if "emergency" in args.only:
            log("=== PSC 119 dispatch: suggestions among 200 units, new incident on 50 boards (PostgreSQL) ===")
            report["emergency"] = run_child(
                "bench.emergency_dispatch",
                ["--quick"] if args.quick else [],
                dict(os.environ),
                work / "emergency.json",
                timeout=15 * 60,
            )
    finally:
        report["seconds"] = time.perf_counter() - started
        out = RESULTS_DIR / f"results-{stamp}{'-quick' if args.quick else ''}.json"
        report["json"] = str(out.relative_to(ROOT))
        write_json(out, report)
        if args.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(render(report))
    parts = ("intake", "overview", "dashboard", "sse", "larvae", "referral_beds", *APP_BENCHES)
    failed = any("error" in (r.get(p) or {}) for r in report["databases"].values() for p in parts)
    failed = failed or "error" in (report.get("sse") or {}) or "error" in (report.get("emergency") or {})
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
