"""Who may see and do what in the core app: admins, unit admins, ordinary users."""

from __future__ import annotations

from django.db.models import QuerySet

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
