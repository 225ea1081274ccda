"""The pooled PostgreSQL connection check (core/postgresql_backend): a round trip only for a connection that may be
dead, and a connection the server ended is never handed to a request."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection

from patriot.core import postgresql_backend
from patriot.core.postgresql_backend.base import may_be_dead
from tests.private_servers import wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's pool"),
]


def _admin() -> psycopg.Connection[Any]:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each full check the backend runs: "ok" or "dead"."""
    seen: list[str] = []
    real = postgresql_backend.base.ConnectionPool.check_connection

    def counted(conn: psycopg.Connection[Any]) -> None:
        try:
            real(conn)
        except psycopg.Error:
            seen.append("dead")
            raise
        seen.append("ok")

    monkeypatch.setattr(postgresql_backend.base.ConnectionPool, "check_connection", staticmethod(counted))
    return seen


def test_a_live_idle_connection_is_quiet_and_one_the_server_ended_may_be_dead() -> None:
    with _admin() as admin, _admin() as idle:
        assert not may_be_dead(idle)
        admin.execute("SELECT pg_terminate_backend(%s)", [idle.info.backend_pid])
        wait_until(lambda: may_be_dead(idle), 10, "the ended connection's socket to become readable")
    closed = _admin()
    closed.close()
    assert may_be_dead(closed)


def test_a_quiet_pooled_connection_is_handed_out_without_a_check_query(checks: list[str]) -> None:
    assert connection.pool is not None  # type: ignore[attr-defined]
    for _request in range(5):
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        connection.close()  # back to the pool, as at the end of a request
    assert checks == []


def test_after_the_server_ends_every_pooled_connection_each_next_query_succeeds(checks: list[str]) -> None:
    size = 4
    held = []
    for _n in range(size):  # several connections into the pool
        held.append(connection.pool.getconn())  # type: ignore[attr-defined]
    for conn in held:
        connection.pool.putconn(conn)  # type: ignore[attr-defined]
    with _admin() as admin:
        me = admin.info.backend_pid
        ended = [
            row[0]
            for row in admin.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> %s AND backend_type = 'client backend'",
                [me],
            )
        ]
        assert len(ended) >= size
        wait_until(lambda: all(may_be_dead(conn) for conn in held), 10, "every ended connection to be readable")
        for _request in range(size + 2):
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                assert cursor.fetchone()[0] not in ended
            connection.close()
    assert "dead" in checks, "a dead connection was found by the full check, not by a request's own query"
