"""Idempotency keys for the API: a change sent with an `Idempotency-Key` header is applied once
per user and key; the same request sent again gets the first answer back.

The offline queue (static/ecabinet/offline.js) sends every queued change with a fresh key and
sends it again until an answer arrives, so a change whose answer was lost on a bad line is never
applied twice. The key is reserved before the view runs (a unique row per user and key), so two
copies arriving at once cannot both run: the second is told to try again (409) and, once the
first is answered, gets its answer. A key reused for another request (another path or body) is
refused (422). Answers of 5xx are not kept: the change did not happen, a retry may run it.
Keys expire after IDEMPOTENCY_DAYS.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.models import IdempotencyKey, User
from ecabinet.refusals import error_envelope

HEADER = "Idempotency-Key"
METHODS = {"POST", "PUT", "PATCH", "DELETE"}
IDEMPOTENCY_DAYS = 7
MAX_KEY_LENGTH = 100
# The most of an answer kept to be replayed (answers to changes are small JSON objects).
MAX_KEPT_BODY = 256 * 1024
# A key reserved this long ago and still unanswered belongs to a request that never finished (a
# server stopped mid-request): it is released, so the client's retry runs.
ABANDONED_AFTER = timedelta(minutes=5)


def _caller(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    authorization = request.headers.get("Authorization", "")
    scheme, _sep, raw = authorization.partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        from ecabinet.auth import user_for_token

        return user_for_token(raw.strip())
    return None


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        # an upload: the body is streamed to the view and never read here
        digest.update(f"multipart {request.headers.get('Content-Length', '')}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) < 127 for c in key)


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status or 200,
                            content_type=row.content_type or "application/json")
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    """For API changes (POST/PUT/PATCH/DELETE under /api/) that carry an Idempotency-Key."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not _valid_key(key):
            return error_envelope(400, "bad_idempotency_key",
                                  _("The Idempotency-Key header must be 1 to 100 visible ASCII characters."))
        user = _caller(request)
        if user is None:  # the API answers 401 itself; nothing to remember
            return self.get_response(request)
        try:
            fp = fingerprint(request)
        except Exception:  # noqa: BLE001 - an unreadable body is the view's to refuse
            return self.get_response(request)
        now = timezone.now()
        expired = now - timedelta(days=IDEMPOTENCY_DAYS)
        row = self._reserve(user, key, fp, now, expired)
        if row is not None:
            if row.fingerprint != fp:
                return error_envelope(422, "idempotency_key_reused", _(
                    "This Idempotency-Key was already used for a different request. "
                    "Send a new key with each new change."))
            if row.status is None:
                return error_envelope(409, "idempotency_in_progress", _(
                    "The same request is still being processed. Try again in a moment."))
            return _replay(row)
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyKey.objects.filter(user=user, key=key, status__isnull=True).delete()
            raise
        self._record(user, key, response)
        return response

    @staticmethod
    def _reserve(user: User, key: str, fp: str, now, expired) -> IdempotencyKey | None:  # noqa: ANN001
        """Reserve the key for this request (None), or return the row of an earlier one."""
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(user=user, key=key, fingerprint=fp, created_at=now)
                return None
            except IntegrityError:
                row = IdempotencyKey.objects.filter(user=user, key=key).first()
                if row is None:
                    continue  # answered with a 5xx and released in between: reserve it again
                if row.created_at < expired or (row.status is None and row.created_at < now - ABANDONED_AFTER):
                    IdempotencyKey.objects.filter(pk=row.pk).delete()
                    continue
                return row
        return IdempotencyKey(user=user, key=key, fingerprint=fp, status=None)

    @staticmethod
    def _record(user: User, key: str, response: HttpResponse) -> None:
        rows = IdempotencyKey.objects.filter(user=user, key=key, status__isnull=True)
        streaming = getattr(response, "streaming", False)
        if response.status_code >= 500 or streaming or len(response.content) > MAX_KEPT_BODY:
            rows.delete()  # not applied, or not an answer worth replaying: a retry runs again
            return
        rows.update(status=response.status_code, content_type=response.get("Content-Type", "")[:100],
                    body=response.content)
        if response.status_code < 300:
            # now and then, forget the expired keys of this user
            IdempotencyKey.objects.filter(user=user, created_at__lt=timezone.now()
                                          - timedelta(days=IDEMPOTENCY_DAYS)).delete()
