"""The live seat map (fn117) and absence requests in the room (fn113), in headless Chromium at
desktop and phone size: each seat follows the meeting live (checked in, remote, asked to speak,
speaking, has spoken, absent once the chair approves an absence from the room), with a text
and an icon besides its colour, inside its own scrolling box at 360 px. The meeting page's seat
map follows the same socket. Every page is watched (tests/kit/pagewatch.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from meetings.actions import preparation as prep_actions
from meetings.actions import room as room_actions
from meetings.models import MeetingRoom, MeetingType, Participant, SpeakerRequest
from tests.kit.browser import DESKTOP, PHONE, new_context
from tests.kit.pagewatch import Watch, script_errors
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)


def open_page(browser, server, user, path: str, watches: list[Watch], *, phone: bool, ready: str):
    page = new_context(browser, server.url, user, phone=phone, locale="vi-VN").new_page()
    watches.append(Watch(page))
    page.goto(f"{server.url}{path}")
    page.wait_for_selector(ready)
    return page


def act(change):
    """An action while the browser runs: in a thread of its own (Playwright's sync API keeps an
    event loop in this one, where the after-commit live notice cannot be sent)."""
    def run():
        try:
            return change()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def seat_is(page, seat: str, state: str) -> None:
    page.wait_for_selector(f"[data-testid=seat-{seat}][data-state={state}]")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_seat_map_follows_the_meeting_live(app_server, browser, phone):
    server, watches = app_server, []
    room = make_room(members=3, prefix="p" if phone else "d")
    m, secretary, chair = room.meeting, room.secretary, room.chair
    hall = MeetingRoom.objects.create(name="Hội trường tầng 3", seat_rows=3, seats_per_row=12)
    kind = MeetingType.objects.create(name="Phiên họp UBND tỉnh", absence_needs_approval=True)
    prep_actions.do_update_meeting(m, actor=secretary, room=hall, meeting_type=kind)
    member, member2, member3 = room.member_parts
    for participant, seat in ((room.parts["chair"], "A1"), (member, "A2"), (member2, "A3"), (member3, "B1")):
        prep_actions.do_update_participant(participant, actor=secretary, seat=seat)

    watching = open_page(browser, server, chair, f"/meetings/{m.pk}/room/", watches, phone=phone,
                         ready="#conn[data-state=online]")
    seat_is(watching, "A2", "invited")
    seat_is(watching, "C12", "empty")
    legend = watching.inner_text("[data-testid=seat-legend]")
    assert "đăng ký phát biểu" in legend and "đang phát biểu" in legend and "đã phát biểu" in legend
    page_view = None
    if not phone:
        page_view = open_page(browser, server, chair, f"/meetings/{m.pk}/", watches, phone=False,
                              ready="#meeting[data-live=online]")
        seat_is(page_view, "A2", "invited")

    # checked in: in the hall, and remotely (not on the seat)
    act(lambda: room_actions.do_check_in(m, actor=room.member))
    act(lambda: room_actions.do_check_in(m, actor=room.members[1], remote=True))
    seat_is(watching, "A2", "present")
    seat_is(watching, "A3", "remote")
    label = watching.get_attribute("[data-testid=seat-A2]", "aria-label")
    assert label.startswith("A2: Đại biểu member1") and "có mặt tại hội trường" in label, label
    if page_view is not None:
        seat_is(page_view, "A2", "present")

    # the floor: asked, given, spoken
    ask = act(lambda: room_actions.do_request_floor(m, actor=room.member))
    seat_is(watching, "A2", "waiting")
    act(lambda: room_actions.do_grant_floor(ask, actor=chair))
    seat_is(watching, "A2", "speaking")
    assert watching.inner_text("[data-testid=seat-A2] .seat-icon") == "▶"
    act(lambda: room_actions.do_finish_floor(SpeakerRequest.objects.get(pk=ask.pk), actor=chair))
    seat_is(watching, "A2", "spoken")
    if page_view is not None:
        seat_is(page_view, "A2", "spoken")

    # an absence asked for in the room's time, approved by the chair from the room
    act(lambda: prep_actions.do_answer_invitation(m, actor=room.members[2], response="decline", reason="Ốm đột xuất"))
    row = watching.wait_for_selector(f"[data-testid=absence-row-{member3.pk}]")
    assert "Ốm đột xuất" in row.inner_text()
    seat_is(watching, "B1", "invited")
    watching.fill(f"[data-testid=absence-note-{member3.pk}]", "Đồng ý, chúc đồng chí mau khỏe.")
    watching.click(f"[data-testid=absence-approve-{member3.pk}]")
    seat_is(watching, "B1", "absent")
    watching.wait_for_selector(f"[data-testid=absence-row-{member3.pk}]", state="detached")
    decided = act(lambda: Participant.objects.get(pk=member3.pk))
    assert (decided.absence_status, decided.response, decided.absence_note) == (
        "approved", "decline", "Đồng ý, chúc đồng chí mau khỏe.")

    # the map scrolls inside its own box; the page itself does not overflow
    width = (PHONE if phone else DESKTOP)["width"]
    assert watching.evaluate("() => document.documentElement.scrollWidth") <= width
    box = watching.locator(".seatmap-scroll").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    if phone:
        assert watching.evaluate(
            "() => { const b = document.querySelector('.seatmap-scroll'); return b.scrollWidth > b.clientWidth; }")
    assert script_errors(watches) == []
