"""`next=` on every form stays on this site: the helper, the notes form, a signing form and login."""

from __future__ import annotations

from django.test import RequestFactory

from ecabinet.redirects import safe_next
from meetings.models import PersonalNote
from tests.kit.cases import BaseTestCase
from tests.kit.meetings import make_documents_meeting
from tests.kit.users import PASSWORD

HOSTILE = ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
           "http://testserver@evil.example/", "javascript:alert(1)", "/\t/evil.example", " //evil.example"]
LOCAL = "/meetings/?page=2"


class SafeNextTests(BaseTestCase):
    def test_helper_refuses_other_sites_and_keeps_local_paths(self):
        factory = RequestFactory()
        for target in HOSTILE:
            with self.subTest(target=target):
                self.assertEqual(safe_next(factory.post("/x/", {"next": target}), "/fallback/"), "/fallback/")
                self.assertEqual(safe_next(factory.get("/x/", {"next": target}), "/fallback/"), "/fallback/")
        self.assertEqual(safe_next(factory.post("/x/", {"next": LOCAL}), "/fallback/"), LOCAL)
        self.assertEqual(safe_next(factory.post("/x/", {"next": "http://testserver/a/"}), "/f/"), "http://testserver/a/")
        self.assertEqual(safe_next(factory.post("/x/"), "/fallback/"), "/fallback/")
        # from an https page, an http URL of the same host is a downgrade
        self.assertEqual(safe_next(factory.post("/x/", {"next": "http://testserver/a/"}, secure=True), "/f/"), "/f/")

    def test_notes_form_next(self):
        meeting = make_documents_meeting(self)
        client = self.client_for(self.owner)
        for target in HOSTILE:
            with self.subTest(target=target):
                response = client.post("/notes/", {"meeting": meeting.pk, "text": "Ghi chú", "next": target})
                self.assertEqual(response.status_code, 302)
                self.assertEqual(response["Location"], "/notes/")
        response = client.post("/notes/", {"meeting": meeting.pk, "text": "Ghi chú", "next": LOCAL})
        self.assertEqual(response["Location"], LOCAL)
        self.assertEqual(PersonalNote.objects.filter(user=self.owner).count(), len(HOSTILE) + 1)
        # anonymous: to the login page, nothing saved, no redirect to the hostile target
        anonymous = self.client.post("/notes/", {"meeting": meeting.pk, "text": "x", "next": "//evil.example"})
        self.assertIn("/login/", anonymous["Location"])
        self.assertFalse(anonymous["Location"].startswith("//"))

    def test_login_next(self):
        for target in HOSTILE:
            with self.subTest(target=target):
                response = self.client.post(f"/login/?next={target}", {"username": "member", "password": PASSWORD})
                self.assertEqual(response.status_code, 302)
                self.assertEqual(response["Location"], "/")
                self.client.logout()
        response = self.client.post("/login/", {"username": "member", "password": PASSWORD, "next": LOCAL})
        self.assertEqual(response["Location"], LOCAL)
