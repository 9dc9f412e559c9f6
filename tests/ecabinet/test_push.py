"""Web Push (ecabinet/push.py): a subscription receives a real push through a push service the
test runs on loopback (decrypted with the device's keys, its VAPID token checked against the
server's public key); the categories a person switched off send nothing; a device the service
reports gone is deleted; subscribing and unsubscribing for the owner, another person, anonymous;
the profile page; the opinion-due reminder; the VAPID settings."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.templatetags.static import static
from django.test import override_settings
from django.utils import timezone

from ecabinet import push
from ecabinet.actions import do_subscribe_push, notify_users
from ecabinet.models import AuditEvent, PushSubscription, User
from ecabinet.reminders import run_all
from ecabinet.vapid import public_key_b64
from meetings.models import Meeting
from tests.ecabinet.test_settings import run_check
from tests.kit import factories
from tests.kit.cases import BaseTestCase
from tests.kit.push import Device, PushService, b64url, vapid_claims
from tests.kit.rooms import make_room

SUBSCRIPTIONS = "/api/v1/me/push-subscriptions"
ROOT = Path(__file__).resolve().parents[2]


class PushCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service = PushService().__enter__()
        self.addCleanup(self.service.__exit__)

    def subscribe(self, user: User, name: str) -> Device:
        device = Device(self.service.endpoint(name))
        response = self.api("post", SUBSCRIPTIONS, device.subscription(), user=user,
                            HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131 Mobile")
        self.assertEqual(response.status_code, 201, response.content)
        return device


class RealPushTests(PushCase):
    def test_a_subscription_receives_a_real_push_from_the_server(self):
        phone = self.subscribe(self.member, "member-phone")
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="signing.request", title="Vui lòng ký “Tờ trình số 12”",
                         body="Nguyễn Văn Chủ đề nghị đồng chí ký văn bản này.", url="/signing/requests/7/")
        [received] = self.service.to("member-phone")
        self.assertEqual(phone.read(received), {
            "title": "Vui lòng ký “Tờ trình số 12”", "body": "Nguyễn Văn Chủ đề nghị đồng chí ký văn bản này.",
            "url": "/signing/requests/7/", "tag": "signing.request:/signing/requests/7/",
            "icon": static(push.ICON),
        })
        claims = vapid_claims(received, settings.VAPID_PUBLIC_KEY)
        self.assertEqual(claims["aud"], self.service.origin)  # the endpoint's origin, nothing else
        self.assertEqual(claims["sub"], settings.VAPID_SUBJECT)
        self.assertEqual(received.headers["ttl"], "86400")
        self.assertEqual(public_key_b64(settings.VAPID_PRIVATE_KEY_FILE), settings.VAPID_PUBLIC_KEY)
        sub = PushSubscription.objects.get(endpoint=phone.endpoint)
        self.assertIsNotNone(sub.last_success_at)
        self.assertEqual((sub.user, sub.failures), (self.member, 0))
        self.assertIn("Android", sub.user_agent)

    def test_nothing_is_pushed_when_the_change_rolls_back(self):
        self.subscribe(self.member, "member-phone")
        with self.captureOnCommitCallbacks(execute=True):
            with self.assertRaises(RuntimeError), transaction.atomic():
                notify_users([self.member], kind="signing.request", title="Vui lòng ký", url="/signing/")
                raise RuntimeError("the action failed after notifying")
        self.assertEqual(self.service.received, [])

    def test_kinds_outside_the_categories_do_not_push_and_others_do_not_receive(self):
        self.subscribe(self.member, "member-phone")
        self.subscribe(self.outsider, "outsider-phone")
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="document.reviewed", title="Tài liệu đã được duyệt", url="/")
            notify_users([self.member], kind="meeting.cancelled", title="Hủy cuộc họp: Giao ban", url="/meetings/1/")
        self.assertEqual([r.path for r in self.service.received], ["/push/member-phone"])

    def test_an_invitation_pushes_to_the_invited_in_their_own_devices(self):
        meeting = factories.make_meeting(by=self.owner, title="Họp giao ban tuần", members=[self.member],
                                         starts_at=timezone.now() + timedelta(days=2), unit=self.department)
        tablet = self.subscribe(self.member, "member-tablet")
        phone = self.subscribe(self.member, "member-phone")
        self.subscribe(self.owner, "owner-phone")  # the one who schedules is not invited by it
        with self.captureOnCommitCallbacks(execute=True):
            factories.schedule_meeting(meeting, by=self.owner)
        self.assertEqual(sorted(r.path for r in self.service.received), ["/push/member-phone", "/push/member-tablet"])
        self.assertEqual(tablet.read(self.service.to("member-tablet")[0])["title"], "Giấy mời họp: Họp giao ban tuần")
        self.assertEqual(phone.read(self.service.to("member-phone")[0])["title"], "Giấy mời họp: Họp giao ban tuần")

    def test_a_change_of_time_and_a_cancellation_push_too(self):
        from meetings.actions.preparation import do_cancel_meeting, do_update_meeting

        meeting = factories.make_meeting(by=self.owner, title="Họp giao ban tuần", members=[self.member],
                                         starts_at=timezone.now() + timedelta(days=2), unit=self.department)
        factories.schedule_meeting(meeting, by=self.owner)
        phone = self.subscribe(self.member, "member-phone")
        with self.captureOnCommitCallbacks(execute=True):
            do_update_meeting(meeting, actor=self.owner, starts_at=meeting.starts_at + timedelta(hours=2),
                              ends_at=meeting.ends_at + timedelta(hours=2))
        with self.captureOnCommitCallbacks(execute=True):
            do_cancel_meeting(meeting, actor=self.owner, reason="Lãnh đạo đi công tác")
        titles = [phone.read(r)["title"] for r in self.service.to("member-phone")]
        self.assertEqual(titles, ["Thay đổi cuộc họp: Họp giao ban tuần", "Hủy cuộc họp: Họp giao ban tuần"])


class MeetingPushTests(PushCase):
    def setUp(self) -> None:
        super().setUp()
        self.room = make_room(Meeting.Status.SCHEDULED, prefix="p")

    def test_a_meeting_starting_pushes_in_each_persons_language(self):
        english = self.room.members[1]
        User.objects.filter(pk=english.pk).update(preferred_language="en")
        vietnamese = self.subscribe(self.room.member, "vi-phone")
        other = self.subscribe(english, "en-phone")
        self.subscribe(self.room.outsider, "outsider-phone")
        with self.captureOnCommitCallbacks(execute=True):
            factories.start_meeting(self.room.meeting, by=self.room.secretary)
        url = f"/meetings/{self.room.meeting.pk}/room/"
        self.assertEqual(vietnamese.read(self.service.to("vi-phone")[0]), {
            "title": "Cuộc họp đã bắt đầu: Phiên họp thường kỳ tháng 11",
            "body": "Mở phòng họp để điểm danh và theo dõi cuộc họp.", "url": url,
            "tag": f"meeting-started:{self.room.meeting.pk}", "icon": static(push.ICON)})
        self.assertEqual(other.read(self.service.to("en-phone")[0])["title"],
                         "The meeting has started: Phiên họp thường kỳ tháng 11")
        self.assertEqual(self.service.to("outsider-phone"), [])
        self.assertEqual(self.service.to("vi-phone")[0].headers["urgency"], "high")

    def test_a_vote_opening_reaches_who_may_vote_and_not_who_switched_it_off(self):
        with self.captureOnCommitCallbacks(execute=True):
            factories.start_meeting(self.room.meeting, by=self.room.secretary)
        first = self.subscribe(self.room.member, "member1")
        self.subscribe(self.room.members[1], "member2")
        self.subscribe(self.room.guest, "guest")  # guests do not vote
        self.subscribe(self.room.outsider, "outsider")
        # member2 keeps every category but the vote on
        page = self.client_for(self.room.members[1])
        response = page.post("/profile/notifications/", {"categories": [
            c for c in push.CATEGORIES if c != push.VOTE_OPENED]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(User.objects.get(pk=self.room.members[1].pk).push_muted, [push.VOTE_OPENED])
        with self.captureOnCommitCallbacks(execute=True):
            poll = factories.make_poll(self.room.meeting, by=self.room.secretary, opened_by=self.room.chair,
                                       question="Thông qua dự thảo nghị quyết?")
        self.assertEqual([r.path for r in self.service.received], ["/push/member1"])
        self.assertEqual(first.read(self.service.received[0]), {
            "title": "Đã mở biểu quyết: Phiên họp thường kỳ tháng 11", "body": "Thông qua dự thảo nghị quyết?",
            "url": f"/meetings/{self.room.meeting.pk}/room/", "tag": f"poll:{poll.pk}",
            "icon": static(push.ICON)})
        self.assertEqual(self.service.received[0].headers["ttl"], "600")


class GoneTests(PushCase):
    def test_a_device_the_service_reports_gone_is_deleted_and_audited(self):
        self.service.gone = {"old-phone"}
        self.subscribe(self.member, "old-phone")
        self.subscribe(self.member, "new-phone")
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="signing.request", title="Vui lòng ký", url="/signing/")
        self.assertEqual(len(self.service.received), 2)
        self.assertEqual(list(PushSubscription.objects.values_list("endpoint", flat=True)),
                         [self.service.endpoint("new-phone")])
        gone = AuditEvent.objects.get(action="push.gone")
        self.assertEqual((gone.details["status"], gone.object_id), (410, str(self.member.pk)))

    def test_404_too_and_other_failures_are_counted_until_the_limit(self):
        self.service.gone, self.service.gone_status = {"phone"}, 503
        self.subscribe(self.member, "phone")
        for _ in range(2):
            with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
                notify_users([self.member], kind="signing.request", title="Vui lòng ký", url="/signing/")
        self.assertEqual(PushSubscription.objects.get().failures, 2)  # a service down is not a gone device
        with override_settings(PUSH_MAX_FAILURES=3), self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="signing.request", title="Vui lòng ký", url="/signing/")
        self.assertFalse(PushSubscription.objects.exists())
        self.service.gone_status = 404
        self.subscribe(self.member, "phone")
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="signing.request", title="Vui lòng ký", url="/signing/")
        self.assertFalse(PushSubscription.objects.exists())


class SubscriptionApiTests(PushCase):
    def test_owner_subscribes_again_and_unsubscribes(self):
        device = self.subscribe(self.member, "phone")
        again = self.api("post", SUBSCRIPTIONS, device.subscription(), user=self.member)  # keys refreshed
        self.assertEqual(again.status_code, 201)
        self.assertEqual(PushSubscription.objects.filter(user=self.member).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="push.subscribe").exists())
        response = self.api("delete", SUBSCRIPTIONS, {"endpoint": device.endpoint}, user=self.member)
        self.assertEqual(response.status_code, 204)
        self.assertFalse(PushSubscription.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action="push.unsubscribe").exists())
        self.assert_error(self.api("delete", SUBSCRIPTIONS, {"endpoint": device.endpoint}, user=self.member),
                          404, "not_found")

    def test_another_person_can_neither_delete_nor_take_a_subscription(self):
        device = self.subscribe(self.member, "phone")
        self.assert_error(self.api("delete", SUBSCRIPTIONS, {"endpoint": device.endpoint}, user=self.outsider),
                          404, "not_found")
        taken = self.assert_error(self.api("post", SUBSCRIPTIONS, Device(device.endpoint).subscription(),
                                           user=self.outsider), 409, "endpoint_taken")
        self.assertIn("thông báo", taken["message"])
        sub = PushSubscription.objects.get()
        self.assertEqual((sub.user, sub.p256dh), (self.member, device.p256dh))

    def test_anonymous_is_refused(self):
        device = Device(self.service.endpoint("phone"))
        self.assert_error(self.api("post", SUBSCRIPTIONS, device.subscription()), 401)
        self.assert_error(self.api("delete", SUBSCRIPTIONS, {"endpoint": device.endpoint}), 401)
        self.assert_error(self.api("get", "/api/v1/me/push-key"), 401)
        self.assertFalse(PushSubscription.objects.exists())

    def test_the_key_is_the_servers_public_key(self):
        body = self.api("get", "/api/v1/me/push-key", user=self.member).json()
        self.assertEqual(body["public_key"], settings.VAPID_PUBLIC_KEY)
        self.assertEqual(body["categories"], list(push.CATEGORIES))
        self.assertEqual(body["enabled"], list(push.CATEGORIES))

    def test_bad_endpoints_and_keys_are_refused(self):
        good = Device(self.service.endpoint("phone")).subscription()
        for endpoint in ("http://push.example.com/x", "https://10.0.0.5/push", "https://127.0.0.1/push",
                         "https://evil.example.com/push", "ftp://fcm.googleapis.com/x", "http://192.168.1.2:8080/x",
                         "https://fcm.googleapis.com.evil.example/x", "https://user:pw@fcm.googleapis.com/x",
                         "", "https://fcm.googleapis.com/" + "a" * 1000, "https://fcm.googleapis.com/a b"):
            with self.subTest(endpoint=endpoint):
                response = self.api("post", SUBSCRIPTIONS, {**good, "endpoint": endpoint}, user=self.member)
                self.assertEqual(response.status_code, 400, response.content)
        for keys in ({"p256dh": "AAAA", "auth": good["keys"]["auth"]},
                     {"p256dh": b64url(b"\x04" + bytes(64)), "auth": good["keys"]["auth"]},  # not on the curve
                     {"p256dh": good["keys"]["p256dh"], "auth": "c2hvcnQ"},
                     {"p256dh": good["keys"]["p256dh"], "auth": "!!!!"},
                     {"p256dh": good["keys"]["p256dh"]}):
            with self.subTest(keys=keys):
                response = self.api("post", SUBSCRIPTIONS, {**good, "keys": keys}, user=self.member)
                self.assertEqual(response.status_code, 400, response.content)
        extra = self.api("post", SUBSCRIPTIONS, {**good, "admin": True}, user=self.member)
        self.assertEqual(extra.status_code, 400)
        self.assertFalse(PushSubscription.objects.exists())
        with override_settings(PUSH_ALLOW_INSECURE_ENDPOINTS=False):
            self.assert_error(self.api("post", SUBSCRIPTIONS, good, user=self.member), 400, "bad_endpoint")
        # the known push services are accepted
        fcm = {**good, "endpoint": "https://fcm.googleapis.com/fcm/send/abc:def"}
        self.assertEqual(self.api("post", SUBSCRIPTIONS, fcm, user=self.member).status_code, 201)
        mozilla = {**good, "endpoint": "https://updates.push.services.mozilla.com/wpush/v2/gAAA"}
        self.assertEqual(self.api("post", SUBSCRIPTIONS, mozilla, user=self.member).status_code, 201)

    def test_a_persons_oldest_devices_beyond_the_limit_are_dropped(self):
        with override_settings(PUSH_MAX_SUBSCRIPTIONS_PER_USER=2):
            for name in ("one", "two", "three"):
                self.subscribe(self.member, name)
        self.assertEqual(sorted(PushSubscription.objects.values_list("endpoint", flat=True)),
                         [self.service.endpoint("three"), self.service.endpoint("two")])


class PreferencesPageTests(PushCase):
    def test_the_page_shows_the_choices_and_saves_them(self):
        page = self.client_for(self.member)
        response = page.get("/profile/notifications/")
        self.assertContains(response, "Cài đặt thông báo")
        self.assertContains(response, f'data-public-key="{settings.VAPID_PUBLIC_KEY}"')
        self.assertContains(response, 'href="/profile/notifications/"')  # in the top bar
        for key in push.CATEGORIES:
            self.assertContains(response, f'value="{key}" checked')
        # Overdue rounds remind under the same choice (meetings/opinion_reminders.py): its label says so.
        self.assertContains(response, "sắp hết hạn (ngày mai) hoặc đã quá hạn")
        response = page.post("/profile/notifications/", {"categories": [push.SIGNING]})
        self.assertRedirects(response, "/profile/notifications/")
        muted = [c for c in push.CATEGORIES if c != push.SIGNING]
        self.assertEqual(User.objects.get(pk=self.member.pk).push_muted, muted)
        self.assertNotContains(page.get("/profile/notifications/"), f'value="{push.INVITATION}" checked')
        self.assertEqual(User.objects.get(pk=self.owner.pk).push_muted, [])  # nobody else's choice changed

    def test_an_unknown_category_is_refused_and_anonymous_is_sent_to_sign_in(self):
        page = self.client_for(self.member)
        response = page.post("/profile/notifications/", {"categories": ["everything", push.SIGNING]}, follow=True)
        self.assertContains(response, "Loại thông báo không có: everything")
        self.assertEqual(User.objects.get(pk=self.member.pk).push_muted, [])
        response = self.client.get("/profile/notifications/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
        self.assertEqual(self.client.post("/profile/notifications/", {"categories": []}).status_code, 302)


class OpinionDueTests(PushCase):
    def test_a_round_due_tomorrow_reminds_who_has_not_answered_once(self):
        now = timezone.now()
        meeting = factories.make_meeting(by=self.owner, title="Họp góp ý", members=[self.member, self.guest],
                                         starts_at=now + timedelta(days=7), unit=self.department)
        soon = factories.make_round(by=self.owner, asked=[self.member, self.guest], title="Dự thảo quy chế",
                                    deadline=now + timedelta(hours=20), meeting=meeting)
        factories.make_round(by=self.owner, asked=[self.member], title="Dự thảo kế hoạch",
                             deadline=now + timedelta(days=5), meeting=meeting)
        from meetings.actions.opinions import do_answer

        do_answer(soon, actor=self.guest, choice="agree")
        phone = self.subscribe(self.member, "member-phone")
        self.subscribe(self.guest, "guest-phone")
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(run_all(now)["opinion-due"], 1)
        [received] = self.service.received
        self.assertEqual(received.path, "/push/member-phone")
        payload = phone.read(received)
        self.assertEqual(payload["title"], "Hạn góp ý vào ngày mai: ý kiến của đồng chí về “Dự thảo quy chế”")
        self.assertEqual(payload["url"], f"/opinions/{soon.pk}/")
        self.assertTrue(self.member.notifications.filter(kind="opinion.due").exists())
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(run_all(now)["opinion-due"], 0)  # once
        self.assertEqual(len(self.service.received), 1)


@pytest.mark.django_db(transaction=True)
def test_the_thread_pool_posts_after_commit_and_records_the_outcome(settings):
    """PUSH_WORKERS > 0, as in production: the request does not wait; drain() waits here."""
    from tests.kit.users import make_user

    settings.PUSH_WORKERS = 2
    person = make_user("poolperson", full_name="Người Dùng Thử")
    with PushService() as service:
        device = Device(service.endpoint("phone"))
        sub = do_subscribe_push(actor=person, endpoint=device.endpoint, p256dh=device.p256dh,
                                auth=device.subscription()["keys"]["auth"])
        with transaction.atomic():
            notify_users([person], kind="signing.request", title="Vui lòng ký", url="/signing/")
        push.drain(timeout=30)
        [received] = service.received
        assert device.read(received)["title"] == "Vui lòng ký"
    sub.refresh_from_db()
    assert sub.last_success_at is not None


def test_vapid_key_is_generated_once_private_and_kept(tmp_path):
    env = {"VAR_DIR": str(tmp_path), "DEBUG": "1"}
    base = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DEBUG", "SECRET_KEY"}}
    command = [sys.executable, "manage.py", "vapid_keys"]
    first = subprocess.run(command, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "vapid_private.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    before = key_file.read_bytes()
    second = subprocess.run(command, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert key_file.read_bytes() == before
    assert first.stdout.strip() == second.stdout.strip() == public_key_b64(key_file)
    assert len(first.stdout.strip()) == 87  # 65 bytes, base64url without padding


@pytest.mark.parametrize(("env", "message"), [
    ({"VAPID_SUBJECT": "admin@example.gov.vn"}, "VAPID_SUBJECT must be a mailto: address or an https: URL"),
    ({"VAPID_SUBJECT": "http://example.gov.vn"}, "VAPID_SUBJECT must be a mailto: address or an https: URL"),
    ({"VAPID_PRIVATE_KEY_FILE": "/nonexistent/vapid.pem"}, "VAPID_PRIVATE_KEY_FILE names no file"),
    ({"VAPID_PRIVATE_KEY_FILE": str(ROOT / "pyproject.toml")}, "not an unencrypted private key in PEM"),
    ({"PUSH_WORKERS": "many"}, "PUSH_WORKERS must be an integer"),
    ({"PUSH_SERVICE_HOSTS": "https://fcm.googleapis.com/"}, "PUSH_SERVICE_HOSTS must list host names"),
])
def test_bad_push_settings_are_refused(env, message):
    result = run_check({"DEBUG": "1", **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_payload_stays_small():
    person = User(username="x", full_name="X", preferred_language="vi")
    payload = push.payload_for(person, title="T" * 500, body="Đ" * 5000, url="/meetings/1/", tag="t")
    assert len(payload) <= push.PAYLOAD_MAX_BYTES
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example/x", "javascript:alert(1)"):
        assert json.loads(push.payload_for(person, title="T", body="", url=elsewhere, tag="t"))["url"] == "/"

