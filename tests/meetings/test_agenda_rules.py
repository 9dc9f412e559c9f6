"""One agenda, one set of rules: the preparation page, the preparation API and the live room
change the agenda through the same actions (meetings/actions/agenda.py), so the status rule,
the title cap and the optimistic version hold at every door."""

from __future__ import annotations

from meetings.actions import room as room_actions
from meetings.actions.preparation import do_cancel_meeting
from meetings.models import AgendaItem, Meeting
from tests.kit.cases import PrepTestCase


class LiveRoomAgendaFollowsTheMeetingStatus(PrepTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.item = self.meeting.agenda_items.get()
        self.live = f"/api/v1/meetings/{self.meeting.pk}/live"

    def start(self) -> None:
        self.schedule()
        room_actions.do_start_meeting(self.meeting, actor=self.owner)

    def test_an_ended_meeting_keeps_its_agenda(self):
        self.start()
        room_actions.do_end_meeting(self.meeting, actor=self.owner)
        before = list(AgendaItem.objects.filter(meeting=self.meeting).values_list("title", "position", "status"))
        self.assert_error(self.api("post", f"{self.live}/items", {"title": "Việc phát sinh"}, user=self.owner),
                          409, "meeting_ended")
        self.assert_error(self.api("post", f"/api/v1/live/items/{self.item.pk}", {"title": "Sửa sau họp"},
                                   user=self.owner), 409, "meeting_ended")
        self.assert_error(self.api("post", f"{self.live}/reorder", {"order": [self.item.pk]}, user=self.owner),
                          409, "meeting_ended")
        self.assert_error(self.api("post", f"/api/v1/live/items/{self.item.pk}/postpone", user=self.owner),
                          409, "not_in_progress")
        after = list(AgendaItem.objects.filter(meeting=self.meeting).values_list("title", "position", "status"))
        self.assertEqual(after, before)

    def test_a_cancelled_meeting_refuses_room_edits(self):
        do_cancel_meeting(self.meeting, actor=self.owner, reason="Trùng lịch tiếp công dân")
        self.assert_error(self.api("post", f"{self.live}/items", {"title": "Việc phát sinh"}, user=self.owner),
                          409, "meeting_cancelled")

    def test_postponing_happens_only_in_the_room(self):
        self.assert_error(self.api("post", f"/api/v1/live/items/{self.item.pk}/postpone", user=self.owner),
                          409, "not_in_progress")
        self.start()
        response = self.api("post", f"/api/v1/live/items/{self.item.pk}/postpone", user=self.owner)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "postponed")

    def test_room_and_page_share_the_title_cap_and_its_message(self):
        self.start()
        long_title = "Đ" * 501
        room = self.assert_error(self.api("post", f"{self.live}/items", {"title": long_title}, user=self.owner), 400)
        prep = self.assert_error(self.api("post", f"/api/v1/meetings/{self.meeting.pk}/agenda",
                                          {"title": long_title}, user=self.owner), 400)
        self.assertEqual(room["fields"], prep["fields"])
        self.assertEqual(room["fields"][0]["field"], "title")
        ok = self.api("post", f"{self.live}/items", {"title": "Đ" * 500, "duration_minutes": None}, user=self.owner)
        self.assertEqual(ok.status_code, 200, ok.content)

    def test_room_edits_move_the_agenda_version_the_page_checks(self):
        self.start()
        version = Meeting.objects.get(pk=self.meeting.pk).agenda_version
        self.api("post", f"/api/v1/live/items/{self.item.pk}", {"title": "Sửa trong phòng họp"}, user=self.owner)
        stale = self.assert_error(self.api("patch", f"/api/v1/meetings/{self.meeting.pk}/agenda/{self.item.pk}",
                                           {"title": "Sửa từ trang chuẩn bị", "agenda_version": version},
                                           user=self.owner), 409, "agenda_conflict")
        self.assertEqual(stale["agenda"][0]["title"], "Sửa trong phòng họp")

    def test_a_member_cannot_change_the_agenda_in_the_room(self):
        self.start()
        self.assert_error(self.api("post", f"/api/v1/live/items/{self.item.pk}/postpone", user=self.member), 403)
        self.assert_error(self.api("post", f"/api/v1/live/items/{self.item.pk}", {"title": "x"}, user=self.outsider),
                          404)
        self.assertEqual(AgendaItem.objects.get(pk=self.item.pk).status, AgendaItem.Status.PENDING)


class PageAndApiParseTheSameWay(PrepTestCase):
    def test_a_duration_that_is_not_a_number_gets_the_same_answer(self):
        m = self.meeting
        version = Meeting.objects.get(pk=m.pk).agenda_version
        api = self.assert_error(self.api("post", f"/api/v1/meetings/{m.pk}/agenda",
                                         {"title": "Báo cáo", "duration_minutes": "mười", "agenda_version": version},
                                         user=self.owner), 400)
        page = self.client_for(self.owner).post(f"/meetings/{m.pk}/agenda/add/", {
            "title": "Báo cáo", "duration_minutes": "mười", "agenda_version": version})
        self.assertEqual(page.status_code, 400)
        self.assertEqual(page.context["errors"], {f["field"]: f["message"] for f in api["fields"]})
        self.assertEqual(AgendaItem.objects.filter(meeting=m).count(), 1)

    def test_a_json_post_to_the_page_gets_the_api_envelope(self):
        m = self.meeting
        response = self.client_for(self.owner).post(
            f"/meetings/{m.pk}/agenda/add/", {"title": "Báo cáo", "agenda_version": 9999},
            HTTP_ACCEPT="application/json")
        error = self.assert_error(response, 409, "agenda_conflict")
        self.assertIn("agenda", error)

    def test_the_page_frees_a_seat_the_api_keeps(self):
        m = self.meeting
        member = m.participants.get(user=self.member)
        client = self.client_for(self.owner)
        self.assertEqual(client.post(f"/meetings/{m.pk}/participants/{member.pk}/",
                                     {"role": "member", "seat": "A1"}).status_code, 302)
        self.api("patch", f"/api/v1/meetings/{m.pk}/participants/{member.pk}", {"role": "member"}, user=self.owner)
        member.refresh_from_db()
        self.assertEqual(member.seat, "A1")
        self.assertEqual(client.post(f"/meetings/{m.pk}/participants/{member.pk}/",
                                     {"role": "member", "seat": ""}).status_code, 302)
        member.refresh_from_db()
        self.assertEqual(member.seat, "")

    def test_an_item_of_another_meeting_is_not_found_through_this_one(self):
        other = self.make_meeting(title="Họp chuyên đề khác")
        foreign = other.agenda_items.get()
        version = Meeting.objects.get(pk=self.meeting.pk).agenda_version
        self.assert_error(self.api("patch", f"/api/v1/meetings/{self.meeting.pk}/agenda/{foreign.pk}",
                                   {"title": "Sửa nhầm", "agenda_version": version}, user=self.owner), 404)
        response = self.client_for(self.owner).post(f"/meetings/{self.meeting.pk}/agenda/{foreign.pk}/remove/",
                                                    {"agenda_version": version})
        self.assertEqual(response.status_code, 404)
        self.assertTrue(AgendaItem.objects.filter(pk=foreign.pk).exists())

