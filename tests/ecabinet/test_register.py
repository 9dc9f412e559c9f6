"""The document register, working days, reminders sent once and the rich-text subset."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.test import TestCase

from ecabinet import reminders
from ecabinet.models import Notification, RegisterEntry, ReminderSent, Unit
from ecabinet.register import format_number, issue_number, unit_abbreviation
from ecabinet.richtext import escape, plain_text, sanitize
from ecabinet.workdays import add_working_days, is_working_day, working_days_between
from tests.kit.users import make_people

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class RegisterTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        people = make_people()
        cls.committee, cls.department, cls.owner = people.committee, people.department, people.owner

    def issue(self, unit: Unit, kind: str = RegisterEntry.Kind.MINUTES, at: datetime | None = None) -> RegisterEntry:
        with transaction.atomic():
            return issue_number(unit=unit, kind=kind, actor=self.owner, title="Biên bản họp", at=at)

    def test_numbers_run_per_unit_kind_and_year_with_decree_30_abbreviations(self) -> None:
        first = self.issue(self.committee)
        second = self.issue(self.committee)
        notice = self.issue(self.committee, RegisterEntry.Kind.NOTICE)
        department = self.issue(self.department, RegisterEntry.Kind.INVITATION)
        next_year = self.issue(self.committee, at=datetime(2031, 1, 1, 0, 30, tzinfo=VN))
        self.assertEqual([first.number, second.number, notice.number, department.number, next_year.number],
                         ["01/BB-UBND", "02/BB-UBND", "01/TB-UBND", "01/GM-STC", "01/BB-UBND"])
        # 00:30 on 1 January in Vietnam is still 31 December in UTC: the register's year is local.
        self.assertEqual(next_year.year, 2031)

    def test_an_abbreviation_set_by_the_administrator_wins(self) -> None:
        self.department.abbreviation = "STC-NS"
        self.department.save()
        self.assertEqual(format_number(125, "TB", self.department), "125/TB-STC-NS")
        self.assertEqual(unit_abbreviation(Unit(name="Đài Phát thanh và Truyền hình", kind="other")), "DPTVTH")

    def test_the_database_refuses_a_number_given_twice(self) -> None:
        entry = self.issue(self.committee)
        with self.assertRaises(IntegrityError), transaction.atomic():
            RegisterEntry.objects.create(unit=entry.unit, kind=entry.kind, year=entry.year, seq=entry.seq,
                                         number="trùng", title="x", issued_by=self.owner)

    def test_a_rolled_back_issue_gives_its_number_back(self) -> None:
        class Abandon(Exception):
            pass

        with self.assertRaises(Abandon), transaction.atomic():
            issue_number(unit=self.committee, kind="BB", actor=self.owner, title="x")
            raise Abandon
        self.assertEqual(self.issue(self.committee).number, "01/BB-UBND")


class WorkingDaysTests(TestCase):
    def test_weekends_and_vietnamese_holidays_are_not_working_days(self) -> None:
        self.assertFalse(is_working_day(date(2026, 12, 5)))  # Saturday
        self.assertFalse(is_working_day(date(2026, 9, 2)))  # National Day
        self.assertFalse(is_working_day(date(2027, 2, 8)))  # Tết
        self.assertTrue(is_working_day(date(2026, 12, 1)))

    def test_counting_skips_weekends_and_tet(self) -> None:
        # After Friday 24 April 2026: the weekend, Hùng Kings' day observed on Monday 27,
        # 30 April and 1 May are skipped: 28, 29 April, 4, 5, 6 May.
        self.assertEqual(add_working_days(date(2026, 4, 24), 5), date(2026, 5, 6))
        # Three working days before a meeting on Thursday 11 February 2027 skip all of Tết.
        self.assertEqual(add_working_days(date(2027, 2, 11), -3), date(2027, 2, 1))
        self.assertEqual(working_days_between(date(2027, 2, 1), date(2027, 2, 11)), 3)
        self.assertEqual(working_days_between(date(2027, 2, 11), date(2027, 2, 1)), -3)


class ReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        people = make_people()
        cls.owner, cls.member = people.owner, people.member

    def test_a_reminder_goes_out_once_per_key(self) -> None:
        sent = [reminders.remind_once("test:1:before", [self.owner, self.member], kind="test",
                                      title="Sắp đến hạn") for _ in range(2)]
        self.assertEqual(sent, [True, False])
        self.assertEqual(Notification.objects.filter(kind="test").count(), 2)
        self.assertEqual(ReminderSent.objects.filter(key="test:1:before").count(), 1)

    def test_the_command_runs_every_registered_collector(self) -> None:
        from django.core.management import call_command

        calls: list[datetime] = []

        @reminders.register("test-collector")
        def collect(now: datetime) -> int:
            calls.append(now)
            return 3

        try:
            from io import StringIO
            out = StringIO()
            call_command("send_reminders", stdout=out)
        finally:
            reminders._COLLECTORS.pop("test-collector")
        self.assertEqual(len(calls), 1)
        self.assertIn("test-collector: 3", out.getvalue())


class RichTextTests(TestCase):
    def test_only_the_papers_subset_survives(self) -> None:
        dirty = ('<h2 class="x" onclick="steal()">Kết luận</h2><script>alert(1)</script>'
                 '<p style="color:red">Đồng ý <b>thông</b> <a href="javascript:x">qua</a><img src=x></p>'
                 '<table><tr><td colspan="2" onmouseover="x">Ô</td></tr></table>')
        self.assertEqual(sanitize(dirty), '<h2>Kết luận</h2><p>Đồng ý thông qua</p>'
                                          '<table><tbody><tr><td colspan="2">Ô</td></tr></tbody></table>')

    def test_generated_text_is_escaped_and_read_back_plain(self) -> None:
        self.assertEqual(escape("  <Tờ trình>\n số 5 & 6 "), "&lt;Tờ trình&gt; số 5 &amp; 6")
        self.assertEqual(plain_text("<p>Ngân sách &amp; đầu tư</p>"), "Ngân sách & đầu tư")
