"""The outbox (ecabinet/mail.py): every e-mail is a row written in the transaction of the change
that sends it, sent after the commit, tried again with backoff when the mail server refuses, and
swept each minute for what a stopped or killed worker left. One Message-ID per mail, whatever the
number of tries. The worker killed for real: tests/ecabinet/test_task_queue.py."""

from __future__ import annotations

import socket
from datetime import timedelta

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecabinet.actions import notify_users
from ecabinet.mail import KEEP_SENT_DAYS, RETRY_DELAYS, _claim, attempt_mail, send_batch, send_due
from ecabinet.models import Notification, OutgoingMail
from tests.kit.cases import BaseTestCase
from tests.kit.files import png_bytes
from tests.kit.users import make_user


def closed_port() -> int:
    """A port on this machine where no mail server listens: the connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingBackend(EmailBackend):
    """The test mail box, counting the connections opened to it."""

    opened = 0

    def open(self):
        CountingBackend.opened += 1
        return True


def refusing_mail_server():
    return override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                             EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed_port(), EMAIL_TIMEOUT=2)


class OutboxTests(BaseTestCase):
    def tell_member(self, *, send: bool = True, title: str = "Giấy mời họp: “Giao ban quý IV”") -> None:
        """What every action does to tell someone: notify inside its transaction."""
        with self.captureOnCommitCallbacks(execute=send):
            with transaction.atomic():
                notify_users([self.member], kind="meeting.invited", title=title, body="Phòng họp 301",
                             url="/meetings/7/")

    def test_a_committed_change_sends_its_mail_once_with_its_message_id(self):
        self.tell_member()
        row = OutgoingMail.objects.get()
        self.assertEqual((row.status, row.attempt_count, row.recipients, row.kind),
                         ("sent", 1, [self.member.email], "meeting.invited"))
        self.assertEqual(len(mail.outbox), 1)
        sent = mail.outbox[0]
        self.assertEqual(sent.to, [self.member.email])
        self.assertEqual(sent.subject, "Giấy mời họp: “Giao ban quý IV”")
        self.assertIn("Phòng họp 301", sent.body)
        self.assertIn("/meetings/7/", sent.body)
        self.assertEqual(sent.extra_headers["Message-ID"], row.message_id)
        self.assertEqual(sent.message()["Message-ID"], row.message_id)
        # a second sweep finds nothing due
        self.assertEqual(send_due(now=timezone.now() + timedelta(days=1)), 0)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_rolled_back_change_leaves_no_mail(self):
        with self.captureOnCommitCallbacks(execute=True):
            with self.assertRaises(RuntimeError), transaction.atomic():
                notify_users([self.member], kind="meeting.invited", title="Giấy mời", url="/meetings/7/")
                raise RuntimeError("the change failed after telling")
        self.assertFalse(OutgoingMail.objects.exists())
        self.assertFalse(Notification.objects.exists())
        self.assertEqual(mail.outbox, [])

    def test_a_subject_with_a_line_break_goes_out_on_one_line(self):
        self.tell_member(title="Giấy mời\r\nBcc: ai@example.com")
        self.assertEqual(mail.outbox[0].subject, "Giấy mời Bcc: ai@example.com")
        self.assertNotIn("ai@example.com", mail.outbox[0].recipients())

    def test_a_person_without_an_address_gets_no_mail_row(self):
        nobody = make_user("khongthu", unit=self.department)
        nobody.email = ""
        nobody.save(update_fields=["email"])
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([nobody], kind="meeting.invited", title="Giấy mời")
        self.assertFalse(OutgoingMail.objects.exists())
        self.assertEqual(Notification.objects.filter(user=nobody).count(), 1)

    def test_a_refusing_mail_server_is_tried_again_later_with_the_same_message(self):
        with refusing_mail_server():
            self.tell_member()
        row = OutgoingMail.objects.get()
        self.assertEqual((row.status, row.attempt_count, row.sent_at), ("pending", 1, None))
        self.assertIn("Connection", row.last_error)
        self.assertAlmostEqual((row.next_attempt_at - timezone.now()).total_seconds(), RETRY_DELAYS[0], delta=10)
        self.assertEqual(mail.outbox, [])
        # not due yet: the sweep leaves it
        self.assertEqual(send_due(now=row.next_attempt_at - timedelta(seconds=5)), 0)
        # due, and the server answers now
        self.assertEqual(send_due(now=row.next_attempt_at), 1)
        row.refresh_from_db()
        self.assertEqual((row.status, row.attempt_count, row.last_error), ("sent", 2, ""))
        self.assertEqual([m.extra_headers["Message-ID"] for m in mail.outbox], [row.message_id])

    def test_a_mail_is_given_up_after_the_last_try_and_kept_for_the_administrator(self):
        with refusing_mail_server():
            self.tell_member()
            row = OutgoingMail.objects.get()
            for _ in RETRY_DELAYS:
                self.assertIs(attempt_mail(row.pk, now=row.next_attempt_at), False)
                row.refresh_from_db()
        self.assertEqual((row.status, row.attempt_count, row.next_attempt_at), ("failed", len(RETRY_DELAYS) + 1, None))
        later = timezone.now() + timedelta(days=KEEP_SENT_DAYS + 1)
        self.assertEqual(send_due(now=later), 0)
        self.assertTrue(OutgoingMail.objects.filter(pk=row.pk).exists())  # failed mail is not swept away
        self.assertEqual(mail.outbox, [])

    def test_a_held_mail_waits_for_its_hold_to_lapse_then_goes_out_once(self):
        # the change committed, and the worker that took its mail was killed while sending
        self.tell_member(send=False)
        row = OutgoingMail.objects.get()
        now = timezone.now()
        self.assertTrue(_claim(row.pk, now))
        self.assertFalse(_claim(row.pk, now))  # two workers never hold the same try
        self.assertIsNone(attempt_mail(row.pk, now=now + timedelta(seconds=5)))
        self.assertEqual(send_due(now=now + timedelta(seconds=5)), 0)
        self.assertEqual(mail.outbox, [])
        # the hold lapses: the sweep sends it, once
        row.refresh_from_db()
        self.assertEqual(send_due(now=row.claimed_until + timedelta(seconds=1)), 1)
        self.assertEqual(send_due(now=row.claimed_until + timedelta(minutes=10)), 0)
        self.assertEqual([m.extra_headers["Message-ID"] for m in mail.outbox], [row.message_id])

    def test_the_manual_command_sends_what_no_worker_sent(self):
        self.tell_member(send=False)  # committed; the task that should send it never ran
        self.assertEqual(mail.outbox, [])
        call_command("send_reminders", stdout=open("/dev/null", "w"))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(OutgoingMail.objects.get().status, "sent")

    def test_sent_mail_is_deleted_after_the_keeping_period(self):
        self.tell_member()
        row = OutgoingMail.objects.get()
        send_due(now=row.sent_at + timedelta(days=KEEP_SENT_DAYS - 1))
        self.assertTrue(OutgoingMail.objects.filter(pk=row.pk).exists())
        send_due(now=row.sent_at + timedelta(days=KEEP_SENT_DAYS, seconds=1))
        self.assertFalse(OutgoingMail.objects.filter(pk=row.pk).exists())

    @override_settings(OPERATOR_EMAIL="vanhanh@example.gov.vn")
    def test_a_mail_with_an_attachment_keeps_its_file_until_it_is_sent(self):
        screenshot = png_bytes(mode="RGB")
        with refusing_mail_server(), self.captureOnCommitCallbacks(execute=True):
            response = self.client_for(self.member).post("/feedback/", {
                "subject": "Không mở được tài liệu", "text": "Trang trắng.", "page": "/documents/12/",
                "file": SimpleUploadedFile("man-hinh.png", screenshot)})
        self.assertEqual(response.status_code, 302)
        row = OutgoingMail.objects.get(kind="feedback.new")
        self.assertEqual((row.status, row.recipients), ("pending", ["vanhanh@example.gov.vn"]))
        self.assertEqual(send_due(now=row.next_attempt_at), 1)
        sent = mail.outbox[0]
        self.assertIn("Không mở được tài liệu", sent.subject)
        [(name, content, mimetype)] = sent.attachments
        self.assertEqual((name, mimetype), ("man-hinh.png", "image/png"))
        self.assertTrue(content.startswith(b"\x89PNG"))


class OutboxBatchTests(BaseTestCase):
    def tell(self, people) -> int:
        """Tell `people` in one change; the queries the change made."""
        with self.captureOnCommitCallbacks(execute=True):
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                notify_users(people, kind="meeting.invited", title="Giấy mời họp", url="/meetings/7/")
        return len(queries.captured_queries)

    def test_telling_many_people_costs_the_queries_of_telling_a_few(self):
        few = [make_user(f"it{n}", unit=self.department) for n in range(3)]
        many = [make_user(f"nhieu{n}", unit=self.department) for n in range(30)]
        self.assertEqual(self.tell(few), self.tell(many))
        self.assertEqual(len(mail.outbox), 33)
        self.assertEqual(len({m.extra_headers["Message-ID"] for m in mail.outbox}), 33)
        self.assertEqual(sorted(m.to[0] for m in mail.outbox[3:]), sorted(u.email for u in many))
        self.assertFalse(OutgoingMail.objects.exclude(status="sent").exists())

    @override_settings(EMAIL_BACKEND="tests.ecabinet.test_mail_outbox.CountingBackend")
    def test_one_change_sends_its_mails_over_one_connection(self):
        CountingBackend.opened = 0
        self.tell([make_user(f"mot{n}", unit=self.department) for n in range(5)])
        self.assertEqual(len(mail.outbox), 5)
        self.assertEqual(CountingBackend.opened, 1)

    def test_a_batch_ends_at_the_first_refused_mail_and_the_sweep_takes_the_rest(self):
        people = [make_user(f"ba{n}", unit=self.department) for n in range(3)]
        with self.captureOnCommitCallbacks(execute=False), transaction.atomic():
            notify_users(people, kind="meeting.invited", title="Giấy mời họp")
        ids = list(OutgoingMail.objects.order_by("pk").values_list("pk", flat=True))
        with refusing_mail_server():
            self.assertEqual(send_batch(ids), 0)
        tries = dict(OutgoingMail.objects.values_list("pk", "attempt_count"))
        self.assertEqual([tries[pk] for pk in ids], [1, 0, 0])  # the server refused: no waiting on the rest
        self.assertEqual(send_due(), 2)  # the rest, due at once, go out with the next sweep
        first = OutgoingMail.objects.get(pk=ids[0])
        self.assertEqual(send_due(now=first.next_attempt_at), 1)  # the refused one at its next try
        self.assertEqual(len(mail.outbox), 3)


class OutboxAdminTests(BaseTestCase):
    def setUp(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="meeting.invited", title="Giấy mời họp bí mật", body="Nội dung riêng")
        self.row = OutgoingMail.objects.get()

    def test_a_system_administrator_reads_the_outbox_without_the_mails_text(self):
        client = self.client_for(self.admin)
        listing = client.get("/admin/ecabinet/outgoingmail/?status__exact=sent")
        self.assertEqual(listing.status_code, 200)
        self.assertContains(listing, "Giấy mời họp bí mật")
        page = client.get(f"/admin/ecabinet/outgoingmail/{self.row.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, self.row.message_id.strip("<>"))
        self.assertNotContains(page, "Nội dung riêng")

    def test_nobody_writes_to_the_outbox_through_the_admin(self):
        client = self.client_for(self.admin)
        self.assertEqual(client.get("/admin/ecabinet/outgoingmail/add/").status_code, 403)
        response = client.post(f"/admin/ecabinet/outgoingmail/{self.row.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(OutgoingMail.objects.filter(pk=self.row.pk).exists())

    def test_others_cannot_read_the_outbox(self):
        for user in (self.member, self.outsider, self.owner):
            response = self.client_for(user).get("/admin/ecabinet/outgoingmail/")
            self.assertIn(response.status_code, (302, 403), user.username)
            self.assertNotContains(response, "Giấy mời họp bí mật", status_code=response.status_code)
        anonymous = self.client.get("/admin/ecabinet/outgoingmail/")
        self.assertEqual(anonymous.status_code, 302)
