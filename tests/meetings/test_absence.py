"""Absence requests (fn113): a member's "cannot attend" (or delegation) waits for the chair's
approval where the meeting's type asks for it. Every allowed path beside its forbidden twins
(secretary, the requester, another member, outsider, anonymous): status, code, Vietnamese
message, nothing written; the type setting on and off; notifications; bad input; the pages."""

from __future__ import annotations

from ecabinet.models import AuditEvent, Notification
from meetings.access import meeting_access, room_permissions
from meetings.live.snapshot import build_snapshot
from meetings.models import Meeting, MeetingEvent, MeetingType, Participant
from tests.kit import factories
from tests.kit.cases import PrepTestCase
from tests.kit.users import make_user

State = Participant.State


class AbsenceCase(PrepTestCase):
    """The meeting's type asks for the chair's approval; the meeting is scheduled."""

    def setUp(self) -> None:
        super().setUp()
        MeetingType.objects.filter(pk=self.kind.pk).update(absence_needs_approval=True)
        self.schedule()
        self.me = Participant.objects.get(meeting=self.meeting, user=self.member)

    def answer(self, user, response: str = "decline", reason: str = "Đi công tác tại Hà Nội", **extra):
        return self.api("post", self.url("/answer"), {"response": response, "reason": reason, **extra}, user=user)

    def decide(self, user, decision: str = "approve", note: str = "", participant: Participant | None = None):
        pid = (participant or self.me).pk
        return self.api("post", self.url(f"/participants/{pid}/absence"), {"decision": decision, "note": note},
                        user=user)

    def fresh(self, participant: Participant | None = None) -> Participant:
        return Participant.objects.get(pk=(participant or self.me).pk)


class RequestTests(AbsenceCase):
    def test_a_decline_becomes_a_request_and_the_member_stays_expected(self):
        response = self.answer(self.member)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["response"], body["state"], body["absence_status"]),
                         ("pending", "absence_requested", "pending"))
        me = self.fresh()
        self.assertEqual(me.response_reason, "Đi công tác tại Hà Nội")
        # the chair is told, with the reason; the secretary is not asked to decide
        note = Notification.objects.get(user=self.chair, kind="meeting.absence_request")
        self.assertIn(self.meeting.title, note.title)
        self.assertIn("Đi công tác tại Hà Nội", note.body)
        self.assertFalse(Notification.objects.filter(user=self.owner, kind="meeting.absence_request").exists())
        self.assertTrue(AuditEvent.objects.filter(action="absence.request", actor=self.member).exists())
        event = MeetingEvent.objects.filter(meeting=self.meeting, type="participant.upserted").latest("revision")
        self.assertEqual(event.data["participant"]["state"], "absence_requested")
        # still expected: the notice of a change of place reaches them
        before = Notification.objects.filter(user=self.member, kind="meeting.invitation").count()
        self.api("patch", self.url(), {"location": "Phòng họp số 2"}, user=self.owner)
        self.assertEqual(Notification.objects.filter(user=self.member, kind="meeting.invitation").count(), before + 1)

    def test_setting_off_a_decline_is_an_absence_at_once(self):
        MeetingType.objects.filter(pk=self.kind.pk).update(absence_needs_approval=False)
        body = self.answer(self.member).json()
        self.assertEqual((body["response"], body["state"], body["absence_status"]), ("decline", "absent", ""))
        self.assertFalse(Notification.objects.filter(kind="meeting.absence_request").exists())

    def test_no_type_or_no_chair_or_not_a_member_needs_no_approval(self):
        # the chair, the secretary and guests answer for themselves
        guest = make_user("guest2")
        factories.add_participant(self.meeting, guest, by=self.owner, role="guest")
        for user in (self.chair, guest):
            self.assertEqual(self.answer(user).json()["state"], "absent", user)
        # a meeting without a chair: nobody to decide
        other = self.make_meeting(title="Họp không có chủ trì")
        Participant.objects.filter(meeting=other, role="chair").delete()  # ORM: no action removes the last chair
        MeetingType.objects.filter(pk=self.kind.pk).update(absence_needs_approval=True)
        self.schedule(other)
        response = self.api("post", self.url("/answer", meeting=other), {"response": "decline", "reason": "Ốm"},
                            user=self.member)
        self.assertEqual(response.json()["state"], "absent")

    def test_attending_after_asking_withdraws_the_request(self):
        self.answer(self.member)
        body = self.answer(self.member, "attend", "").json()
        self.assertEqual((body["state"], body["absence_status"]), ("confirmed", ""))

    def test_a_delegation_waits_too_and_its_delegate_joins_only_when_approved(self):
        body = self.answer(self.member, "delegate", "", delegate=self.deputy.username).json()
        self.assertEqual((body["state"], body["absence_delegate"], body["absence_delegate_name"]),
                         ("absence_requested", self.deputy.pk, self.deputy.full_name))
        self.assertFalse(Participant.objects.filter(meeting=self.meeting, user=self.deputy).exists())
        body = self.decide(self.chair, "approve").json()
        self.assertEqual((body["response"], body["state"], body["absence_status"]), ("delegate", "delegated", "approved"))
        deputy = Participant.objects.get(meeting=self.meeting, user=self.deputy)
        self.assertEqual(deputy.delegate_for_id, self.me.pk)
        self.assertTrue(Notification.objects.filter(user=self.deputy, kind="meeting.invitation").exists())
        decision = Notification.objects.get(user=self.member, kind="meeting.absence_decision")
        self.assertIn(self.deputy.full_name, decision.body)

    def test_the_same_answer_again_after_approval_keeps_the_decision(self):
        self.answer(self.member)
        self.decide(self.chair, "approve")
        body = self.answer(self.member, reason="Đi công tác tại Đà Nẵng").json()
        self.assertEqual((body["state"], body["absence_status"], body["response_reason"]),
                         ("absent", "approved", "Đi công tác tại Đà Nẵng"))


