"""The room on a phone (issue 11), in headless Chromium at 360×800, each person in a separate
context: a vote reaches a member wherever they are and is cast from the sheet; the chair's
controls come before the secretary's tools; the member given the floor is told so; the online
link and the embedded conference go to those who checked in remotely; no button the meeting's
moment does not allow. Every page is watched (tests/kit/pagewatch.py): an uncaught error
or a console error fails."""

from __future__ import annotations

import pytest

from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.conference import room_name
from meetings.models import Meeting, PollVoter, SpeakerRequest
from tests.kit.browser import PHONE, new_context
from tests.kit.pagewatch import Watch, script_errors
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)


def open_room(browser, server, user, meeting_id, watches: list[Watch], **options):
    context = new_context(browser, server.url, user, phone=True, locale="vi-VN", **options)
    page = context.new_page()
    watches.append(Watch(page))
    page.goto(f"{server.url}/meetings/{meeting_id}/room/")
    page.wait_for_selector("#conn[data-state=online]")
    return page


def on_screen(page, selector: str) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)
    return box


def no_errors(watches: list[Watch]) -> None:
    assert script_errors(watches) == []


def test_a_vote_reaches_a_member_at_the_top_and_is_cast_from_the_sheet(app_server, browser):
    server, watches = app_server, []
    room = make_room(prefix="vs")
    m = room.meeting
    room_actions.do_check_in(m, actor=room.guest)  # present, but a guest holds no vote
    first = room_polls.do_create_poll(m, actor=room.secretary, question="Thông qua tờ trình số 12?")
    second = room_polls.do_create_poll(m, actor=room.secretary, question="Giao Sở Tài chính chủ trì?")
    chair = open_room(browser, server, room.chair, m.pk, watches)
    member = open_room(browser, server, room.member, m.pk, watches)
    guest = open_room(browser, server, room.guest, m.pk, watches)
    for page in (member, guest):
        page.evaluate("() => window.scrollTo(0, 0)")
        assert page.evaluate("() => window.scrollY") == 0
        assert page.locator("[data-testid=vote-sheet]").is_hidden()

    chair.click(f"[data-testid=open-{first.pk}]")
    member.wait_for_selector("[data-testid=vote-sheet]:visible")
    assert member.evaluate("() => window.scrollY") == 0
    assert member.text_content("[data-testid=vote-sheet-question]") == "Thông qua tờ trình số 12?"
    assert "Đang mở biểu quyết" in member.text_content("[data-testid=vote-sheet]")
    assert member.get_attribute("body", "data-alerts") == "1"  # the beep and vibration were asked for
    on_screen(member, "[data-testid=vote-sheet]")
    # Not checked in yet: the sheet offers the check-in first, then the choices.
    member.click("[data-testid=sheet-checkin-remote]")
    choice = member.wait_for_selector(f"[data-testid=sheet-vote-{first.pk}-agree]")
    assert choice.is_visible()
    on_screen(member, f"[data-testid=sheet-vote-{first.pk}-agree]")
    member.click(f"[data-testid=sheet-vote-{first.pk}-agree]")
    member.wait_for_selector("[data-testid=vote-sheet-voted]")
    ballot = PollVoter.objects.get(poll=first, cast_by=room.member)
    assert ballot.option.key == "agree"
    member.click("[data-testid=vote-sheet-close]")
    member.wait_for_selector("[data-testid=vote-sheet]", state="hidden")

    # The guest saw the vote open in the list, never the sheet.
    guest.wait_for_selector(f"[data-testid=poll-{first.pk}].open")
    assert guest.locator("[data-testid=vote-sheet]").is_hidden()
    assert guest.get_attribute("body", "data-alerts") is None

    # A second vote: the sheet comes back; it goes by itself when the vote closes unanswered.
    chair.click(f"[data-testid=open-{second.pk}]")
    member.wait_for_selector(f"[data-testid=vote-sheet][data-poll='{second.pk}']:visible")
    assert member.get_attribute("body", "data-alerts") == "2"
    # Those running the meeting close it from the phone too; the close button is above their tools.
    chair.click(f"[data-testid=close-{second.pk}]")
    member.wait_for_selector("[data-testid=vote-sheet]", state="hidden")
    assert not PollVoter.objects.filter(poll=second, cast_by=room.member).exists()
    assert guest.locator("[data-testid=vote-sheet]").is_hidden()
    no_errors(watches)


