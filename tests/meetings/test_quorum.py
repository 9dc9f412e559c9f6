"""The quorum is counted once, on the server (meetings/access.py quorum_of): the room's figures
(state.room.quorum, room.updated) and a closed poll's stored result come from the same rule."""

from __future__ import annotations

import pytest

from meetings.access import meeting_access, quorum_of
from meetings.actions import preparation
from meetings.actions import room as actions
from meetings.actions import room_polls as polls
from meetings.live.snapshot import build_snapshot
from meetings.models import MeetingEvent, Participant
from tests.kit.rooms import make_room
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db


def _room_with_a_delegate():
    """Chair + 3 members (4 voting seats), a guest, the secretary; member 3 sends a deputy."""
    room = make_room(status="scheduled", members=3, prefix="qu")
    deputy = make_user("qudeputy", full_name="Người Dự Thay")
    preparation.do_answer_invitation(room.meeting, actor=room.members[2], response="delegate", delegate=deputy)
    actions.do_start_meeting(room.meeting, actor=room.secretary)
    room.deputy = deputy
    room.meeting.refresh_from_db()
    return room


def _last_room_event(meeting) -> dict:
    return MeetingEvent.objects.filter(meeting=meeting, type="room.updated").order_by("-revision").first().data["room"]


def test_voting_seats_present_through_their_holder_or_delegate_guests_and_staff_not_counted():
    room = _room_with_a_delegate()
    m = room.meeting
    assert quorum_of(m) == {"present": 0, "eligible": 4, "required": 3, "reached": False}

    # The guest, the secretary and the deputy check in: only the deputy fills a seat (member 3's).
    for user in (room.guest, room.secretary, room.deputy):
        actions.do_check_in(m, actor=user)
    assert quorum_of(m) == {"present": 1, "eligible": 4, "required": 3, "reached": False}
    # The member who delegated comes too: still one seat, not two.
    actions.do_check_in(m, actor=room.members[2])
    actions.do_check_in(m, actor=room.chair)
    assert quorum_of(m) == {"present": 2, "eligible": 4, "required": 3, "reached": False}
    # More than half of 4 is 3.
    actions.do_check_in(m, actor=room.members[0])
    figures = quorum_of(m)
    assert figures == {"present": 3, "eligible": 4, "required": 3, "reached": True}

    # The room shows the same figures: the snapshot and the last room.updated event.
    snapshot_room = build_snapshot(meeting_access(room.member, m.pk))["state"]["room"]
    assert snapshot_room["quorum"] == figures == _last_room_event(m)["quorum"]
    assert snapshot_room["attendance"] == {"members": 5, "members_present": 4, "guests": 1, "guests_present": 1}

    # A higher fraction moves the bar; the event that sets it carries the new figures.
    actions.do_set_quorum(m, actor=room.chair, fraction=0.75)
    assert quorum_of(m) == {"present": 3, "eligible": 4, "required": 4, "reached": False}
    assert _last_room_event(m)["quorum"]["required"] == 4

    # Undoing a check-in by the secretary is counted too, and emitted.
    actions.do_secretary_check_in(room.parts["chair"], actor=room.secretary, present=False)
    assert _last_room_event(m)["quorum"] == quorum_of(m) == {
        "present": 2, "eligible": 4, "required": 4, "reached": False}


def test_a_closed_poll_stores_the_rooms_quorum():
    room = _room_with_a_delegate()
    m = room.meeting
    for user in (room.chair, room.deputy, room.members[0]):
        actions.do_check_in(m, actor=user)
    poll = polls.do_create_poll(m, actor=room.chair, question="Thông qua?")
    polls.do_open_poll(poll, actor=room.chair)
    polls.do_cast_ballot(poll, actor=room.deputy, choice="agree")
    result = polls.do_close_poll(poll, actor=room.chair).result
    figures = quorum_of(m)
    assert (result["present"], result["eligible"], result["quorum"]) == (
        figures["present"], figures["eligible"], figures["reached"]) == (3, 4, True)


def test_the_snapshot_names_the_seat_each_viewer_votes_for():
    room = _room_with_a_delegate()
    m = room.meeting
    deputy = Participant.objects.get(meeting=m, user=room.deputy)
    seats = {user.username: build_snapshot(meeting_access(user, m.pk))["state"]["viewer"]
             for user in (room.member, room.deputy, room.members[2], room.guest, room.secretary)}
    assert seats[room.member.username]["vote_seat"] == seats[room.member.username]["participant"]
    # The deputy votes for the member they stand in for; that member, having delegated, does not.
    assert seats[room.deputy.username] == {"participant": deputy.pk, "vote_seat": deputy.delegate_for_id}
    assert seats[room.members[2].username]["vote_seat"] is None
    assert seats[room.guest.username]["vote_seat"] is None
    assert seats[room.secretary.username]["vote_seat"] is None
