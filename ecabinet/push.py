"""Web Push: notifications that reach a phone (RFC 8030/8291/8292 through pywebpush).

One way out: ``push_to_users(users, category=..., title=..., body=..., url=...)``. It picks the
people who did not switch the category off (``User.push_muted``) and their devices
(``PushSubscription``), renders each person's payload in their own language now, and posts the
pushes **after commit**: a rolled-back change pushes nothing. The posting runs on a small thread
pool (``PUSH_WORKERS``, default 2) so a request never waits on a push service; with
``PUSH_WORKERS=0`` (the tests' default) it runs in the on_commit callback itself, robustly (a
failing push service never fails the request), each post bounded by ``PUSH_TIMEOUT_SECONDS``.

In-app notifications push through ``notify_users`` (ecabinet/actions.py): a notification's
`kind` names its category (``KIND_CATEGORIES``). A meeting starting and a vote opening are live
events, not notifications: the meetings app calls ``push_to_users`` from those actions.

A device the push service reports gone (404/410) is deleted at once, one failing
``PUSH_MAX_FAILURES`` times in a row too; both audited (``push.gone``).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from py_vapid import Vapid  # type: ignore[import-untyped]
from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError
from ecabinet.models import PushSubscription, User
from ecabinet.vapid import b64url_decode, load_private_key

logger = logging.getLogger(__name__)

# The categories a person chooses from (profile page, in this order).
INVITATION = "invitation"
MEETING_STARTED = "meeting_started"
VOTE_OPENED = "vote_opened"
SIGNING = "signing"
OPINION_DUE = "opinion_due"
MEETING_REMINDER = "meeting_reminder"
CATEGORIES = {
    INVITATION: gettext_lazy("An invitation to a meeting, a change of its time or place, its cancellation"),
    MEETING_STARTED: gettext_lazy("A meeting I am invited to starts"),
    VOTE_OPENED: gettext_lazy("A vote opens in a meeting where I may vote"),
    SIGNING: gettext_lazy("My turn to sign a document"),
    OPINION_DUE: gettext_lazy("A written opinion I have not given is due tomorrow or overdue"),
    MEETING_REMINDER: gettext_lazy("A reminder before a meeting I am invited to (as chosen below)"),
}
# In-app notification kinds that also push, and under which category.
KIND_CATEGORIES = {
    "meeting.invitation": INVITATION,  # the invitation, and again on a change of time or place
    "meeting.cancelled": INVITATION,
    # --- absence requests (fn113): a request to the chair, the chair's answer to the member
    "meeting.absence_request": INVITATION,
    "meeting.absence_decision": INVITATION,
    "signing.request": SIGNING,
    "opinion.due": OPINION_DUE,
    "meeting.reminder": MEETING_REMINDER,  # fn126: a day and/or 30 minutes before
}
# How long a push service keeps a push for a device that is offline (seconds), and its urgency:
# a vote that opened ten minutes ago is worth nothing later.
DELIVERY = {
    INVITATION: (86400, "normal"),
    MEETING_STARTED: (3600, "high"),
    VOTE_OPENED: (600, "high"),
    SIGNING: (86400, "normal"),
    OPINION_DUE: (43200, "normal"),
    MEETING_REMINDER: (1800, "high"),  # stale once the meeting started
}

# Text for a payload: a string, or a function making it (called in each person's language).
Text = str | Callable[[], str]

# The app's icon (ecabinet/pwa.py's manifest names the same file), shown beside the notification.
ICON = "ecabinet/icons/icon-192.png"
TITLE_MAX = 120
BODY_MAX = 400
# The encrypted payload must stay under the push services' 4 KiB limit.
PAYLOAD_MAX_BYTES = 3000
ENDPOINT_MAX = 1000


# --- Checking what a browser hands us -------------------------------------------------------

def _host_allowed(host: str) -> bool:
    for pattern in settings.PUSH_SERVICE_HOSTS:
        pattern = pattern.lower()
        if pattern == "*" or host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: str) -> str:
    """The push endpoint, or a refusal: https to a known push service (PUSH_SERVICE_HOSTS); plain
    http only to the loopback interface and only when PUSH_ALLOW_INSECURE_ENDPOINTS."""
    from django.utils.translation import gettext as _

    refused = ActionError("bad_endpoint", _("This browser's push address cannot be used."),
                          extra={"fields": [{"field": "endpoint", "message": _("Not a push service address.")}]})
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > ENDPOINT_MAX \
            or any(c.isspace() or ord(c) < 32 for c in endpoint):
        raise refused
    try:
        url = urlsplit(endpoint)
        url.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise refused from None
    host = (url.hostname or "").lower()
    if not host or url.username or url.password or url.fragment:
        raise refused
    if url.scheme == "http" and settings.PUSH_ALLOW_INSECURE_ENDPOINTS and _is_loopback(host):
        return endpoint
    if url.scheme != "https":
        raise refused
    try:
        ipaddress.ip_address(host)
        raise refused  # push services are named hosts; an address literal is someone's server
    except ValueError:
        pass
    if not _host_allowed(host):
        raise refused
    return endpoint


def check_keys(p256dh: str, auth: str) -> tuple[str, str]:
    """The device's keys (base64url): p256dh a P-256 public point, auth 16 bytes."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.utils.translation import gettext as _

    def bad(field: str) -> ActionError:
        return ActionError("bad_keys", _("This browser's push keys are not valid."),
                           extra={"fields": [{"field": f"keys.{field}", "message": _("Not a valid key.")}]})

    try:
        point = b64url_decode(p256dh) if isinstance(p256dh, str) and len(p256dh) <= 100 else b""
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError
    except (ValueError, TypeError):
        raise bad("p256dh") from None
    try:
        secret = b64url_decode(auth) if isinstance(auth, str) and len(auth) <= 40 else b""
    except (ValueError, TypeError):
        secret = b""
    if len(secret) != 16:
        raise bad("auth")
    return p256dh.rstrip("="), auth.rstrip("=")