class DecisionTests(AbsenceCase):
    def setUp(self) -> None:
        super().setUp()
        self.answer(self.member)

    def test_the_chair_approves_with_a_note_and_the_member_is_told(self):
        response = self.decide(self.chair, "approve", "Đồng ý, gửi báo cáo bằng văn bản.")
        self.assertEqual(response.status_code, 200, response.content)
        me = self.fresh()
        self.assertEqual((me.response, me.state, me.absence_status), ("decline", State.ABSENT, "approved"))
        self.assertEqual((me.absence_decided_by, me.absence_note), (self.chair, "Đồng ý, gửi báo cáo bằng văn bản."))
        self.assertIsNotNone(me.absence_decided_at)
        note = Notification.objects.get(user=self.member, kind="meeting.absence_decision")
        self.assertIn("Đồng ý, gửi báo cáo bằng văn bản.", note.body)
        audit = AuditEvent.objects.get(action="absence.approve")
        self.assertEqual(audit.actor, self.chair)
        # absent with a reason: what the statistics count
        self.assertTrue(Participant.objects.filter(pk=me.pk, response="decline").exclude(response_reason="").exists())

    def test_the_chair_refuses_and_the_member_is_still_expected(self):
        self.decide(self.chair, "refuse", "Nội dung họp liên quan trực tiếp, đề nghị dự họp.")
        me = self.fresh()
        self.assertEqual((me.response, me.state, me.absence_status), ("pending", State.NOT_CONFIRMED, "refused"))
        note = Notification.objects.get(user=self.member, kind="meeting.absence_decision")
        self.assertIn("không được", note.title.lower() + " " + note.body.lower())
        self.assertTrue(AuditEvent.objects.filter(action="absence.refuse", actor=self.chair).exists())

    def test_who_may_not_decide(self):
        events = MeetingEvent.objects.filter(meeting=self.meeting).count()
        audits = AuditEvent.objects.filter(action__startswith="absence.").count()
        for user in (self.owner, self.member, self.member2):
            if user == self.member2:
                factories.add_participant(self.meeting, self.member2, by=self.owner)
                events = MeetingEvent.objects.filter(meeting=self.meeting).count()
                audits = AuditEvent.objects.filter(action__startswith="absence.").count()
            error = self.assert_error(self.decide(user, "approve"), 403, "not_chair")
            self.assertEqual(error["message"], "Chỉ chủ trì cuộc họp mới được duyệt hoặc không duyệt việc vắng mặt.")
        self.assert_error(self.decide(self.outsider, "approve"), 404, "not_found")
        self.assert_error(self.decide(None, "approve"), 401)
        self.assertEqual(self.fresh().absence_status, "pending")
        self.assertEqual(MeetingEvent.objects.filter(meeting=self.meeting).count(), events)
        self.assertEqual(AuditEvent.objects.filter(action__startswith="absence.").count(), audits)
        self.assertFalse(Notification.objects.filter(kind="meeting.absence_decision").exists())

    def test_bad_input(self):
        error = self.assert_error(self.decide(self.chair, "maybe"), 400)
        self.assertEqual(error["fields"][0]["field"], "decision")
        error = self.assert_error(self.decide(self.chair, "approve", "x" * 2001), 400)
        self.assertEqual(error["fields"][0]["field"], "note")
        self.assert_error(self.api("post", self.url("/participants/999999/absence"), {"decision": "approve"},
                                   user=self.chair), 404)
        self.assert_error(self.api("post", self.url(f"/participants/{self.me.pk}/absence"), "{", user=self.chair), 400)
        self.assert_error(self.api("post", self.url(f"/participants/{self.me.pk}/absence"), {}, user=self.chair), 400)
        # someone else's meeting's participant: not found through this meeting
        other = self.make_meeting(title="Cuộc họp khác")
        stranger = Participant.objects.get(meeting=other, user=self.member)
        self.assert_error(self.decide(self.chair, participant=stranger), 404)
        self.assertEqual(self.fresh().absence_status, "pending")
        # nothing pending: a second decision is a conflict
        self.decide(self.chair, "approve")
        error = self.assert_error(self.decide(self.chair, "refuse"), 409, "no_pending_request")
        self.assertEqual(error["message"], "Người này không có đề nghị vắng mặt nào đang chờ quyết định.")
        self.assertEqual(self.fresh().absence_status, "approved")

    def test_an_ended_meeting_decides_nothing(self):
        factories.bring_to(self.meeting, Meeting.Status.ENDED, by=self.owner)
        self.assert_error(self.decide(self.chair), 409, "not_open_for_answers")

    def test_a_delegate_who_joined_meanwhile_is_a_conflict(self):
        self.answer(self.member, "delegate", "", delegate=self.deputy.username)
        factories.add_participant(self.meeting, self.deputy, by=self.owner)
        self.assert_error(self.decide(self.chair, "approve"), 409, "already_participant")
        self.assertEqual(self.fresh().absence_status, "pending")

    def test_the_list_is_for_those_running_the_meeting(self):
        for user in (self.owner, self.chair):
            rows = self.api("get", self.url("/absence-requests"), user=user).json()
            self.assertEqual([r["participant"]["id"] for r in rows], [self.me.pk])
            self.assertEqual(rows[0]["participant"]["response_reason"], "Đi công tác tại Hà Nội")
        self.assert_error(self.api("get", self.url("/absence-requests"), user=self.member), 404)
        self.assert_error(self.api("get", self.url("/absence-requests"), user=self.outsider), 404)
        self.assert_error(self.api("get", self.url("/absence-requests")), 401)

    def test_the_room_flags_and_snapshot(self):
        chair = meeting_access(self.chair, self.meeting.pk)
        self.assertTrue(room_permissions(chair)["decide_absence"])
        for user in (self.owner, self.member):
            self.assertFalse(room_permissions(meeting_access(user, self.meeting.pk))["decide_absence"])
        state = build_snapshot(chair)["state"]
        self.assertEqual(state["seat_map"]["room"], self.room.pk)
        self.assertEqual(state["seat_map"]["rows"][0][:2], ["A1", "A2"])
        mine = next(p for p in state["participants"] if p["id"] == self.me.pk)
        self.assertEqual((mine["state"], mine["absence_status"]), ("absence_requested", "pending"))

    def test_the_catalog_says_which_types_need_approval(self):
        rows = self.api("get", "/api/v1/meeting-types", user=self.member).json()
        self.assertTrue(next(r for r in rows if r["id"] == self.kind.pk)["absence_needs_approval"])


