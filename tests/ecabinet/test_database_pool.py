"""Requests borrow PostgreSQL connections from a pool (ecabinet/settings.py): Django's ASGI
handler gives each request a thread of its own, so without one every request connected anew."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections


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
    size = options["pool"]["max_size"]
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
    close_old_connections()
    rounds = []
    for _ in range(2):
        barrier = Barrier(size)
        with ThreadPoolExecutor(size) as threads:
            rounds.append(set(threads.map(_backend_of_a_new_thread, [barrier] * size)))
    assert len(rounds[0]) == size
    # The second burst of new threads got the same server connections back: none were opened.
    assert rounds[1] == rounds[0]
