"""Reopening minutes stuck after a signer declined or the requester cancelled the request: the
frozen PDF is withdrawn (kept on disk and in history), the minutes are a draft again with their
text, a new freeze makes a new document and a new request."""

from __future__ import annotations

from ecabinet.models import AuditEvent
from meetings.models import Document
from signing.models import Minutes, SigningRequest
from tests.kit.meetings import run_meeting
from tests.signing.test_minutes import MinutesTestCase, url


class ReopenTests(MinutesTestCase):
    def freeze(self, meeting, *, edit: str = "Nội dung đã rà soát.\n"):
        self.generate(meeting)
        self.api("put", url(meeting), {"text": edit, "version": 1}, user=self.secretary)
        response = self.api("post", url(meeting, "/freeze"), user=self.secretary)
        self.assertEqual(response.status_code, 200, response.content[:300])
        return response.json()

    def reopen(self, meeting, user=None):
        return self.api("post", url(meeting, "/reopen"), user=user or self.secretary)

    def test_after_a_decline_the_minutes_are_a_draft_again_and_a_new_freeze_starts_over(self) -> None:
        rec = run_meeting(self)
        meeting = rec.meeting
        first = self.freeze(meeting, edit="Bản lần một.\n")
        old_doc = Document.objects.get(pk=first["document"])
        self.assertEqual(self.sign(old_doc, self.secretary).status_code, 201)
        old_files = [v.file.name for v in old_doc.versions.all()]
        self.assertEqual(len(old_files), 2)
        declined = self.api("post", f"/api/v1/signing/requests/{first['signing_request']['id']}/decline",
                            {"reason": "Số liệu mục 1 chưa đúng"}, user=self.chair)
        self.assertEqual(declined.status_code, 200, declined.content)

        reopened = self.reopen(meeting)
        self.assertEqual(reopened.status_code, 200, reopened.content)
        data = reopened.json()
        self.assertEqual((data["status"], data["document"], data["signing_request"], data["text"]),
                         ("draft", None, None, "<p>Bản lần một.</p>"))
        self.assertEqual(data["version"], 3)
        # withdrawn, never deleted: rows, versions and files stay; the closed request stays too
        old_doc.refresh_from_db()
        self.assertEqual(old_doc.status, Document.Status.WITHDRAWN)
        self.assertEqual([v.file.name for v in old_doc.versions.all()], old_files)
        for name in old_files:
            self.assertIn(name, self.media_files())
        self.assertEqual(SigningRequest.objects.get(pk=first["signing_request"]["id"]).status,
                         SigningRequest.Status.DECLINED)
        event = AuditEvent.objects.filter(action="minutes.reopen").get()
        self.assertEqual(event.actor_id, self.secretary.pk)
        self.assertEqual(event.details["withdrawn_document"], old_doc.pk)
        self.assertEqual(event.details["request_status"], "declined")
        self.assertTrue(AuditEvent.objects.filter(action="document.withdraw").exists())
        # the withdrawn document cannot be sent for signature again
        self.assert_error(self.ask(old_doc, [self.chair], user=self.secretary), 409, "withdrawn")
        self.assert_error(self.reopen(meeting), 409, "not_frozen")

        # edit, freeze again: a new document and a new sequential request secretary -> chair
        self.api("put", url(meeting), {"text": "Bản lần hai, đã sửa số liệu.\n", "version": 3}, user=self.secretary)
        second = self.api("post", url(meeting, "/freeze"), user=self.secretary).json()
        self.assertNotEqual(second["document"], old_doc.pk)
        self.assertNotEqual(second["signing_request"]["id"], first["signing_request"]["id"])
        self.assertEqual([s["user"]["username"] for s in second["signing_request"]["signers"]],
                         [self.secretary.username, self.chair.username])
        new_doc = Document.objects.get(pk=second["document"])
        self.assertEqual(self.sign(new_doc, self.secretary).status_code, 201)
        self.assertEqual(self.sign(new_doc, self.chair).status_code, 201)
        self.assertEqual(Minutes.objects.get().document_id, new_doc.pk)
        for name in old_files:
            self.assertIn(name, self.media_files())

    def test_after_a_cancel(self) -> None:
        rec = run_meeting(self)
        first = self.freeze(rec.meeting)
        cancel = self.api("post", f"/api/v1/signing/requests/{first['signing_request']['id']}/cancel",
                          {"reason": "Cần bổ sung"}, user=self.secretary)
        self.assertEqual(cancel.status_code, 200, cancel.content)
        # a new request on the same PDF from its document page: no longer stuck
        document = Document.objects.get(pk=first["document"])
        again = self.ask(document, [self.secretary, self.chair], user=self.secretary)
        self.assertEqual(again.status_code, 201, again.content)
        self.assert_error(self.reopen(rec.meeting), 409, "request_not_closed")
        self.api("post", f"/api/v1/signing/requests/{again.json()['id']}/cancel", {}, user=self.secretary)
        self.assertEqual(self.reopen(rec.meeting, user=self.chair).status_code, 200)  # the chair runs it too
        self.assertEqual(Minutes.objects.get().status, Minutes.Status.DRAFT)

    def test_refused_while_the_request_is_open_or_completed(self) -> None:
        rec = run_meeting(self)
        self.assert_error(self.reopen(rec.meeting), 404, "no_minutes")
        self.generate(rec.meeting)
        self.assert_error(self.reopen(rec.meeting), 409, "not_frozen")
        frozen = self.api("post", url(rec.meeting, "/freeze"), user=self.secretary).json()
        self.assert_error(self.reopen(rec.meeting), 409, "request_not_closed")
        document = Document.objects.get(pk=frozen["document"])
        self.sign(document, self.secretary)
        self.assert_error(self.reopen(rec.meeting), 409, "request_not_closed")
        self.sign(document, self.chair)
        self.assert_error(self.reopen(rec.meeting), 409, "request_not_closed")
        document.refresh_from_db()
        self.assertEqual(document.status, Document.Status.RELEASED)
        self.assertEqual(Minutes.objects.get().status, Minutes.Status.FROZEN)
        self.assertFalse(AuditEvent.objects.filter(action="minutes.reopen").exists())

    def test_access(self) -> None:
        rec = run_meeting(self)
        first = self.freeze(rec.meeting)
        self.api("post", f"/api/v1/signing/requests/{first['signing_request']['id']}/cancel", {}, user=self.secretary)
        self.assert_error(self.reopen(rec.meeting, user=self.member), 403)
        self.assert_error(self.reopen(rec.meeting, user=self.guest), 403)
        outsider = self.reopen(rec.meeting, user=self.outsider)
        self.assert_error(outsider, 404)
        self.assertNotIn(rec.meeting.title, outsider.content.decode())
        self.assert_error(self.api("post", url(rec.meeting, "/reopen")), 401)
        self.assertEqual(Minutes.objects.get().status, Minutes.Status.FROZEN)
        page = f"/meetings/{rec.meeting.pk}/minutes/"
        self.assertEqual(self.client_for(self.member).post(page + "reopen/").status_code, 403)
        self.assertEqual(self.client_for(self.outsider).post(page + "reopen/").status_code, 404)
        anonymous = self.client.post(page + "reopen/")
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/login/", anonymous["Location"])
        self.assertEqual(Minutes.objects.get().status, Minutes.Status.FROZEN)

    def test_page_button(self) -> None:
        rec = run_meeting(self)
        page = f"/meetings/{rec.meeting.pk}/minutes/"
        first = self.freeze(rec.meeting)
        client = self.client_for(self.secretary)
        self.assertNotContains(client.get(page), 'data-testid="minutes-reopen"')
        self.api("post", f"/api/v1/signing/requests/{first['signing_request']['id']}/decline",
                 {"reason": "Sai tên đại biểu"}, user=self.secretary)
        stuck = client.get(page)
        self.assertContains(stuck, 'data-testid="minutes-reopen"')
        self.assertContains(stuck, "Sai tên đại biểu")
        self.assertContains(stuck, "Mở lại biên bản")  # Vietnamese by default
        self.assertRedirects(client.post(page + "reopen/"), page)
        draft = client.get(page)
        self.assertContains(draft, 'data-testid="minutes-save"')
        self.assertContains(draft, 'data-testid="minutes-withdrawn"')
        self.assertContains(draft, f'/signing/documents/{first["document"]}/')
        again = client.post(page + "reopen/")
        self.assertContains(again, "không có gì để mở lại", status_code=409)
