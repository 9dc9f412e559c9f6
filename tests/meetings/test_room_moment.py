"""No button that makes no sense in the meeting's state (issue 11): meetings/access.py
meeting_allows says what the meeting's moment allows; the actions refuse exactly the other
moments, and the room page, the meeting page, the API and the live snapshot say the same."""

from __future__ import annotations

import re

from django.db import transaction

from ecabinet.errors import ActionError, ConflictError
from meetings.access import meeting_access, meeting_allows
from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.live.snapshot import build_snapshot
from meetings.models import Meeting
from tests.kit.cases import BaseTestCase
from tests.kit.factories import bring_to
from tests.kit.rooms import make_room


def outcome(action) -> str:
    """"ok", "conflict" (refused because of the meeting's moment) or "refused" (anything else);
    the change is undone either way."""
    savepoint = transaction.savepoint()
    try:
        action()
        return "ok"
    except ConflictError as exc:
        return "conflict:" + exc.code
    except ActionError as exc:
        return "refused:" + exc.code
    finally:
        transaction.savepoint_rollback(savepoint)


def button_hidden(html: str, testid: str) -> bool | None:
    """Whether the button with data-testid=`testid` carries `hidden`; None when it is absent."""
    match = re.search(r'<button[^>]*data-testid="' + re.escape(testid) + r'"[^>]*>', html)
    return None if match is None else " hidden" in match.group(0)


class MeetingMomentTests(BaseTestCase):
    def setUp(self):
        self.room = make_room(status=Meeting.Status.SCHEDULED, prefix="mm")
        self.m = self.room.meeting
        # A draft vote prepared before the meeting (allowed at any moment).
        self.poll = room_polls.do_create_poll(self.m, actor=self.room.secretary, question="Thông qua tờ trình?")

    def fresh(self) -> Meeting:
        return Meeting.objects.get(pk=self.m.pk)

    def actions(self):
        m, runner, member = self.fresh(), self.room.secretary, self.room.member
        return {
            "start": lambda: room_actions.do_start_meeting(m, actor=runner),
            "end": lambda: room_actions.do_end_meeting(m, actor=runner),
            "check_in": lambda: room_actions.do_check_in(m, actor=member, remote=True),
            "floor": lambda: room_actions.do_request_floor(m, actor=member),
            "open_poll": lambda: room_polls.do_open_poll(self.poll, actor=runner),
            "steer": lambda: room_actions.do_set_current_item(m, self.room.items[1], actor=runner),
        }

    def test_each_flag_says_whether_the_moment_lets_the_action_through(self):
        expected = {
            "scheduled": {"start": True, "end": False, "check_in": False, "floor": False, "open_poll": False,
                          "steer": False, "enter_room": True},
            "in_progress": {"start": False, "end": True, "check_in": True, "floor": True, "open_poll": True,
                            "steer": True, "enter_room": True},
            "ended": {"start": False, "end": False, "check_in": False, "floor": False, "open_poll": False,
                      "steer": False, "enter_room": True},
        }
        for status in ("scheduled", "in_progress", "ended"):
            bring_to(self.fresh(), status, by=self.room.secretary)
            with self.subTest(status=status):
                allows = meeting_allows(self.fresh())
                self.assertEqual(allows, expected[status])
                for flag, action in self.actions().items():
                    result = outcome(action)
                    # Allowed: the person gets through; not allowed: refused for the moment, a 409.
                    self.assertEqual(result == "ok", allows[flag], (status, flag, result))
                    if not allows[flag]:
                        self.assertTrue(result.startswith("conflict:"), (status, flag, result))

    def test_a_cancelled_or_draft_meeting_has_no_room_to_enter(self):
        for status in ("draft", "cancelled"):
            self.assertFalse(meeting_allows(Meeting(status=status))["enter_room"])
            self.assertFalse(meeting_allows(Meeting(status=status))["check_in"])

    def test_pages_api_and_snapshot_agree(self):
        for status in ("scheduled", "in_progress", "ended"):
            bring_to(self.fresh(), status, by=self.room.secretary)
            allows = meeting_allows(self.fresh())
            with self.subTest(status=status):
                for user in (self.room.chair, self.room.member, self.room.guest):
                    detail = self.api("get", f"/api/v1/meetings/{self.m.pk}", user=user).json()
                    self.assertEqual(detail["allows"], allows)
                    snapshot = build_snapshot(meeting_access(user, self.m.pk))
                    self.assertEqual(snapshot["state"]["meeting"]["allows"], allows)
                    page = self.client_for(user).get(f"/meetings/{self.m.pk}/room/")
                    self.assertEqual(page.context["allows"], allows)
                chair = self.client_for(self.room.chair).get(f"/meetings/{self.m.pk}/room/").content.decode()
                self.assertEqual(button_hidden(chair, "start"), not allows["start"])
                self.assertEqual(button_hidden(chair, "end"), not allows["end"])
                member = self.client_for(self.room.member).get(f"/meetings/{self.m.pk}/room/").content.decode()
                # Members have no console at all; their check-in shows only while the meeting runs.
                self.assertIsNone(button_hidden(member, "start"))
                self.assertIsNone(button_hidden(member, "end"))
                box = re.search(r'<div class="row" id="checkin-buttons"[^>]*>', member).group(0)
                self.assertEqual(" hidden" in box, not allows["check_in"])
                asks = re.search(r'<div class="row" id="ask-buttons"[^>]*>', member).group(0)
                self.assertEqual(" hidden" in asks, not allows["floor"])

    def test_meeting_page_enters_the_room_only_when_there_is_one(self):
        client = self.client_for(self.room.member)
        self.assertContains(client.get(f"/meetings/{self.m.pk}/"), 'data-testid="enter-room"')
        Meeting.objects.filter(pk=self.m.pk).update(status=Meeting.Status.CANCELLED)
        self.assertNotContains(client.get(f"/meetings/{self.m.pk}/"), 'data-testid="enter-room"')

    def test_outsider_and_anonymous_learn_nothing(self):
        self.assertEqual(self.api("get", f"/api/v1/meetings/{self.m.pk}", user=self.room.outsider).status_code, 404)
        self.assertEqual(self.client_for(self.room.outsider).get(f"/meetings/{self.m.pk}/room/").status_code, 404)
        self.assertEqual(self.client.get(f"/meetings/{self.m.pk}/room/").status_code, 302)

    def test_the_qr_check_in_page_offers_the_button_only_while_the_meeting_runs(self):
        client = self.client_for(self.room.member)
        url = f"/meetings/{self.m.pk}/room/checkin/?t=x"
        for status, offered in (("scheduled", False), ("in_progress", True), ("ended", False)):
            bring_to(self.fresh(), status, by=self.room.secretary)
            with self.subTest(status=status):
                page = client.get(url)
                self.assertEqual(page.status_code, 200)
                self.assertEqual('data-testid="qr-checkin"' in page.content.decode(), offered)
                self.assertEqual('data-testid="checkin-closed"' in page.content.decode(), not offered)
        self.assertEqual(self.client_for(self.room.outsider).get(url).status_code, 404)
