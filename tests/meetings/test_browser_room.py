"""The room in headless Chromium over daphne: a chair and two members in separate contexts."""

from __future__ import annotations

import pytest

from tests.kit.browser import new_context
from tests.meetings.roomkit import make_room

pytestmark = pytest.mark.django_db(transaction=True)


def open_room(browser, server, user, meeting_id):
    context = new_context(browser, server.url, user, phone=True)
    page = context.new_page()
    page.goto(f"{server.url}/meetings/{meeting_id}/room/")
    page.wait_for_selector("#conn[data-state=online]")
    return context, page


def test_chair_and_two_members(app_server, browser):
    server = app_server
    room = make_room(prefix="w")
    m = room.meeting
    _, chair = open_room(browser, server, room.chair, m.pk)
    ctx1, one = open_room(browser, server, room.members[0], m.pk)
    ctx2, two = open_room(browser, server, room.members[1], m.pk)
    item = room.items[1]

    # a change by the chair appears for both members
    chair.click(f"[data-testid=set-current-{item.pk}]")
    for page in (one, two):
        page.wait_for_selector(f"[data-testid=item-{item.pk}][data-status=current]")

    # a member goes offline, misses changes, comes back and sees them
    ctx2.set_offline(True)
    two.wait_for_selector("#conn[data-state=offline]")
    chair.click(f"[data-testid=set-current-{room.items[2].pk}]")
    chair.fill("#add-item input[name=title]", "Nội dung phát sinh trong phiên họp")
    chair.click("#add-item button[type=submit]")
    one.wait_for_selector("text=Nội dung phát sinh trong phiên họp")
    assert two.locator("text=Nội dung phát sinh trong phiên họp").count() == 0
    ctx2.set_offline(False)
    two.wait_for_selector("#conn[data-state=online]")
    two.wait_for_selector("text=Nội dung phát sinh trong phiên họp")
    two.wait_for_selector(f"[data-testid=item-{room.items[2].pk}][data-status=current]")
    assert two.evaluate("window.eRoom.revision()") == one.evaluate("window.eRoom.revision()")
    # the socket drops (server side close) and the page reconnects by itself with `since`
    one.evaluate("window.eRoom.drop()")
    one.wait_for_selector("#conn[data-state=online]")

    # check in, ask for the floor, then a secret vote runs to a result
    for page in (one, two, chair):
        page.click("[data-testid=checkin]")
    # Functions, not expressions: Playwright evals an expression in the page, which its CSP refuses.
    chair.wait_for_function("() => document.querySelector('[data-testid=counts]').textContent.includes('3/3')")
    one.click("[data-testid=ask-speak]")
    chair.wait_for_selector("#queue-speak li")
    chair.fill("[data-testid=poll-question]", "Thông qua tờ trình (bỏ phiếu kín)?")
    chair.check("[data-testid=poll-secret]")
    chair.click("[data-testid=poll-create]")
    chair.wait_for_selector("[data-testid^=open-]")
    poll_id = chair.get_attribute("[data-testid^=open-]", "data-testid").split("-")[1]
    chair.click(f"[data-testid=open-{poll_id}]")
    one.click(f"[data-testid=vote-{poll_id}-agree]")
    two.click(f"[data-testid=vote-{poll_id}-agree]")
    chair.click(f"[data-testid=vote-{poll_id}-disagree]")
    chair.wait_for_function(f"() => document.querySelector('[data-testid=poll-{poll_id}]').textContent.includes('3 ')")
    chair.click(f"[data-testid=close-{poll_id}]")
    for page in (one, two, chair):
        result = page.wait_for_selector(f"[data-testid=result-{poll_id}]")
        assert result.get_attribute("class").startswith("ok")
        assert page.locator(f"[data-testid=poll-{poll_id}] .count").all_inner_texts() == ["2", "1", "0"]


def test_secretary_sets_the_quorum_and_members_see_it(app_server, browser):
    server = app_server
    from meetings.models import RoomState

    room = make_room(prefix="q")
    m = room.meeting
    _, secretary = open_room(browser, server, room.secretary, m.pk)
    _, member = open_room(browser, server, room.member, m.pk)
    assert member.locator("[data-testid=quorum-form]").count() == 0  # members cannot run the meeting
    assert secretary.input_value("[data-testid=quorum-percent]") == "50"
    secretary.fill("[data-testid=quorum-percent]", "75")
    secretary.click("[data-testid=quorum-save]")
    member.wait_for_selector("#quorum[data-fraction='0.75']")
    secretary.wait_for_selector("#quorum[data-fraction='0.75']")
    assert float(RoomState.objects.get(meeting=m).quorum_fraction) == 0.75
    secretary.fill("[data-testid=quorum-percent]", "66.7")
    secretary.click("[data-testid=quorum-save]")
    member.wait_for_selector("#quorum[data-fraction='0.667']")
    assert secretary.input_value("[data-testid=quorum-percent]") == "66.7"


def test_speaking_time_limit_counts_down_for_everyone(app_server, browser):
    server = app_server
    from meetings.models import SpeakerRequest

    room = make_room(prefix="t")
    m = room.meeting
    _, chair = open_room(browser, server, room.chair, m.pk)
    _, member = open_room(browser, server, room.member, m.pk)
    assert member.locator("[data-testid=speaker-minutes]").count() == 0
    member.click("[data-testid=ask-speak]")
    chair.wait_for_selector("[data-testid^=grant-]")
    chair.fill("[data-testid=speaker-minutes]", "2")
    chair.click("[data-testid^=grant-]")
    for page in (chair, member):
        countdown = page.wait_for_selector("[data-testid=speaker-countdown][data-over='0']")
        page.wait_for_function("() => /[12]:[0-5][0-9]/.test(document.querySelector('[data-testid=speaker-countdown]').textContent)")
    text = countdown.text_content()
    member.wait_for_function(f"() => document.querySelector('[data-testid=speaker-countdown]').textContent !== {text!r}")
    speaker = SpeakerRequest.objects.get(meeting=m, status="speaking")
    assert speaker.time_limit_minutes == 2
