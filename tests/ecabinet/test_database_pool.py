"""Requests borrow PostgreSQL connections from a pool (ecabinet/settings.py): Django's ASGI
handler gives each request a thread of its own, so without one every request connected anew."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections

# Fewer threads than the pool holds: other threads of this test process (a push delivery still
# under way, a server a test started) may hold a connection of the same pool at that moment,
# and with every slot asked for at once one thread waited out the pool's time-out (CI, once).
AT_ONCE = 4


def _backend_of_a_new_thread(barrier: Barrier) -> int:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        barrier.wait(timeout=30)  # every thread holds its connection at once
        return pid
    finally:
        connections.close_all()  # as at a request's end: back to the pool


@pytest.mark.django_db(transaction=True)
def test_requests_borrow_connections_from_a_bounded_pool():
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if not settings.DATABASE_IS_POSTGRES:
        assert "pool" not in options  # SQLite connects in a fraction of a millisecond
        return
    assert options["pool"]["max_size"] >= AT_ONCE
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
    close_old_connections()
    pool = connections["default"].pool
    rounds, opened = [], []
    for _ in range(2):
        barrier = Barrier(AT_ONCE)
        with ThreadPoolExecutor(AT_ONCE) as threads:
            rounds.append(set(threads.map(_backend_of_a_new_thread, [barrier] * AT_ONCE)))
        opened.append(pool.get_stats()["connections_num"])
    assert len(rounds[0]) == AT_ONCE  # each thread held a connection of its own
    # The second burst of new threads was lent connections the pool already had: none opened.
    assert opened[1] == opened[0]
    assert pool.max_size == options["pool"]["max_size"]
