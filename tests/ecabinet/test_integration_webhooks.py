"""Webhooks to the province's platforms (issue 13 part 5): signed per Standard Webhooks (checked
with the `standardwebhooks` library on a real HTTP receiver in a thread), retried with growing
delays (the schedule driven by the recorded next try, no sleeping), every attempt logged, replayed
from the administrator's page; events only for the endpoints' units and choices, never for a
confidential document; no redirect followed; private addresses refused unless allowed."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import override_settings
from django.utils import timezone, translation
from standardwebhooks.webhooks import Webhook

from ecabinet.actions_integration import (
    do_register_webhook,
    do_rotate_webhook_secret,
    do_set_webhook_active,
)
from ecabinet.models import AuditEvent
from ecabinet.models_integration import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ecabinet.schemas_integration import WebhookEndpointIn
from ecabinet.webhooks import RETRY_DELAYS, RefusedAddress, check_url, deliver_due
from meetings.actions.preparation import do_cancel_meeting, do_schedule_meeting, do_update_meeting
from signing.actions.notices import (
    do_approve_notice,
    do_draft_notice,
    do_issue_notice,
    do_submit_notice,
)
from signing.notices import issuing_unit
from tests.kit import factories
from tests.kit.cases import BaseTestCase, SigningTestCase
from tests.kit.factories import give_unit_certificate
from tests.kit.meetings import run_meeting
from tests.kit.users import client_for

ALL_EVENTS = ["meeting.scheduled", "meeting.changed", "meeting.started", "meeting.ended", "meeting.cancelled",
              "document.released", "notice.issued"]


class Receiver:
    """A real HTTP server on 127.0.0.1: answers each POST with the next of `codes` (then 200)
    and keeps what it received."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.received: list[tuple[dict[str, str], bytes, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body, self.path))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebhookTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.draft = factories.make_meeting(by=cls.owner, title="Họp giao ban quý IV", unit=cls.department,
                                           members=[cls.member])

    def setUp(self) -> None:
        super().setUp()
        self.receiver = Receiver().__enter__()
        self.addCleanup(self.receiver.__exit__)

    def endpoint(self, *, units=None, events=None, subunits=True, url=None) -> WebhookEndpoint:
        return do_register_webhook(actor=self.admin, data=WebhookEndpointIn(
            name="Trục LGSP", url=url or self.receiver.url, units=units or [self.department.pk],
            include_subunits=subunits, events=events or ALL_EVENTS))

    def schedule(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            do_schedule_meeting(self.draft, actor=self.owner)

    # --- signing and retries ---

    def test_signed_per_standard_webhooks_and_verified_by_the_library(self):
        endpoint = self.endpoint()
        self.schedule()
        self.assertEqual(len(self.receiver.received), 1)
        headers, body, _path = self.receiver.received[0]
        payload = Webhook(endpoint.secret).verify(body, headers)
        self.assertEqual(payload["type"], "meeting.scheduled")
        self.assertEqual(payload["data"]["meeting"]["id"], self.draft.pk)
        self.assertEqual(payload["data"]["meeting"]["title"], "Họp giao ban quý IV")
        self.assertTrue(headers["webhook-id"].startswith("msg_"))
        self.assertTrue(endpoint.secret.startswith("whsec_"))
        # another secret does not verify it
        from standardwebhooks.webhooks import WebhookVerificationError

        with self.assertRaises(WebhookVerificationError):
            Webhook("whsec_" + "QUJD" * 8).verify(body, headers)
        delivery = WebhookDelivery.objects.get()
        self.assertEqual(delivery.status, "succeeded")
        self.assertEqual(delivery.attempts.get().status_code, 200)

    def test_fails_twice_then_succeeds_three_attempts_with_growing_delays(self):
        self.endpoint()
        self.receiver.codes = [500, 503]
        self.schedule()
        delivery = WebhookDelivery.objects.get()
        first = delivery.attempts.get()
        self.assertEqual((first.status_code, delivery.status), (500, "pending"))
        self.assertEqual(first.next_attempt_at - first.at, timedelta(seconds=RETRY_DELAYS[0]))
        # not due yet: nothing is sent
        self.assertEqual(deliver_due(now=first.next_attempt_at - timedelta(seconds=1)), 0)
        self.assertEqual(len(self.receiver.received), 1)
        self.assertEqual(deliver_due(now=first.next_attempt_at), 1)
        second = WebhookAttempt.objects.get(delivery=delivery, number=2)
        self.assertEqual(second.status_code, 503)
        self.assertEqual(deliver_due(now=second.next_attempt_at), 1)
        attempts = list(delivery.attempts.order_by("number"))
        self.assertEqual([a.status_code for a in attempts], [500, 503, 200])
        delays = [b.at - a.at for a, b in zip(attempts, attempts[1:], strict=False)]
        self.assertEqual(delays, [timedelta(seconds=60), timedelta(seconds=300)])
        self.assertLess(delays[0], delays[1])
        delivery.refresh_from_db()
        self.assertEqual((delivery.status, delivery.attempt_count, delivery.next_attempt_at), ("succeeded", 3, None))
        # the same message each time, each signature valid
        ids = {headers["webhook-id"] for headers, _body, _path in self.receiver.received}
        self.assertEqual(len(ids), 1)
        secret = WebhookEndpoint.objects.get().secret
        for headers, body, _path in self.receiver.received:
            Webhook(secret).verify(body, headers)
        # done: nothing more is due
        self.assertEqual(deliver_due(now=timezone.now() + timedelta(days=2)), 0)

    def test_after_the_last_retry_the_delivery_failed(self):
        self.endpoint()
        self.receiver.codes = [500] * 10
        self.schedule()
        delivery = WebhookDelivery.objects.get()
        while True:
            delivery.refresh_from_db()
            if delivery.next_attempt_at is None:
                break
            deliver_due(now=delivery.next_attempt_at)
        self.assertEqual(delivery.status, "failed")
        self.assertEqual(delivery.attempt_count, len(RETRY_DELAYS) + 1)

    def test_a_redirect_is_not_followed(self):
        self.endpoint()
        self.receiver.codes = [302]
        self.schedule()
        attempt = WebhookAttempt.objects.get()
        self.assertEqual(attempt.status_code, 302)
        self.assertIn("redirect", attempt.error)
        self.assertEqual([p for _h, _b, p in self.receiver.received], ["/hook"])

    def test_an_unreachable_receiver_is_logged_with_its_error(self):
        self.endpoint(url="http://127.0.0.1:9/hook")
        self.schedule()
        attempt = WebhookAttempt.objects.get()
        self.assertIsNone(attempt.status_code)
        self.assertTrue(attempt.error)
        self.assertIsNotNone(attempt.next_attempt_at)

    def test_private_and_loopback_addresses_are_refused_unless_allowed(self):
        endpoint = self.endpoint()  # allowed when registered (the tests' setting)
        with override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False), translation.override("vi"):
            self.schedule()  # checked again when sent: the name may now resolve elsewhere
            for url in ("http://10.0.0.5/hook", "http://[::1]/hook", "http://169.254.169.254/latest",
                        self.receiver.url):
                with self.assertRaises(RefusedAddress):
                    check_url(url)
            with self.assertRaises(ValueError):
                self.endpoint()
        self.assertEqual(self.receiver.received, [])
        attempt = WebhookAttempt.objects.get(delivery__endpoint=endpoint)
        self.assertIn("mạng nội bộ", attempt.error)  # the worker's language: the installation's

    @override_settings(WEBHOOK_ALLOW_HTTP=False)
    def test_https_only_outside_tests(self):
        with self.assertRaises(RefusedAddress):
            check_url("http://lgsp.example.gov.vn/hook")
        self.assertEqual(check_url("https://lgsp.example.gov.vn/hook"), "https://lgsp.example.gov.vn/hook")
        for bad in ("ftp://x/", "https://user:pw@lgsp.example.gov.vn/", "https:///nohost", "javascript:alert(1)"):
            with self.assertRaises(RefusedAddress):
                check_url(bad)

    # --- which events reach which endpoint ---

    def test_only_the_endpoints_units_and_chosen_events(self):
        ours = self.endpoint(events=["meeting.cancelled"])
        self.endpoint(units=[self.other_unit.pk])  # another unit's
        self.endpoint(units=[self.committee.pk], subunits=False)  # the committee only, not below
        above = self.endpoint(units=[self.committee.pk], subunits=True)  # the committee and below
        self.schedule()
        self.assertEqual({d.endpoint_id for d in WebhookDelivery.objects.all()}, {above.pk})
        with self.captureOnCommitCallbacks(execute=True):
            do_cancel_meeting(self.draft, actor=self.owner, reason="Lãnh đạo đi công tác")
        cancelled = WebhookDelivery.objects.filter(event_type="meeting.cancelled")
        self.assertEqual({d.endpoint_id for d in cancelled}, {ours.pk, above.pk})
        self.assertEqual(cancelled.first().payload["data"]["reason"], "Lãnh đạo đi công tác")

    def test_a_draft_is_nobodys_business_outside(self):
        self.endpoint()
        with self.captureOnCommitCallbacks(execute=True):
            do_update_meeting(self.draft, actor=self.owner, title="Họp giao ban quý IV (sửa)")
            factories.upload_document(self.draft, by=self.owner, title="Dự thảo")
        self.assertEqual(WebhookDelivery.objects.count(), 0)

    def test_meeting_lifecycle_and_documents(self):
        self.endpoint()
        self.schedule()
        with self.captureOnCommitCallbacks(execute=True):
            do_update_meeting(self.draft, actor=self.owner, location="Hội trường B")
        with self.captureOnCommitCallbacks(execute=True):
            factories.upload_document(self.draft, by=self.owner, title="Tờ trình công khai")
        with self.captureOnCommitCallbacks(execute=True):
            factories.upload_document(self.draft, by=self.owner, title="Hồ sơ mật", confidential=True)
        with self.captureOnCommitCallbacks(execute=True):
            factories.start_meeting(self.draft, by=self.owner)
        with self.captureOnCommitCallbacks(execute=True):
            factories.end_meeting(self.draft, by=self.owner)
        types = list(WebhookDelivery.objects.order_by("pk").values_list("event_type", flat=True))
        self.assertEqual(types, ["meeting.scheduled", "meeting.changed", "document.released", "meeting.started",
                                 "meeting.ended"])
        changed = WebhookDelivery.objects.get(event_type="meeting.changed").payload["data"]
        self.assertEqual(changed["changed"], ["location"])
        released = WebhookDelivery.objects.get(event_type="document.released").payload["data"]["document"]
        self.assertEqual(released["title"], "Tờ trình công khai")
        self.assertEqual(len(released["sha256"]), 64)
        self.assertNotIn("Hồ sơ mật", str(list(WebhookDelivery.objects.values_list("payload", flat=True))))
        self.assertEqual(len(self.receiver.received), 5)

    def test_a_deactivated_endpoint_gets_nothing_and_a_rotated_secret_signs(self):
        endpoint = self.endpoint()
        do_set_webhook_active(endpoint, actor=self.admin, active=False)
        self.schedule()
        self.assertEqual(WebhookDelivery.objects.count(), 0)
        do_set_webhook_active(endpoint, actor=self.admin, active=True)
        old = endpoint.secret
        endpoint = do_rotate_webhook_secret(endpoint, actor=self.admin)
        self.assertNotEqual(endpoint.secret, old)
        with self.captureOnCommitCallbacks(execute=True):
            do_update_meeting(self.draft, actor=self.owner, location="Phòng 305")
        headers, body, _path = self.receiver.received[-1]
        Webhook(endpoint.secret).verify(body, headers)

    # --- replay from the administrator's page ---

    def test_the_administrator_replays_a_delivery_from_the_log(self):
        endpoint = self.endpoint()
        self.receiver.codes = [500]
        self.schedule()
        delivery = WebhookDelivery.objects.get()
        page = client_for(self.admin).get(f"/integration/webhooks/{endpoint.pk}/")
        self.assertContains(page, delivery.message_id)
        self.assertContains(page, "HTTP 500")
        with self.captureOnCommitCallbacks(execute=True):
            response = client_for(self.admin).post(f"/integration/deliveries/{delivery.pk}/replay/")
        self.assertRedirects(response, f"/integration/webhooks/{endpoint.pk}/", fetch_redirect_response=False)
        replay = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
        self.assertEqual((replay.replay_of_id, replay.status, replay.message_id),
                         (delivery.pk, "succeeded", delivery.message_id))
        self.assertEqual(len(self.receiver.received), 2)
        Webhook(endpoint.secret).verify(self.receiver.received[1][1], self.receiver.received[1][0])
        self.assertTrue(AuditEvent.objects.filter(action="integration.webhook.replay", actor=self.admin).exists())

    def test_members_and_anonymous_cannot_replay_or_read_the_log(self):
        endpoint = self.endpoint()
        self.schedule()
        delivery = WebhookDelivery.objects.get()
        for user in (self.member, self.owner, self.outsider):
            client = client_for(user)
            self.assertEqual(client.post(f"/integration/deliveries/{delivery.pk}/replay/").status_code, 403)
            self.assertEqual(client.get(f"/integration/webhooks/{endpoint.pk}/").status_code, 403)
        anonymous = self.client.post(f"/integration/deliveries/{delivery.pk}/replay/")
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/login/", anonymous["Location"])
        self.assertEqual(WebhookDelivery.objects.count(), 1)




