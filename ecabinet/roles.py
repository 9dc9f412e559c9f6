"""The roles of eCabinet (tender fn2): Django groups holding default rights.

Administrators assign the groups and may add rights to them (or to a person) in the admin;
`ensure_roles` only ever adds what is missing, so a right an administrator added stays.
The code of a role is stable and English; the group's name is what people see (Vietnamese).
Who may do what is decided in the access.py modules, from these rights, never from role names.
"""

from __future__ import annotations

from typing import Any

SYSTEM_ADMIN = "system_admin"
UNIT_ADMIN = "unit_admin"
ORGANISER = "organiser"
LEADER = "leader"
MEMBER = "member"
GUEST = "guest"

# The rights declared on ecabinet.User.Meta.permissions.
RIGHTS = ("create_meeting", "run_meeting", "manage_catalogs", "issue_certificates", "view_statistics",
          "manage_users", "issue_documents")

# code -> (group name, default rights)
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    SYSTEM_ADMIN: ("Quản trị hệ thống", RIGHTS),
    UNIT_ADMIN: ("Quản trị đơn vị", ("manage_users", "manage_catalogs", "issue_certificates", "view_statistics",
                                     "run_meeting", "issue_documents")),
    ORGANISER: ("Chuyên viên tổ chức họp / Thư ký", ("create_meeting", "run_meeting", "view_statistics")),
    LEADER: ("Lãnh đạo", ("view_statistics",)),
    MEMBER: ("Thành viên", ()),
    GUEST: ("Khách mời", ()),
}


def role_name(code: str) -> str:
    return ROLES[code][0]


def ensure_roles(apps: Any = None) -> dict[str, Any]:
    """Create the role groups and their default rights where missing (idempotent).

    `apps` is the migration state's registry inside a data migration, the live one otherwise.
    """
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="ecabinet", model="user")
    labels = dict(_declared_rights())
    permissions = {
        code: Permission.objects.get_or_create(content_type=content_type, codename=code,
                                               defaults={"name": labels.get(code, code)[:255]})[0]
        for code in RIGHTS
    }
    groups = {}
    for code, (name, rights) in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*(permissions[right] for right in rights))
        groups[code] = group
    return groups


def _declared_rights() -> list[tuple[str, str]]:
    from ecabinet.models import User

    return list(User._meta.permissions)


def set_role(user, code: str, member: bool) -> None:
    """Put `user` in the role's group or take them out of it."""
    from django.contrib.auth.models import Group

    if member:
        group = Group.objects.filter(name=role_name(code)).first() or ensure_roles()[code]
        user.groups.add(group)
    else:
        user.groups.remove(*Group.objects.filter(name=role_name(code)))
    # Django caches a user's rights on the object; they just changed.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def assign_roles(user, *codes: str) -> None:
    for code in codes:
        set_role(user, code, True)
