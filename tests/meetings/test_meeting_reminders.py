"""Meeting reminders (fn126, meetings/meeting_reminders.py): a day and 30 minutes before, per the
person's choice; once per meeting, reminder and start time; never to who declined or delegated,
nor for a cancelled, draft or started meeting; a meeting moved later is reminded again."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.core import mail
from django.utils import timezone

from ecabinet.models import Notification, ReminderSent, User
from ecabinet.reminders import run_all
from meetings.actions.preparation import do_cancel_meeting, do_update_meeting
from meetings.meeting_reminders import remind_meetings
from meetings.models import Meeting, Participant
from tests.kit import factories
from tests.kit.cases import PrepTestCase

KIND = "meeting.reminder"


class MeetingReminderTests(PrepTestCase):
    def setUp(self) -> None:
        super().setUp()
        # scheduled three days ahead: everyone knew of it long before either reminder falls due
        self.meeting = self.make_meeting(scheduled=True)
        factories.add_participant(self.meeting, self.member2, by=self.owner)
        self.start = self.meeting.starts_at

    def run_at(self, now) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return remind_meetings(now)

    def reminded(self) -> set[str]:
        return set(Notification.objects.filter(kind=KIND).values_list("user__username", flat=True))

    def test_nothing_before_the_day_reminder_is_due(self):
        self.assertEqual(self.run_at(self.start - timedelta(days=1, minutes=1)), 0)
        self.assertEqual(self.reminded(), set())

    def test_a_day_before_then_30_minutes_before_each_once(self):
        mail.outbox.clear()
        self.assertEqual(self.run_at(self.start - timedelta(days=1)), 1)
        people = {"owner", "chair", "member", "member2"}
        self.assertEqual(self.reminded(), people)
        note = Notification.objects.get(kind=KIND, user=self.member)
        when = timezone.localtime(self.start).strftime("%H:%M %d/%m/%Y")
        self.assertEqual(note.title, f"Nhắc lịch họp: “{self.meeting.title}” lúc {when}")
        self.assertIn("Phòng họp số 1", note.body)
        self.assertIn(when, note.body)
        self.assertEqual(note.url, self.meeting.get_absolute_url())
        self.assertEqual(len([m for m in mail.outbox if "Nhắc lịch họp" in m.subject]), len(people))
        # the next minutes, and the next run of the job: nothing again
        self.assertEqual(self.run_at(self.start - timedelta(hours=23, minutes=59)), 0)
        self.assertEqual(self.run_at(self.start - timedelta(hours=2)), 0)
        self.assertEqual(Notification.objects.filter(kind=KIND).count(), len(people))
        # 30 minutes before: the second reminder, once
        self.assertEqual(self.run_at(self.start - timedelta(minutes=30)), 1)
        self.assertEqual(self.run_at(self.start - timedelta(minutes=10)), 0)
        self.assertEqual(Notification.objects.filter(kind=KIND, user=self.member).count(), 2)
        # started: nothing more
        self.assertEqual(self.run_at(self.start + timedelta(minutes=1)), 0)

    def test_a_late_job_sends_only_the_reminder_due_now(self):
        # the worker was down until 20 minutes before: the day reminder is stale, the 30-minute one goes
        self.assertEqual(self.run_at(self.start - timedelta(minutes=20)), 1)
        self.assertEqual(Notification.objects.filter(kind=KIND, user=self.member).count(), 1)
        self.assertEqual(set(ReminderSent.objects.filter(key__startswith="meeting-reminder:")
                             .values_list("key", flat=True)),
                         {f"meeting-reminder:{self.meeting.pk}:half_hour:"
                          f"{self.start.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"})

    def test_each_person_gets_the_reminders_they_chose(self):
        User.objects.filter(pk=self.member.pk).update(meeting_reminders="day")
        User.objects.filter(pk=self.member2.pk).update(meeting_reminders="half_hour")
        User.objects.filter(pk=self.chair.pk).update(meeting_reminders="off")
        self.run_at(self.start - timedelta(days=1))
        self.assertEqual(self.reminded(), {"owner", "member"})
        self.run_at(self.start - timedelta(minutes=30))
        self.assertEqual(set(Notification.objects.filter(kind=KIND, title__isnull=False)
                             .values_list("user__username", flat=True)), {"owner", "member", "member2"})
        self.assertEqual(Notification.objects.filter(kind=KIND, user=self.member2).count(), 1)
        self.assertEqual(Notification.objects.filter(kind=KIND, user=self.member).count(), 1)
        self.assertFalse(Notification.objects.filter(kind=KIND, user=self.chair).exists())

    def test_not_who_declined_or_delegated_nor_outsiders(self):
        factories.answer_invitation(self.meeting, by=self.member, response="decline", reason="Đi công tác")
        factories.answer_invitation(self.meeting, by=self.member2, response="delegate", delegate=self.deputy)
        self.run_at(self.start - timedelta(days=1))
        reminded = self.reminded()
        self.assertNotIn("member", reminded)
        self.assertNotIn("member2", reminded)
        self.assertNotIn("outsider", reminded)
        self.assertIn("owner", reminded)
        # the one who comes in their place was added before the reminder fell due
        self.assertIn("deputy", reminded)

    def test_not_who_was_invited_after_it_fell_due(self):
        # invited 10 hours before: the invitation was the reminder; the 30-minute one still goes
        late = factories.add_participant(self.meeting, self.deputy, by=self.owner)
        Participant.objects.filter(pk=late.pk).update(invited_at=self.start - timedelta(hours=10),
                                                      added_at=self.start - timedelta(hours=10))
        self.run_at(self.start - timedelta(hours=9))
        self.assertNotIn("deputy", self.reminded())
        self.run_at(self.start - timedelta(minutes=30))
        self.assertTrue(Notification.objects.filter(kind=KIND, user=self.deputy).exists())

    def test_not_for_a_cancelled_or_draft_meeting(self):
        draft = self.make_meeting(title="Họp nháp", scheduled=False)
        self.assertEqual(draft.status, Meeting.Status.DRAFT)
        do_cancel_meeting(self.meeting, actor=self.owner, reason="Hoãn họp")
        self.assertEqual(self.run_at(self.start - timedelta(days=1)), 0)
        self.assertEqual(self.run_at(self.start - timedelta(minutes=30)), 0)
        self.assertEqual(self.reminded(), set())

    def test_a_meeting_moved_later_is_reminded_for_its_new_time_but_never_twice_for_one_time(self):
        self.run_at(self.start - timedelta(days=1))
        self.assertEqual(Notification.objects.filter(kind=KIND, user=self.member).count(), 1)
        later = self.start + timedelta(days=2)
        with self.captureOnCommitCallbacks(execute=True):
            do_update_meeting(self.meeting, actor=self.owner, starts_at=later, ends_at=later + timedelta(hours=3))
        self.meeting.refresh_from_db()
        self.assertEqual(self.run_at(later - timedelta(days=1)), 1)
        self.assertEqual(Notification.objects.filter(kind=KIND, user=self.member).count(), 2)
        # moved back to the first time: that time was reminded already
        with self.captureOnCommitCallbacks(execute=True):
            do_update_meeting(self.meeting, actor=self.owner, starts_at=self.start,
                              ends_at=self.start + timedelta(hours=3))
        self.assertEqual(self.run_at(self.start - timedelta(hours=20)), 0)
        self.assertEqual(Notification.objects.filter(kind=KIND, user=self.member).count(), 2)

    def test_the_scheduled_job_runs_it_with_the_others(self):
        with self.captureOnCommitCallbacks(execute=True):
            counts = run_all(self.start - timedelta(days=1))
        self.assertEqual(counts["meeting-reminders"], 1)
        self.assertIn("signing-due", counts)
