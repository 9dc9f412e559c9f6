"""The month view beside the week view (fn49): the grid from Monday, days of other months dimmed,
today marked, each day's meetings (+n more), the filters the week shares, bad parameters, access."""

from __future__ import annotations

from datetime import date, datetime, time

from django.test import Client
from django.utils import timezone

from meetings.actions.preparation import do_cancel_meeting
from meetings.models import Meeting, MeetingType
from meetings.selectors import CalendarFilters, month_weeks
from tests.kit import factories
from tests.kit.cases import PrepTestCase


def at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


class MonthCase(PrepTestCase):
    def setUp(self) -> None:
        super().setUp()
        # a scheduled meeting on 9 December 2026 (a Wednesday) at 08:00
        self.day = date(2026, 12, 9)
        self.dec = factories.make_meeting(by=self.owner, title="Họp tổng kết năm 2026", starts_at=at(self.day, 8),
                                          unit=self.department, meeting_type=self.kind, members=[self.member],
                                          status=Meeting.Status.SCHEDULED)

    def month(self, user, query: str = "m=2026-12"):
        return self.client_for(user).get(f"/meetings/month/?{query}")


class MonthGrid(MonthCase):
    def test_the_grid_from_monday_with_vietnamese_names(self):
        page = self.month(self.member)
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn("Tháng 12 năm 2026", html)
        self.assertIn("Thứ Hai", html)
        self.assertIn("Chủ nhật", html)
        # December 2026 starts on a Tuesday: the grid opens on Monday 30 November, dimmed
        grid = html.split('data-testid="month-grid"')[1]
        first_cell = grid.split("<td")[1]
        self.assertIn('data-day="2026-11-30"', first_cell)
        self.assertIn("other-month", first_cell)
        self.assertIn('data-day="2027-01-03"', grid)  # and closes on Sunday 3 January
        cell = grid.split('data-day="2026-12-09"')[1].split("</td>")[0]
        self.assertIn(f'data-testid="month-meeting-{self.dec.pk}"', cell)
        self.assertIn("08:00 Họp tổng kết năm 2026", cell)
        self.assertIn("status-scheduled", cell)
        # the phone's agenda lists the day with its meeting
        agenda = html.split('data-testid="month-agenda"')[1]
        self.assertIn("Thứ Tư, 09/12", agenda)
        self.assertIn("Họp tổng kết năm 2026", agenda)
        # previous, next, this month; tabs to the week and the list
        self.assertIn('href="?m=2026-11"', html)
        self.assertIn('href="?m=2027-01"', html)
        self.assertIn('data-testid="tab-week"', html)

    def test_today_is_marked_in_this_month(self):
        html = self.client_for(self.member).get("/meetings/month/").content.decode()
        today = timezone.localdate()
        self.assertIn(f'data-day="{today.isoformat()}" aria-current="date"', html)
        self.assertIn(f"Tháng {today.month} năm {today.year}", html)

    def test_many_meetings_a_day_show_three_and_more(self):
        for hour in (9, 10, 13):
            factories.make_meeting(by=self.owner, title=f"Họp lúc {hour} giờ", starts_at=at(self.day, hour),
                                   hours=0.5, unit=self.department, members=[self.member],
                                   status=Meeting.Status.SCHEDULED)
        html = self.month(self.member).content.decode()
        cell = html.split('data-day="2026-12-09"')[1].split("</td>")[0]
        self.assertEqual(cell.count('class="event'), 3)
        self.assertIn('data-testid="month-more-2026-12-09"', cell)
        self.assertIn("+1 cuộc họp khác", cell)
        self.assertIn("/meetings/week/?d=2026-12-09", cell)
        # the agenda on a phone shows the whole day
        self.assertEqual(html.split('data-testid="month-agenda"')[1].count("Họp lúc"), 3)

    def test_the_month_meetings_are_one_query(self):
        first = self.day.replace(day=1)
        member = type(self.member).objects.get(pk=self.member.pk)
        month_weeks(first, member, CalendarFilters())  # the person's rights, read once per request
        with self.assertNumQueries(1):
            weeks = month_weeks(first, member, CalendarFilters())
        self.assertEqual(len(weeks), 5)
        self.assertTrue(all(len(w) == 7 for w in weeks))


