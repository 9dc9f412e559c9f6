"""The room in headless Chromium over daphne: a chair and two members in separate contexts."""

from __future__ import annotations

import pytest

from tests.kit.browser import new_context
from tests.kit.pagewatch import Watch, script_errors
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)

# Every room page these tests open: an uncaught error or a console error in any fails the test.
WATCHES: list[Watch] = []


@pytest.fixture(autouse=True)
def no_script_errors():
    WATCHES.clear()
    yield
    assert script_errors(WATCHES) == []


def open_room(browser, server, user, meeting_id):
    context = new_context(browser, server.url, user, phone=True)
    page = context.new_page()
    WATCHES.append(Watch(page))
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

    # The quorum is the server's figure (state.room.quorum): 3 voting seats, more than half needed.
    chair.wait_for_selector("#quorum[data-required='2']")
    assert "(0/3)" in chair.text_content("#quorum")
    # check in, ask for the floor, then a secret vote runs to a result
    for page in (one, chair):
        page.click("[data-testid=checkin]")
    # Functions, not expressions: Playwright evals an expression in the page, which its CSP refuses.
    chair.wait_for_function("() => document.querySelector('[data-testid=counts]').textContent.includes('2/3')")
    chair.wait_for_selector("#quorum.ok")
    assert "(2/3)" in chair.text_content("#quorum")
    one.click("[data-testid=ask-speak]")
    chair.wait_for_selector("#queue-speak li")
    two.wait_for_selector("#queue-speak li")
    # Withdrawing: the asker (state.viewer.participant) and those running the meeting, nobody else.
    one.wait_for_selector("#queue-speak li.mine [data-testid^=withdraw-]")
    assert chair.locator("#queue-speak [data-testid^=withdraw-]").count() == 1
    assert two.locator("#queue-speak [data-testid^=withdraw-]").count() == 0
    chair.fill("[data-testid=poll-question]", "Thông qua tờ trình (bỏ phiếu kín)?")
    chair.check("[data-testid=poll-secret]")
    chair.click("[data-testid=poll-create]")
    chair.wait_for_selector("[data-testid^=open-]")
    poll_id = chair.get_attribute("[data-testid^=open-]", "data-testid").split("-")[1]
    chair.click(f"[data-testid=open-{poll_id}]")
    # Not checked in yet: no ballot buttons; they appear with the check-in's event.
    one.wait_for_selector(f"[data-testid=vote-{poll_id}-agree]")
    two.wait_for_selector(f"[data-testid=poll-{poll_id}].open")
    assert two.locator(f"[data-testid^=vote-{poll_id}-]").count() == 0
    two.click("[data-testid=checkin]")
    chair.wait_for_function("() => document.querySelector('[data-testid=counts]').textContent.includes('3/3')")
    two.wait_for_selector(f"[data-testid=vote-{poll_id}-agree]")
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


VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


def open_room_at(browser, server, user, meeting_id, viewport):
    page = new_context(browser, server.url, user, viewport=viewport, locale="vi-VN").new_page()
    WATCHES.append(Watch(page))
    page.goto(f"{server.url}/meetings/{meeting_id}/room/")
    page.wait_for_selector("#conn[data-state=online]")
    return page


def fits(page, selector, viewport) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (selector, box)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_item_conclusion_is_written_in_a_form_in_the_page(app_server, browser, size):
    server = app_server
    from meetings.models import AgendaItem

    viewport = VIEWPORTS[size]
    room = make_room(prefix="c")
    item, other = room.items[0], room.items[1]
    chair = open_room_at(browser, server, room.chair, room.meeting.pk, viewport)
    secretary = open_room_at(browser, server, room.secretary, room.meeting.pk, viewport)
    member = open_room_at(browser, server, room.member, room.meeting.pk, viewport)
    assert member.locator(f"[data-testid=edit-conclusion-{item.pk}]").count() == 0

    chair.click(f"[data-testid=edit-conclusion-{item.pk}]")
    editor = f"[data-testid=item-{item.pk}] [data-testid=conclusion-editor]"
    chair.wait_for_selector(editor)
    assert "Kết luận nội dung này" in chair.inner_text(editor)  # Vietnamese label
    fits(chair, f"{editor} textarea", viewport)
    fits(chair, f"{editor} [data-testid=item-conclusion-save]", viewport)
    chair.fill(f"{editor} textarea", "Thống nhất thông qua tờ trình,\ngiao Sở Tài chính hoàn thiện.")
    # A live change to the agenda while the chair types redraws the rows, not the open form,
    # and only the parts that show the changed slices (the votes read neither the agenda nor the
    # meeting: they stay as they are).
    before = chair.evaluate("() => window.eRoom.renders()")
    secretary.click(f"[data-testid=set-current-{other.pk}]")
    chair.wait_for_selector(f"[data-testid=item-{other.pk}][data-status=current]")
    after = chair.evaluate("() => window.eRoom.renders()")
    assert after["agenda"] > before["agenda"] and after["header"] > before["header"]
    assert after["polls"] == before["polls"]
    assert chair.input_value(f"{editor} textarea").startswith("Thống nhất thông qua tờ trình")

    # Refused by the server: the message is shown in the form, which stays open with the text.
    too_long = "x" * 20001
    chair.fill(f"{editor} textarea", too_long)
    chair.click(f"{editor} [data-testid=item-conclusion-save]")
    error = chair.wait_for_selector(f"{editor} [data-testid=item-conclusion-error]:not([hidden])")
    assert error.text_content().strip()
    assert chair.input_value(f"{editor} textarea") == too_long
    assert AgendaItem.objects.get(pk=item.pk).conclusion == ""

    chair.fill(f"{editor} textarea", "Thống nhất thông qua.")
    chair.click(f"{editor} [data-testid=item-conclusion-save]")
    chair.wait_for_selector(editor, state="detached")
    member.wait_for_selector(f"[data-testid=conclusion-{item.pk}]:has-text('Thống nhất thông qua.')")
    assert AgendaItem.objects.get(pk=item.pk).conclusion == "Thống nhất thông qua."

    # Cancel closes the form and sends nothing.
    chair.click(f"[data-testid=edit-conclusion-{item.pk}]")
    chair.fill(f"{editor} textarea", "Không lưu")
    chair.click(f"{editor} [data-testid=item-conclusion-cancel]")
    chair.wait_for_selector(editor, state="detached")
    assert AgendaItem.objects.get(pk=item.pk).conclusion == "Thống nhất thông qua."


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_ending_the_meeting_asks_first(app_server, browser, size):
    server = app_server
    from meetings.models import Meeting

    viewport = VIEWPORTS[size]
    room = make_room(prefix="e")
    chair = open_room_at(browser, server, room.chair, room.meeting.pk, viewport)
    member = open_room_at(browser, server, room.member, room.meeting.pk, viewport)

    chair.click("[data-testid=end]")
    dialog = chair.wait_for_selector("[data-testid=confirm-dialog][open]")
    assert "Kết thúc cuộc họp" in dialog.text_content()
    fits(chair, "[data-testid=confirm-dialog]", viewport)
    chair.click("[data-testid=confirm-dialog-back]")
    chair.wait_for_selector("[data-testid=confirm-dialog]:not([open])", state="attached")
    assert Meeting.objects.get(pk=room.meeting.pk).status == "in_progress"

    chair.click("[data-testid=end]")
    chair.click("[data-testid=confirm-dialog-ok]")
    member.wait_for_selector("#meeting-status[data-status=ended]")
    assert Meeting.objects.get(pk=room.meeting.pk).status == "ended"
