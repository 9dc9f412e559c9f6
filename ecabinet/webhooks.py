"""Webhooks to the province's platforms (tender fn54–fn59): events signed per Standard Webhooks,
delivered from the task queue, retried with backoff, every attempt logged.

The apps call `publish(event_type, unit_id=..., data=...)` inside the action's transaction (the
core never imports them, so they hand a payload dict). After the commit the event becomes one
`WebhookDelivery` per endpoint that asked for that event and reaches the unit, and each is queued.
An attempt claims its delivery (a conditional UPDATE: two workers never send the same try), posts
the signed message, logs a `WebhookAttempt` and sets the next try from `RETRY_DELAYS`. A
scheduled sweep (`deliver_due_webhooks`, each minute) sends what is due, so retries need no
timer of their own and survive a restart of the workers.

Outbound requests: https only (http when WEBHOOK_ALLOW_HTTP), no redirect followed, a timeout,
at most WEBHOOK_MAX_RESPONSE_BYTES of the answer read, and no address on a private network or
the loopback unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from standardwebhooks.webhooks import Webhook

from ecabinet.models import Unit
from ecabinet.models_integration import (
    WEBHOOK_EVENTS,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

# Seconds after a failed attempt before the next: 1 min, 5 min, 30 min, 2 h, 12 h; then failed.
RETRY_DELAYS = (60, 300, 1800, 7200, 43200)
URL_MAX = 500


# --- the events -----------------------------------------------------------------------------

def publish(event_type: str, *, unit_id: int | None, data: dict[str, Any]) -> None:
    """Tell the endpoints of `unit_id` that `event_type` happened, after the commit."""
    if event_type not in WEBHOOK_EVENTS:
        raise ValueError(f"undeclared webhook event {event_type!r}")
    if unit_id is None:
        return
    payload = {"type": event_type, "timestamp": timezone.now().isoformat(), "data": data}
    # robust: the change is committed; a failure here is logged and never turns it into an error
    transaction.on_commit(partial(_fan_out, event_type, unit_id, payload), robust=True)


def _fan_out(event_type: str, unit_id: int, payload: dict[str, Any]) -> None:
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True).prefetch_related("units")
                 if event_type in e.event_types]
    if not endpoints:
        return
    unit = Unit.objects.filter(pk=unit_id).select_related("parent").first()
    if unit is None:
        return
    above = {u.pk for u in unit.ancestors()}
    now = timezone.now()
    deliveries = [
        WebhookDelivery(endpoint=endpoint, message_id=f"msg_{uuid.uuid4().hex}", event_type=event_type,
                        payload=payload, next_attempt_at=now)
        for endpoint in endpoints
        if any(u.pk == unit_id or (endpoint.include_subunits and u.pk in above) for u in endpoint.units.all())
    ]
    for delivery in deliveries:
        delivery.save()
        deliver_webhook(delivery.pk)


# --- checking an address --------------------------------------------------------------------

class RefusedAddress(Exception):
    pass


def check_url(url: str) -> str:
    """The syntax of an endpoint's address: https (http when allowed), a host, no credentials.
    Raises RefusedAddress with the reason in the user's language."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX or any(c.isspace() or ord(c) < 32 for c in url):
        raise RefusedAddress(_("Enter a web address."))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise RefusedAddress(_("Enter a web address.")) from None
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        raise RefusedAddress(_("The address must start with https://."))
    if not parts.hostname or parts.username or parts.password or parts.fragment:
        raise RefusedAddress(_("Enter a web address without a user name, password or fragment."))
    try:
        _check_address(ipaddress.ip_address(parts.hostname))
    except ValueError:
        pass  # a name: its addresses are checked at each delivery
    return url


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    if not address.is_global or address.is_multicast:
        raise RefusedAddress(_("The address is on a private network or this machine."))


def _check_resolved(url: str) -> None:
    """Every address the host resolves to must be public (unless allowed)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise RefusedAddress(f"DNS: {exc}") from None
    for info in infos:
        _check_address(ipaddress.ip_address(info[4][0]))


# --- sending --------------------------------------------------------------------------------

def body_of(delivery: WebhookDelivery) -> str:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signed_headers(secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature, "content-type": "application/json",
            "user-agent": "eCabinet-Webhooks/1"}


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """Post the signed message once: (HTTP status or None, error text)."""
    try:
        check_url(endpoint.url)
        _check_resolved(endpoint.url)
    except RefusedAddress as exc:
        return None, str(exc)
    body = body_of(delivery)
    headers = signed_headers(endpoint.secret, delivery.message_id, body, timezone.now())
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        with requests.post(endpoint.url, data=body.encode(), headers=headers, timeout=(timeout, timeout),
                           allow_redirects=False, stream=True) as response:
            read = 0
            for chunk in response.iter_content(8192):  # the answer is not used: read a bounded part
                read += len(chunk)
                if read >= settings.WEBHOOK_MAX_RESPONSE_BYTES:
                    break
            status = response.status_code
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 300 <= status < 400:
        return status, "redirect not followed"
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


def _claim(delivery_id: int, now: datetime) -> bool:
    hold = now + timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + 30)
    return bool(WebhookDelivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
    ).update(claimed_until=hold))


def attempt_delivery(delivery_id: int, *, now: datetime | None = None) -> WebhookAttempt | None:
    """One try of a due delivery (None: not due, done, or another worker has it). `now` is the
    schedule's clock (tests pass the recorded next try instead of waiting for it)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    started = time.monotonic()
    if endpoint.active:
        status, error = _post(endpoint, delivery)
    else:
        status, error = None, "endpoint deactivated"
    took = int((time.monotonic() - started) * 1000)
    return _record_attempt(delivery, now=now, status=status, error=error, took=took,
                           final=not endpoint.active)


def _record_attempt(delivery: WebhookDelivery, *, now: datetime, status: int | None, error: str, took: int,
                    final: bool) -> WebhookAttempt:
    number = delivery.attempt_count + 1
    succeeded = status is not None and 200 <= status < 300
    next_at = None
    if not succeeded and not final and number <= len(RETRY_DELAYS):
        next_at = now + timedelta(seconds=RETRY_DELAYS[number - 1])
    with transaction.atomic():
        attempt = WebhookAttempt.objects.create(delivery=delivery, number=number, at=now, status_code=status,
                                                error=error[:500], duration_ms=took, next_attempt_at=next_at)
        delivery.attempt_count = number
        delivery.claimed_until = None
        delivery.next_attempt_at = next_at
        delivery.status = (WebhookDelivery.Status.SUCCEEDED if succeeded
                           else WebhookDelivery.Status.PENDING if next_at is not None
                           else WebhookDelivery.Status.FAILED)
        delivery.save(update_fields=["attempt_count", "claimed_until", "next_attempt_at", "status"])
    if not succeeded:
        log.info("webhook %s to endpoint %s: attempt %s failed (%s)", delivery.message_id,
                 delivery.endpoint_id, number, error)
    return attempt


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Try every delivery whose next attempt is due; how many were tried."""
    now = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if attempt_delivery(pk, now=now) is not None)


# --- the queue ------------------------------------------------------------------------------

@db_task()
def deliver_webhook(delivery_id: int) -> None:
    """The first attempt, as soon as a worker takes it."""
    attempt_delivery(delivery_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_webhooks() -> None:
    """The retries that are due (and a first attempt a stopped worker never made)."""
    deliver_due()
