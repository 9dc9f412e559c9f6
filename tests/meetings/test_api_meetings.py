"""The meetings API of the preparation phase: allowed roles, refusals, bad input, invitations."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from ecabinet.models import AuditEvent, Notification
from ecabinet.roles import ORGANISER, assign_roles
from meetings.models import AgendaItem, Meeting, MeetingEvent, Participant
from tests.kit.cases import PrepTestCase
from tests.kit.users import make_user


def when(days: int = 5, hours: int = 0) -> str:
    return (timezone.now() + timedelta(days=days, hours=hours)).replace(microsecond=0).isoformat()


class CreateMeetingApiTests(PrepTestCase):
    def test_creator_becomes_secretary_and_chair_is_set(self):
        body = {"title": "Họp chuyên đề đầu tư công", "starts_at": when(), "ends_at": when(hours=2),
                "location": "Hội trường tầng 3", "online_url": "https://hop.example.gov.vn/abc",
                "chair": "chair", "meeting_type": self.kind.pk, "room": self.room.pk}
        assign_roles(self.member, ORGANISER)  # an administrator made them an organiser
        response = self.api("post", "/api/v1/meetings", body, user=self.member)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        for key in ("id", "revision", "agenda", "participants", "documents", "polls"):
            self.assertIn(key, data)
        self.assertEqual(data["status"], "draft")
        roles = {p["username"]: p["role"] for p in data["participants"]}
        self.assertEqual(roles, {"member": "secretary", "chair": "chair"})
        self.assertTrue(AuditEvent.objects.filter(action="meeting.create").exists())
        self.assertEqual(Meeting.objects.get(pk=data["id"]).unit_id, self.member.unit_id)

    def test_anonymous_is_401(self):
        self.assert_error(self.api("post", "/api/v1/meetings", {"title": "x"}), 401, "unauthorized")
        self.assert_error(self.api("get", "/api/v1/meetings"), 401, "unauthorized")

    def test_missing_and_invalid_fields_are_400_with_field_errors(self):
        error = self.assert_error(self.api("post", "/api/v1/meetings", {"title": "Họp"}, user=self.owner), 400, "bad_request")
        self.assertEqual({f["field"] for f in error["fields"]}, {"starts_at", "ends_at"})
        error = self.assert_error(self.api("post", "/api/v1/meetings", {"title": "Họp", "starts_at": "hôm nay",
                                                                        "ends_at": when()}, user=self.owner), 400)
        self.assertEqual(error["fields"][0]["field"], "starts_at")
        self.assert_error(self.api("post", "/api/v1/meetings", "{broken", user=self.owner), 400)
        count = Meeting.objects.count()
        error = self.assert_error(self.api("post", "/api/v1/meetings", {"title": "  ", "starts_at": when(),
                                                                        "ends_at": when(hours=1)}, user=self.owner), 400)
        self.assertEqual(error["fields"][0]["field"], "title")
        self.assertEqual(Meeting.objects.count(), count)

    def test_end_before_start_is_400_and_writes_nothing(self):
        count = Meeting.objects.count()
        error = self.assert_error(self.api("post", "/api/v1/meetings", {
            "title": "Họp", "starts_at": when(hours=2), "ends_at": when()}, user=self.owner), 400)
        self.assertEqual(error["fields"][0]["field"], "ends_at")
        self.assertEqual(Meeting.objects.count(), count)

    def test_unknown_chair_room_unit_and_bad_link_are_400(self):
        base = {"title": "Họp", "starts_at": when(), "ends_at": when(hours=1)}
        for extra, field in (({"chair": "nobody"}, "chair"), ({"room": 9999}, "room"),
                             ({"meeting_type": 9999}, "meeting_type"), ({"unit": 9999}, "unit"),
                             ({"online_url": "javascript:alert(1)"}, "online_url"),
                             ({"unit": self.other_unit.pk}, "unit")):
            error = self.assert_error(self.api("post", "/api/v1/meetings", {**base, **extra}, user=self.owner), 400)
            self.assertEqual(error["fields"][0]["field"], field, extra)


class ReadMeetingApiTests(PrepTestCase):
    def test_detail_for_runners_and_invitees(self):
        for user in (self.owner, self.chair, self.admin, self.unit_admin):
            response = self.api("get", self.url(), user=user)
            self.assertEqual(response.status_code, 200, user)
            self.assertTrue(response.json()["runs_meeting"])
        # A draft is not shown to the invited member yet; once scheduled, it is (read-only).
        self.assert_error(self.api("get", self.url(), user=self.member), 404, "not_found")
        self.schedule()
        data = self.api("get", self.url(), user=self.member).json()
        self.assertFalse(data["runs_meeting"])
        self.assertEqual(data["my_role"], "member")
        self.assertEqual(len(data["agenda"]), 1)

    def test_outsider_gets_404_without_title(self):
        self.schedule()
        response = self.api("get", self.url(), user=self.outsider)
        self.assert_error(response, 404, "not_found")
        self.assertNotIn(self.meeting.title, response.content.decode())
        self.assert_error(self.api("get", "/api/v1/meetings/999999", user=self.owner), 404)
        self.assertEqual(self.api("get", "/api/v1/meetings", user=self.outsider).json(), [])
        self.assert_error(self.api("get", self.url()), 401)

    def test_list_filters(self):
        other = self.make_meeting(title="Hội nghị giao ban quý IV", days=20, scheduled=True)
        past = self.make_meeting(title="Họp tháng trước", days=-30, scheduled=True)
        titles = lambda q, user=self.owner: [m["title"] for m in self.api("get", "/api/v1/meetings" + q, user=user).json()]  # noqa: E731
        self.assertEqual(len(titles("")), 3)
        self.assertEqual(titles("?q=giao%20ban"), [other.title])
        self.assertEqual(titles("?status=draft"), [self.meeting.title])
        self.assertEqual(titles(f"?from={(timezone.localdate() + timedelta(days=10)).isoformat()}"), [other.title])
        self.assertEqual(titles(f"?to={(timezone.localdate() - timedelta(days=1)).isoformat()}"), [past.title])
        self.assertEqual(set(titles("?scope=mine", user=self.member)), {other.title, past.title})
        self.assertEqual(titles(f"?unit={self.other_unit.pk}"), [])
        AgendaItem.objects.filter(meeting=other).update(presenting_unit=self.department)
        self.assertEqual(titles("?scope=preparing"), [other.title])
        self.assert_error(self.api("get", "/api/v1/meetings?status=bogus", user=self.owner), 400)
        self.assert_error(self.api("get", "/api/v1/meetings?from=31-12-2026", user=self.owner), 400)
        self.assert_error(self.api("get", "/api/v1/meetings?scope=everything", user=self.owner), 400)


class EditMeetingApiTests(PrepTestCase):
    def test_runner_edits_and_invitees_hear_about_changes(self):
        self.schedule()
        mail.outbox.clear()
        new_start = timezone.now() + timedelta(days=4)
        response = self.api("patch", self.url(), {"starts_at": new_start.isoformat(),
                                                  "ends_at": (new_start + timedelta(hours=2)).isoformat()},
                            user=self.chair)
        self.assertEqual(response.status_code, 200, response.content)
        recipients = sorted(m.to[0] for m in mail.outbox)
        self.assertEqual(recipients, ["member@example.gov.vn", "owner@example.gov.vn"])
        self.assertTrue(MeetingEvent.objects.filter(meeting=self.meeting, type="meeting.updated").exists())

    def test_member_403_outsider_404_anonymous_401(self):
        self.schedule()
        self.assert_error(self.api("patch", self.url(), {"title": "Đổi"}, user=self.member), 403, "forbidden")
        self.assert_error(self.api("patch", self.url(), {"title": "Đổi"}, user=self.outsider), 404)
        self.assert_error(self.api("patch", self.url(), {"title": "Đổi"}), 401)
        self.meeting.refresh_from_db()
        self.assertNotEqual(self.meeting.title, "Đổi")

    def test_end_before_start_on_edit_is_400(self):
        error = self.assert_error(self.api("patch", self.url(), {
            "ends_at": (self.meeting.starts_at - timedelta(hours=1)).isoformat()}, user=self.owner), 400)
        self.assertEqual(error["fields"][0]["field"], "ends_at")

    def test_changing_chair_keeps_the_old_one_as_member(self):
        self.api("patch", self.url(), {"chair": "member2"}, user=self.owner)
        roles = dict(self.meeting.participants.values_list("user__username", "role"))
        self.assertEqual(roles["member2"], "chair")
        self.assertEqual(roles["chair"], "member")


class ScheduleAndCancelApiTests(PrepTestCase):
    def test_schedule_sends_invitations(self):
        mail.outbox.clear()
        response = self.api("post", self.url("/schedule"), user=self.owner)
        self.assertEqual(response.json()["status"], "scheduled")
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), ["chair@example.gov.vn", "member@example.gov.vn"])
        self.assertIn(self.meeting.title, mail.outbox[0].subject)
        self.assertEqual(Notification.objects.filter(user=self.member, kind="meeting.invitation").count(), 1)
        self.assertTrue(Participant.objects.get(meeting=self.meeting, user=self.member).invited_at)
        self.assert_error(self.api("post", self.url("/schedule"), user=self.owner), 409)

    def test_schedule_access(self):
        self.assert_error(self.api("post", self.url("/schedule")), 401)
        self.assert_error(self.api("post", self.url("/schedule"), user=self.outsider), 404)
        self.assert_error(self.api("post", self.url("/schedule"), user=self.member), 404)  # a draft is invisible
        other = self.make_meeting(scheduled=True)
        self.assert_error(self.api("post", self.url("/schedule", other), user=self.member), 403)

    def test_cancel_needs_a_reason_that_participants_see(self):
        self.schedule()
        mail.outbox.clear()
        error = self.assert_error(self.api("post", self.url("/cancel"), {"reason": " "}, user=self.owner), 400)
        self.assertEqual(error["fields"][0]["field"], "reason")
        self.assert_error(self.api("post", self.url("/cancel"), {"reason": "x"}, user=self.member), 403)
        self.assert_error(self.api("post", self.url("/cancel"), {"reason": "x"}, user=self.outsider), 404)
        response = self.api("post", self.url("/cancel"), {"reason": "Lãnh đạo đi công tác"}, user=self.owner)
        self.assertEqual(response.json()["status"], "cancelled")
        self.assertEqual(self.api("get", self.url(), user=self.member).json()["cancel_reason"], "Lãnh đạo đi công tác")
        self.assertEqual(len(mail.outbox), 2)
        self.assertIn("Lãnh đạo đi công tác", mail.outbox[0].body)
        # A cancelled meeting can no longer be scheduled, answered or edited.
        self.assert_error(self.api("post", self.url("/schedule"), user=self.owner), 409, "not_draft")
        self.assert_error(self.api("post", self.url("/cancel"), {"reason": "lại"}, user=self.owner), 409)
        self.assert_error(self.api("post", self.url("/answer"), {"response": "attend"}, user=self.member), 409)
        self.assert_error(self.api("patch", self.url(), {"title": "x"}, user=self.owner), 409)
        self.assert_error(self.api("post", self.url("/agenda"), {"title": "x"}, user=self.owner), 409)


class CopyMeetingApiTests(PrepTestCase):
    def test_copy_takes_agenda_and_participants_without_answers(self):
        self.schedule()
        self.api("post", self.url("/answer"), {"response": "decline", "reason": "Ốm"}, user=self.member)
        response = self.api("post", self.url("/copy"), {"starts_at": when(30), "ends_at": when(30, 2)}, user=self.owner)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(data["status"], "draft")
        self.assertEqual([i["title"] for i in data["agenda"]], ["Báo cáo tình hình kinh tế - xã hội"])
        answers = {p["username"]: (p["role"], p["response"]) for p in data["participants"]}
        self.assertEqual(answers, {"owner": ("secretary", "pending"), "chair": ("chair", "pending"),
                                   "member": ("member", "pending")})

    def test_copy_access_and_bad_dates(self):
        self.schedule()
        body = {"starts_at": when(30), "ends_at": when(30, 2)}
        self.assert_error(self.api("post", self.url("/copy"), body, user=self.member), 403)
        self.assert_error(self.api("post", self.url("/copy"), body, user=self.outsider), 404)
        self.assert_error(self.api("post", self.url("/copy"), body), 401)
        self.assert_error(self.api("post", self.url("/copy"), {"starts_at": when(30, 2), "ends_at": when(30)},
                                   user=self.owner), 400)


class ParticipantApiTests(PrepTestCase):
    def test_add_person_with_seat_and_invite_when_scheduled(self):
        self.schedule()
        mail.outbox.clear()
        response = self.api("post", self.url("/participants"), {"username": "member2", "role": "guest", "seat": "b3"},
                            user=self.owner)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["role"], response.json()["seat"]), ("guest", "B3"))
        self.assertEqual([m.to[0] for m in mail.outbox], ["member2@example.gov.vn"])
        self.assertTrue(MeetingEvent.objects.filter(meeting=self.meeting, type="participant.upserted",
                                                    data__participant__username="member2").exists())

    def test_bad_input(self):
        cases = [({"username": "nobody"}, 400, "unknown_user"), ({"username": "member2", "role": "boss"}, 400, None),
                 ({"role": "member"}, 400, "bad_request"), ({"username": "member"}, 409, "already_participant"),
                 ({"username": "member2", "seat": "Z99"}, 400, None)]
        for body, status, code in cases:
            self.assert_error(self.api("post", self.url("/participants"), body, user=self.owner), status, code)
        self.api("post", self.url("/participants"), {"username": "member2", "seat": "A1"}, user=self.owner)
        self.assert_error(self.api("post", self.url("/participants"), {"username": "deputy", "seat": "A1"},
                                   user=self.owner), 409, "seat_taken")
        self.assertFalse(self.meeting.participants.filter(user=self.deputy).exists())

    def test_access(self):
        self.schedule()
        body = {"username": "member2", "role": "member"}
        self.assert_error(self.api("post", self.url("/participants"), body, user=self.member), 403)
        self.assert_error(self.api("post", self.url("/participants"), body, user=self.outsider), 404)
        self.assert_error(self.api("post", self.url("/participants"), body), 401)
        self.assertEqual(self.api("post", self.url("/participants"), body, user=self.unit_admin).status_code, 201)

    def test_add_unit_update_and_remove(self):
        response = self.api("post", self.url("/participants/unit"), {"unit": self.department.pk}, user=self.owner)
        self.assertEqual(sorted(p["username"] for p in response.json()), ["deputy", "member2", "unitadmin"])
        self.assertEqual(self.api("post", self.url("/participants/unit"), {"unit": self.department.pk},
                                  user=self.owner).json(), [])
        self.assert_error(self.api("post", self.url("/participants/unit"), {"unit": 9999}, user=self.owner), 400)
        pid = self.meeting.participants.get(user=self.member2).pk
        data = self.api("patch", self.url(f"/participants/{pid}"), {"seat": "F10", "role": "guest"}, user=self.owner).json()
        self.assertEqual((data["seat"], data["role"]), ("F10", "guest"))
        self.assert_error(self.api("patch", self.url(f"/participants/{pid}"), {"seat": "G1"}, user=self.owner), 400)
        self.assertEqual(self.api("delete", self.url(f"/participants/{pid}"), user=self.owner).status_code, 204)
        self.assert_error(self.api("delete", self.url(f"/participants/{pid}"), user=self.owner), 404)
        only_secretary = self.meeting.participants.get(user=self.owner).pk
        self.assert_error(self.api("delete", self.url(f"/participants/{only_secretary}"), user=self.owner), 409)


class AnswerApiTests(PrepTestCase):
    def setUp(self):
        super().setUp()
        self.schedule()

    def test_attend_and_decline_with_reason(self):
        data = self.api("post", self.url("/answer"), {"response": "attend"}, user=self.member).json()
        self.assertEqual(data["response"], "attend")
        error = self.assert_error(self.api("post", self.url("/answer"), {"response": "decline"}, user=self.member), 400)
        self.assertEqual(error["fields"][0]["field"], "reason")
        data = self.api("post", self.url("/answer"), {"response": "decline", "reason": "Đi công tác Hà Nội"},
                        user=self.member).json()
        self.assertEqual((data["response"], data["response_reason"]), ("decline", "Đi công tác Hà Nội"))
        # The secretary sees the answer and the reason in the participant list.
        people = {p["username"]: p for p in self.api("get", self.url(), user=self.owner).json()["participants"]}
        self.assertEqual(people["member"]["response_reason"], "Đi công tác Hà Nội")
        self.assertTrue(MeetingEvent.objects.filter(meeting=self.meeting, type="participant.upserted",
                                                    data__participant__response="decline").exists())
        self.assert_error(self.api("post", self.url("/answer"), {"response": "maybe"}, user=self.member), 400)

    def test_delegate_becomes_participant_and_is_invited(self):
        mail.outbox.clear()
        data = self.api("post", self.url("/answer"), {"response": "delegate", "delegate": "deputy"},
                        user=self.member).json()
        self.assertEqual(data["response"], "delegate")
        delegate = Participant.objects.get(meeting=self.meeting, user=self.deputy)
        self.assertEqual(delegate.delegate_for.user, self.member)
        self.assertEqual([m.to[0] for m in mail.outbox], ["deputy@example.gov.vn"])
        # The delegate sees the meeting and answers for themself, but cannot pass it on.
        self.assertEqual(self.api("get", self.url(), user=self.deputy).status_code, 200)
        self.assert_error(self.api("post", self.url("/answer"), {"response": "delegate", "delegate": "member2"},
                                   user=self.deputy), 409)
        # Changing the answer withdraws the delegation.
        self.api("post", self.url("/answer"), {"response": "attend"}, user=self.member)
        self.assertFalse(Participant.objects.filter(meeting=self.meeting, user=self.deputy).exists())
        self.assertTrue(MeetingEvent.objects.filter(meeting=self.meeting, type="participant.removed").exists())

    def test_bad_delegations(self):
        for body, status in (({"response": "delegate"}, 400), ({"response": "delegate", "delegate": "nobody"}, 400),
                             ({"response": "delegate", "delegate": "member"}, 400),
                             ({"response": "delegate", "delegate": "chair"}, 409)):
            self.assert_error(self.api("post", self.url("/answer"), body, user=self.member), status)
        self.assertEqual(self.meeting.participants.count(), 3)

    def test_access(self):
        self.assert_error(self.api("post", self.url("/answer"), {"response": "attend"}, user=self.outsider), 404)
        self.assert_error(self.api("post", self.url("/answer"), {"response": "attend"}), 401)
        self.assert_error(self.api("post", self.url("/answer"), {"response": "attend"}, user=self.unit_admin), 403)


class AgendaApiTests(PrepTestCase):
    def test_add_without_version_appends_and_returns_version(self):
        response = self.api("post", self.url("/agenda"), {"title": "Tờ trình dự toán ngân sách 2027",
                                                         "presenter": "member", "duration_minutes": 20},
                            user=self.owner)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual((data["position"], data["presenter"], data["presenting_unit"]),
                         (2, self.member.pk, self.department.pk))
        self.assertEqual(data["agenda_version"], 2)
        types = list(MeetingEvent.objects.filter(meeting=self.meeting).order_by("-revision")
                     .values_list("type", flat=True)[:2])
        self.assertEqual(types, ["meeting.updated", "agenda_item.upserted"])

    def test_bad_input(self):
        for body in ({}, {"title": ""}, {"title": "x", "duration_minutes": -5}, {"title": "x", "presenter": "nobody"},
                     {"title": "x", "presenting_unit": 9999}, {"title": "x", "duration_minutes": "nhiều"}):
            self.assert_error(self.api("post", self.url("/agenda"), body, user=self.owner), 400)
        self.assertEqual(self.meeting.agenda_items.count(), 1)

    def test_access(self):
        self.schedule()
        self.assert_error(self.api("post", self.url("/agenda"), {"title": "x"}, user=self.member), 403)
        self.assert_error(self.api("post", self.url("/agenda"), {"title": "x"}, user=self.outsider), 404)
        self.assert_error(self.api("post", self.url("/agenda"), {"title": "x"}), 401)
        item = self.meeting.agenda_items.get()
        self.assert_error(self.api("post", self.url("/agenda/reorder"), {"order": [item.pk], "agenda_version": 1},
                                   user=self.member), 403)
        self.assert_error(self.api("delete", self.url(f"/agenda/{item.pk}?agenda_version=1"), user=self.outsider), 404)

    def test_two_secretaries_never_lose_a_change(self):
        self.api("post", self.url("/participants"), {"username": "member2", "role": "secretary"}, user=self.owner)
        version = self.api("get", self.url(), user=self.owner).json()["agenda_version"]
        first = self.api("post", self.url("/agenda"), {"title": "Mục A", "agenda_version": version}, user=self.owner)
        self.assertEqual(first.status_code, 201)
        second = self.api("post", self.url("/agenda"), {"title": "Mục B", "agenda_version": version}, user=self.member2)
        error = self.assert_error(second, 409, "agenda_conflict")
        self.assertEqual(error["agenda_version"], version + 1)
        self.assertEqual([i["title"] for i in error["agenda"]], ["Báo cáo tình hình kinh tế - xã hội", "Mục A"])
        # Retrying with the version from the conflict succeeds.
        again = self.api("post", self.url("/agenda"), {"title": "Mục B", "agenda_version": error["agenda_version"]},
                         user=self.member2)
        self.assertEqual(again.status_code, 201)
        self.assertEqual(self.meeting.agenda_items.count(), 3)

    def test_reorder_update_remove_with_versions(self):
        a = self.meeting.agenda_items.get()
        b = self.api("post", self.url("/agenda"), {"title": "Mục B"}, user=self.owner).json()
        c = self.api("post", self.url("/agenda"), {"title": "Mục C"}, user=self.owner).json()
        version = c["agenda_version"]
        stale = self.api("post", self.url("/agenda/reorder"), {"order": [c["id"], b["id"], a.pk], "agenda_version": 1},
                         user=self.owner)
        self.assert_error(stale, 409, "agenda_conflict")
        for order in ([c["id"], b["id"]], [a.pk, a.pk, b["id"]], [a.pk, b["id"], c["id"], 99999]):
            self.assert_error(self.api("post", self.url("/agenda/reorder"), {"order": order, "agenda_version": version},
                                       user=self.owner), 400)
        self.assert_error(self.api("post", self.url("/agenda/reorder"), {"order": [a.pk]}, user=self.owner), 400)
        data = self.api("post", self.url("/agenda/reorder"), {"order": [c["id"], b["id"], a.pk], "agenda_version": version},
                        user=self.owner).json()
        self.assertEqual([i["id"] for i in data["agenda"]], [c["id"], b["id"], a.pk])
        self.assertEqual([i["position"] for i in data["agenda"]], [1, 2, 3])
        event = MeetingEvent.objects.filter(meeting=self.meeting, type="agenda.reordered").get()
        self.assertEqual(event.data, {"order": [c["id"], b["id"], a.pk]})
        version = data["agenda_version"]
        self.assert_error(self.api("patch", self.url(f"/agenda/{b['id']}"), {"title": "B mới"}, user=self.owner), 400)
        self.assert_error(self.api("patch", self.url(f"/agenda/{b['id']}"), {"title": "B mới", "agenda_version": 1},
                                   user=self.owner), 409)
        data = self.api("patch", self.url(f"/agenda/{b['id']}"), {"title": "B mới", "duration_minutes": 45,
                                                                  "agenda_version": version}, user=self.owner).json()
        self.assertEqual((data["title"], data["duration_minutes"]), ("B mới", 45))
        self.assert_error(self.api("delete", self.url(f"/agenda/{b['id']}?agenda_version={version}"), user=self.owner), 409)
        data = self.api("delete", self.url(f"/agenda/{b['id']}?agenda_version={data['agenda_version']}"),
                        user=self.owner).json()
        self.assertEqual([i["id"] for i in data["agenda"]], [c["id"], a.pk])
        self.assert_error(self.api("delete", self.url(f"/agenda/{b['id']}?agenda_version={data['agenda_version']}"),
                                   user=self.owner), 404)


class CatalogAndCalendarApiTests(PrepTestCase):
    def test_catalog_lists(self):
        rooms = self.api("get", "/api/v1/meeting-rooms", user=self.member).json()
        self.assertEqual(rooms[0]["seats"][0][:2], ["A1", "A2"])
        self.assertEqual(rooms[0]["seats"][-1][-1], "F10")
        self.assertEqual(self.api("get", "/api/v1/meeting-types", user=self.member).json()[0]["name"], "Họp thường kỳ")
        self.assertEqual(self.api("get", "/api/v1/issuing-bodies", user=self.member).json(), [])
        for path in ("/api/v1/meeting-rooms", "/api/v1/meeting-types", "/api/v1/issuing-bodies", "/api/v1/calendar/feed"):
            self.assert_error(self.api("get", path), 401)

    def test_feed_url_works_without_login_only_with_the_right_token(self):
        self.schedule()
        url = self.api("get", "/api/v1/calendar/feed", user=self.member).json()["url"]
        path = url.split("testserver", 1)[1]
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        from icalendar import Calendar

        events = Calendar.from_ical(response.content).walk("VEVENT")
        self.assertEqual([str(e["summary"]) for e in events], [self.meeting.title])
        self.assertEqual(self.client.get("/calendar/wrong-token.ics").status_code, 404)
        new_url = self.api("post", "/api/v1/calendar/feed/regenerate", user=self.member).json()["url"]
        self.assertNotEqual(new_url, url)
        self.assertEqual(self.client.get(path).status_code, 404)
        self.assertEqual(self.client.get(new_url.split("testserver", 1)[1]).status_code, 200)
        # The outsider's feed does not show meetings they are not in.
        outsider_url = self.api("get", "/api/v1/calendar/feed", user=self.outsider).json()["url"]
        body = self.client.get(outsider_url.split("testserver", 1)[1]).content.decode()
        self.assertNotIn("VEVENT", body)

    def test_openapi_lists_the_endpoints(self):
        paths = self.client.get("/api/v1/openapi.json").json()["paths"]
        for p in ("/api/v1/meetings", "/api/v1/meetings/{meeting_id}", "/api/v1/meetings/{meeting_id}/participants",
                  "/api/v1/meetings/{meeting_id}/agenda", "/api/v1/meetings/{meeting_id}/agenda/reorder",
                  "/api/v1/meetings/{meeting_id}/schedule", "/api/v1/meetings/{meeting_id}/answer",
                  "/api/v1/meetings/{meeting_id}/cancel", "/api/v1/meetings/{meeting_id}/copy",
                  "/api/v1/meeting-rooms", "/api/v1/calendar/feed"):
            self.assertIn(p, paths)


class InactiveUserTests(PrepTestCase):
    def test_disabled_account_cannot_be_added(self):
        gone = make_user("gone", unit=self.department, is_active=False)
        self.assert_error(self.api("post", self.url("/participants"), {"username": gone.username}, user=self.owner), 400)
