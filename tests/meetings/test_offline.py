"""Installable and offline: the manifest, the favicon, the service worker's file, the offline
page, what a device may keep (GET /api/v1/me/offline-pack), the sign-out that clears the site's
data, and a request for the floor queued offline that arrives after the meeting moved on."""

from __future__ import annotations

import json

from meetings.actions import documents as doc_actions
from meetings.actions.preparation import do_remove_participant
from meetings.models import Meeting, Participant, SpeakerRequest
from tests.kit.cases import BaseTestCase
from tests.kit.factories import end_meeting, make_meeting, set_current_item, upload_document
from tests.kit.rooms import make_room

PACK = "/api/v1/me/offline-pack"


class InstallableTests(BaseTestCase):
    def test_manifest_icons_favicon_and_worker(self):
        manifest = self.client.get("/manifest.webmanifest")
        self.assertEqual(manifest.status_code, 200)
        self.assertTrue(manifest["Content-Type"].startswith("application/manifest+json"))
        data = json.loads(manifest.content)
        self.assertEqual((data["start_url"], data["display"], data["scope"]), ("/", "standalone", "/"))
        self.assertIn("không giấy", data["name"])
        self.assertEqual(data["theme_color"], "#a3161a")
        sizes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
        self.assertTrue({("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes)
        for icon in data["icons"]:
            self.assertEqual(self.client.get(icon["src"]).status_code, 200, icon["src"])
        favicon = self.client.get("/favicon.ico")
        self.assertEqual((favicon.status_code, favicon["Content-Type"]), (200, "image/x-icon"))
        self.assertEqual(b"".join(favicon.streaming_content if favicon.streaming else [favicon.content])[:4],
                         b"\x00\x00\x01\x00")
        worker = self.client.get("/sw.js")
        self.assertEqual(worker.status_code, 200)
        self.assertIn("javascript", worker["Content-Type"])
        self.assertEqual(worker["Service-Worker-Allowed"], "/")
        self.assertIn("no-cache", worker["Cache-Control"])
        self.assertIn(b"importScripts(", worker.content)
        self.assertIn(b"/static/ecabinet/sw-push.js", worker.content)

    def test_offline_page_names_nobody(self):
        response = self.client_for(self.member).get("/offline/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "ngoại tuyến")
        self.assertNotContains(response, self.member.full_name)
        self.assertEqual(self.client.get("/offline/").status_code, 200)

    def test_pages_link_the_manifest_and_start_the_worker_when_signed_in(self):
        page = self.client_for(self.member).get("/")
        self.assertContains(page, 'rel="manifest" href="/manifest.webmanifest"')
        self.assertContains(page, 'href="/favicon.ico"')
        self.assertContains(page, "ecabinet/pwa.js")
        self.assertContains(page, f'data-user="{self.member.pk}"')
        login = self.client.get("/login/")
        self.assertContains(login, 'rel="manifest"')
        self.assertNotContains(login, "ecabinet/pwa.js")

    def test_sign_out_clears_the_sites_data(self):
        client = self.client_for(self.member)
        response = client.post("/logout/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Clear-Site-Data"], '"cache", "storage"')
        self.assertEqual(client.get(PACK).status_code, 401)


class OfflinePackTests(BaseTestCase):
    def setUp(self) -> None:
        self.meeting = make_meeting(by=self.owner, title="Họp giao ban quý I", members=[self.member, self.guest],
                                    items=[{"title": "Dự toán", "presenting_unit": self.member.unit}],
                                    status=Meeting.Status.SCHEDULED)
        self.public = upload_document(self.meeting, by=self.owner, title="Báo cáo tổng hợp")
        self.secret = upload_document(self.meeting, by=self.owner, title="Hồ sơ mật")
        doc_actions.do_set_readers(self.secret, actor=self.owner, usernames=[self.guest.username], confidential=True)
        self.pending = upload_document(self.meeting, by=self.member, title="Tờ trình chưa duyệt",
                                       item=self.meeting.agenda_items.get())
        self.draft = make_meeting(by=self.owner, title="Dự thảo chưa gửi", members=[self.member])

    def pack(self, user):
        response = self.api("get", PACK, user=user)
        self.assertEqual(response.status_code, 200, response.content[:300])
        return response.json()

    def urls(self, user, kind: str | None = None) -> set[str]:
        return {e["url"] for e in self.pack(user)["entries"] if kind is None or e["kind"] == kind}

    def test_member_keeps_the_upcoming_meeting_and_released_documents(self):
        pack = self.pack(self.member)
        self.assertEqual(pack["user"], self.member.pk)
        self.assertIn("/offline/", pack["shell"])
        urls = self.urls(self.member)
        self.assertIn(f"/meetings/{self.meeting.pk}/", urls)
        self.assertIn(f"/documents/{self.public.pk}/", urls)
        self.assertIn(f"/documents/{self.public.pk}/view/", urls)
        self.assertNotIn(f"/documents/{self.secret.pk}/view/", urls)  # confidential, not a reader
        self.assertNotIn(f"/documents/{self.pending.pk}/view/", urls)  # not released
        self.assertFalse(any(f"/meetings/{self.draft.pk}/" in url for url in urls))  # a draft
        # every page and PDF listed is one the member may open (the pages' own checks)
        client = self.client_for(self.member)
        for url in urls:
            self.assertEqual(client.get(url).status_code, 200, url)
        # the reader of the confidential document keeps it
        self.assertIn(f"/documents/{self.secret.pk}/view/", self.urls(self.guest, "pdf"))

    def test_outsider_keeps_nothing_and_anonymous_is_refused(self):
        self.assertEqual(self.urls(self.outsider), {"/"})
        self.assert_error(self.api("get", PACK), 401)

    def test_withdrawn_confidential_or_deleted_documents_leave_the_pack(self):
        doc_actions.do_set_readers(self.public, actor=self.owner, usernames=[], confidential=True)
        self.assertNotIn(f"/documents/{self.public.pk}/view/", self.urls(self.member))
        doc_actions.do_set_readers(self.public, actor=self.owner, usernames=[], confidential=False)
        self.assertIn(f"/documents/{self.public.pk}/view/", self.urls(self.member))
        doc_actions.do_withdraw_document(self.public, actor=self.owner)
        self.assertNotIn(f"/documents/{self.public.pk}/view/", self.urls(self.member))
        doc_actions.do_delete_document(self.secret, actor=self.owner)
        self.assertNotIn(f"/documents/{self.secret.pk}/view/", self.urls(self.guest))

    def test_a_new_version_changes_the_version_tag(self):
        def version():
            return next(e["version"] for e in self.pack(self.member)["entries"]
                        if e["url"] == f"/documents/{self.public.pk}/view/")

        before = version()
        from tests.kit.files import pdf_upload

        doc_actions.do_replace_document(self.public, actor=self.owner, upload=pdf_upload(), note="sửa")
        self.assertNotEqual(version(), before)

    def test_leaving_or_ending_the_meeting_empties_it(self):
        do_remove_participant(Participant.objects.get(meeting=self.meeting, user=self.member), actor=self.owner)
        self.assertEqual(self.urls(self.member), {"/"})
        self.assertIn(f"/meetings/{self.meeting.pk}/", self.urls(self.guest))
        from tests.kit.factories import start_meeting

        start_meeting(self.meeting, by=self.owner)
        self.assertIn(f"/meetings/{self.meeting.pk}/", self.urls(self.guest))
        end_meeting(self.meeting, by=self.owner)
        self.assertEqual(self.urls(self.guest), {"/"})


class QueuedFloorRequestTests(BaseTestCase):
    def setUp(self) -> None:
        self.room = make_room(prefix="q")
        self.first, self.second = self.room.items[0], self.room.items[1]
        set_current_item(self.room.meeting, self.first, by=self.room.secretary)

    def ask(self, user, **body):
        return self.api("post", f"/api/v1/meetings/{self.room.meeting.pk}/speakers", body, user=user)

    def test_a_request_made_on_the_item_still_under_discussion_stands(self):
        response = self.ask(self.room.member, kind="speak", seen_item=self.first.pk)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(SpeakerRequest.objects.get().item_id, self.first.pk)

    def test_a_request_that_arrives_after_the_meeting_moved_on_is_refused(self):
        set_current_item(self.room.meeting, self.second, by=self.room.secretary)
        error = self.assert_error(self.ask(self.room.member, kind="speak", seen_item=self.first.pk), 409, "moved_on")
        self.assertIn("nội dung khác", error["message"])
        # seen with no item under discussion, and one is now: refused as well
        self.assert_error(self.ask(self.room.member, kind="speak", seen_item=None), 409, "moved_on")
        self.assertFalse(SpeakerRequest.objects.exists())
        # without what they saw (an older client), the request stands as before
        self.assertEqual(self.ask(self.room.member, kind="speak").status_code, 200)

    def test_outsider_and_anonymous_learn_nothing(self):
        self.assert_error(self.ask(self.room.outsider, kind="speak", seen_item=self.first.pk), 404)
        self.assert_error(self.ask(None, kind="speak", seen_item=self.first.pk), 401)

    def test_a_queued_check_in_after_the_meeting_ended_is_refused(self):
        end_meeting(self.room.meeting, by=self.room.secretary)
        response = self.api("post", f"/api/v1/meetings/{self.room.meeting.pk}/checkin", {"remote": True},
                            user=self.room.member, HTTP_IDEMPOTENCY_KEY="k-1")
        self.assert_error(response, 409, "not_in_progress")
