"""Content-Security-Policy (no inline script: nonces and static files) and Permissions-Policy
on every response: pages, the API, static files, the admin."""

from __future__ import annotations

import re

from tests.kit.cases import BaseTestCase
from tests.kit.files import pdf_upload
from tests.kit.meetings import make_documents_meeting
from tests.kit.rooms import make_room


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


class ContentSecurityPolicyTests(BaseTestCase):
    def assert_strict_page(self, response) -> None:
        self.assertEqual(response.status_code, 200)
        policy = directives(response)
        scripts = policy["script-src"]
        self.assertNotIn("'unsafe-inline'", scripts)
        self.assertNotIn("'unsafe-eval'", scripts)
        self.assertNotIn("*", scripts)
        self.assertEqual(policy["style-src"], ["'self'"])
        self.assertEqual(policy["object-src"], ["'none'"])
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        nonces = [s.removeprefix("'nonce-").removesuffix("'") for s in scripts if s.startswith("'nonce-")]
        self.assertEqual(len(nonces), 1, scripts)
        html = response.content.decode()
        tags = re.findall(r"<script\b[^>]*>", html)
        self.assertTrue(tags)
        for tag in tags:
            if 'type="application/json"' in tag:
                continue  # a data block (json_script), never executed
            self.assertIn("src=", tag)  # no inline script
            self.assertIn(f'nonce="{nonces[0]}"', tag)
        self.assertNotRegex(html, r"<[^>]+\son[a-z]+\s*=")  # no onclick= and friends
        self.assertNotRegex(html, r"<[^>]+\sstyle\s*=")
        self.assertNotIn("<style", html)
        self.assertIn("Permissions-Policy", response)

    def test_pages_carry_a_strict_policy_with_a_fresh_nonce(self):
        room = make_room(prefix="c")
        meeting = make_documents_meeting(self)
        client = self.client_for(self.owner)
        self.assert_strict_page(self.client.get("/login/"))
        for path in ("/", "/meetings/", f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/documents/",
                     "/signing/", "/meetings/calendar/", "/notes/", "/opinions/"):
            with self.subTest(path=path):
                self.assert_strict_page(client.get(path))
        self.assert_strict_page(self.client_for(room.chair).get(f"/meetings/{room.meeting.pk}/room/"))
        first, second = client.get("/signing/"), client.get("/signing/")
        self.assertNotEqual(directives(first)["script-src"], directives(second)["script-src"])

    def test_admin_works_under_the_policy(self):
        client = self.client_for(self.admin)
        for path in ("/admin/", "/admin/ecabinet/user/", f"/admin/ecabinet/user/{self.member.pk}/change/"):
            with self.subTest(path=path):
                response = client.get(path)
                self.assertEqual(response.status_code, 200)
                html = response.content.decode()
                self.assertNotIn("'unsafe-inline'", directives(response)["script-src"])
                for tag in re.findall(r"<script\b[^>]*>", html):
                    self.assertTrue("src=" in tag or 'type="application/json"' in tag, tag)
                self.assertNotIn("<style", html)
                self.assertIn("ecabinet/admin.css", html)

    def test_document_viewer_may_be_framed_by_its_own_site_only(self):
        meeting = make_documents_meeting(self)
        client = self.client_for(self.owner)
        document_id = client.post(f"/api/v1/meetings/{meeting.pk}/documents", {"file": pdf_upload()}).json()["id"]
        viewer = client.get(f"/documents/{document_id}/view/")
        self.assertEqual(viewer.status_code, 200)
        self.assertEqual(directives(viewer)["frame-ancestors"], ["'self'"])
        self.assertEqual(viewer["X-Frame-Options"], "SAMEORIGIN")
        detail = client.get(f"/documents/{document_id}/")
        self.assertEqual(directives(detail)["frame-ancestors"], ["'none'"])
        self.assertEqual(directives(detail)["frame-src"], ["'self'"])
        # an outsider gets the 404 page, still under the strict policy
        refused = self.client_for(self.outsider).get(f"/documents/{document_id}/view/")
        self.assertEqual(refused.status_code, 404)
        self.assertEqual(directives(refused)["frame-ancestors"], ["'none'"])


class PermissionsPolicyTests(BaseTestCase):
    def test_every_kind_of_response_switches_off_unused_features(self):
        client = self.client_for(self.member)
        responses = [
            self.client.get("/login/"), client.get("/"), client.get("/api/v1/meetings"),
            self.client.get("/api/v1/meetings"), client.get("/no-such-page/"), self.client.get("/static/ecabinet/app.js"),
        ]
        for response in responses:
            with self.subTest(status=response.status_code, type=response.get("Content-Type")):
                policy = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
                for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
                    self.assertEqual(policy[feature], "()")
                self.assertEqual(policy["fullscreen"], "(self)")
