"""Signing requests: who may ask, decline, cancel, remind, batch signing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecabinet.models import Notification
from signing.models import SigningRequest
from tests.kit.cases import SigningTestCase


class RequestTests(SigningTestCase):
    def test_who_may_ask(self):
        # a member of the meeting who did not upload the document may not ask
        self.assert_error(self.ask(self.minutes, [self.chair], user=self.member), 403, "forbidden")
        self.assert_error(self.ask(self.minutes, [self.chair], user=self.outsider), 404)
        self.assert_error(self.api("post", "/api/v1/signing/requests",
                                   {"document": self.minutes.pk, "signers": ["chair"]}), 401)
        # the chair runs the meeting: allowed
        self.assertEqual(self.ask(self.minutes, [self.member], user=self.chair).status_code, 201)
        # the owner of a personal document may ask anyone
        own = self.make_own_document(self.owner)
        self.assertEqual(self.ask(own, [self.member, self.outsider], user=self.owner).status_code, 201)
        # the outsider, once asked, sees the document (and can sign it)
        self.assertEqual(self.sign(own, self.member).status_code, 201)
        self.assertEqual(self.sign(own, self.outsider).status_code, 201)

    def test_bad_requests(self):
        self.assert_error(self.ask(self.minutes, [], user=self.secretary), 400, "no_signers")
        self.assert_error(self.api("post", "/api/v1/signing/requests",
                                   {"document": self.minutes.pk, "signers": ["nobody"]}, user=self.secretary),
                          400, "unknown_user")
        self.assert_error(self.ask(self.minutes, [self.chair, self.chair], user=self.secretary), 400,
                          "duplicate_signer")
        past = (timezone.now() - timedelta(days=1)).isoformat()
        self.assert_error(self.ask(self.minutes, [self.chair], user=self.secretary, due=past), 400, "bad_due")
        self.assert_error(self.api("post", "/api/v1/signing/requests", {"document": "x"}, user=self.secretary),
                          400, "bad_request")
        future = (timezone.now() + timedelta(days=2)).isoformat()
        self.assertEqual(self.ask(self.minutes, [self.chair], user=self.secretary, due=future).status_code, 201)
        self.assert_error(self.ask(self.minutes, [self.member], user=self.secretary), 409, "request_open")
        self.assertEqual(SigningRequest.objects.filter(document=self.minutes).count(), 1)

    def test_decline_with_reason(self):
        request_id = self.ask(self.minutes, [self.member, self.chair], user=self.secretary).json()["id"]
        url = f"/api/v1/signing/requests/{request_id}/decline"
        self.assert_error(self.api("post", url, {"reason": "  "}, user=self.member), 400, "reason_required")
        self.assert_error(self.api("post", url, {"reason": "x"}, user=self.guest), 404)
        self.assert_error(self.api("post", url, {"reason": "x"}, user=self.outsider), 404)
        response = self.api("post", url, {"reason": "Số liệu mục 2 chưa đúng"}, user=self.member)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "declined")
        self.assertEqual(response.json()["signers"][0]["reason"], "Số liệu mục 2 chưa đúng")
        note = Notification.objects.get(user=self.secretary, kind="signing.declined")
        self.assertEqual(note.body, "Số liệu mục 2 chưa đúng")
        # the request is closed: nobody signs under it any more
        self.assert_error(self.sign(self.minutes, self.chair), 403, "not_asked")
        self.assert_error(self.api("post", url, {"reason": "x"}, user=self.member), 409, "already_answered")

    def test_cancel_by_requester_only(self):
        request_id = self.ask(self.minutes, [self.member], user=self.secretary).json()["id"]
        url = f"/api/v1/signing/requests/{request_id}/cancel"
        self.assert_error(self.api("post", url, {"reason": "x"}, user=self.member), 403, "forbidden")
        self.assert_error(self.api("post", url, {}, user=self.outsider), 404)
        self.assert_error(self.api("post", url, {}), 401)
        response = self.api("post", url, {"reason": "Sửa lại biên bản"}, user=self.secretary)
        self.assertEqual(response.json()["status"], "cancelled")
        self.assertTrue(Notification.objects.filter(user=self.member, kind="signing.cancelled").exists())
        self.assert_error(self.sign(self.minutes, self.member), 403, "not_asked")
        self.assert_error(self.api("post", url, {}, user=self.secretary), 409, "request_closed")
        # a new request may be made after cancelling
        self.assertEqual(self.ask(self.minutes, [self.member], user=self.secretary).status_code, 201)

    def test_remind_pending_signers(self):
        request_id = self.ask(self.minutes, [self.member, self.chair], user=self.secretary).json()["id"]
        url = f"/api/v1/signing/requests/{request_id}/remind"
        self.assert_error(self.api("post", url, user=self.member), 403)
        before = Notification.objects.filter(user=self.member).count()
        response = self.api("post", url, user=self.secretary)
        self.assertEqual(response.json(), {"reminded": 1})  # sequential: only whose turn it is
        self.assertEqual(Notification.objects.filter(user=self.member).count(), before + 1)
        self.assertFalse(Notification.objects.filter(user=self.chair, kind="signing.request").exists())
        self.assert_error(self.api("post", url, user=self.secretary), 409, "reminded_recently")

    def test_status_and_pending_lists(self):
        request_id = self.ask(self.minutes, [self.member, self.chair], user=self.secretary).json()["id"]
        mine = self.api("get", "/api/v1/signing/requests?pending=true", user=self.chair).json()
        self.assertEqual([r["id"] for r in mine], [request_id])
        self.assertFalse(mine[0]["my_turn"])
        self.assertTrue(self.api("get", "/api/v1/signing/requests?pending=true", user=self.member).json()[0]["my_turn"])
        self.assertEqual(self.api("get", "/api/v1/signing/requests?pending=true", user=self.guest).json(), [])
        detail = self.api("get", f"/api/v1/signing/requests/{request_id}", user=self.secretary)
        self.assertEqual(detail.status_code, 200)
        self.assertEqual([s["user"]["username"] for s in detail.json()["signers"]], ["member", "chair"])
        self.assert_error(self.api("get", f"/api/v1/signing/requests/{request_id}", user=self.outsider), 404)
        self.assert_error(self.api("get", f"/api/v1/signing/requests/{request_id}", user=self.guest), 404)
        self.assert_error(self.api("get", f"/api/v1/signing/requests/{request_id}"), 401)


class BatchTests(SigningTestCase):
    def test_batch_sign_with_one_pin(self):
        docs = [self.make_own_document(self.owner, f"Tờ trình số {i}") for i in range(3)]
        for document in docs[:2]:
            self.assertEqual(self.ask(document, [self.member], user=self.owner).status_code, 201)
        hidden = self.make_own_document(self.outsider, "Không liên quan")
        payload = {"documents": [docs[0].pk, self.minutes.pk, docs[1].pk, hidden.pk, docs[2].pk], "pin": "pin-đúng-2026"}
        response = self.api("post", "/api/v1/signing/batch", payload, user=self.member)
        self.assertEqual(response.status_code, 200, response.content)
        results = response.json()["results"]
        self.assertEqual([r["document"] for r in results], payload["documents"])
        self.assertEqual([r["ok"] for r in results], [True, False, True, False, False])
        self.assertEqual([r["code"] for r in results], ["signed", "not_asked", "signed", "not_found", "not_found"])
        self.assertEqual(response.json()["signed"], 2)
        for document in docs[:2]:
            self.assertEqual(document.versions.count(), 2)
            self.assertEqual(SigningRequest.objects.get(document=document).status, "completed")

    def test_batch_wrong_pin_signs_nothing_and_counts_once(self):
        document = self.make_own_document(self.owner)
        self.ask(document, [self.member], user=self.owner)
        error = self.assert_error(self.api("post", "/api/v1/signing/batch",
                                           {"documents": [document.pk], "pin": "sai-pin-000"}, user=self.member),
                                  400, "wrong_pin")
        self.assertEqual(error["remaining_attempts"], 4)
        self.assertEqual(document.versions.count(), 1)
        self.assert_error(self.api("post", "/api/v1/signing/batch", {"documents": [], "pin": "x"},
                                   user=self.member), 400, "empty")
        self.assert_error(self.api("post", "/api/v1/signing/batch", {"documents": [1], "pin": "x"}), 401)
