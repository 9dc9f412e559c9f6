"""The statistics page in a real browser (headless Chromium, pytest-django's live server): the
chart is an SVG image the CSP lets through, the filters and tabs work, an export downloads, and
the page fits a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecabinet.models import Unit
from ecabinet.roles import LEADER
from meetings.models import Attendance, Meeting, Participant
from tests.kit.browser import new_context
from tests.kit.pagewatch import Watch
from tests.kit.users import make_user


def chart_loaded(page) -> bool:
    return page.eval_on_selector("[data-testid=statistics-chart]", "img => img.complete && img.naturalWidth > 0")


@pytest.mark.django_db(transaction=True)
def test_a_leader_reads_charts_filters_and_exports(live_server, browser):
    unit = Unit.objects.create(name="Sở Tài chính", code="so-tc", kind="department")
    leader = make_user("lanhdao", unit=unit, full_name="Phạm Lãnh Đạo", roles=(LEADER,))
    member = make_user("thanhvien", unit=unit, full_name="Trần Thị Thành Viên")
    start = timezone.now() - timedelta(hours=3)
    meeting = Meeting.objects.create(title="Họp giao ban", unit=unit, starts_at=start, ends_at=start + timedelta(hours=2),
                                     status=Meeting.Status.ENDED, created_by=leader, started_at=start,
                                     ended_at=start + timedelta(hours=2))
    seat = Participant.objects.create(meeting=meeting, user=member)
    Attendance.objects.create(meeting=meeting, participant=seat)
    base = live_server.url

    for phone in (False, True):
        context = new_context(browser, base, leader, phone=phone, locale="vi-VN", accept_downloads=True)
        page = context.new_page()
        watch = Watch(page)
        page.goto(f"{base}/statistics/")
        page.wait_for_load_state("load")
        assert "Trần Thị Thành Viên" in page.inner_text("[data-testid=table-members]")
        assert chart_loaded(page)
        if phone:
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        else:
            page.select_option("#preset", "year")
            page.click("[data-testid=statistics-filters] button[type=submit]")
            page.wait_for_url("**preset=year**")
            page.click("[data-testid=statistics-tabs] >> text=Lịch sử phát biểu")
            page.wait_for_url("**/statistics/speaking/?preset=year**")
            assert "Chưa từng phát biểu" in page.inner_text("[data-testid=table-speaking]")
            assert chart_loaded(page)
            with page.expect_download() as download:
                page.click("[data-testid=export-xlsx]")
            assert download.value.suggested_filename.endswith(".xlsx")
        assert watch.errors == []
        context.close()