def test_the_chair_gives_the_floor_from_a_phone(app_server, browser):
    server, watches = app_server, []
    room = make_room(prefix="fl")
    m = room.meeting
    member = open_room(browser, server, room.member, m.pk, watches)
    other = open_room(browser, server, room.members[1], m.pk, watches)
    member.click("[data-testid=ask-speak]")
    # Asking twice is refused: the message is shown where the member is, nothing is left uncaught.
    member.wait_for_selector("#queue-speak li.mine")
    member.click("[data-testid=ask-speak]")
    flash = member.wait_for_selector("#flash")
    assert "Đồng chí đã có trong danh sách chờ này." in flash.text_content()
    on_screen(member, "#flash")

    chair = open_room(browser, server, room.chair, m.pk, watches)  # loaded at the top of the page
    request = SpeakerRequest.objects.get(meeting=m, participant__user=room.member)
    grant = f"[data-testid=grant-{request.pk}]"
    chair.wait_for_selector(grant)
    assert chair.evaluate("() => window.scrollY") == 0
    box = chair.locator(grant).bounding_box()
    tools = chair.locator("[data-testid=secretary-tools]").bounding_box()
    assert box is not None and tools is not None
    # The meeting's controls come first: "give the floor" sits above the secretary's tools and
    # within the first screen of the phone, with the current item and start/end above it.
    assert box["y"] + box["height"] <= tools["y"], (box, tools)
    assert box["y"] + box["height"] <= PHONE["height"], box
    assert chair.locator("[data-testid=console-current]").bounding_box()["y"] < box["y"]

    chair.click(grant)
    banner = member.wait_for_selector("[data-testid=your-turn]:visible")
    assert "Đến lượt đồng chí phát biểu." in banner.text_content()
    on_screen(member, "[data-testid=your-turn]")
    # Only the one given the floor is told.
    other.wait_for_selector("[data-testid=speaking] .speaking")
    assert other.locator("[data-testid=your-turn]").is_hidden()
    assert chair.locator("[data-testid=your-turn]").is_hidden()
    assert SpeakerRequest.objects.get(pk=request.pk).status == "speaking"
    # When the speech ends, the banner goes.
    chair.click("[data-testid=speaking] button")
    member.wait_for_selector("[data-testid=your-turn]", state="hidden")
    no_errors(watches)


def test_buttons_follow_the_meetings_moment(app_server, browser):
    server, watches = app_server, []
    room = make_room(status=Meeting.Status.SCHEDULED, prefix="mo")
    m = room.meeting
    chair = open_room(browser, server, room.chair, m.pk, watches)
    member = open_room(browser, server, room.member, m.pk, watches)
    # Before it began: start, but no end, no check-in, no asking for the floor.
    assert chair.locator("[data-testid=start]").is_visible()
    assert chair.locator("[data-testid=end]").is_hidden()
    assert chair.locator(f"[data-testid=set-current-{room.items[0].pk}]").count() == 0
    for page in (member, chair):
        assert page.locator("[data-testid=checkin]").is_hidden()
        assert page.locator("[data-testid=ask-speak]").is_hidden()

    chair.click("[data-testid=start]")
    member.wait_for_selector("[data-testid=checkin]:visible")
    assert member.locator("[data-testid=ask-speak]").is_visible()
    chair.wait_for_selector("[data-testid=start]", state="hidden")
    assert chair.locator("[data-testid=end]").is_visible()
    chair.wait_for_selector(f"[data-testid=set-current-{room.items[0].pk}]")
    # Checked in in the room: that button goes, the remote one stays (one may move).
    member.click("[data-testid=checkin]")
    member.wait_for_selector("[data-testid=checkin]", state="hidden")
    assert member.locator("[data-testid=checkin-remote]").is_visible()

    chair.click("[data-testid=end]")
    chair.click("[data-testid=confirm-dialog-ok]")
    member.wait_for_selector("#meeting-status[data-status=ended]")
    member.wait_for_selector("[data-testid=checkin-remote]", state="hidden")
    assert member.locator("[data-testid=ask-speak]").is_hidden()
    assert chair.locator("[data-testid=start]").is_hidden() and chair.locator("[data-testid=end]").is_hidden()
    assert chair.locator(f"[data-testid=set-current-{room.items[1].pk}]").count() == 0
    no_errors(watches)


@pytest.fixture
def jitsi(tmp_path):
    from tests.meetings.fake_jitsi import FakeJitsi

    with FakeJitsi(tmp_path) as fake:
        yield fake


@pytest.fixture
def jitsi_server(tmp_path, own_connection, jitsi):
    from django.db import connection

    from tests.meetings.room_server import AppServer, database_url_of

    with AppServer(database_url=database_url_of(connection.settings_dict), media_root=str(tmp_path / "media"),
                   extra_env={"JITSI_URL": jitsi.url}) as app:
        yield app


