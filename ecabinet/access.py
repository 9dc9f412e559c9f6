"""Who may see and do what in the core app: admins, unit admins, ordinary users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.errors import PermissionDeniedError
from ecabinet.models import Unit, User


def is_system_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def managed_unit_ids(user: User) -> set[int]:
    """Units whose people `user` may manage: all for a system admin, the own subtree for a unit admin."""
    if is_system_admin(user):
        return set(Unit.objects.values_list("pk", flat=True))
    if user.is_authenticated and user.is_unit_admin and user.unit_id:
        return user.unit.descendant_ids()
    return set()


def can_manage_unit(user: User, unit: Unit | None) -> bool:
    if is_system_admin(user):
        return True
    return unit is not None and unit.pk in managed_unit_ids(user)


def can_manage_user(actor: User, target: User) -> bool:
    if is_system_admin(actor):
        return True
    if target.is_superuser:
        return False
    return can_manage_unit(actor, target.unit)


def users_managed_by(user: User) -> QuerySet[User]:
    if is_system_admin(user):
        return User.objects.all()
    return User.objects.filter(unit_id__in=managed_unit_ids(user), is_superuser=False)


def require_session_login(request: HttpRequest) -> None:
    """Refuse a request authenticated by an API token: changing a signing key or lifting a lock
    needs a signed-in person (session) who also types their password again, never a token."""
    if getattr(request, "authenticated_by_token", False) or not request.user.is_authenticated:
        raise PermissionDeniedError(
            _("This change cannot be made with an API token. Sign in on the website and confirm "
              "with your password."),
            code="session_required",
        )


# How long a typed password vouches for the change it was typed for (one request in practice).
FRESH_PASSWORD_MAX_AGE = timedelta(minutes=2)


@dataclass(frozen=True)
class FreshPassword:
    """Proof, made only by ``ecabinet.actions.do_confirm_password``, that `user_id` typed their
    account password in a signed-in session at `checked_at` (not merely held a session)."""

    user_id: int
    checked_at: datetime


def has_fresh_password(user: User, proof: FreshPassword | None) -> bool:
    return (isinstance(proof, FreshPassword) and proof.user_id == user.pk
            and timezone.now() - proof.checked_at <= FRESH_PASSWORD_MAX_AGE)
