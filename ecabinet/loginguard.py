"""What the login lockout means for one request: how long a locked account waits, and how much an
address that keeps failing is slowed down.

Both read django-axes' own attempt rows (one row per username, address and browser, with its
failure count and last failure time), so there is one record of failures and no second counter.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from axes.helpers import get_client_parameters, get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from ecabinet.clientip import client_ip


def _unlock_time(rows: list[tuple[datetime, int]], limit: int, cool_off: timedelta) -> datetime | None:
    """When the failures in `rows` (last failure time, count) drop below `limit`, if they reach it.

    Axes counts a row while its last failure is within the cool-off, so rows drop out oldest first.
    """
    total = sum(count for _at, count in rows)
    if total < limit:
        return None
    for at, count in sorted(rows):
        total -= count
        if total < limit:
            return at + cool_off
    return None  # unreachable: total reaches 0 < limit


def lockout_remaining(request: HttpRequest, credentials: dict | None) -> timedelta:
    """How long until this request's account (or account and address) may sign in again.

    Zero when it is not locked (any more).
    """
    cool_off = get_cool_off(request)
    if cool_off is None:  # permanent lockouts are not used here; treat as the attempt window
        return timedelta(0)
    now = timezone.now()
    filters = get_client_parameters(
        get_client_username(request, credentials),
        getattr(request, "axes_ip_address", None) or client_ip(request),
        getattr(request, "axes_user_agent", ""),
        request, credentials,
    )
    limit = get_failure_limit(request, credentials)
    latest: datetime | None = None
    for filter_kwargs in filters:
        rows = list(
            AccessAttempt.objects.filter(attempt_time__gte=now - cool_off, **filter_kwargs)
            .values_list("attempt_time", "failures_since_start")
        )
        unlock = _unlock_time(rows, limit, cool_off)
        if unlock is not None and (latest is None or unlock > latest):
            latest = unlock
    if latest is None or latest <= now:
        return timedelta(0)
    return latest - now


def retry_after_seconds(remaining: timedelta) -> int:
    return max(1, math.ceil(remaining.total_seconds()))


def address_failures(ip_address: str | None) -> int:
    """Failed logins from this address, on any account, within the cool-off."""
    if not ip_address:
        return 0
    cool_off = get_cool_off() or timedelta(0)
    total = AccessAttempt.objects.filter(
        ip_address=ip_address, attempt_time__gte=timezone.now() - cool_off
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def slowdown_seconds(failures: int) -> float:
    """The delay before a login from an address with `failures` recent failures is looked at.

    Nothing up to LOGIN_SLOWDOWN_FREE_FAILURES (an office mistypes too), then a quarter second
    doubling with each failure, capped at LOGIN_SLOWDOWN_MAX_SECONDS. Never a refusal.
    """
    over = failures - settings.LOGIN_SLOWDOWN_FREE_FAILURES
    if over < 0 or settings.LOGIN_SLOWDOWN_MAX_SECONDS <= 0:
        return 0.0
    return float(min(settings.LOGIN_SLOWDOWN_MAX_SECONDS, 0.25 * 2 ** min(over, 16)))
