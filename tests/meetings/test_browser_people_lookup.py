"""Headless Chromium at phone size (360 px): the forms that name a person offer the names
matching what is typed, from the directory's people lookup (GET /api/v1/people), instead of the
page listing everyone (issue 13). A secretary types part of the chair's name in the meeting
form, picks the suggestion and creates the meeting; then gives a task to a person found the
same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecabinet.models import Unit, User
from ecabinet.roles import ORGANISER
from meetings.models import FollowUpTask, Meeting, Participant
from tests.kit.browser import new_context
from tests.kit.factories import make_meeting
from tests.kit.pagewatch import Watch, script_errors
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def suggestions(page, field: str):
    """The suggestion list the lookup's script draws under `field`."""
    return page.locator(f"{field} + ul[data-testid=people-suggestions]")


def pick(page, field: str, typed: str, username: str, *, keyboard: bool = False) -> None:
    """Type part of a name into `field`, wait for the suggestion naming `username` and pick it:
    a tap, or ArrowDown then Enter."""
    page.locator(field).press_sequentially(typed, delay=40)
    choice = suggestions(page, field).locator(f"li[data-username='{username}']")
    choice.wait_for()
    if keyboard:
        page.locator(field).press("ArrowDown")
        page.keyboard.press("Enter")
    else:
        choice.click()
    assert page.locator(field).input_value() == username
    assert not suggestions(page, field).is_visible()


def test_a_secretary_picks_the_chair_by_name_and_creates_the_meeting_on_a_phone(browser, live_server,
                                                                                   own_connection):
    office = Unit.objects.create(name="Văn phòng UBND tỉnh Thử", code="vp", kind="office")
    secretary = make_user("thuky", unit=office, full_name="Trần Thị Thư Ký", roles=(ORGANISER,))
    chair = make_user("chutich", unit=office, full_name="Nguyễn Văn Chủ Tịch")
    User.objects.bulk_create([User(username=f"canbo{n:02d}", full_name=f"Cán Bộ Số {n:02d}") for n in range(50)])

    context = new_context(browser, live_server.url, secretary, phone=True, locale="vi-VN")
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/meetings/new/")
    assert page.locator("datalist#people option").count() == 0  # the page lists no one
    assert page.locator("#chair").get_attribute("aria-autocomplete") == "list"
    assert "canbo" not in page.content()
    start = timezone.localtime() + timedelta(days=2)
    page.fill("#title", "Phiên họp chuyên đề tháng 12")
    page.fill("#starts_at", start.strftime("%Y-%m-%dT08:00"))
    page.fill("#ends_at", start.strftime("%Y-%m-%dT11:00"))
    page.locator("#chair").press_sequentially("Chủ Tị", delay=40)
    offered = suggestions(page, "#chair").locator("li")
    offered.first.wait_for()
    assert offered.all_inner_texts() == ["Nguyễn Văn Chủ Tịch Văn phòng UBND tỉnh Thử · chutich"]
    assert not page.evaluate(OVERFLOW)
    page.locator("#chair").fill("")
    pick(page, "#chair", "Chủ Tị", "chutich")
    # fifty people named alike: a few suggestions, and the page still fits the phone
    pick(page, "#secretary", "Cán Bộ", "canbo00")
    assert not page.evaluate(OVERFLOW)
    page.click("[data-testid=save-meeting]")
    page.wait_for_selector("[data-testid=meeting-title]")
    meeting = Meeting.objects.get()
    assert meeting.participants.get(user=chair).role == Participant.Role.CHAIR
    assert meeting.participants.get(user__username="canbo00").role == Participant.Role.SECRETARY
    assert page.inner_text("[data-testid=chair]") == "Nguyễn Văn Chủ Tịch"
    assert not script_errors([watch])
    context.close()


def test_a_secretary_gives_a_task_to_a_person_found_by_name_on_a_phone(browser, live_server, own_connection):
    committee = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code="ubnd", kind="committee")
    health = Unit.objects.create(name="Sở Y tế", code="so-yt", kind="department", parent=committee)
    secretary = make_user("thuky", unit=committee, full_name="Nguyễn Thư Ký", roles=(ORGANISER,))
    person = make_user("chuyenvien", unit=health, full_name="Trần Văn Chủ Trì")
    meeting = make_meeting(by=secretary, title="Họp UBND tỉnh tháng 11", unit=committee, members=[person],
                           items=["Đề án y tế cơ sở"], status=Meeting.Status.ENDED)

    context = new_context(browser, live_server.url, secretary, phone=True, locale="vi-VN")
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/tasks/")
    page.fill("[data-testid=task-title-input]", "Hoàn thiện đề án y tế cơ sở")
    page.fill("[data-testid=task-deadline-input]", (timezone.localdate() + timedelta(days=7)).isoformat())
    pick(page, "[data-testid=task-assignee-input]", "Chủ Trì", "chuyenvien", keyboard=True)
    assert not page.evaluate(OVERFLOW)
    page.get_by_test_id("task-create").click()
    page.wait_for_selector("text=Đã giao nhiệm vụ")
    task = FollowUpTask.objects.get()
    assert task.assignee == person

    # editing: the person in charge is shown
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    page.locator("#manage summary").first.click()
    assert page.get_by_test_id("task-assignee-input").input_value() == "chuyenvien"
    assert page.get_by_test_id("task-assignee-current").inner_text() == "Hiện tại: Trần Văn Chủ Trì"
    assert not page.evaluate(OVERFLOW)
    assert not script_errors([watch])
    context.close()
