"""`make test`: the whole suite on SQLite (with line coverage of patriot/, held to the floor in pyproject.toml), then on PostgreSQL; with
CI=true a missing service fails the run."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import redis


def _postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


def main() -> int:
    in_ci = os.environ.get("CI", "").lower() == "true"
    postgres_url = os.environ["PATRIOT_TEST_POSTGRES_URL"]
    redis_url = os.environ["PATRIOT_TEST_REDIS_URL"]
    base_env = {k: v for k, v in os.environ.items() if k != "PATRIOT_DATABASE_URL"}

    if not _redis_answers(redis_url):
        if in_ci:
            print(f"FAIL: Redis does not answer at {redis_url}; CI needs it.", file=sys.stderr)
            return 1
        print(f"WARNING: Redis does not answer at {redis_url}; its tests will be skipped.", file=sys.stderr)
        base_env.pop("PATRIOT_TEST_REDIS_URL")
    extra = sys.argv[1:]

    print("== Test suite on SQLite ==", flush=True)
    # Coverage settings (source, omitted migrations, subprocess measurement, the floor) are in pyproject.toml; a
    # chosen subset of the tests is measured and printed but not held to the floor. Only this run is measured: the
    # PostgreSQL run below starts its subprocesses without coverage.
    coverage = ["--cov", "--cov-report=term"] + (["--cov-fail-under=0"] if extra else [])
    code = subprocess.call(  # noqa: S603 (our own interpreter)
        [sys.executable, "-m", "pytest", *coverage, *extra], env=base_env
    )
    if code != 0:
        return code

    if not _postgres_answers(postgres_url):
        if in_ci:
            print(f"FAIL: PostgreSQL does not answer at {postgres_url}; CI needs it.", file=sys.stderr)
            return 1
        print(f"WARNING: PostgreSQL does not answer at {postgres_url}; the PostgreSQL run is skipped.", file=sys.stderr)
        return 0
    print("== Test suite on PostgreSQL ==", flush=True)
    return subprocess.call(  # noqa: S603 (our own interpreter)
        [sys.executable, "-m", "pytest", *extra], env={**base_env, "PATRIOT_DATABASE_URL": postgres_url}
    )


if __name__ == "__main__":
    sys.exit(main())
