"""Django's PostgreSQL backend with a health check that costs no round trip.

With CONN_HEALTH_CHECKS Django checks a kept connection before the first query of every request,
and its check sends `SELECT 1`: one round trip to PostgreSQL on every request, a tenth of the
cheapest API read's time. When PostgreSQL restarts or a backend is terminated, the server tells its
clients so (a FATAL message, then it closes the socket) even while they are idle. This check reads
whatever the server sent since the last query, without waiting: a connection whose server is gone
is found unusable and replaced before the request's first query, as with `SELECT 1`.
"""

from __future__ import annotations

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None:
            return False
        pgconn = self.connection.pgconn
        try:
            pgconn.consume_input()  # never blocks: reads only what has already arrived
        except psycopg.OperationalError:  # end of stream: the server closed the connection
            return False
        # As with `SELECT 1`: a failed transaction or a query still running is not usable.
        return bool(pgconn.status == pq.ConnStatus.OK and pgconn.transaction_status in _READY)


_READY = (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS)
