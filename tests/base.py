"""Shared test helpers: named users (owner, member, outsider, admin) and API/login helpers.

Every allowed-path test has a forbidden-path test beside it; these names keep them readable.
"""

from __future__ import annotations

import json
from typing import Any

from django.test import Client, TestCase

from ecabinet.models import Position, Unit, User
from ecabinet.roles import ORGANISER, assign_roles

PASSWORD = "Mật-khẩu-thử-2026"


def make_user(username: str, *, unit: Unit | None = None, full_name: str | None = None,
              roles: tuple[str, ...] = (), **extra) -> User:
    """`roles`: codes from ecabinet/roles.py (the groups an administrator would assign)."""
    user = User(username=username, full_name=full_name or username.title(), unit=unit,
                email=f"{username}@example.gov.vn", **extra)
    user.set_password(PASSWORD)
    user.save()
    assign_roles(user, *roles)
    return user


class BaseTestCase(TestCase):
    """owner: the person whose object is under test (an organiser: may convene meetings for
    their unit); member: takes part without owning it; outsider: signed in, unrelated;
    admin: system administrator. Anonymous is `self.client`."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.committee = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code="ubnd-thu", kind="committee")
        cls.department = Unit.objects.create(name="Sở Tài chính", code="so-tc", kind="department",
                                             parent=cls.committee)
        cls.other_unit = Unit.objects.create(name="Sở Y tế", code="so-yt", kind="department",
                                             parent=cls.committee)
        cls.position = Position.objects.create(name="Chuyên viên", rank=90)
        cls.owner = make_user("owner", unit=cls.department, full_name="Nguyễn Văn Chủ", roles=(ORGANISER,))
        cls.member = make_user("member", unit=cls.department, full_name="Trần Thị Thành Viên")
        cls.outsider = make_user("outsider", unit=cls.other_unit, full_name="Lê Văn Ngoài")
        cls.admin = make_user("admin", unit=cls.committee, full_name="Quản Trị", is_superuser=True,
                              is_staff=True)

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def api(self, method: str, path: str, data: Any = None, *, user: User | None = None,
            token: str | None = None, **extra) -> Any:
        client = self.client_for(user) if user is not None else Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        body = json.dumps(data) if data is not None and not isinstance(data, (str, bytes)) else data
        return getattr(client, method.lower())(
            path, body, content_type="application/json", **headers, **extra
        )

    def assert_error(self, response, status: int, code: str | None = None) -> dict:
        self.assertEqual(response.status_code, status, response.content[:500])
        payload = response.json()
        self.assertIn("error", payload)
        self.assertTrue(payload["error"]["message"])
        if code is not None:
            self.assertEqual(payload["error"]["code"], code)
        return payload["error"]
