"""Documents in time (issue 10 part 7, fn99): documents for a regular meeting are due 3 working
days before it (Decision 45/2018/QĐ-TTg art. 10), weekends and Vietnam's holidays skipped; the
preparers see the deadline on their items, the secretary sees which items still lack documents,
and both are reminded once before the deadline and once after it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from ecabinet.models import Notification, ReminderSent
from ecabinet.reminders import collectors
from ecabinet.workdays import add_working_days
from meetings.deadlines import Deadline, deadline_of, documents_due, remind_documents_due
from meetings.models import Meeting, MeetingType
from tests.kit import factories
from tests.kit.cases import PrepTestCase
from tests.kit.users import make_user


def at_local(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


class DueDateTests(PrepTestCase):
    def meeting_on(self, day: date, kind: MeetingType | None) -> Meeting:
        return Meeting(title="Họp", starts_at=at_local(day, 14), ends_at=at_local(day, 17), meeting_type=kind,
                       status=Meeting.Status.SCHEDULED)

    def test_three_working_days_before_across_a_weekend(self):
        # Tuesday 08/12/2026: Monday 7, then Friday 4 and Thursday 3 (Saturday and Sunday skipped).
        self.assertEqual(documents_due(self.meeting_on(date(2026, 12, 8), self.kind)), date(2026, 12, 3))
        # A Thursday meeting: Monday of the same week.
        self.assertEqual(documents_due(self.meeting_on(date(2026, 12, 10), self.kind)), date(2026, 12, 7))

    def test_tet_holidays_are_not_working_days(self):
        # Tết Đinh Mùi: 04–10/02/2027 are days off; a meeting on Thursday 11/02 needs its documents
        # by Monday 01/02 (Wednesday 3, Tuesday 2, Monday 1).
        self.assertEqual(documents_due(self.meeting_on(date(2027, 2, 11), self.kind)), date(2027, 2, 1))
        # National Day (02/09/2027 Thursday, 03/09 Friday) and the weekend: a Monday 06/09 meeting
        # -> Wednesday 1, Tuesday 31, Monday 30/08.
        self.assertEqual(documents_due(self.meeting_on(date(2027, 9, 6), self.kind)), date(2027, 8, 30))

    def test_the_type_decides(self):
        day = date(2026, 12, 8)
        self.assertIsNone(documents_due(self.meeting_on(day, None)))
        adhoc = MeetingType.objects.create(name="Họp đột xuất", regular=False)
        self.assertIsNone(documents_due(self.meeting_on(day, adhoc)))
        none = MeetingType.objects.create(name="Giao ban", documents_due_working_days=0)
        self.assertIsNone(documents_due(self.meeting_on(day, none)))
        five = MeetingType.objects.create(name="Họp chuyên đề", documents_due_working_days=5)
        self.assertEqual(documents_due(self.meeting_on(day, five)), date(2026, 12, 1))
        self.assertEqual(MeetingType._meta.get_field("documents_due_working_days").default, 3)

    def test_the_words_in_vietnamese_and_english(self):
        due = date(2026, 12, 2)  # Wednesday
        with translation.override("vi"):
            self.assertEqual(Deadline(due, date(2026, 11, 30)).label, "Hạn gửi tài liệu: Thứ 4, ngày 02/12/2026")
            self.assertEqual(Deadline(due, date(2026, 11, 30)).state, "còn 2 ngày làm việc")
            self.assertEqual(Deadline(due, date(2026, 12, 1)).state, "còn 1 ngày làm việc")
            self.assertEqual(Deadline(due, date(2026, 12, 2)).state, "hạn cuối là hôm nay")
            self.assertEqual(Deadline(due, date(2026, 12, 3)).state, "đã quá hạn")
            # From Friday 27/11 to Wednesday 02/12: Monday, Tuesday, Wednesday.
            self.assertEqual(Deadline(due, date(2026, 11, 27)).state, "còn 3 ngày làm việc")
        with translation.override("en"):
            self.assertEqual(Deadline(due, date(2026, 11, 30)).label, "Documents due: Wednesday, 02/12/2026")
            self.assertEqual(Deadline(due, date(2026, 11, 30)).state, "2 working days left")
            self.assertEqual(Deadline(due, date(2026, 12, 3)).state, "past the deadline")

    def test_no_deadline_shown_once_the_meeting_opened(self):
        meeting = self.meeting_on(date(2026, 12, 8), self.kind)
        self.assertIsNotNone(deadline_of(meeting, date(2026, 12, 1)))
        for status in (Meeting.Status.IN_PROGRESS, Meeting.Status.ENDED, Meeting.Status.CANCELLED):
            meeting.status = status
            self.assertIsNone(deadline_of(meeting, date(2026, 12, 1)))


class DeadlineFixture(PrepTestCase):
    """A scheduled regular meeting in 14 days: item `ours` presented by the department (member's
    unit, member presents it), item `theirs` by another unit (guest presents it); owner is the
    secretary, member2 an invited member of the department, guest a committee member."""

    def setUp(self) -> None:
        super().setUp()
        start = timezone.now().replace(microsecond=0) + timedelta(days=14)
        self.meeting = factories.make_meeting(
            by=self.owner, title="Phiên họp UBND thường kỳ tháng 12", starts_at=start, hours=3,
            unit=self.department, meeting_type=self.kind, chair=self.chair,
            members=[self.member, self.member2], guests=[self.guest],
            items=[{"title": "Tờ trình dự toán ngân sách 2027", "presenter": self.member,
                    "presenting_unit": self.department},
                   {"title": "Báo cáo công tác y tế", "presenter": self.guest, "presenting_unit": self.other_unit}],
            status=Meeting.Status.SCHEDULED,
        )
        self.ours, self.theirs = self.meeting.agenda_items.order_by("position")
        self.due = documents_due(self.meeting)
        self.page = f"/meetings/{self.meeting.pk}/"


class PageTests(DeadlineFixture):
    def item_block(self, html: str, item) -> str:
        start = html.index(f'data-id="{item.pk}"')
        return html[start:html.index("</li>", html.index('class="item-head"', start))]

    def test_the_presenter_sees_the_deadline_on_their_item_only(self):
        html = self.client_for(self.member).get(self.page).content.decode()
        ours, theirs = self.item_block(html, self.ours), self.item_block(html, self.theirs)
        self.assertIn('data-testid="item-deadline"', ours)
        self.assertIn("Hạn gửi tài liệu: ", ours)
        self.assertIn(f"ngày {self.due:%d/%m/%Y}", ours)
        self.assertIn("chưa có tài liệu", ours)
        self.assertIn("ngày làm việc", ours)
        self.assertNotIn("item-deadline", theirs)
        # The secretary's summary is not theirs to see.
        self.assertNotIn('data-testid="documents-deadline"', html)

    def test_a_colleague_of_the_preparing_unit_sees_it_too(self):
        html = self.client_for(self.member2).get(self.page).content.decode()
        self.assertIn("item-deadline", self.item_block(html, self.ours))
        self.assertNotIn("item-deadline", self.item_block(html, self.theirs))

    def test_a_participant_who_prepares_nothing_sees_no_deadline(self):
        # The chair runs the meeting; a plain participant from elsewhere: a new guest of another unit.
        stranger = make_user("khach", unit=self.other_unit, full_name="Vũ Khách")
        factories.add_participant(self.meeting, stranger, by=self.owner, role="guest")
        self.theirs.presenter = None
        self.theirs.presenting_unit = self.committee
        self.theirs.save()
        html = self.client_for(stranger).get(self.page).content.decode()
        self.assertNotIn("item-deadline", html)
        self.assertNotIn("Hạn gửi tài liệu", html)

    def test_outsiders_and_anonymous_see_nothing(self):
        self.assertEqual(self.client_for(self.outsider).get(self.page).status_code, 404)
        response = self.client.get(self.page)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])

    def test_the_secretary_sees_which_items_still_lack_documents(self):
        owner = self.client_for(self.owner)
        html = owner.get(self.page).content.decode()
        self.assertIn('data-testid="documents-deadline"', html)
        self.assertIn("2 nội dung chưa có tài liệu", html)
        lacking = html[html.index('data-testid="items-lacking-documents"'):]
        lacking = lacking[:lacking.index("</ul>")]
        self.assertIn("Tờ trình dự toán ngân sách 2027", lacking)
        self.assertIn("Báo cáo công tác y tế", lacking)

        # Uploaded by the preparer, still awaiting approval: not yet sent to anyone.
        document = factories.upload_document(self.meeting, by=self.member, title="Tờ trình dự toán", item=self.ours)
        self.assertEqual(document.status, "pending")
        html = owner.get(self.page).content.decode()
        self.assertIn("2 nội dung chưa có tài liệu", html)
        # Approved (released): the item has its documents; the presenter's line says so.
        from meetings.actions.documents import do_review_document

        do_review_document(document, actor=self.owner, approve=True)
        html = owner.get(self.page).content.decode()
        self.assertIn("1 nội dung chưa có tài liệu", html)
        lacking = html[html.index('data-testid="items-lacking-documents"'):]
        self.assertNotIn("Tờ trình dự toán ngân sách 2027", lacking[:lacking.index("</ul>")])
        mine = self.client_for(self.member).get(self.page).content.decode()
        self.assertIn("đã có tài liệu", self.item_block(mine, self.ours))

        factories.upload_document(self.meeting, by=self.owner, title="Báo cáo y tế", item=self.theirs)
        html = owner.get(self.page).content.decode()
        self.assertIn("mọi nội dung đã có tài liệu", html)
        self.assertNotIn("items-lacking-documents", html)

    def test_english_page(self):
        client = self.client_for(self.owner)
        client.cookies["django_language"] = "en"
        html = client.get(self.page, headers={"accept-language": "en"}).content.decode()
        self.assertIn("Documents due:", html)
        self.assertIn("2 items still lack documents", html)

    def test_no_deadline_for_an_ad_hoc_meeting(self):
        self.meeting.meeting_type = MeetingType.objects.create(name="Họp đột xuất", regular=False)
        self.meeting.save()
        html = self.client_for(self.owner).get(self.page).content.decode()
        self.assertNotIn("documents-deadline", html)
        self.assertNotIn("item-deadline", html)


class ReminderTests(DeadlineFixture):
    def run_on(self, day: date) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return remind_documents_due(at_local(day))

    def notes(self, user, kind="meeting.documents_due"):
        return list(Notification.objects.filter(user=user, kind=kind).order_by("pk"))

    def test_registered(self):
        self.assertIs(collectors()["documents-due"], remind_documents_due)

    def test_nothing_before_the_day_before(self):
        self.assertEqual(self.run_on(add_working_days(self.due, -2)), 0)
        self.assertFalse(Notification.objects.filter(kind="meeting.documents_due").exists())

    def test_the_day_before_then_after_the_deadline_once_each(self):
        before = add_working_days(self.due, -1)
        self.assertEqual(self.run_on(before), 2)  # one reminder per item without documents
        self.assertEqual(self.run_on(before), 0)  # a second run sends nothing
        self.assertEqual(self.run_on(self.due), 0)  # the deadline day: the "before" went out already
        # Preparers of "ours": the presenter and the department's participants (member, member2);
        # of "theirs": its presenter (guest). Not the secretary yet, not the chair.
        self.assertEqual(len(self.notes(self.member)), 1)
        self.assertEqual(len(self.notes(self.member2)), 1)
        self.assertEqual(len(self.notes(self.guest)), 1)
        self.assertEqual(self.notes(self.owner), [])
        self.assertEqual(self.notes(self.chair), [])
        note = self.notes(self.member)[0]
        self.assertIn("Tờ trình dự toán ngân sách 2027", note.title)
        self.assertIn(f"ngày {self.due:%d/%m/%Y}", note.body)
        self.assertIn("Quyết định 45/2018/QĐ-TTg", note.body)
        self.assertEqual(note.url, f"/meetings/{self.meeting.pk}/")
        self.assertTrue(any("Tờ trình dự toán ngân sách 2027" in m.subject and m.to == [self.member.email]
                            for m in mail.outbox))

        # One item gets its documents; after the deadline only the other one is overdue.
        factories.upload_document(self.meeting, by=self.owner, title="Tờ trình", item=self.ours)
        after = add_working_days(self.due, 1)
        self.assertLess(after, timezone.localdate(self.meeting.starts_at))
        self.assertEqual(self.run_on(after), 1)
        self.assertEqual(self.run_on(after + timedelta(days=1)), 0)
        overdue = self.notes(self.guest)[-1]
        self.assertIn("quá hạn", overdue.title.lower())
        self.assertIn("Báo cáo công tác y tế", overdue.title)
        # ... to the preparers and the secretary, once.
        self.assertEqual(len(self.notes(self.owner)), 1)
        self.assertEqual(len(self.notes(self.member)), 1)
        self.assertEqual(set(ReminderSent.objects.values_list("key", flat=True)), {
            f"documents-due:{self.ours.pk}:before", f"documents-due:{self.theirs.pk}:before",
            f"documents-due:{self.theirs.pk}:overdue"})

    def test_send_reminders_command_runs_it(self):
        # Today is far from the deadline (14 days ahead): the command runs and sends nothing.
        call_command("send_reminders", stdout=open("/dev/null", "w"))
        self.assertFalse(ReminderSent.objects.exists())

    def test_no_reminders_for_drafts_ad_hoc_or_started_meetings(self):
        before = add_working_days(self.due, -1)
        self.meeting.meeting_type = MeetingType.objects.create(name="Họp đột xuất", regular=False)
        self.meeting.save()
        self.assertEqual(self.run_on(before), 0)
        self.meeting.meeting_type = self.kind
        self.meeting.status = Meeting.Status.DRAFT
        self.meeting.save()
        self.assertEqual(self.run_on(before), 0)
        self.meeting.status = Meeting.Status.SCHEDULED
        self.meeting.save()
        # The meeting has begun: no more reminders.
        self.assertEqual(self.run_on(timezone.localdate(self.meeting.starts_at) + timedelta(days=1)), 0)
        self.assertFalse(ReminderSent.objects.exists())

    def test_postponed_items_are_not_chased(self):
        self.ours.status = "postponed"
        self.ours.save()
        self.assertEqual(self.run_on(add_working_days(self.due, -1)), 1)


# --- a phone: the deadline and the list fit 360 px -----------------------------------------------

@pytest.fixture
def phone_meeting(transactional_db):
    """Built before the browser starts (the actions' after-commit work runs outside its loop)."""
    from ecabinet.models import Unit
    from ecabinet.roles import ORGANISER

    unit = Unit.objects.create(name="Sở Kế hoạch và Đầu tư tỉnh Thử nghiệm", code="dl-skhdt", kind="department")
    secretary = make_user("dl-thuky", unit=unit, full_name="Trần Thị Thư Ký", roles=(ORGANISER,))
    presenter = make_user("dl-trinhbay", unit=unit, full_name="Nguyễn Văn Trình Bày")
    kind = MeetingType.objects.create(name="Phiên họp thường kỳ")
    meeting = factories.make_meeting(
        by=secretary, title="Phiên họp thường kỳ tháng 12 năm 2026 của Ủy ban nhân dân tỉnh",
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=10), unit=unit, meeting_type=kind,
        members=[presenter],
        items=[{"title": "Tờ trình về việc phê duyệt kế hoạch đầu tư công trung hạn giai đoạn 2026–2030",
                "presenter": presenter, "presenting_unit": unit}],
        status=Meeting.Status.SCHEDULED,
    )
    return meeting, secretary, presenter


@pytest.mark.django_db(transaction=True)
def test_deadline_fits_a_phone(live_server, phone_meeting, browser, own_connection):
    from tests.kit.browser import new_context

    meeting, secretary, presenter = phone_meeting
    for user, selector in ((secretary, "[data-testid=documents-deadline]"), (presenter, "[data-testid=item-deadline]")):
        context = new_context(browser, live_server.url, user, phone=True, locale="vi-VN")
        page = context.new_page()
        page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
        block = page.locator(selector)
        assert "Hạn gửi tài liệu" in block.inner_text()
        box = block.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
        # Nothing inside it sticks out (the participants' table scrolls on its own; not this).
        wide = page.evaluate("""(sel) => [...document.querySelectorAll(sel + ', ' + sel + ' *')]
            .filter(e => e.getBoundingClientRect().right > 360).map(e => e.outerHTML.slice(0, 80))""", selector)
        assert wide == []
        context.close()
