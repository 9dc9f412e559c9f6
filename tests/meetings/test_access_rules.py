"""`meeting_access` (one meeting, decided on its row) and `visible_meetings` (the list, a query)
are two forms of one rule: for every person and every state of a meeting they must agree."""

from __future__ import annotations

from ecabinet.errors import NotFoundError
from ecabinet.roles import LEADER, ORGANISER
from meetings.access import meeting_access, visible_meetings
from meetings.models import Meeting
from tests.kit import factories
from tests.kit.cases import PrepTestCase
from tests.kit.users import make_user


class OneRuleInTwoForms(PrepTestCase):
    def test_one_meeting_and_the_list_agree_for_every_person_and_state(self):
        runner_of_unit = make_user("organiser-dept", unit=self.department, roles=(ORGANISER,))
        leader = make_user("leader-dept", unit=self.department, roles=(LEADER,))
        convener_elsewhere = make_user("organiser-other", unit=self.other_unit, roles=(ORGANISER,))
        people = [self.owner, self.chair, self.member, self.member2, self.outsider, self.guest, self.admin,
                  self.unit_admin, self.deputy, runner_of_unit, leader, convener_elsewhere]
        draft = self.meeting
        scheduled = self.make_meeting(title="Đã lên lịch", scheduled=True)
        factories.add_participant(scheduled, self.guest, by=self.owner, role="guest")
        running = factories.start_meeting(self.make_meeting(title="Đang họp", scheduled=True), by=self.owner)
        ended = factories.end_meeting(factories.start_meeting(self.make_meeting(title="Đã xong", scheduled=True),
                                                              by=self.owner), by=self.owner)
        other_creator = self.make_meeting(title="Của người khác", actor=self.admin)
        meetings = [draft, scheduled, running, ended, other_creator]
        seen = 0
        for person in people:
            listed = set(visible_meetings(person).values_list("pk", flat=True))
            for meeting in meetings:
                with self.subTest(person=person.username, meeting=meeting.title):
                    try:
                        meeting_access(person, meeting.pk)
                        found = True
                    except NotFoundError:
                        found = False
                    self.assertEqual(found, meeting.pk in listed)
                    seen += found
        # Both answers occur: the draft is hidden from its invited member, shown to its secretary.
        self.assertTrue(0 < seen < len(people) * len(meetings))
        with self.assertRaises(NotFoundError):
            meeting_access(self.member, draft.pk)
        self.assertEqual(meeting_access(self.owner, draft.pk).meeting, draft)
        self.assertTrue(meeting_access(runner_of_unit, other_creator.pk).runs_meeting)  # run_meeting over its unit
        with self.assertRaises(NotFoundError):
            meeting_access(self.outsider, Meeting.objects.order_by("-pk").first().pk + 1)
