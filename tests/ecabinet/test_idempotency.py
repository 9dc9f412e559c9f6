"""Idempotency keys (ecabinet/idempotency.py): a change sent again with the same key is applied
once and answered the same; a key reused for another request is refused; keys are per user."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecabinet.idempotency import IDEMPOTENCY_DAYS
from ecabinet.models import IdempotencyKey
from meetings.models import PersonalNote
from tests.kit.cases import BaseTestCase
from tests.kit.meetings import make_documents_meeting

KEY = "5b0c43f4-5d2a-4b8e-9a55-2f4c3c1e9d10"


class IdempotencyTests(BaseTestCase):
    def setUp(self) -> None:
        self.meeting = make_documents_meeting(self)

    def note(self, user, key: str | None = KEY, text: str = "Ghi chú khi mất mạng", **extra):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
        return self.api("post", "/api/v1/notes", {"meeting": self.meeting.pk, "text": text}, user=user,
                        **headers, **extra)

    def test_same_key_twice_is_applied_once_with_the_same_answer(self):
        first = self.note(self.member)
        second = self.note(self.member)
        self.assertEqual((first.status_code, second.status_code), (201, 201))
        self.assertEqual(first.json(), second.json())
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertFalse(first.has_header("Idempotent-Replayed"))
        self.assertEqual(PersonalNote.objects.filter(user=self.member).count(), 1)
        self.assertEqual(IdempotencyKey.objects.filter(user=self.member, key=KEY).count(), 1)
        # without a key, the same body is a new note each time
        self.note(self.member, key=None)
        self.assertEqual(PersonalNote.objects.filter(user=self.member).count(), 2)

    def test_a_refusal_is_replayed_too(self):
        first = self.note(self.member, text="   ")
        second = self.note(self.member, text="   ")
        self.assert_error(first, 400, "empty_note")
        self.assertEqual(second.json(), first.json())
        self.assertFalse(PersonalNote.objects.exists())

    def test_same_key_with_another_body_is_refused_422(self):
        self.note(self.member)
        other = self.note(self.member, text="Một ghi chú khác")
        error = self.assert_error(other, 422, "idempotency_key_reused")
        self.assertIn("Idempotency-Key", error["message"])
        self.assertIn("khác", error["message"])  # Vietnamese by default
        self.assertEqual(list(PersonalNote.objects.values_list("text", flat=True)), ["Ghi chú khi mất mạng"])
        # another path with the same key is another request as well
        response = self.api("patch", "/api/v1/notes/999999", {"text": "x"}, user=self.member,
                            HTTP_IDEMPOTENCY_KEY=KEY)
        self.assert_error(response, 422, "idempotency_key_reused")

    def test_another_users_key_is_not_theirs(self):
        mine = self.note(self.member)
        theirs = self.note(self.owner, text="Ghi chú của thư ký")
        self.assertEqual((mine.status_code, theirs.status_code), (201, 201))
        self.assertNotEqual(mine.json()["id"], theirs.json()["id"])
        self.assertEqual(theirs.json()["text"], "Ghi chú của thư ký")
        self.assertFalse(theirs.has_header("Idempotent-Replayed"))
        self.assertEqual(PersonalNote.objects.get(user=self.owner).text, "Ghi chú của thư ký")
        # an outsider replaying the member's key gets their own (refused) answer, not the member's note
        outsider = self.note(self.outsider)
        self.assert_error(outsider, 404)
        self.assertNotIn("Ghi chú", outsider.content.decode())
        # anonymous: no key is kept, the API's 401
        self.assert_error(self.note(None), 401)
        self.assertEqual(IdempotencyKey.objects.filter(key=KEY).count(), 3)

    def test_bearer_token_clients_get_the_same(self):
        from ecabinet.actions import do_issue_api_token

        _row, token = do_issue_api_token(actor=self.member)
        first = self.note(None, token=token)
        second = self.note(None, token=token)
        self.assertEqual((first.status_code, second.status_code), (201, 201))
        self.assertEqual(first.json(), second.json())
        self.assertEqual(PersonalNote.objects.filter(user=self.member).count(), 1)
        self.assert_error(self.note(None, token="not-a-token"), 401)

    def test_a_bad_key_is_refused(self):
        self.assert_error(self.note(self.member, key="x" * 101), 400, "bad_idempotency_key")
        self.assert_error(self.note(self.member, key="có dấu"), 400, "bad_idempotency_key")
        self.assertFalse(PersonalNote.objects.exists())

    def test_a_request_still_running_is_not_run_again(self):
        IdempotencyKey.objects.create(user=self.member, key=KEY, fingerprint="0" * 64)
        self.assert_error(self.note(self.member), 422)  # another body: refused outright
        row = IdempotencyKey.objects.get()
        from ecabinet.idempotency import fingerprint

        request = self.api("post", "/api/v1/notes", {"meeting": self.meeting.pk, "text": "Ghi chú khi mất mạng"},
                           user=self.member).wsgi_request
        row.fingerprint = fingerprint(request)
        row.save()
        self.assert_error(self.note(self.member), 409, "idempotency_in_progress")
        self.assertEqual(PersonalNote.objects.count(), 1)  # only the request above, sent without a key
        # a request that never finished (its server stopped): after a while the retry runs
        IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=6))
        self.assertEqual(self.note(self.member).status_code, 201)
        self.assertEqual(PersonalNote.objects.count(), 2)
        self.assertEqual(IdempotencyKey.objects.get().status, 201)

    def test_an_expired_key_may_be_used_again(self):
        self.note(self.member)
        IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(days=IDEMPOTENCY_DAYS + 1))
        again = self.note(self.member, text="Sau một tuần")
        self.assertEqual(again.status_code, 201)
        self.assertEqual(PersonalNote.objects.count(), 2)
        self.assertEqual(IdempotencyKey.objects.count(), 1)

    def test_pages_and_reads_ignore_the_header(self):
        response = self.api("get", "/api/v1/notes", user=self.member, HTTP_IDEMPOTENCY_KEY=KEY)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(IdempotencyKey.objects.exists())
