"""PostgreSQL backend whose pooled connections are checked before use, so a database restart costs no request.

After PostgreSQL restarts (or drops connections), every idle connection in psycopg's pool is dead. Django's
CONN_HEALTH_CHECKS hands the check to the pool, which meets the dead connections one by one with a growing
sleep between them (1, 2, 4 … s), so requests ran into the pool's timeout and answered 500. Here the first dead
connection found makes the pool check all its idle ones at once (replacing the dead in the background), and the
request takes a fresh connection.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.backends.postgresql import base
from psycopg import Error as PsycopgError
from psycopg_pool import ConnectionPool

logger = logging.getLogger("patriot.db")


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        pool = self.pool  # type: ignore[attr-defined]  # DatabaseWrapper.pool (Django 5.1) is absent from django-stubs 5.2
        if pool is None:
            return connection
        try:
            ConnectionPool.check_connection(connection)
        except PsycopgError as error:
            logger.warning("A pooled PostgreSQL connection was dead (%s); checking every idle one", error)
            pool.putconn(connection)  # the pool discards a closed or broken connection
            pool.check()
            connection = super().get_new_connection(conn_params)
        return connection