class NoticeWebhookTests(SigningTestCase):
    """notice.issued (and the notice's document.released) from the signing app's issue action."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.rec = run_meeting(cls)
        give_unit_certificate(issuing_unit(cls.rec.meeting), by=cls.admin)
        notice, _created = do_draft_notice(cls.rec.meeting, actor=cls.secretary)
        do_submit_notice(cls.rec.meeting, actor=cls.secretary, version=notice.version)
        do_approve_notice(cls.rec.meeting, actor=cls.chair)

    def test_issuing_the_notice_tells_the_webhooks(self):
        with Receiver() as receiver:
            endpoint = do_register_webhook(actor=self.admin, data=WebhookEndpointIn(
                name="Lưu trữ tỉnh", url=receiver.url, units=[self.rec.meeting.unit_id],
                events=["notice.issued", "document.released"]))
            with self.captureOnCommitCallbacks(execute=True):
                do_issue_notice(self.rec.meeting, actor=self.admin)
            bodies = [Webhook(endpoint.secret).verify(body, headers) for headers, body, _path in receiver.received]
        self.assertEqual(sorted(b["type"] for b in bodies), ["document.released", "notice.issued"])
        notice = next(b for b in bodies if b["type"] == "notice.issued")["data"]
        self.assertEqual(notice["meeting"]["id"], self.rec.meeting.pk)
        self.assertTrue(notice["notice"]["number"])
        self.assertEqual(len(notice["notice"]["document"]["sha256"]), 64)
