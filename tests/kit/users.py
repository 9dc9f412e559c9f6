"""Named users, so every allowed-path test can sit beside its forbidden-path twin and read well.

owner: the person whose object is under test (an organiser: may convene meetings for their
unit); member: takes part without owning it; outsider: signed in, unrelated; guest: invited
from outside the units; admin: system administrator. Anonymous is a plain `Client()`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.test import Client

from ecabinet.models import Position, Unit, User
from ecabinet.roles import ORGANISER, assign_roles

PASSWORD = "Mật-khẩu-thử-2026"


def make_user(username: str, *, unit: Unit | None = None, full_name: str | None = None,
              roles: tuple[str, ...] = (), **extra: Any) -> User:
    """`roles`: codes from ecabinet/roles.py (the groups an administrator would assign)."""
    user = User(username=username, full_name=full_name or username.title(), unit=unit,
                email=f"{username}@example.gov.vn", **extra)
    user.set_password(PASSWORD)
    user.save()
    assign_roles(user, *roles)
    return user


def make_units(prefix: str = "") -> SimpleNamespace:
    """A provincial committee with two departments under it; `prefix` keeps codes unique when
    one test builds several sets."""
    committee = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code=f"{prefix}ubnd-thu", kind="committee")
    department = Unit.objects.create(name="Sở Tài chính", code=f"{prefix}so-tc", kind="department",
                                     parent=committee)
    other_unit = Unit.objects.create(name="Sở Y tế", code=f"{prefix}so-yt", kind="department", parent=committee)
    return SimpleNamespace(committee=committee, department=department, other_unit=other_unit)


def make_people(prefix: str = "") -> SimpleNamespace:
    """The named users and their units (see the module docstring)."""
    units = make_units(prefix)
    return SimpleNamespace(
        **vars(units),
        position=Position.objects.create(name="Chuyên viên", rank=90),
        owner=make_user(f"{prefix}owner", unit=units.department, full_name="Nguyễn Văn Chủ", roles=(ORGANISER,)),
        member=make_user(f"{prefix}member", unit=units.department, full_name="Trần Thị Thành Viên"),
        outsider=make_user(f"{prefix}outsider", unit=units.other_unit, full_name="Lê Văn Ngoài"),
        guest=make_user(f"{prefix}guest", unit=units.committee, full_name="Trịnh Minh Đức"),
        admin=make_user(f"{prefix}admin", unit=units.committee, full_name="Quản Trị", is_superuser=True,
                        is_staff=True),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def session_cookie(user: User) -> str:
    """A real session for `user`, for websockets and browsers that cannot log in by themselves."""
    return client_for(user).cookies["sessionid"].value
