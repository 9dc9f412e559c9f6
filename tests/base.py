"""BaseTestCase: the kit's named users (tests/kit/users.py) and API/login helpers.

Every allowed-path test has a forbidden-path test beside it; these names keep them readable.
"""

from __future__ import annotations

import json
from typing import Any

from django.test import Client, TestCase

from ecabinet.models import User
from tests.kit.users import PASSWORD, client_for, make_people, make_user

__all__ = ["PASSWORD", "BaseTestCase", "make_user"]


class BaseTestCase(TestCase):
    """owner: the person whose object is under test (an organiser: may convene meetings for
    their unit); member: takes part without owning it; outsider: signed in, unrelated;
    guest: from the committee, invited as a guest where a test needs one; admin: system
    administrator. Anonymous is `self.client`."""

    @classmethod
    def setUpTestData(cls) -> None:
        people = make_people()
        cls.committee, cls.department, cls.other_unit = people.committee, people.department, people.other_unit
        cls.position = people.position
        cls.owner, cls.member, cls.outsider = people.owner, people.member, people.outsider
        cls.guest, cls.admin = people.guest, people.admin

    def client_for(self, user: User) -> Client:
        return client_for(user)

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
