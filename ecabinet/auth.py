"""Bearer tokens for the API and the websocket handshake, beside Django's session login."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from ecabinet.models import ApiToken, User, hash_token

# The request attribute that says the user came with an API token, not a signed-in session
# (HttpRequest declares no such attribute; ecabinet.access reads it with getattr).
TOKEN_MARK = "authenticated_by_token"

# last_used_at is for people reading the token list, not for security: a write per request
# would turn every API read into a write, so it is refreshed at most once a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_for_token(raw: str) -> User | None:
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
            # Some changes need the person at the keyboard, not just a credential they handed
            # out: ecabinet.access.require_session_login reads this mark.
            setattr(request, TOKEN_MARK, True)
        return user


class SessionCookieAuth(SessionAuth):
    """The browser's session, with the CSRF check for unsafe methods."""


API_AUTH = [BearerTokenAuth(), SessionCookieAuth()]


def _bearer_from_scope(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.decode("latin-1").split(None, 1)
            if len(parts) == 2 and parts[0].lower() == "bearer":
                return parts[1].strip()
    return None


class TokenAuthMiddleware:
    """Websocket auth: a bearer token in the handshake wins over the session cookie."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        raw = _bearer_from_scope(scope)
        if raw is not None:
            user = await database_sync_to_async(user_for_token)(raw)
            if user is not None:
                scope = dict(scope, user=user)
        return await self.inner(scope, receive, send)


def WebsocketAuthStack(inner):  # noqa: N802 - mirrors channels' AuthMiddlewareStack naming
    # Session auth runs first and sets scope["user"]; the token middleware may then replace it.
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