class PageTests(AbsenceCase):
    def setUp(self) -> None:
        super().setUp()
        self.answer(self.member)
        self.page_url = f"/meetings/{self.meeting.pk}/"
        self.decide_url = f"/meetings/{self.meeting.pk}/absence/{self.me.pk}/"

    def test_the_chair_decides_on_the_meeting_page(self):
        page = self.client_for(self.chair).get(self.page_url)
        self.assertContains(page, 'data-testid="absence-request"')
        self.assertContains(page, 'data-testid="absence-approve"')
        self.assertContains(page, "Đi công tác tại Hà Nội")
        response = self.client_for(self.chair).post(self.decide_url, {"decision": "refuse", "note": "Đề nghị dự họp."})
        self.assertRedirects(response, self.page_url, fetch_redirect_response=False)
        self.assertEqual(self.fresh().absence_status, "refused")
        page = self.client_for(self.member).get(self.page_url)
        self.assertContains(page, "Đề nghị dự họp.")
        self.assertContains(page, 'data-state="not_confirmed"')

    def test_the_secretary_sees_the_requests_without_deciding(self):
        page = self.client_for(self.owner).get(self.page_url)
        self.assertContains(page, 'data-testid="absence-request"')
        self.assertNotContains(page, 'data-testid="absence-approve"')
        self.assertEqual(self.client_for(self.owner).post(self.decide_url, {"decision": "approve"}).status_code, 403)

    def test_members_outsiders_and_anonymous(self):
        page = self.client_for(self.member).get(self.page_url)
        self.assertNotContains(page, 'data-testid="absence-request"')
        self.assertContains(page, 'data-state="absence_requested"')
        self.assertContains(page, 'data-testid="absence-approval-note"')
        self.assertEqual(self.client_for(self.member).post(self.decide_url, {"decision": "approve"}).status_code, 403)
        self.assertEqual(self.client_for(self.outsider).post(self.decide_url, {"decision": "approve"}).status_code, 404)
        response = self.client.post(self.decide_url, {"decision": "approve"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
        self.assertEqual(self.fresh().absence_status, "pending")

    def test_bad_input_on_the_page_shows_the_page_again(self):
        response = self.client_for(self.chair).post(self.decide_url, {"decision": "later"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Chọn duyệt hoặc không duyệt.", status_code=400)
        self.assertEqual(self.fresh().absence_status, "pending")
