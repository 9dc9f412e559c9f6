"""The counts the menu shows on every page of a person: their to-do (meetings/selectors_todo.py)
and their unread notifications (`unread_count`).

Counting them is one query, but building it costs more than many pages' own work, and every page
shows it. So a person's counts are kept in the cache for MENU_COUNTS_TIMEOUT seconds and
forgotten, after commit, whenever that person acts (every action writes their audit row,
ecabinet/audit.py) or is notified of something (ecabinet/actions.py notify_users): their own
changes and what is newly asked of them show on their next page. A change that only others made
and that notifies no one (a deadline passing, say) shows within the timeout. The home page's
to-do groups use the same counts; the items they list are read afresh.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

from ecabinet.models import Notification, User

MENU_COUNTS_TIMEOUT = 30


def menu_counts_key(user: User) -> str:
    # The joining time keeps a restored database or a reused id from meeting another's entry.
    return f"menu-counts:{user.pk}:{user.date_joined.timestamp()}"


def unread_key(user: User) -> str:
    return f"unread-count:{user.pk}:{user.date_joined.timestamp()}"


def unread_count(user: User) -> int:
    """How many of `user`'s notifications are unread, kept like the to-do counts: a notification
    comes only through notify_users and is read only through an action, and both forget it. (The
    live badge, ecabinet/live.py, counts afresh on each event.)"""
    key = unread_key(user)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(key, count, MENU_COUNTS_TIMEOUT)
    return count


def forget_menu_counts(users: Iterable[User | None]) -> None:
    """Drop these people's counts now and again after the current transaction commits: a page
    counting in between would read the rows before the change and keep them."""
    people = {u.pk: u for u in users if u is not None and u.pk is not None}.values()
    keys = [key(u) for u in people for key in (menu_counts_key, unread_key)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)
