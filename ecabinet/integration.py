"""Client systems of the province's platforms (tender fn54–fn59): who they are when they call,
which units' meetings they may read, and who administers them.

A client system calls /api/integration/v1/ with an OAuth2 access token obtained by client
credentials at /o/token/. `ClientAuth` validates the token through django-oauth-toolkit (expiry,
revocation, scope) and hands the endpoints a `Client`: the system and the ids of the units it may
read. What a client may not read is a 404, the same as what does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.oauth2_validators import OAuth2Validator

from ecabinet.access import is_system_admin
from ecabinet.errors import PermissionDeniedError
from ecabinet.models import Unit, User
from ecabinet.models_integration import ClientSystem

SCOPE = "meetings:read"


# --- administrators ----------------------------------------------------------------------

def may_manage_integration(user: User) -> bool:
    """Registering systems that read the installation's meetings, and where its events go, is
    the installation's policy: system administrators only."""
    return is_system_admin(user)


def require_may_manage_integration(user: User) -> None:
    if not may_manage_integration(user):
        raise PermissionDeniedError(_("Only a system administrator may manage the connected systems."))


# --- units a client or an endpoint reaches -------------------------------------------------

def reached_unit_ids(unit_ids: list[int], *, include_subunits: bool) -> frozenset[int]:
    """The chosen units, and when `include_subunits` every unit below them."""
    if not include_subunits:
        return frozenset(unit_ids)
    found: set[int] = set()
    for unit in Unit.objects.filter(pk__in=unit_ids):
        found |= set(unit.descendant_ids())
    return frozenset(found)


@dataclass(frozen=True)
class Client:
    system: ClientSystem
    unit_ids: frozenset[int]


# --- the bearer token ---------------------------------------------------------------------

class ClientAuth(HttpBearer):
    """An OAuth2 access token of an active client system with the `meetings:read` scope."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Client | None:
        try:
            valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[SCOPE])
        except ValueError:  # oauthlib refuses a query string Django reads leniently (a lone %)
            raise HttpError(400, _("The request is not valid.")) from None
        if not valid or oauth_request is None or oauth_request.access_token is None:
            return None
        application = oauth_request.access_token.application
        system = ClientSystem.objects.filter(application=application, active=True).first()
        if system is None:
            return None
        _count_call(system)
        client = Client(system=system, unit_ids=reached_unit_ids(
            list(system.units.values_list("pk", flat=True)), include_subunits=system.include_subunits))
        request.integration_client = client  # type: ignore[attr-defined]  # read by the endpoints
        return client


def _count_call(system: ClientSystem) -> None:
    """A fixed window per client and minute, in the cache (shared by every worker)."""
    key = f"integration-calls:{system.pk}:{timezone.now():%Y%m%d%H%M}"
    if cache.add(key, 1, timeout=120):
        return
    try:
        calls = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=120)
        return
    if calls > settings.INTEGRATION_CALLS_PER_MINUTE:
        raise HttpError(429, _("Too many requests: wait a minute and try again."))


def client_of(request: HttpRequest) -> Client:
    return request.auth  # type: ignore[attr-defined]  # set by ClientAuth


class ClientValidator(OAuth2Validator):
    """django-oauth-toolkit's validator, knowing only registered, active client systems: a
    deactivated system (or an application made outside the pages) gets no token."""

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        return ClientSystem.objects.filter(application=request.client, active=True).exists()
