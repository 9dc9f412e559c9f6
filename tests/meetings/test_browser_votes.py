"""The chair goes through a prepared vote list with readiness shown (fn19, fn41-fn44, fn108), in
headless Chromium at desktop and phone size, each person in their own context: members mark
themselves ready in their own rooms, the chair sees who is ready and who is not and filters,
starts, pauses, resumes and stops each vote in the list's order; ballots (one signed with the
member's PIN) are cast from the vote sheet; results appear for everyone and in the results
table. Every page is watched: an uncaught error or a console error fails."""

from __future__ import annotations

import pytest

from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.models import Poll, PollVoter
from signing.models import SignedBallot
from tests.kit.browser import new_context
from tests.kit.cases import PIN
from tests.kit.factories import give_certificate
from tests.kit.pagewatch import Watch, script_errors
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)


def open_room(browser, server, user, meeting_id, watches, phone):
    context = new_context(browser, server.url, user, phone=phone, locale="vi-VN")
    page = context.new_page()
    watches.append(Watch(page))
    page.goto(f"{server.url}/meetings/{meeting_id}/room/")
    page.wait_for_selector("#conn[data-state=online]")
    return page


def ready_count(page, n: int) -> None:
    page.wait_for_selector(f"[data-testid=readiness-count][data-ready='{n}']")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_chair_goes_through_a_prepared_vote_list_with_readiness(app_server, browser, phone):
    server, watches = app_server, []
    room = make_room(prefix="bv" + ("p" if phone else "d"))
    m, item1, item2 = room.meeting, room.items[0], room.items[1]
    member, other = room.member, room.members[1]
    # The secretary's list: two votes on item 1 (the council form first), a signed one on item 2.
    council = room_polls.do_create_poll(m, item1, actor=room.secretary, question="Thông qua tờ trình số 12?",
                                        ballot_set="council")
    live = room_polls.do_create_poll(m, item1, actor=room.secretary, question="Giao Sở Tài chính chủ trì?",
                                     ballot_set="yes_no", show_live=True)
    signed = room_polls.do_create_poll(m, item2, actor=room.secretary, question="Chọn phương án 1?", signed=True)
    give_certificate(member, PIN)
    for user in (member, other, room.chair):
        room_actions.do_check_in(m, actor=user)

    chair = open_room(browser, server, room.chair, m.pk, watches, phone)
    mine = open_room(browser, server, member, m.pk, watches, phone)
    theirs = open_room(browser, server, other, m.pk, watches, phone)

    # The list in its order; readiness is about the first vote still to come.
    order = chair.eval_on_selector_all("[data-testid=polls] > .poll", "els => els.map(e => e.dataset.testid)")
    assert order == [f"poll-{council.pk}", f"poll-{live.pk}", f"poll-{signed.pk}"]
    chair.wait_for_selector("[data-testid=readiness]:visible")
    assert chair.text_content("#readiness-poll") == "Thông qua tờ trình số 12?"
    ready_count(chair, 0)
    assert "Sẵn sàng: 0/3" in chair.text_content("[data-testid=readiness-count]")

    # Members mark themselves ready in their own rooms; the chair sees it live.
    mine.click(f"[data-testid=ready-{council.pk}]")
    mine.wait_for_selector(f"[data-testid=unready-{council.pk}]")
    ready_count(chair, 1)
    chair.select_option("[data-testid=readiness-filter]", "ready")
    chair.wait_for_function("() => document.querySelectorAll('#readiness-list li').length === 1")
    assert chair.get_attribute(f"[data-testid=readiness-{room.member_parts[0].pk}]", "data-ready") == "yes"
    chair.select_option("[data-testid=readiness-filter]", "not_ready")
    chair.wait_for_function("() => document.querySelectorAll('#readiness-list li').length === 2")
    assert chair.locator(f"[data-testid=readiness-{room.member_parts[0].pk}]").count() == 0
    theirs.click(f"[data-testid=ready-{council.pk}]")
    ready_count(chair, 2)
    chair.wait_for_function("() => document.querySelectorAll('#readiness-list li').length === 1")  # filter kept
    # ... and one changes their mind
    theirs.click(f"[data-testid=unready-{council.pk}]")
    ready_count(chair, 1)
    chair.select_option("[data-testid=readiness-filter]", "all")
    chair.wait_for_function("() => document.querySelectorAll('#readiness-list li').length === 3")

    # Start: the vote sheet reaches the members. Pause: the sheet says so, no choices.
    chair.click(f"[data-testid=open-{council.pk}]")
    mine.wait_for_selector(f"[data-testid=sheet-vote-{council.pk}-blank]")
    chair.click(f"[data-testid=pause-{council.pk}]")
    chair.wait_for_selector(f"[data-testid=poll-{council.pk}][data-status=paused]")
    mine.wait_for_selector("[data-testid=vote-sheet-paused]")
    assert mine.locator(f"[data-testid=sheet-vote-{council.pk}-blank]").count() == 0
    assert "tạm dừng" in mine.text_content(f"[data-testid=poll-status-{council.pk}]")
    # Resume: the choices come back; both members vote (the council form: Đồng ý / Không đồng ý / Phiếu trắng).
    chair.click(f"[data-testid=resume-{council.pk}]")
    mine.click(f"[data-testid=sheet-vote-{council.pk}-blank]")
    mine.wait_for_selector("[data-testid=vote-sheet-voted]")
    theirs.click(f"[data-testid=sheet-vote-{council.pk}-agree]")
    theirs.wait_for_selector("[data-testid=vote-sheet-voted]")
    # Stop: the result for everyone, with the number of voters.
    chair.click(f"[data-testid=close-{council.pk}]")
    for page in (chair, mine, theirs):
        page.wait_for_selector(f"[data-testid=result-{council.pk}]")
        assert page.text_content(f"[data-testid=count-{council.pk}-blank]").strip() == "1"
        assert "2 phiếu" in page.text_content(f"[data-testid=figures-{council.pk}]")

    # The next vote on the list: readiness follows it; live counts while open.
    chair.wait_for_function(f"() => document.getElementById('readiness-poll').textContent === {live.question!r}")
    ready_count(chair, 0)
    mine.click(f"[data-testid=ready-{live.pk}]")
    ready_count(chair, 1)
    chair.click(f"[data-testid=open-{live.pk}]")
    theirs.click(f"[data-testid=sheet-vote-{live.pk}-yes]")
    chair.wait_for_selector(f"[data-testid=count-{live.pk}-yes]:has-text('1')")
    chair.click(f"[data-testid=close-{live.pk}]")
    theirs.wait_for_selector(f"[data-testid=result-{live.pk}]")

    # The signed vote: the sheet asks for the PIN; the ballot is a JWS kept with the poll.
    chair.click(f"[data-testid=open-{signed.pk}]")
    mine.wait_for_selector("[data-testid=sheet-pin]")
    mine.fill("[data-testid=sheet-pin]", "sai-mã-pin-1")
    mine.click(f"[data-testid=sheet-vote-{signed.pk}-agree]")
    mine.wait_for_selector("#vote-sheet-error:not([hidden])")
    assert "PIN" in mine.text_content("#vote-sheet-error")
    assert not PollVoter.objects.filter(poll=signed).exists()
    mine.fill("[data-testid=sheet-pin]", PIN)
    mine.click(f"[data-testid=sheet-vote-{signed.pk}-agree]")
    mine.wait_for_selector("[data-testid=vote-sheet-voted]")
    assert SignedBallot.objects.get(poll=signed).option_key == "agree"
    chair.click(f"[data-testid=close-{signed.pk}]")
    mine.wait_for_selector(f"[data-testid=result-{signed.pk}]")
    assert Poll.objects.filter(meeting=m, status="closed").count() == 3

    # The results table, as a member sees it.
    mine.click("[data-testid=votes-page]")
    mine.wait_for_selector(f"[data-testid=result-row-{council.pk}]")
    row = mine.text_content(f"[data-testid=result-row-{council.pk}]")
    assert "Phiếu trắng: 1" in row and "2 phiếu / 3 có mặt / 3 có quyền biểu quyết" in row
    assert mine.evaluate("() => document.documentElement.scrollWidth") <= mine.viewport_size["width"]
    assert script_errors(watches) == []
