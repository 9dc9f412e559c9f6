"""Reminders that go out once: before a deadline, and again when it has passed.

Each feature registers a function that looks at what is due and calls ``remind_once`` for each
person and deadline. The task queue runs them (ecabinet/tasks.py: every minute, each collector as
a task of its own under a lock); ``manage.py send_reminders`` runs them all at once by hand. The
key says what was reminded (``notice-due:42:before``); a second run finds the key taken and sends
nothing, so running the job twice, two workers at once, or a worker killed and started again
never reminds twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import IntegrityError, transaction

from ecabinet.actions import notify_users
from ecabinet.models import ReminderSent, User

Collector = Callable[[datetime], int]
_COLLECTORS: dict[str, Collector] = {}


def register(name: str) -> Callable[[Collector], Collector]:
    """Register a collector: called with `now`, it sends what is due and returns how many went out.
    Apps register theirs in ``AppConfig.ready``."""
    def wrap(fn: Collector) -> Collector:
        _COLLECTORS[name] = fn
        return fn
    return wrap


def collectors() -> dict[str, Collector]:
    return dict(_COLLECTORS)


def remind_once(key: str, users: Iterable[User], *, kind: str, title: str, body: str = "",
                url: str = "") -> bool:
    """Notify `users` unless `key` was reminded before. True when the reminder went out."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReminderSent.objects.create(key=key[:200])
        except IntegrityError:
            return False
        notify_users(users, kind=kind, title=title, body=body, url=url)
    return True


def run_one(name: str, now: datetime) -> int:
    """Run the collector `name`; KeyError when none is registered under it."""
    return _COLLECTORS[name](now)


def run_all(now: datetime) -> dict[str, int]:
    """Run every collector in this process (tests, and ``send_reminders`` without --queue)."""
    return {name: run_one(name, now) for name in sorted(_COLLECTORS)}
