"""The hall screen (fn121): its links (create, list, revoke: pages and API, every role), the
screen's page and QR code by token (valid, revoked, garbage, expired), and what the display
viewer's snapshot holds (the room's own rules: nothing personal, no counts a poll hides)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecabinet.models import AuditEvent
from meetings.access import HALL_DISPLAYS_MAX, HALL_GRACE_HOURS, display_access, meeting_access
from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.actions.hall import do_revoke_hall_display
from meetings.live.snapshot import build_snapshot
from meetings.models import HallDisplay, Meeting
from tests.kit.factories import make_hall_display
from tests.kit.rooms import make_room
from tests.kit.users import client_for


def plain(html: bytes) -> bytes:
    """A page without its per-response tokens (CSRF, CSP nonce)."""
    return re.sub(rb'(value|nonce)="[^"]*"', b"", html)


FORBIDDEN_VI = "Chỉ chủ trì hoặc thư ký cuộc họp được quản lý các đường dẫn màn hình hội trường."


class HallCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.room = make_room()
        cls.meeting = cls.room.meeting
        cls.chair, cls.secretary, cls.member = cls.room.chair, cls.room.secretary, cls.room.member
        cls.guest, cls.outsider = cls.room.guest, cls.room.outsider

    def api(self, method: str, path: str, data=None, *, user=None):
        client = client_for(user) if user is not None else Client()
        with self.captureOnCommitCallbacks(execute=True):
            if data is None:
                return getattr(client, method)(path)
            return getattr(client, method)(path, data, content_type="application/json")

    def assert_refused(self, response, status: int, code: str, message: str | None = None) -> None:
        self.assertEqual(response.status_code, status, response.content[:300])
        error = response.json()["error"]
        self.assertEqual(error["code"], code)
        if message is not None:
            self.assertEqual(error["message"], message)

    def audits(self, action: str) -> int:
        return AuditEvent.objects.filter(action=action).count()


class HallLinkApiTests(HallCase):
    def url(self) -> str:
        return f"/api/v1/meetings/{self.meeting.pk}/hall-displays"

    def test_chair_and_secretary_create_list_and_revoke(self):
        for user, label in ((self.chair, "Hội trường A"), (self.secretary, "Phòng họp B")):
            response = self.api("post", self.url(), {"label": label}, user=user)
            self.assertEqual(response.status_code, 200, response.content)
            body = response.json()
            self.assertEqual(body["label"], label)
            self.assertEqual(len(body["token"]), 43)
            self.assertTrue(body["url"].endswith(f"/hall/{body['token']}/"))
            display = HallDisplay.objects.get(pk=body["id"])
            self.assertNotEqual(display.token_hash, body["token"])  # only the hash is kept
            self.assertNotIn(body["token"], str(HallDisplay.objects.filter(pk=body["id"]).values().first()))
        self.assertEqual(self.audits("hall_display.create"), 2)
        listed = self.api("get", self.url(), user=self.secretary).json()["items"]
        self.assertEqual([d["label"] for d in listed], ["Hội trường A", "Phòng họp B"])
        self.assertTrue(all(d["token"] is None and d["url"] is None for d in listed))
        revoked = self.api("post", f"/api/v1/hall-displays/{listed[0]['id']}/revoke", user=self.secretary)
        self.assertEqual(revoked.status_code, 200, revoked.content)
        self.assertIsNotNone(revoked.json()["revoked_at"])
        self.assertEqual(self.audits("hall_display.revoke"), 1)
        # again: nothing changes, nothing more is audited
        self.assertEqual(self.api("post", f"/api/v1/hall-displays/{listed[0]['id']}/revoke",
                                  user=self.chair).status_code, 200)
        self.assertEqual(self.audits("hall_display.revoke"), 1)
        self.assertEqual([d["label"] for d in self.api("get", self.url(), user=self.chair).json()["items"]],
                         ["Phòng họp B"])

    def test_member_guest_outsider_and_anonymous_may_not(self):
        display, _token = make_hall_display(self.meeting, by=self.secretary)
        before = (HallDisplay.objects.count(), self.audits("hall_display.create") + self.audits("hall_display.revoke"))
        for user in (self.member, self.guest):
            self.assert_refused(self.api("post", self.url(), {"label": "Hội trường"}, user=user), 403, "forbidden",
                                FORBIDDEN_VI)
            self.assert_refused(self.api("get", self.url(), user=user), 403, "forbidden", FORBIDDEN_VI)
            self.assert_refused(self.api("post", f"/api/v1/hall-displays/{display.pk}/revoke", user=user),
                                403, "forbidden", FORBIDDEN_VI)
        for method, path, data in (("post", self.url(), {"label": "Hội trường"}), ("get", self.url(), None),
                                   ("post", f"/api/v1/hall-displays/{display.pk}/revoke", None)):
            self.assert_refused(self.api(method, path, data, user=self.outsider), 404, "not_found")
            self.assertEqual(self.api(method, path, data).status_code, 401)
        self.assertEqual((HallDisplay.objects.count(), self.audits("hall_display.create") + self.audits("hall_display.revoke")), before)
        display.refresh_from_db()
        self.assertIsNone(display.revoked_at)

    def test_a_link_of_another_meeting_is_not_found(self):
        other = make_room(prefix="o")
        display, _token = make_hall_display(other.meeting, by=other.secretary)
        self.assert_refused(self.api("post", f"/api/v1/hall-displays/{display.pk}/revoke", user=self.secretary),
                            404, "not_found", "Không tìm thấy đường dẫn màn hình hội trường.")
        self.assert_refused(self.api("post", "/api/v1/hall-displays/999999999/revoke", user=self.secretary),
                            404, "not_found")

    def test_bad_input_is_refused_clearly(self):
        cases = [{"label": ""}, {"label": "   "}, {"label": "Hội\ntrường"}, {"label": "x" * 101}, {},
                 {"label": 5}, {"label": None}, "not json", ["label"]]
        for data in cases:
            response = self.api("post", self.url(), data, user=self.secretary)
            self.assertEqual(response.status_code, 400, (data, response.content))
            self.assertTrue(response.json()["error"]["message"])
        self.assertEqual(HallDisplay.objects.count(), 0)
        self.assertEqual(self.api("post", self.url(), {"label": "x" * 100}, user=self.secretary).status_code, 200)

    def test_not_after_the_meeting_and_not_too_many(self):
        for i in range(HALL_DISPLAYS_MAX):
            make_hall_display(self.meeting, by=self.secretary, label=f"Màn hình {i}")
        self.assert_refused(self.api("post", self.url(), {"label": "Thêm"}, user=self.secretary), 409, "too_many")
        room_actions.do_end_meeting(self.meeting, actor=self.chair)
        self.assert_refused(self.api("post", self.url(), {"label": "Thêm"}, user=self.secretary), 409, "bad_status")
        self.assertEqual(HallDisplay.objects.count(), HALL_DISPLAYS_MAX)


class HallLinkPageTests(HallCase):
    def page(self) -> str:
        return f"/meetings/{self.meeting.pk}/hall/"

    def test_runners_see_create_and_revoke(self):
        for user in (self.chair, self.secretary):
            self.assertEqual(client_for(user).get(self.page()).status_code, 200)
        client = client_for(self.secretary)
        response = client.post(self.page(), {"label": "Hội trường tầng 3"})
        self.assertEqual(response.status_code, 200)
        url = response.context["created"]["url"]
        self.assertContains(response, url)
        self.assertEqual(response["Referrer-Policy"], "no-referrer")
        token = url.rstrip("/").rsplit("/", 1)[1]
        again = client.get(self.page())
        self.assertContains(again, "Hội trường tầng 3")
        self.assertNotContains(again, token)  # shown once
        display = HallDisplay.objects.get()
        response = client.post(f"/meetings/{self.meeting.pk}/hall/{display.pk}/revoke/")
        self.assertRedirects(response, self.page(), fetch_redirect_response=False)
        display.refresh_from_db()
        self.assertIsNotNone(display.revoked_at)
        self.assertContains(client.get(self.page()), "Đã thu hồi đường dẫn “Hội trường tầng 3”")

    def test_others_get_nothing(self):
        display, _token = make_hall_display(self.meeting, by=self.secretary)
        for user in (self.member, self.guest, self.outsider):
            client = client_for(user)
            self.assertEqual(client.get(self.page()).status_code, 404)
            self.assertEqual(client.post(self.page(), {"label": "Hội trường"}).status_code, 404)
            self.assertEqual(client.post(f"/meetings/{self.meeting.pk}/hall/{display.pk}/revoke/").status_code, 404)
        anonymous = Client()
        for response in (anonymous.get(self.page()), anonymous.post(self.page(), {"label": "x"}),
                         anonymous.post(f"/meetings/{self.meeting.pk}/hall/{display.pk}/revoke/")):
            self.assertEqual(response.status_code, 302)
            self.assertIn("/login/", response["Location"])
        self.assertEqual(HallDisplay.objects.count(), 1)
        display.refresh_from_db()
        self.assertIsNone(display.revoked_at)

    def test_the_list_costs_the_same_for_one_link_or_many(self):
        client = client_for(self.secretary)
        make_hall_display(self.meeting, by=self.secretary)
        client.get(self.page())  # session and caches warm
        with CaptureQueriesContext(connection) as one:
            self.assertEqual(client.get(self.page()).status_code, 200)
        for i in range(5):
            make_hall_display(self.meeting, by=self.chair if i % 2 else self.secretary, label=f"Màn hình {i}")
        client.get(self.page())  # the menu's counts, forgotten by the secretary's own changes, kept again
        with CaptureQueriesContext(connection) as six:
            response = client.get(self.page())
        self.assertEqual(len(response.context["displays"]), 6)
        self.assertEqual(len(six.captured_queries), len(one.captured_queries))
        # the screen's own page: a fixed handful whatever the room holds
        _display, token = make_hall_display(self.meeting, by=self.secretary, label="Sảnh")
        with self.assertNumQueries(1):
            self.assertEqual(Client().get(f"/hall/{token}/").status_code, 200)

    def test_a_bad_label_shows_the_form_again(self):
        response = client_for(self.secretary).post(self.page(), {"label": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Hãy đặt tên cho đường dẫn", status_code=400)
        self.assertEqual(HallDisplay.objects.count(), 0)

    def test_the_meeting_page_and_the_console_link_to_it(self):
        for path in (f"/meetings/{self.meeting.pk}/", f"/meetings/{self.meeting.pk}/room/"):
            self.assertContains(client_for(self.secretary).get(path), self.page())
            self.assertNotContains(client_for(self.member).get(path), self.page())


class HallScreenPageTests(HallCase):
    def test_a_valid_token_shows_the_screen_without_a_login(self):
        _display, token = make_hall_display(self.meeting, by=self.secretary)
        response = Client().get(f"/hall/{token}/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.meeting.title)
        self.assertContains(response, f"/ws/hall/{token}/")
        self.assertEqual(response["Referrer-Policy"], "no-referrer")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("script-src", response["Content-Security-Policy"])
        # nothing else of the app, whoever is signed in on the hall's computer
        signed_in = client_for(self.secretary).get(f"/hall/{token}/")
        for text in ("mainnav", "Đăng xuất", self.secretary.full_name, 'class="topbar"', "data-user="):
            self.assertNotContains(signed_in, text)

    def test_revoked_garbage_and_expired_tokens_are_a_plain_404(self):
        display, token = make_hall_display(self.meeting, by=self.secretary)
        unknown = Client().get("/hall/" + "A" * 43 + "/")
        self.assertEqual(unknown.status_code, 404)
        for bad in ("x", "A" * 300, token[:-1], token.upper()):
            self.assertEqual(Client().get(f"/hall/{bad}/").status_code, 404)
        do_revoke_hall_display(display, actor=self.secretary)
        revoked = Client().get(f"/hall/{token}/")
        self.assertEqual(revoked.status_code, 404)
        self.assertEqual(plain(revoked.content), plain(unknown.content))  # no hint: the page of any unknown address
        self.assertEqual(Client().get(f"/hall/{token}/qr.svg").status_code, 404)

    def test_the_link_ends_with_its_meeting(self):
        _display, token = make_hall_display(self.meeting, by=self.secretary)
        room_actions.do_end_meeting(self.meeting, actor=self.chair)
        self.assertEqual(Client().get(f"/hall/{token}/").status_code, 200)  # the results stay a while
        Meeting.objects.filter(pk=self.meeting.pk).update(
            ended_at=timezone.now() - timedelta(hours=HALL_GRACE_HOURS, minutes=1))
        self.assertEqual(Client().get(f"/hall/{token}/").status_code, 404)
        other = make_room(prefix="c", status=Meeting.Status.SCHEDULED)
        _display, token = make_hall_display(other.meeting, by=other.secretary)
        self.assertEqual(Client().get(f"/hall/{token}/").status_code, 200)
        Meeting.objects.filter(pk=other.meeting.pk).update(status=Meeting.Status.CANCELLED)
        self.assertEqual(Client().get(f"/hall/{token}/").status_code, 404)

    def test_the_check_in_qr_code_by_token(self):
        _display, token = make_hall_display(self.meeting, by=self.secretary)
        response = Client().get(f"/hall/{token}/qr.svg")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/svg+xml")
        self.assertIn(b"<svg", response.content)
        # the code in it checks a member in, like the console's
        code = room_actions._checkin_token(self.meeting.room_state)
        self.assertTrue(room_actions.check_checkin_token(self.meeting, code))
        scheduled = make_room(prefix="s", status=Meeting.Status.SCHEDULED)
        _display, token = make_hall_display(scheduled.meeting, by=scheduled.secretary)
        self.assertEqual(Client().get(f"/hall/{token}/qr.svg").status_code, 409)


class DisplaySnapshotTests(HallCase):
    """The display viewer goes through the room's own rules: what every participant sees."""

    def test_secret_and_hidden_counts_never_reach_the_display(self):
        room = self.room
        for person in (room.chair, *room.members):
            room_actions.do_check_in(self.meeting, actor=person)
        secret = room_polls.do_create_poll(self.meeting, actor=room.secretary, question="Bầu trưởng ban (kín)?",
                                           secret=True)
        hidden = room_polls.do_create_poll(self.meeting, actor=room.secretary, question="Thông qua tờ trình?")
        shown = room_polls.do_create_poll(self.meeting, actor=room.secretary, question="Thông qua báo cáo?",
                                          show_live=True)
        for poll in (secret, hidden, shown):
            room_polls.do_open_poll(poll, actor=room.chair)
            room_polls.do_cast_ballot(poll, actor=room.member, choice="agree")
            room_polls.do_cast_ballot(poll, actor=room.chair, choice="disagree")
        room_actions.do_request_floor(self.meeting, actor=room.member)
        state = build_snapshot(display_access(Meeting.objects.get(pk=self.meeting.pk)))["state"]
        polls = {p["id"]: p for p in state["polls"]}
        self.assertEqual([o["count"] for o in polls[secret.pk]["options"]], [None, None, None])
        self.assertEqual([o["count"] for o in polls[hidden.pk]["options"]], [None, None, None])
        self.assertEqual([o["count"] for o in polls[shown.pk]["options"]], [1, 1, 0])
        self.assertEqual(polls[secret.pk]["votes_cast"], 2)
        self.assertEqual(state["poll_voters"], [])
        self.assertEqual(state["my_votes"], [])
        self.assertEqual(state["speech_notes"], [])
        self.assertEqual(state["documents"], [])
        self.assertEqual(state["viewer"], {"participant": None, "vote_seat": None})
        self.assertFalse(any(state["permissions"].values()))
        # the same polls as a member's (one rule), nothing more
        member_state = build_snapshot(meeting_access(room.member, self.meeting.pk))["state"]
        self.assertEqual(state["polls"], member_state["polls"])
        self.assertEqual(state["speakers"], member_state["speakers"])
        # once closed, the results as everyone sees them
        room_polls.do_close_poll(secret, actor=room.chair)
        state = build_snapshot(display_access(Meeting.objects.get(pk=self.meeting.pk)))["state"]
        closed = next(p for p in state["polls"] if p["id"] == secret.pk)
        self.assertEqual([o["count"] for o in closed["options"]], [1, 1, 0])
        self.assertIsNotNone(closed["result"])
        self.assertNotIn("choice", str(closed))
