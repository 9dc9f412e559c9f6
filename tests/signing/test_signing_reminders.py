"""Signing requests due and overdue (fn125, collector ``signing-due`` in signing/reminders.py):
the signers whose turn it is within the day before the deadline and once it has passed, the
requester too when overdue; once per person, phase and deadline; nothing for requests closed,
without a deadline, or signers who already signed."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecabinet.models import Notification
from signing.models import SigningRequest
from signing.reminders import remind_signing_due
from tests.kit.cases import SigningTestCase


class SigningDueTests(SigningTestCase):
    def run_at(self, now) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return remind_signing_due(now)

    def request(self, signers, *, sequential=True, days=2, document=None):
        due = timezone.now().replace(microsecond=0) + timedelta(days=days)
        response = self.ask(document or self.make_own_document(self.owner), signers, user=self.owner,
                            sequential=sequential, due=due.isoformat())
        self.assertEqual(response.status_code, 201, response.content)
        return SigningRequest.objects.get(pk=response.json()["id"])

    def titles(self, user) -> list[str]:
        return list(Notification.objects.filter(user=user, title__contains="hạn").order_by("pk")
                    .values_list("title", flat=True))

    def test_the_signer_whose_turn_it_is_before_and_when_overdue_each_once(self):
        req = self.request([self.member, self.chair])
        due = req.due
        self.assertEqual(self.run_at(due - timedelta(days=1, minutes=1)), 0)
        self.assertEqual(self.run_at(due - timedelta(hours=20)), 1)
        self.assertEqual(self.run_at(due - timedelta(hours=2)), 0)  # once
        [soon] = self.titles(self.member)
        self.assertTrue(soon.startswith("Sắp đến hạn: đề nghị ký “Tờ trình”"), soon)
        self.assertEqual(self.titles(self.chair), [])  # in order: not the chair's turn yet
        # overdue: the signer again and the requester, once
        self.assertEqual(self.run_at(due + timedelta(minutes=1)), 2)
        self.assertEqual(self.run_at(due + timedelta(days=1)), 0)
        self.assertTrue(self.titles(self.member)[-1].startswith("Quá hạn: đề nghị ký “Tờ trình”"))
        [late] = self.titles(self.owner)
        self.assertTrue(late.startswith("Quá hạn: chữ ký trên văn bản “Tờ trình”"), late)
        note = Notification.objects.get(user=self.owner, kind="signing.overdue")
        self.assertIn("Đang chờ: Trần Thị Thành Viên.", note.body)
        self.assertEqual(note.url, f"/signing/requests/{req.pk}/")

    def test_in_order_the_next_signer_is_reminded_when_it_is_their_turn(self):
        req = self.request([self.member, self.chair])
        self.run_at(req.due - timedelta(hours=20))
        self.assertEqual(self.sign(req.document, self.member).status_code, 201)
        self.assertEqual(self.run_at(req.due - timedelta(hours=19)), 1)
        self.assertEqual(len(self.titles(self.chair)), 1)
        self.assertEqual(len(self.titles(self.member)), 1)  # signed: not again

    def test_in_parallel_everyone_still_to_sign(self):
        req = self.request([self.member, self.chair], sequential=False)
        self.assertEqual(self.sign(req.document, self.chair).status_code, 201)
        self.assertEqual(self.run_at(req.due - timedelta(hours=3)), 1)
        self.assertEqual(len(self.titles(self.member)), 1)
        self.assertEqual(self.titles(self.chair), [])

    def test_nothing_for_closed_requests_or_without_deadline_and_never_outsiders(self):
        req = self.request([self.member])
        self.assertEqual(self.api("post", f"/api/v1/signing/requests/{req.pk}/cancel", {"reason": "Sai"},
                                  user=self.owner).status_code, 200)
        plain = self.ask(self.make_own_document(self.owner, "Công văn"), [self.chair], user=self.owner)
        self.assertEqual(plain.status_code, 201)
        self.assertEqual(self.run_at(req.due + timedelta(days=3)), 0)
        self.assertFalse(Notification.objects.filter(title__startswith="Quá hạn").exists())
        self.assertFalse(Notification.objects.filter(user=self.outsider).exists())

    def test_a_deadline_moved_later_reminds_again(self):
        req = self.request([self.member])
        self.run_at(req.due - timedelta(hours=5))
        SigningRequest.objects.filter(pk=req.pk).update(due=req.due + timedelta(days=2))
        req.refresh_from_db()
        self.assertEqual(self.run_at(req.due - timedelta(hours=5)), 1)
        self.assertEqual(len(self.titles(self.member)), 2)
