"""Written-opinion rounds overdue (fn125, collector ``opinion-due`` in meetings/opinion_reminders.py):
once the deadline has passed and the round is still open, each person asked who has not answered,
and the person who asked for the opinions with how many have not answered; once per person and
deadline (a deadline moved later reminds again); nothing for closed rounds, people who answered,
people no longer active, or anyone not asked. (The day-before phase: tests/ecabinet/test_push.py.)"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecabinet.models import Notification, User
from meetings.actions.opinions import do_answer, do_close_round
from meetings.models import OpinionRound
from meetings.opinion_reminders import remind_opinions_due
from tests.kit import factories
from tests.kit.cases import BaseTestCase
from tests.kit.users import make_user


class OverdueOpinionTests(BaseTestCase):
    def setUp(self) -> None:
        self.secretary = make_user("secretary2", unit=self.department, full_name="Phạm Thư Ký")
        self.meeting = factories.make_meeting(by=self.owner, title="Họp góp ý", secretary=self.secretary,
                                              members=[self.member, self.guest], unit=self.department,
                                              starts_at=timezone.now() + timedelta(days=7))
        self.round = factories.make_round(by=self.owner, asked=[self.member, self.guest], title="Dự thảo  quy chế",
                                          deadline=timezone.now().replace(microsecond=0) + timedelta(days=2),
                                          meeting=self.meeting)

    def run_at(self, now) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return remind_opinions_due(now)

    def overdue(self, user: User) -> list[Notification]:
        return list(Notification.objects.filter(user=user, title__startswith="Quá hạn").order_by("pk"))

    def test_the_people_who_have_not_answered_and_the_owner_once(self):
        do_answer(self.round, actor=self.guest, choice="agree")
        due = self.round.deadline
        self.assertEqual(self.run_at(due - timedelta(minutes=1)), 1)  # the day before: member only
        self.assertEqual(self.overdue(self.member), [])
        self.assertEqual(self.run_at(due + timedelta(minutes=1)), 2)  # the member, and the owner
        self.assertEqual(self.run_at(due + timedelta(minutes=2)), 0)  # once
        self.assertEqual(self.run_at(due + timedelta(days=3)), 0)
        when = timezone.localtime(due).strftime("%H:%M %d/%m/%Y")
        [mine] = self.overdue(self.member)
        self.assertEqual(mine.title, f"Quá hạn: ý kiến của đồng chí về “Dự thảo quy chế” (hạn {when})")
        self.assertEqual(mine.kind, "opinion.due")
        self.assertIn("liên hệ đồng chí Nguyễn Văn Chủ", mine.body)
        self.assertEqual(mine.url, f"/opinions/{self.round.pk}/")
        [owner] = self.overdue(self.owner)
        self.assertEqual(owner.title, f"Quá hạn: 1/2 người chưa cho ý kiến về “Dự thảo quy chế” (hạn {when})")
        self.assertEqual(owner.kind, "opinion.overdue")
        self.assertIn("Chưa cho ý kiến: Trần Thị Thành Viên.", owner.body)
        self.assertEqual(owner.url, f"/opinions/{self.round.pk}/")
        # who answered, the secretary who did not ask, and anyone not asked: nothing
        for user in (self.guest, self.secretary, self.outsider, self.admin):
            self.assertEqual(self.overdue(user), [], user)
        self.assertFalse(Notification.objects.filter(user=self.outsider).exists())

    def test_a_deadline_moved_later_reminds_again_once(self):
        due = self.round.deadline
        self.assertEqual(self.run_at(due + timedelta(minutes=1)), 3)
        later = due + timedelta(days=2)
        OpinionRound.objects.filter(pk=self.round.pk).update(deadline=later)
        self.assertEqual(self.run_at(due + timedelta(hours=1)), 0)  # not overdue any more
        self.assertEqual(self.run_at(later + timedelta(minutes=1)), 3)
        self.assertEqual(self.run_at(later + timedelta(hours=5)), 0)
        self.assertEqual(len(self.overdue(self.member)), 2)
        self.assertEqual(len(self.overdue(self.guest)), 2)
        self.assertEqual(len(self.overdue(self.owner)), 2)
        self.assertIn("Quá hạn: 2/2 người", self.overdue(self.owner)[-1].title)

    def test_nothing_for_a_closed_round_or_when_everyone_answered(self):
        everyone = factories.make_round(by=self.owner, asked=[self.member], title="Dự thảo kế hoạch",
                                        deadline=self.round.deadline, meeting=self.meeting)
        do_answer(everyone, actor=self.member, choice="disagree")
        do_close_round(self.round, actor=self.owner)
        self.assertEqual(self.run_at(self.round.deadline + timedelta(minutes=1)), 0)
        self.assertFalse(Notification.objects.filter(title__startswith="Quá hạn").exists())

    def test_people_no_longer_active_are_skipped_and_the_secretaries_told_for_an_inactive_owner(self):
        User.objects.filter(pk__in=[self.guest.pk, self.owner.pk]).update(is_active=False)
        self.assertEqual(self.run_at(self.round.deadline + timedelta(minutes=1)), 2)
        self.assertEqual(len(self.overdue(self.member)), 1)
        self.assertEqual(self.overdue(self.guest), [])
        self.assertEqual(self.overdue(self.owner), [])
        [told] = self.overdue(self.secretary)
        # the count is of everyone who has not answered, the inactive among them too
        self.assertIn("Quá hạn: 2/2 người", told.title)
        self.assertIn("Chưa cho ý kiến: Trần Thị Thành Viên, Trịnh Minh Đức.", told.body)

    def test_a_unit_round_with_an_inactive_owner_reminds_the_people_asked_only(self):
        unit_admin = make_user("unitadmin", unit=self.department, full_name="Hoàng Quản Lý", is_unit_admin=True)
        rnd = factories.make_round(by=unit_admin, asked=[self.member], title="Dự thảo đơn vị",
                                   deadline=self.round.deadline + timedelta(days=1), unit=self.department)
        do_close_round(self.round, actor=self.owner)
        User.objects.filter(pk=unit_admin.pk).update(is_active=False)
        self.assertEqual(self.run_at(rnd.deadline + timedelta(minutes=1)), 1)
        self.assertEqual(len(self.overdue(self.member)), 1)
        self.assertEqual(self.overdue(unit_admin), [])