class MonthFilters(MonthCase):
    def test_type_unit_scope_and_status(self):
        other_type = MeetingType.objects.create(name="Họp chuyên đề")
        other = factories.make_meeting(by=self.owner, title="Họp chuyên đề đất đai", starts_at=at(self.day, 14),
                                       hours=1, unit=self.department, meeting_type=other_type,
                                       status=Meeting.Status.SCHEDULED)
        html = self.month(self.owner).content.decode()
        self.assertIn("Họp tổng kết năm 2026", html)
        self.assertIn("Họp chuyên đề đất đai", html)
        html = self.month(self.owner, f"m=2026-12&type={other_type.pk}").content.decode()
        self.assertNotIn("Họp tổng kết năm 2026", html)
        self.assertIn("Họp chuyên đề đất đai", html)
        # the filters ride along the month's links
        self.assertIn(f"?m=2027-01&amp;type={other_type.pk}", html)
        html = self.month(self.owner, f"m=2026-12&unit={self.other_unit.pk}").content.decode()
        self.assertIn('data-testid="month-empty"', html)
        # "mine": the member is invited to the first only
        html = self.month(self.member, "m=2026-12&scope=mine").content.decode()
        self.assertIn("Họp tổng kết năm 2026", html)
        self.assertNotIn("Họp chuyên đề đất đai", html)
        # cancelled: hidden unless asked
        do_cancel_meeting(other, actor=self.owner, reason="Hoãn sang năm sau")
        self.assertNotIn("Họp chuyên đề đất đai", self.month(self.owner).content.decode())
        for status in ("cancelled", "any"):
            with self.subTest(status=status):
                html = self.month(self.owner, f"m=2026-12&status={status}").content.decode()
                self.assertIn("Họp chuyên đề đất đai", html)
                self.assertIn("status-cancelled", html)
        html = self.month(self.owner, "m=2026-12&status=cancelled").content.decode()
        self.assertNotIn("Họp tổng kết năm 2026", html)

    def test_the_week_shares_the_filters(self):
        other = factories.make_meeting(by=self.owner, title="Họp bị hủy", starts_at=at(self.day, 15), hours=1,
                                       unit=self.department, status=Meeting.Status.SCHEDULED)
        do_cancel_meeting(other, actor=self.owner, reason="Trùng lịch")
        week = self.client_for(self.owner).get("/meetings/week/?d=2026-12-09").content.decode()
        self.assertIn("Họp tổng kết năm 2026", week)
        self.assertNotIn("Họp bị hủy", week)
        self.assertIn("Thứ Tư, 09/12", week)
        week = self.client_for(self.owner).get("/meetings/week/?d=2026-12-09&status=any").content.decode()
        self.assertIn("Họp bị hủy", week)
        week = self.client_for(self.owner).get(f"/meetings/week/?d=2026-12-09&type={self.kind.pk}").content.decode()
        self.assertNotIn("Họp bị hủy", week)
        self.assertIn(f'href="/meetings/month/?type={self.kind.pk}"', week)

    def test_bad_filters_are_ignored(self):
        for query in ("m=2026-12&scope=everything", "m=2026-12&type=abc", "m=2026-12&unit=99999999999999999999",
                      "m=2026-12&status=lost", "m=2026-12&type=-1"):
            with self.subTest(query=query):
                page = self.month(self.owner, query)
                self.assertContains(page, "Họp tổng kết năm 2026")


class MonthParameters(MonthCase):
    def test_not_a_month_is_this_month(self):
        today = timezone.localdate()
        for value in ("abc", "2026-13", "2026-00", "2026", "12-2026", "2026-12-01x", ""):
            with self.subTest(m=value):
                page = self.month(self.owner, f"m={value}")
                self.assertEqual(page.status_code, 200)
                self.assertContains(page, f"Tháng {today.month} năm {today.year}")

    def test_past_the_calendar_is_a_vietnamese_400_as_for_the_week(self):
        for value in ("9999-12", "3000-01", "0001-01"):
            with self.subTest(m=value):
                page = self.month(self.owner, f"m={value}")
                self.assertEqual(page.status_code, 400)
                self.assertContains(page, "Hãy nhập", status_code=400)
        self.assertEqual(self.month(self.owner, "m=2999-12").status_code, 200)


class MonthAccess(MonthCase):
    def test_only_meetings_the_person_may_see(self):
        draft = factories.make_meeting(by=self.owner, title="Dự thảo lịch họp", starts_at=at(self.day, 16), hours=1,
                                       unit=self.department, members=[self.member])
        self.assertEqual(draft.status, Meeting.Status.DRAFT)
        owner = self.month(self.owner).content.decode()
        self.assertIn("Dự thảo lịch họp", owner)
        member = self.month(self.member).content.decode()
        self.assertIn("Họp tổng kết năm 2026", member)
        self.assertNotIn("Dự thảo lịch họp", member)  # a draft: only those preparing it
        outsider = self.month(self.outsider).content.decode()
        self.assertNotIn("Họp tổng kết năm 2026", outsider)
        self.assertIn('data-testid="month-empty"', outsider)
        self.assertNotIn("Họp tổng kết năm 2026", self.month(self.outsider, "m=2026-12&status=any").content.decode())

    def test_anonymous_is_sent_to_sign_in(self):
        for url in ("/meetings/month/?m=2026-12", "/meetings/month/?m=9999-12"):
            with self.subTest(url=url):
                response = Client().get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/login/", response["Location"])

    def test_a_meeting_over_midnight_is_on_both_days(self):
        late = factories.make_meeting(by=self.owner, title="Trực ban xuyên đêm", starts_at=at(self.day, 22), hours=4,
                                      unit=self.department, status=Meeting.Status.SCHEDULED)
        html = self.month(self.owner).content.decode()
        for day in ("2026-12-09", "2026-12-10"):
            with self.subTest(day=day):
                cell = html.split(f'data-day="{day}"')[1].split("</td>")[0]
                self.assertIn(f"month-meeting-{late.pk}", cell)
