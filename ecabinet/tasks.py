"""Scheduled work on the task queue (Huey, settings.HUEY; the consumer is `manage.py run_huey`,
which `make run` starts beside the server).

Every minute the consumer's scheduler enqueues ``run_reminders``, which enqueues one
``run_collector`` task per registered reminder collector (ecabinet/reminders.py): a collector that
fails is retried on its own and never stops the others. A lock per collector keeps two consumers
(several machines on Redis) from running the same collector at once; the lock is only there to
save work: ``remind_once``'s unique key is what makes a reminder go out at most once, across
restarts too (a worker killed mid-way rolls its transaction back; the next run sends it). Its
e-mails are outbox rows of the same transaction (ecabinet/mail.py), so they are sent even when
the worker dies right after the commit.
Locks a killed consumer left behind are cleared when a consumer starts (``flush_locks``).
"""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout

from django.utils import timezone
from huey import crontab
from huey.api import TaskLock
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from ecabinet import reminders
from ecabinet.push import drain

logger = logging.getLogger(__name__)

# A collector's task not started within this many seconds is dropped: the next minute's run
# covers the same ground (after a long stop, one run per collector, not a backlog of them).
COLLECTOR_EXPIRES = 300
PUSH_DRAIN_SECONDS = 30


def lock_name(collector: str) -> str:
    return f"reminders-{collector}"


# Made when the consumer imports this module (after the apps registered their collectors): a
# TaskLock made before the consumer starts is one its flush_locks clears.
_LOCKS = {name: HUEY.lock_task(lock_name(name)) for name in reminders.collectors()}


def collector_lock(name: str) -> TaskLock:
    return _LOCKS.get(name) or HUEY.lock_task(lock_name(name))


@db_task(retries=3, retry_delay=30, expires=COLLECTOR_EXPIRES)
def run_collector(name: str) -> int:
    """Run one reminder collector now; returns how many reminders went out."""
    try:
        with collector_lock(name):
            sent = reminders.run_one(name, timezone.now())
    except TaskLockedException:
        # Another consumer is running it at this moment: its run covers this one.
        logger.info("Reminder collector %s is running elsewhere; skipped", name)
        return 0
    # The pushes the reminders queued go out before the task counts as done.
    try:
        drain(PUSH_DRAIN_SECONDS)
    except FutureTimeout:
        logger.warning("Pushes of collector %s still posting after %s s", name, PUSH_DRAIN_SECONDS)
    return sent


def enqueue_collectors() -> list[str]:
    """Put one task per collector on the queue (run at once in immediate mode)."""
    names = sorted(reminders.collectors())
    for name in names:
        run_collector(name)
    return names


@db_periodic_task(crontab())
def run_reminders() -> None:
    """Every minute: the reminders due (meetings, deadlines, signing, retention)."""
    enqueue_collectors()