def enabled_categories(user: User) -> list[str]:
    muted = set(user.push_muted or [])
    return [c for c in CATEGORIES if c not in muted]


# --- Sending ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    ttl: int
    urgency: str


def _text(value: Text) -> str:
    return " ".join(str(value() if callable(value) else value).split())


def payload_for(user: User, *, title: Text, body: Text, url: str, tag: str) -> bytes:
    """The small JSON a device shows, in `user`'s own language."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        title_text, body_text = _text(title)[:TITLE_MAX], _text(body)[:BODY_MAX]
    local = url.startswith("/") and not url.startswith("//") and "\\" not in url  # this site's own page
    data = {"title": title_text, "body": body_text, "url": url if local else "/", "tag": tag[:64],
            "icon": static(ICON)}
    encoded = json.dumps(data, ensure_ascii=False).encode()
    while len(encoded) > PAYLOAD_MAX_BYTES and data["body"]:
        data["body"] = data["body"][: len(data["body"]) // 2]
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded


def push_to_users(users: Iterable[User | None], *, category: str, title: Text, body: Text = "", url: str = "",
                  tag: str = "") -> int:
    """Push to every device of `users` who keep `category` on, after the current transaction
    commits (at once outside one). Returns how many devices will be tried."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown push category {category!r}")
    people = {u.pk: u for u in users if u is not None and u.is_active}
    people = {pk: u for pk, u in people.items() if category not in set(u.push_muted or [])}
    if not people:
        return 0
    ttl, urgency = DELIVERY[category]
    deliveries: list[Delivery] = []
    payloads: dict[int, bytes] = {}
    for sub in PushSubscription.objects.filter(user_id__in=list(people)).order_by("pk"):
        if sub.user_id not in payloads:
            payloads[sub.user_id] = payload_for(people[sub.user_id], title=title, body=body, url=url,
                                                tag=tag or category)
        deliveries.append(Delivery(sub.pk, sub.endpoint, sub.p256dh, sub.auth, payloads[sub.user_id], ttl, urgency))
    if deliveries:
        transaction.on_commit(partial(_dispatch, deliveries), robust=True)
    return len(deliveries)