def test_the_online_link_and_the_conference_go_to_remote_attendees(jitsi_server, jitsi, browser):
    server, watches = jitsi_server, []
    room = make_room(prefix="jt", members=3)
    m = room.meeting
    link = "https://hop.example.gov.vn/phien-thuong-ky"
    Meeting.objects.filter(pk=m.pk).update(online_url=link)
    remote = open_room(browser, server, room.members[0], m.pk, watches, ignore_https_errors=True)
    here = open_room(browser, server, room.members[1], m.pk, watches, ignore_https_errors=True)
    chair = open_room(browser, server, room.chair, m.pk, watches, ignore_https_errors=True)
    guest = open_room(browser, server, room.guest, m.pk, watches, ignore_https_errors=True)

    # Not checked in: neither the link nor the conference.
    for page in (remote, here, guest):
        assert page.locator("[data-testid=online]").is_hidden()
    # Those running the meeting have the link, not the embed (they are in the room).
    chair.wait_for_selector("[data-testid=online-link]:visible")
    assert chair.get_attribute("[data-testid=online-link]", "href") == link
    assert chair.locator("[data-testid=conference]").is_hidden()

    remote.click("[data-testid=checkin-remote]")
    here.click("[data-testid=checkin]")
    remote.wait_for_selector("[data-testid=conference]:visible")
    assert remote.get_attribute("[data-testid=online-link]", "href") == link
    assert jitsi.requests == []  # nothing is fetched from the conference server before one joins
    remote.click("[data-testid=conference-join]")
    remote.wait_for_selector("[data-testid=fake-jitsi-frame]")
    calls = remote.evaluate("() => window.__jitsi")
    assert calls == {"domain": jitsi.url.removeprefix("https://"), "roomName": room_name(m),
                     "displayName": room.members[0].full_name, "parent": "conference-frame"}
    assert jitsi.requests == ["/external_api.js"]
    assert room_name(m).startswith(f"ecabinet-{m.pk}-") and len(room_name(m)) > 30

    # Checked in in the room: no embed, no link.
    here.wait_for_selector("#counts")
    assert here.locator("[data-testid=online]").is_hidden()
    assert here.locator("[data-testid=conference]").is_hidden()
    assert guest.locator("[data-testid=online]").is_hidden()
    # Moving into the room ends the embedded conference.
    remote.click("[data-testid=checkin]")
    remote.wait_for_selector("[data-testid=online]", state="hidden")
    assert remote.evaluate("() => window.__jitsiDisposed") is True

    # The page that embeds it lets that origin in, and only for script, frame and devices.
    response = chair.request.get(f"{server.url}/meetings/{m.pk}/room/")
    assert jitsi.url in response.headers["content-security-policy"]
    assert f'camera=(self "{jitsi.url}")' in response.headers["permissions-policy"]
    # Outsiders cannot enter the room at all.
    outsider = new_context(browser, server.url, room.outsider, phone=True).new_page()
    assert outsider.goto(f"{server.url}/meetings/{m.pk}/room/").status == 404
    assert room_name(m) not in outsider.content()
    no_errors(watches)


def test_the_watch_catches_an_uncaught_rejection(app_server, browser):
    """The twin of every `no_errors` above: a promise nobody catches is seen."""
    server, watches = app_server, []
    room = make_room(prefix="uw")
    member = open_room(browser, server, room.member, room.meeting.pk, watches)
    assert script_errors(watches) == []
    member.evaluate("() => { Promise.reject(new Error('nobody caught this')); }")
    # One turn of the page's event loop: the rejection is reported before this answer.
    member.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
    assert any("nobody caught this" in error for error in script_errors(watches))


def test_a_refused_reorder_on_the_meeting_page_is_shown_not_left_uncaught(app_server, browser):
    """The meeting page's drag-and-drop order goes through net.js: a 409 (someone changed the
    agenda meanwhile) is shown in Vietnamese; nothing is thrown into the console."""
    from django.db.models import F

    server, watches = app_server, []
    room = make_room(status=Meeting.Status.SCHEDULED, prefix="ro")
    m = room.meeting
    page = new_context(browser, server.url, room.secretary, locale="vi-VN").new_page()
    watches.append(Watch(page))
    page.goto(f"{server.url}/meetings/{m.pk}/")
    Meeting.objects.filter(pk=m.pk).update(agenda_version=F("agenda_version") + 1)  # another's change
    items = page.locator("[data-testid=agenda-item]")
    items.nth(2).drag_to(items.nth(0), target_position={"x": 20, "y": 3})
    message = page.wait_for_selector("[data-testid=prep-message].error")
    assert "Người khác vừa thay đổi chương trình họp" in message.text_content()
    assert script_errors(watches) == []
