"""Headless Chromium at phone size (360 px) and on a desktop: the home page leads with the to-do
and its counts (also in the menu), the person follows to the month view and filters it; on a
phone the month is a list of days with meetings, nothing scrolls sideways."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from ecabinet.actions_help import do_mark_tour_seen
from ecabinet.models import Unit
from ecabinet.roles import ORGANISER
from meetings.models import Meeting, MeetingType
from tests.kit.browser import new_context
from tests.kit.factories import make_meeting, make_round
from tests.kit.pagewatch import Watch
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_home_to_do_then_the_month_filtered(browser, live_server, own_connection, phone):
    committee = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code="ubnd", kind="committee")
    finance = Unit.objects.create(name="Sở Tài chính", code="so-tc", kind="department", parent=committee)
    secretary = make_user("thuky", unit=committee, full_name="Nguyễn Thư Ký", roles=(ORGANISER,))
    member = make_user("uyvien", unit=finance, full_name="Trần Văn Ủy Viên")
    do_mark_tour_seen(actor=member, finished=False)
    regular, topical = MeetingType.objects.create(name="Họp thường kỳ"), MeetingType.objects.create(name="Họp chuyên đề")
    # two meetings three days from now, of two types; the member is invited to both
    day = timezone.localdate() + timedelta(days=3)
    first = make_meeting(by=secretary, title="Họp UBND tỉnh thường kỳ", starts_at=at(day, 8), hours=2,
                         unit=committee, meeting_type=regular, members=[member], status=Meeting.Status.SCHEDULED)
    make_meeting(by=secretary, title="Họp chuyên đề ngân sách", starts_at=at(day, 14), hours=2,
                 unit=committee, meeting_type=topical, members=[member], status=Meeting.Status.SCHEDULED)
    make_round(by=secretary, asked=[member], meeting=first, title="Lấy ý kiến dự thảo nghị quyết")

    page = new_context(browser, live_server.url, member, phone=phone, locale="vi-VN").new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/")
    todo = page.get_by_test_id("todo")
    assert todo.is_visible()
    assert "Việc cần làm" in todo.inner_text()
    assert page.get_by_test_id("todo-count-invitations").inner_text() == "2"
    assert page.get_by_test_id("todo-count-opinions").inner_text() == "1"
    assert page.get_by_test_id(f"todo-invitation-{first.pk}").is_visible()
    # the to-do is above today's and the upcoming meetings
    assert todo.bounding_box()["y"] < page.get_by_test_id("meetings-upcoming").bounding_box()["y"]
    if phone:
        page.locator("label.nav-toggle-label").click()
    assert page.get_by_test_id("nav-todo-count").inner_text() == "3"
    assert page.get_by_test_id("nav-invitation-count").inner_text() == "2"
    assert page.get_by_test_id("nav-opinion-count").inner_text() == "1"
    assert not page.evaluate(OVERFLOW)
    if phone:
        page.locator("label.nav-toggle-label").click()

    page.get_by_test_id("todo-month-link").click()
    page.wait_for_url("**/meetings/month/")
    today = timezone.localdate()
    assert page.get_by_test_id("month-title").inner_text() == f"Tháng {today.month} năm {today.year}"
    if day.month != today.month:
        page.get_by_test_id("month-next").click()
        page.wait_for_url("**/meetings/month/?m=*")
    view = page.get_by_test_id("month-agenda" if phone else "month-grid")
    assert view.is_visible()
    assert not page.get_by_test_id("month-grid" if phone else "month-agenda").is_visible()
    assert "Họp UBND tỉnh thường kỳ" in view.inner_text()
    assert "Họp chuyên đề ngân sách" in view.inner_text()
    assert not page.evaluate(OVERFLOW)

    # filter: the topical meetings only
    page.select_option("#f-type", str(topical.pk))
    page.get_by_test_id("calendar-filter-submit").click()
    page.wait_for_url(f"**type={topical.pk}*")
    view = page.get_by_test_id("month-agenda" if phone else "month-grid")
    assert "Họp chuyên đề ngân sách" in view.inner_text()
    assert "Họp UBND tỉnh thường kỳ" not in view.inner_text()
    assert not page.evaluate(OVERFLOW)
    # the week keeps the filter
    page.get_by_test_id("tab-week").click()
    page.wait_for_url(f"**/meetings/week/?type={topical.pk}*")
    assert page.get_by_test_id("week").is_visible()
    assert not page.evaluate(OVERFLOW)
    assert watch.errors == []