def push_for_notifications(users: Iterable[User], *, kind: str, title: str, body: str, url: str) -> None:
    """Called by notify_users for each in-app notification it creates: the kinds of a category push."""
    category = KIND_CATEGORIES.get(kind)
    if category is not None:
        push_to_users(users, category=category, title=title, body=body, url=url, tag=f"{kind}:{url}"[:64])


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_pending: set[Future] = set()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.PUSH_WORKERS, thread_name_prefix="push")
        return _pool


def _dispatch(deliveries: list[Delivery]) -> None:
    if settings.PUSH_WORKERS <= 0:
        for delivery in deliveries:
            _deliver(delivery)
        return
    future = _executor().submit(_deliver_in_thread, deliveries)
    with _pool_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pool_lock:
        _pending.discard(future)


def drain(timeout: float | None = None) -> None:
    """Wait for the pushes queued on the pool (a management command before it exits; tests)."""
    with _pool_lock:
        waiting = list(_pending)
    for future in waiting:
        future.result(timeout=timeout)


def _deliver_in_thread(deliveries: list[Delivery]) -> None:
    close_old_connections()
    try:
        for delivery in deliveries:
            try:
                _deliver(delivery)
            except Exception:  # one device's failure must not stop the others
                logger.exception("push to subscription %s failed", delivery.subscription_id)
    finally:
        connections.close_all()  # this thread's connections only


class _NoRedirects(requests.Session):
    """A push service answers; it never sends the server elsewhere (no redirect is followed)."""

    def request(self, method, url, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


@lru_cache(maxsize=4)
def _vapid(key_file: Path) -> Vapid:
    return Vapid(load_private_key(key_file))


def post(delivery: Delivery) -> int:
    """Post one push; the push service's HTTP status (0: no answer)."""
    claims: dict[str, str | int] = {"sub": settings.VAPID_SUBJECT}  # aud (the endpoint's origin) and exp added
    with _NoRedirects() as session:
        try:
            response = webpush(
                {"endpoint": delivery.endpoint, "keys": {"p256dh": delivery.p256dh, "auth": delivery.auth}},
                data=delivery.payload,  # bytes are sent as they are
                vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY_FILE), vapid_claims=claims,
                timeout=settings.PUSH_TIMEOUT_SECONDS, ttl=delivery.ttl, headers={"Urgency": delivery.urgency},
                requests_session=session,
            )
        except WebPushException as exc:
            return exc.response.status_code if exc.response is not None else 0
        except requests.RequestException:
            return 0
    return getattr(response, "status_code", 0)


def _deliver(delivery: Delivery) -> None:
    status = post(delivery)
    do_record_push_outcome(delivery.subscription_id, status=status)


@transaction.atomic(durable=True)
def do_record_push_outcome(subscription_id: int, *, status: int) -> None:
    """What the push service said about one device: delivered (2xx), gone (404/410: deleted), or
    failed (counted; deleted after PUSH_MAX_FAILURES in a row). A system action: no actor."""
    sub = PushSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    if sub is None:
        return  # unsubscribed meanwhile
    if 200 <= status < 300:
        sub.last_success_at, sub.failures = timezone.now(), 0
        sub.save(update_fields=["last_success_at", "failures"])
        return
    sub.failures += 1
    if status in (404, 410) or sub.failures >= settings.PUSH_MAX_FAILURES:
        record_audit(actor=None, action="push.gone", obj=sub.user,
                     details={"subscription": sub.pk, "status": status, "failures": sub.failures,
                              "user_agent": sub.user_agent[:100]})
        sub.delete()
        return
    sub.save(update_fields=["failures"])
