"""Titles go into e-mail subjects: a line break or another control character is refused (400,
Vietnamese message) by the action, on the page and in the API alike, and nothing is written."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from ecabinet.models import AuditEvent, Notification
from meetings.models import AgendaItem, Document, Meeting, OpinionRound
from tests.kit.cases import PrepTestCase
from tests.kit.files import pdf_upload

BAD_TITLES = ["Họp giao ban\nBcc: ai@evil.example", "Họp\r\nX-Spam: 1", "Họp\tgiao ban", "Họp\x00", "Họp\u2028mới"]
VIETNAMESE = "Tiêu đề phải nằm trên một dòng"


def when(days: int = 5, hours: int = 0) -> str:
    return (timezone.now() + timedelta(days=days, hours=hours)).replace(microsecond=0).isoformat()


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


class OneLineTitleTests(PrepTestCase):
    def counts(self) -> tuple[int, ...]:
        return (Meeting.objects.count(), AgendaItem.objects.count(), Document.objects.count(),
                OpinionRound.objects.count(), AuditEvent.objects.exclude(action__startswith="auth.").count(), Notification.objects.count(),
                len(mail.outbox))

    def test_meeting_title_api_create_and_edit(self):
        before = self.counts()
        for title in BAD_TITLES:
            with self.subTest(title=title):
                # NUL never reaches an action: the API's input layer refuses it in any field.
                code = "bad_request" if "\x00" in title else "invalid"
                error = self.assert_error(self.api("post", "/api/v1/meetings", {
                    "title": title, "starts_at": when(), "ends_at": when(hours=2)}, user=self.owner), 400, code)
                if code == "invalid":
                    self.assertIn(VIETNAMESE, error["message"])
                    self.assertEqual(error["fields"][0]["field"], "title")
                self.assert_error(self.api("patch", self.url(), {"title": title}, user=self.owner), 400, code)
        self.assertEqual(self.counts(), before)
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.title, "Phiên họp thường kỳ tháng 11")
        # a trailing newline is only whitespace; a one-line title is accepted
        ok = self.api("post", "/api/v1/meetings", {"title": "Họp giao ban tuần\n", "starts_at": when(),
                                                   "ends_at": when(hours=2)}, user=self.owner)
        self.assertEqual(ok.status_code, 201, ok.content)
        self.assertEqual(ok.json()["title"], "Họp giao ban tuần")

    def test_meeting_title_page(self):
        client = self.client_for(self.owner)
        start = timezone.now() + timedelta(days=2)
        before = self.counts()
        response = client.post("/meetings/new/", {"title": "Họp\nBcc: ai@evil.example", "starts_at": local(start),
                                                  "ends_at": local(start + timedelta(hours=1))})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, VIETNAMESE, status_code=400)
        self.assertEqual(self.counts(), before)

    def test_agenda_item_title(self):
        before = self.counts()
        self.assert_error(self.api("post", self.url("/agenda"), {"title": "Tờ trình\nsố 5"}, user=self.owner),
                          400, "invalid")
        item = self.meeting.agenda_items.first()
        self.assert_error(self.api("patch", self.url(f"/agenda/{item.pk}"), {"title": "Tờ trình\r\nsố 5",
                                   "agenda_version": self.meeting.agenda_version},
                                   user=self.owner), 400, "invalid")
        response = self.client_for(self.owner).post(f"/meetings/{self.meeting.pk}/agenda/add/",
                                                    {"title": "Tờ trình\nsố 5",
                                                     "agenda_version": self.meeting.agenda_version})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, VIETNAMESE, status_code=400)
        self.assertEqual(self.counts(), before)
        # the outsider still gets 404, not a validation message
        self.assert_error(self.api("post", self.url("/agenda"), {"title": "a\nb"}, user=self.outsider), 404)

    def test_document_and_opinion_titles(self):
        before = self.counts()
        client = self.client_for(self.owner)
        response = client.post(f"/api/v1/meetings/{self.meeting.pk}/documents",
                               {"file": pdf_upload(), "title": "Tờ trình\nsố 5"})
        self.assert_error(response, 400, "invalid")
        response = client.post("/api/v1/opinions", {
            "file": pdf_upload(name="du-thao.pdf"), "title": "Dự thảo\nX-Priority: 1", "question": "Đồng ý?",
            "meeting": self.meeting.pk, "deadline": when(days=3), "asked": "member"})
        self.assert_error(response, 400, "invalid")
        self.assertEqual(self.counts(), before)
        # a file name with a line break (nobody typed it as a title) becomes a one-line title
        response = client.post(f"/api/v1/meetings/{self.meeting.pk}/documents",
                               {"file": pdf_upload(name="to\ntrinh.pdf")})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertNotIn("\n", Document.objects.get(pk=response.json()["id"]).title)


class RoomAndSigningTitleTests(PrepTestCase):
    def test_live_agenda_item_and_signing_upload(self):
        from meetings.actions.room import do_start_meeting

        do_start_meeting(self.meeting, actor=self.owner)
        items = AgendaItem.objects.count()
        self.assert_error(self.api("post", self.url("/live/items"), {"title": "Việc mới\nphát sinh"},
                                   user=self.owner), 400, "invalid")
        item = self.meeting.agenda_items.first()
        self.assert_error(self.api("post", f"/api/v1/live/items/{item.pk}", {"title": "a\rb"}, user=self.owner),
                          400, "invalid")
        self.assertEqual(AgendaItem.objects.count(), items)
        item.refresh_from_db()
        self.assertEqual(item.title, "Báo cáo tình hình kinh tế - xã hội")
        documents = Document.objects.count()
        response = self.client_for(self.member).post("/api/v1/signing/documents", {
            "file": pdf_upload(), "title": "Công văn\nsố 12"})
        self.assert_error(response, 400, "invalid")
        self.assertEqual(Document.objects.count(), documents)


class NotificationSubjectTests(PrepTestCase):
    def test_a_line_break_that_got_in_anyway_does_not_lose_the_mail(self):
        from django.db import transaction

        from ecabinet.actions import notify_users

        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="test", title="Giấy mời: Họp\nBcc: ai@evil.example", body="Nội dung")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].subject, "Giấy mời: Họp Bcc: ai@evil.example")
        self.assertNotIn("ai@evil.example", mail.outbox[0].bcc)
