"""Helpers shared by the benchmark parts: timing, medians, CPU accounting, JSON hand-off, Django set-up."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
KELURAHAN_CSV = ROOT / "patriot" / "geo" / "data" / "kelurahan.csv"


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a list; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed_loop(step: Callable[[int], object], *, seconds: float, max_count: int) -> tuple[int, float]:
    """Call step(i) until `seconds` have passed or `max_count` calls were made; (calls, elapsed seconds)."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while count < max_count:
        step(count)
        count += 1
        if time.perf_counter() >= deadline:
            break
    return count, time.perf_counter() - start


class GcClock:
    """Time the interpreter spends in garbage collection while installed (`gc.callbacks`), so a slow round can be
    told apart from a collection that happened to run inside it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1

    def __enter__(self) -> GcClock:
        import gc

        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        import gc

        gc.callbacks.remove(self._callback)


def time_call(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine from /proc/stat; (0, 0) where there is none."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


def _proc_table() -> tuple[dict[int, list[int]], dict[int, tuple[int, str]]]:
    """Children by parent pid, and (utime+stime ticks, command name) by pid, from /proc."""
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[int, str]] = {}
    proc = Path("/proc")
    if not proc.exists():
        return children, stats
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; fields after the closing parenthesis are fixed.
        name = raw[raw.find("(") + 1 : raw.rfind(")")]
        rest = raw[raw.rfind(")") + 2 :].split()
        pid = int(entry.name)
        children.setdefault(int(rest[1]), []).append(pid)
        stats[pid] = (int(rest[11]) + int(rest[12]), name)
    return children, stats


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_tree_cpu_seconds(root_pid: int) -> float:
    """User+system CPU seconds of a process and all its descendants (Linux /proc); 0.0 elsewhere."""
    children, stats = _proc_table()
    total = 0
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        total += stats.get(pid, (0, ""))[0]
        pending.extend(children.get(pid, []))
    return total / _TICK


def named_cpu_seconds(prefix: str) -> float:
    """CPU seconds of every live process whose command name starts with `prefix` (e.g. postgres backends)."""
    _children, stats = _proc_table()
    return sum(ticks for ticks, name in stats.values() if name.startswith(prefix)) / _TICK


class CpuMeter:
    """Cores used over an interval: the whole machine, one process tree, this process, postgres processes."""

    def __init__(self, tree_pid: int | None = None) -> None:
        self.tree_pid = tree_pid

    def __enter__(self) -> CpuMeter:
        self._wall = time.perf_counter()
        self._machine = machine_cpu_ticks()
        self._tree = process_tree_cpu_seconds(self.tree_pid) if self.tree_pid else 0.0
        self._pg = named_cpu_seconds("postgres")
        self._self = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = self.wall = max(time.perf_counter() - self._wall, 1e-9)
        busy, total = machine_cpu_ticks()
        cores = os.cpu_count() or 1
        dt_total = total - self._machine[1]
        self.machine_cores = (busy - self._machine[0]) / dt_total * cores if dt_total else float("nan")
        self.tree_cores = (
            (process_tree_cpu_seconds(self.tree_pid) - self._tree) / wall if self.tree_pid else float("nan")
        )
        # Backends that ended during the interval drop out of the sum; a lower bound.
        self.postgres_cores = max(0.0, (named_cpu_seconds("postgres") - self._pg) / wall)
        self.self_cores = (time.process_time() - self._self) / wall


def calibration_ms(rounds: int = 5) -> float:
    """Median time of a fixed pure-Python workload: how fast (and how busy) this machine is right now."""

    def work() -> int:
        total = 0
        for i in range(300_000):
            total += i * i % 7
        return total

    return median(time_call(work) * 1000 for _ in range(rounds))


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str))


def django_setup() -> None:
    """Set Django up in a benchmark child process (settings come from the environment the parent gave)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patriot.settings")
    import django

    django.setup()


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", file=sys.stderr, flush=True)
