"""A person's rights (Django permissions, from their roles and their own grants) kept between
requests: Django's ModelBackend reads them with two queries on the first check of every request,
and nearly every page checks one (the menu, the access rules).

Every change to who holds what (a role given or taken, a role's rights, a person's own rights:
Django's m2m signals, which the admin, ecabinet/roles.py and the actions all raise) replaces one
installation-wide version; an entry of another version is never used. Rights change rarely, so
forgetting everyone's on any change costs nothing worth counting. An entry is stored only after
commit and tagged with the version read before the rights were, so a change that commits (or a
transaction that rolls back) while a request is reading can never leave old rights standing.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from ecabinet.models import User

VERSION_KEY = "rights:version"
RIGHTS_TIMEOUT = 600


def _rights_key(user: User) -> str:
    # The joining time keeps a restored database or a reused id from meeting another's entry; a
    # superuser holds every right, so taking that flag away must not find their old entry.
    return f"rights:{user.pk}:{user.date_joined.timestamp()}:{int(user.is_superuser)}"


class KeptRightsBackend(ModelBackend):
    """ModelBackend whose whole set of a person's rights comes from the cache when it can."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        key = _rights_key(user_obj)
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        kept = found.get(key)
        if version is not None and kept is not None and kept[0] == version:
            user_obj._perm_cache = set(kept[1])
            return user_obj._perm_cache
        if version is None:
            version = _new_version()
        rights = super().get_all_permissions(user_obj)
        entry = (version, frozenset(rights))
        transaction.on_commit(lambda: cache.set(key, entry, RIGHTS_TIMEOUT))
        return rights


def _new_version() -> str:
    version = secrets.token_hex(8)
    cache.set(VERSION_KEY, version, None)
    return version


def forget_all_rights() -> None:
    """Now and again after commit: a request reading in between tags what it keeps with the
    version it read first, which the second replacement retires."""
    _new_version()
    transaction.on_commit(_new_version, robust=True)


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _holders_changed(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        forget_all_rights()


@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
@receiver(post_delete, sender=Permission)
def _roles_changed(sender, **kwargs) -> None:
    forget_all_rights()
