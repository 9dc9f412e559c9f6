"""Headless Chromium at phone size (360 px): the person in charge of a task opens it from the
nav's "Việc được giao", reports progress with an attachment, then marks it done; the issuing
secretary sees it done on the board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecabinet.models import Unit
from ecabinet.roles import ORGANISER
from meetings.actions.followup import do_create_task
from meetings.models import FollowUpTask, Meeting, TaskAttachment
from tests.kit.browser import new_context
from tests.kit.factories import make_meeting
from tests.kit.files import make_pdf
from tests.kit.pagewatch import Watch, script_errors
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def test_an_assignee_reports_with_a_file_and_marks_done_on_a_phone(browser, live_server, tmp_path, own_connection):
    committee = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code="ubnd", kind="committee")
    health = Unit.objects.create(name="Sở Y tế", code="so-yt", kind="department", parent=committee)
    secretary = make_user("thuky", unit=committee, full_name="Nguyễn Thư Ký", roles=(ORGANISER,))
    assignee = make_user("chuyenvien", unit=health, full_name="Trần Văn Chủ Trì")
    meeting = make_meeting(by=secretary, title="Họp UBND tỉnh tháng 11", unit=committee, members=[assignee],
                           items=["Đề án y tế cơ sở"], status=Meeting.Status.ENDED)
    task = do_create_task(meeting, actor=secretary, title="Hoàn thiện đề án y tế cơ sở", assignee=assignee,
                          unit=health, deadline=timezone.localdate() + timedelta(days=7))
    report_pdf = tmp_path / "bao-cao-tien-do.pdf"
    report_pdf.write_bytes(make_pdf(2, "Báo cáo tiến độ"))

    context = new_context(browser, live_server.url, assignee, phone=True, locale="vi-VN")
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/")
    assert page.get_by_test_id("home-tasks").is_visible()
    # the folded menu: "Việc được giao" with its count
    page.locator("label.nav-toggle-label").click()
    nav = page.get_by_test_id("nav-tasks")
    assert "Việc được giao" in nav.inner_text()
    assert page.get_by_test_id("nav-task-count").inner_text() == "1"
    nav.click()
    page.get_by_role("link", name="Hoàn thiện đề án y tế cơ sở").click()
    page.wait_for_url(f"**/tasks/{task.pk}/")
    assert not page.evaluate(OVERFLOW)

    page.get_by_test_id("report-comment").fill("Đã lấy ý kiến 5/9 huyện; gửi kèm báo cáo.")
    page.get_by_test_id("report-progress").fill("60")
    page.get_by_test_id("report-file").set_input_files(str(report_pdf))
    page.get_by_test_id("report-send").click()
    page.wait_for_selector("text=Đã gửi báo cáo tiến độ.")
    assert page.get_by_test_id("task-progress").inner_text() == "60%"
    link = page.get_by_test_id("task-file")
    assert link.inner_text() == "bao-cao-tien-do.pdf"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert TaskAttachment.objects.count() == 1
    assert not page.evaluate(OVERFLOW)

    page.get_by_test_id("mark-done").click()
    page.get_by_test_id("confirm-dialog-ok").click()
    page.wait_for_selector("text=Nhiệm vụ đã được đánh dấu hoàn thành.")
    assert page.get_by_test_id("task-status").inner_text() == "đã hoàn thành"
    assert page.get_by_test_id("task-progress").inner_text() == "100%"
    assert not page.get_by_test_id("report-form").count()
    task.refresh_from_db()
    assert (task.status, task.progress, task.completed_by_id) == (FollowUpTask.Status.DONE, 100, assignee.pk)
    assert page.get_by_test_id("nav-task-count").count() == 0

    # the issuing secretary's board, on a phone too
    office = new_context(browser, live_server.url, secretary, phone=True, locale="vi-VN").new_page()
    office_watch = Watch(office)
    office.goto(live_server.url + "/tasks/board/")
    counts = office.get_by_test_id(f"board-unit-{health.pk}").get_by_test_id("count-done")
    assert counts.inner_text().endswith("1")
    assert not office.evaluate(OVERFLOW)
    assert script_errors([watch, office_watch]) == []
    context.close()


def test_the_rooms_item_conclusion_offers_a_task(app_server, browser):
    """In the console, an item with a conclusion links to giving a task from it (item chosen)."""
    from meetings.actions.room import do_record_item_conclusion
    from tests.kit.rooms import make_room

    room = make_room(prefix="t")
    item = room.items[0]
    do_record_item_conclusion(item, actor=room.secretary, text="Giao Sở Y tế hoàn thiện đề án.")
    context = new_context(browser, app_server.url, room.secretary, phone=True, locale="vi-VN")
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{app_server.url}/meetings/{room.meeting.pk}/room/")
    page.wait_for_selector("#conn[data-state=online]")
    link = page.get_by_test_id(f"give-task-{item.pk}")
    assert link.inner_text() == "Giao nhiệm vụ"
    assert page.get_by_test_id(f"give-task-{room.items[1].pk}").count() == 0  # no conclusion yet
    page.goto(app_server.url + link.get_attribute("href"))
    assert page.locator("#id_item").input_value() == str(item.pk)
    assert page.get_by_test_id("task-form").is_visible()
    member = new_context(browser, app_server.url, room.member, phone=True).new_page()
    member_watch = Watch(member)
    member.goto(f"{app_server.url}/meetings/{room.meeting.pk}/room/")
    member.wait_for_selector("#conn[data-state=online]")
    assert member.get_by_test_id(f"give-task-{item.pk}").count() == 0
    assert script_errors([watch, member_watch]) == []
    context.close()
