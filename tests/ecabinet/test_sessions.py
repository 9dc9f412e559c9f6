"""Sessions read from the cache (SESSION_ENGINE cached_db): a stolen cookie still dies with the
sign-out, the password change and the deactivation that end it, and no page reads the session
table once the session is kept."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.kit.cases import PrepTestCase
from tests.kit.users import PASSWORD


class CachedSessionTests(PrepTestCase):
    def signed_in(self) -> Client:
        client = Client()
        self.assertEqual(client.post("/login/", {"username": "member", "password": PASSWORD}).status_code, 302)
        return client

    def stolen_copy(self, client: Client) -> Client:
        thief = Client()
        thief.cookies = client.cookies.__class__(client.cookies)  # the same cookie, another browser
        return thief

    def test_pages_do_not_read_the_session_table(self):
        client = self.signed_in()
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(client.get("/").status_code, 200)
        self.assertFalse([q for q in queries.captured_queries if "django_session" in q["sql"]])

    def test_a_stolen_cookie_dies_with_the_sign_out(self):
        client = self.signed_in()
        thief = self.stolen_copy(client)
        self.assertEqual(thief.get("/").status_code, 200)
        client.post("/logout/")
        self.assertEqual(thief.get("/").status_code, 302)

    def test_a_stolen_cookie_dies_with_a_password_change(self):
        client = self.signed_in()
        thief = self.stolen_copy(client)
        changed = client.post("/account/password/", {"old_password": PASSWORD, "new_password": "Mới-rất-dài-2026"})
        self.assertEqual(changed.status_code, 302)
        self.assertEqual(client.get("/").status_code, 200)  # the one who changed it stays in
        self.assertEqual(thief.get("/").status_code, 302)

    def test_a_deactivated_person_is_out_at_the_next_request(self):
        client = self.signed_in()
        self.assertEqual(client.get("/").status_code, 200)
        self.member.is_active = False
        self.member.save(update_fields=["is_active"])
        self.assertEqual(client.get("/").status_code, 302)
