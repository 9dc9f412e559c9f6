"""Roles decide who may do what (tender fn2): convening for a unit, running a meeting, written
opinions, and the computed permissions that pages, the API and the live room show."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ecabinet.errors import ActionError, NotFoundError, PermissionDeniedError
from ecabinet.models import Unit
from ecabinet.roles import GUEST, MEMBER, ORGANISER, UNIT_ADMIN, assign_roles
from meetings.access import meeting_access, meeting_permissions, room_permissions
from meetings.actions import absence as absence_actions
from meetings.actions import preparation as prep
from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.actions.documents import do_add_meeting_document
from meetings.actions.opinions import do_create_round
from meetings.live.snapshot import build_snapshot
from meetings.models import AgendaItem, Meeting, Participant, SpeakerRequest
from tests.kit.cases import PrepTestCase
from tests.kit.files import make_pdf, pdf_upload
from tests.kit.users import make_user


def when(days: int = 5, hours: int = 0) -> str:
    return (timezone.now() + timedelta(days=days, hours=hours)).replace(microsecond=0).isoformat()


def meeting_body(**extra) -> dict:
    return {"title": "Phiên họp UBND tỉnh tháng 12", "starts_at": when(), "ends_at": when(hours=2), **extra}


class ConveningTests(PrepTestCase):
    """Only `create_meeting` convenes, and only for a unit in the organiser's scope."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        assign_roles(cls.guest, GUEST)  # the kit's guest, with the guest role
        cls.office = Unit.objects.create(name="Văn phòng UBND tỉnh", code="vp-thu", kind="office",
                                         parent=cls.committee)
        cls.office_organiser = make_user("vanphong", unit=cls.office, full_name="Trần Thị Thư Ký",
                                         roles=(ORGANISER,))
        cls.health_organiser = make_user("soyte", unit=cls.other_unit, full_name="Lê Thị Y Tế",
                                         roles=(ORGANISER,))

    def test_guest_sees_no_button_and_is_refused_by_page_and_api(self):
        count = Meeting.objects.count()
        client = self.client_for(self.guest)
        listing = client.get("/meetings/")
        self.assertEqual(listing.status_code, 200)
        self.assertNotContains(listing, 'data-testid="new-meeting"')
        page = client.get("/meetings/new/")
        self.assertEqual(page.status_code, 403)
        self.assertContains(page, "Vai trò của bạn không cho phép triệu tập cuộc họp.", status_code=403)
        self.assertEqual(client.post("/meetings/new/", {"title": "Họp", "starts_at": when()[:16],
                                                        "ends_at": when(hours=1)[:16]}).status_code, 403)
        self.assert_error(self.api("post", "/api/v1/meetings", meeting_body(), user=self.guest), 403,
                          "no_create_right")
        # A member without the right is refused the same way, even for their own unit.
        self.assert_error(self.api("post", "/api/v1/meetings", meeting_body(unit=self.department.pk),
                                   user=self.member), 403, "no_create_right")
        self.assertEqual(Meeting.objects.count(), count)

    def test_organiser_sees_the_button(self):
        self.assertContains(self.client_for(self.owner).get("/meetings/"), 'data-testid="new-meeting"')
        self.assertEqual(self.client_for(self.owner).get("/meetings/new/").status_code, 200)

    def test_organiser_of_another_unit_cannot_convene_for_the_committee(self):
        count = Meeting.objects.count()
        for user in (self.health_organiser, self.owner):  # Sở Y tế, Sở Tài chính: below the committee
            error = self.assert_error(self.api("post", "/api/v1/meetings", meeting_body(unit=self.committee.pk),
                                               user=user), 400)
            self.assertEqual(error["fields"][0]["field"], "unit")
        # Nor for a sibling department.
        self.assert_error(self.api("post", "/api/v1/meetings", meeting_body(unit=self.department.pk),
                                   user=self.health_organiser), 400)
        self.assertEqual(Meeting.objects.count(), count)
        # The page offers only the units in scope.
        form = self.client_for(self.health_organiser).get("/meetings/new/")
        self.assertEqual([u.pk for u in form.context["units"]], [self.other_unit.pk])

    def test_office_organiser_convenes_for_the_committee_and_admin_for_any(self):
        response = self.api("post", "/api/v1/meetings", meeting_body(unit=self.committee.pk),
                            user=self.office_organiser)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Meeting.objects.get(pk=response.json()["id"]).unit_id, self.committee.pk)
        self.assertTrue(response.json()["permissions"]["run"])
        response = self.api("post", "/api/v1/meetings", meeting_body(unit=self.other_unit.pk), user=self.admin)
        self.assertEqual(response.status_code, 201, response.content)

    def test_organiser_defaults_to_own_unit(self):
        response = self.api("post", "/api/v1/meetings", meeting_body(), user=self.health_organiser)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Meeting.objects.get(pk=response.json()["id"]).unit_id, self.other_unit.pk)

    def test_admin_grants_the_organiser_role_then_convening_works(self):
        self.assert_error(self.api("post", "/api/v1/meetings", meeting_body(), user=self.member), 403)
        admin = self.client_for(self.admin)
        form = admin.get(f"/admin/ecabinet/user/{self.member.pk}/change/")
        self.assertEqual(form.status_code, 200)
        organiser = form.context["adminform"].form.fields["groups"].queryset.get(
            name="Chuyên viên tổ chức họp / Thư ký")
        data = {"username": "member", "full_name": self.member.full_name, "unit": self.department.pk,
                "email": self.member.email, "preferred_language": "vi", "is_active": "on",
                "groups": [organiser.pk], "date_joined_0": "2026-01-01", "date_joined_1": "08:00:00"}
        response = admin.post(f"/admin/ecabinet/user/{self.member.pk}/change/", data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        response = self.api("post", "/api/v1/meetings", meeting_body(), user=self.member)
        self.assertEqual(response.status_code, 201, response.content)

    def test_creator_without_the_right_no_longer_runs_their_meeting(self):
        meeting = self.make_meeting(actor=self.owner, scheduled=True)
        Participant.objects.filter(meeting=meeting, user=self.owner).update(role=Participant.Role.MEMBER)
        self.assertTrue(meeting_access(self.owner, meeting.pk).runs_meeting)  # creator with the right
        self.owner.groups.clear()
        owner = type(self.owner).objects.get(pk=self.owner.pk)  # rights are cached per object
        self.assertFalse(meeting_access(owner, meeting.pk).runs_meeting)
        self.assert_error(self.api("patch", self.url(meeting=meeting), {"title": "Đổi tên"}, user=owner), 403)


class OpinionRoundOfferTests(PrepTestCase):
    """The drifted rule: every member used to be offered "send a draft for opinions"."""

    def setUp(self) -> None:
        super().setUp()
        self.schedule()

    def send(self, user):
        client = self.client_for(user)
        return client.post("/api/v1/opinions", {
            "file": pdf_upload(make_pdf(1), name="du-thao.pdf"), "title": "Dự thảo Quyết định",
            "question": "Đồng chí có đồng ý không?", "deadline": when(days=3), "asked": "member2",
            "meeting": self.meeting.pk})

    def test_member_is_not_offered_and_is_refused(self):
        page = self.client_for(self.member).get("/opinions/")
        self.assertEqual(page.status_code, 200)
        self.assertFalse(page.context["may_create"])
        self.assertNotContains(page, "/opinions/new/")
        self.assert_error(self.send(self.member), 403)
        detail = self.api("get", self.url(), user=self.member).json()
        self.assertFalse(detail["permissions"]["new_opinion_round"])

    def test_runner_is_offered_and_may_send(self):
        page = self.client_for(self.owner).get("/opinions/")
        self.assertTrue(page.context["may_create"])
        self.assertContains(page, "/opinions/new/")
        self.assertEqual(self.send(self.owner).status_code, 201)
        self.assertTrue(self.api("get", self.url(), user=self.owner).json()["permissions"]["new_opinion_round"])


def attempt(action) -> bool:
    """Whether the action lets this person through (it is then undone). A refusal because of the
    state of things (409, bad input) still means the person was allowed to ask."""
    # A bare savepoint, not an atomic block: actions are durable atomic blocks, which may nest
    # only in the test case's own transaction.
    savepoint = transaction.savepoint()
    try:
        action()
        return True
    except (PermissionDeniedError, NotFoundError):
        return False
    except ActionError:
        return True
    finally:
        transaction.savepoint_rollback(savepoint)


class AdvertisedPermissionsMatchTheActions(PrepTestCase):
    """For each role, the flags shown by the page, the API and the live snapshot are the same, and
    each flag says exactly whether the matching action lets the person through."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        assign_roles(cls.guest, GUEST)  # the kit's guest, with the guest role
        assign_roles(cls.member, MEMBER)

    def setUp(self) -> None:
        super().setUp()
        meeting = self.meeting
        prep.do_add_participant(meeting, actor=self.owner, user=self.guest, role=Participant.Role.GUEST)
        self.item = AgendaItem.objects.filter(meeting=meeting).get()
        AgendaItem.objects.filter(pk=self.item.pk).update(presenting_unit=self.department)
        self.schedule()
        room_actions.do_start_meeting(meeting, actor=self.owner)
        self.poll = room_polls.do_create_poll(meeting, actor=self.owner, question="Thông qua dự thảo?")
        room_polls.do_open_poll(self.poll, actor=self.owner)
        self.floor = room_actions.do_request_floor(meeting, actor=self.member)
        self.guest_floor = room_actions.do_request_floor(meeting, actor=self.guest)

    def export(self, user) -> None:
        status = self.client_for(user).get(f"/meetings/{self.meeting.pk}/room/attendance.csv").status_code
        if status == 404:
            raise NotFoundError("not offered")
        self.assertEqual(status, 200)

    def actions_for(self, user):
        meeting = self.meeting
        m = meeting.pk

        def part(person):
            return Participant.objects.filter(meeting_id=m, user=person).first()

        def vote():
            me = part(user)
            if me is not None:
                room_actions.do_secretary_check_in(me, actor=self.owner)
            room_polls.do_cast_ballot(self.poll, actor=user, choice="agree")

        return {
            "run": lambda: prep.do_update_meeting(meeting, actor=user, title="Phiên họp (đổi tên)"),
            "schedule": lambda: prep.do_schedule_meeting(meeting, actor=user),
            "invite": lambda: prep.do_add_participant(meeting, actor=user, user=self.member2),
            "open_poll": lambda: room_polls.do_create_poll(self.meeting, actor=user, question="Biểu quyết thêm?"),
            "give_floor": lambda: room_actions.do_grant_floor(self.floor, actor=user),
            # someone else's request: one's own may always be withdrawn
            "withdraw_any_floor": lambda: room_actions.do_withdraw_floor(
                self.guest_floor if user == self.member else self.floor, actor=user),
            "check_in_others": lambda: room_actions.do_secretary_check_in(part(self.member), actor=user),
            "new_opinion_round": lambda: do_create_round(
                actor=user, title="Dự thảo", question="Ý kiến?", deadline=timezone.now() + timedelta(days=2),
                usernames=["member2"], upload=pdf_upload(make_pdf(1)), meeting=meeting),
            "check_in": lambda: room_actions.do_check_in(self.meeting, actor=user),
            "speak": lambda: room_actions.do_request_floor(self.meeting, actor=user, kind="question"),
            "answer": lambda: prep.do_answer_invitation(meeting, actor=user, response="attend"),
            "vote": vote,
            "upload": lambda: do_add_meeting_document(meeting, actor=user, upload=pdf_upload(make_pdf(1)),
                                                      agenda_item=self.item),
            "export_attendance": lambda: self.export(user),
            "copy": lambda: prep.do_copy_meeting(meeting, actor=user, starts_at=timezone.now() + timedelta(days=9),
                                                 ends_at=timezone.now() + timedelta(days=9, hours=2)),
            # absence requests (fn113): nothing pending here, so the chair gets a 409, others a refusal
            "decide_absence": lambda: absence_actions.do_decide_absence_request(part(self.member), actor=user,
                                                                                approve=True),
        }

    def test_every_flag_matches_its_action_for_every_role(self):
        expected_runners = {"owner", "chair", "unitadmin", "admin"}
        for user in (self.owner, self.chair, self.member, self.guest, self.unit_admin, self.admin):
            with self.subTest(user=user.username):
                access = meeting_access(user, self.meeting.pk)
                flags = meeting_permissions(access, user)
                self.assertEqual(flags["run"], user.username in expected_runners)
                page = self.client_for(user).get(f"/meetings/{self.meeting.pk}/")
                self.assertEqual(page.context["perms"], flags)
                room = self.client_for(user).get(f"/meetings/{self.meeting.pk}/room/")
                self.assertEqual(room.context["perms"], flags)
                self.assertEqual(self.api("get", self.url(), user=user).json()["permissions"], flags)
                self.assertEqual(build_snapshot(access)["state"]["permissions"], room_permissions(access))
                self.assertLessEqual(set(room_permissions(access).items()), set(flags.items()))
                actions = self.actions_for(user)
                self.assertEqual(set(actions), set(flags))
                for flag, action in actions.items():
                    self.assertEqual(attempt(action), flags[flag], (user.username, flag))

    def test_the_snapshot_says_which_floor_requests_the_viewer_may_withdraw(self):
        """A speaker event is the same for every viewer, so the snapshot carries the viewer's own
        participant id and `withdraw_any_floor`; together they give exactly the action's rule."""
        for user in (self.owner, self.chair, self.member, self.guest, self.admin):
            with self.subTest(user=user.username):
                state = build_snapshot(meeting_access(user, self.meeting.pk))["state"]
                mine = Participant.objects.filter(meeting=self.meeting, user=user).first()
                self.assertEqual(state["viewer"]["participant"], mine.pk if mine else None)
                for speaker in state["speakers"]:
                    offered = state["permissions"]["withdraw_any_floor"] or \
                        speaker["participant"] == state["viewer"]["participant"]
                    request = SpeakerRequest.objects.get(pk=speaker["id"])
                    self.assertEqual(attempt(lambda r=request, u=user: room_actions.do_withdraw_floor(r, actor=u)),
                                     offered, (user.username, speaker["participant"]))
        self.assertEqual(len(state["speakers"]), 2)  # the member's and the guest's

    def test_the_drift_is_gone_and_guests_do_not_vote(self):
        member = meeting_permissions(meeting_access(self.member, self.meeting.pk), self.member)
        guest = meeting_permissions(meeting_access(self.guest, self.meeting.pk), self.guest)
        self.assertFalse(member["new_opinion_round"])
        self.assertTrue(member["vote"] and member["upload"])  # the member's unit presents the item
        self.assertFalse(guest["vote"] or guest["upload"] or guest["run"])
        self.assertTrue(guest["check_in"] and guest["speak"])

    def test_outsider_gets_nothing(self):
        self.assert_error(self.api("get", self.url(), user=self.outsider), 404)
        with self.assertRaises(NotFoundError):
            meeting_access(self.outsider, self.meeting.pk)
        for action in self.actions_for(self.outsider).values():
            self.assertFalse(attempt(action))

    def test_room_page_console_and_config_follow_the_flags(self):
        member_room = self.client_for(self.member).get(f"/meetings/{self.meeting.pk}/room/")
        self.assertNotContains(member_room, 'data-testid="console"')
        self.assertFalse(member_room.context["config"]["permissions"]["open_poll"])
        self.assertNotIn("runs", member_room.context["config"])
        owner_room = self.client_for(self.owner).get(f"/meetings/{self.meeting.pk}/room/")
        self.assertContains(owner_room, 'data-testid="console"')
        self.assertTrue(owner_room.context["config"]["permissions"]["open_poll"])

    def test_participants_carry_server_computed_vote_and_count(self):
        data = self.api("get", self.url(), user=self.member).json()
        by_name = {p["username"]: p for p in data["participants"]}
        self.assertTrue(by_name["member"]["voting_seat"])
        self.assertTrue(by_name["chair"]["voting_seat"])
        self.assertFalse(by_name["guest"]["voting_seat"])
        self.assertFalse(by_name["owner"]["voting_seat"])
        self.assertEqual(by_name["guest"]["counted_as"], "guest")
        self.assertIsNone(by_name["owner"]["counted_as"])


class UnitAdminRoleTests(PrepTestCase):
    def test_is_unit_admin_is_the_unit_admin_group(self):
        self.assertTrue(self.unit_admin.is_unit_admin)
        self.assertIn("Quản trị đơn vị", self.unit_admin.groups.values_list("name", flat=True))
        self.assertFalse(self.member.is_unit_admin)
        self.unit_admin.is_unit_admin = False
        self.unit_admin.save()
        fresh = type(self.unit_admin).objects.get(pk=self.unit_admin.pk)
        self.assertFalse(fresh.is_unit_admin)
        self.assertFalse(fresh.has_perm("ecabinet.manage_users"))
        assign_roles(fresh, UNIT_ADMIN)
        self.assertTrue(type(fresh).objects.get(pk=fresh.pk).has_perm("ecabinet.manage_users"))
