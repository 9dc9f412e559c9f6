"""The seat map's rule (static/meetings/room/seatmap.js seatStates) on the server's own snapshots,
in headless Chromium: a room built through the actions, then each seat's state as the script
derives it from the snapshot (the same state the room's reducer keeps) — empty, invited,
present, remote, waiting, speaking, spoken, absent (an approved absence, or not there when the
meeting ended) and delegated, a delegate taking the seat of the member they stand in for."""

from __future__ import annotations

import json

import pytest

from meetings.access import meeting_access
from meetings.actions import absence as absence_actions
from meetings.actions import preparation as prep
from meetings.actions import room as room_actions
from meetings.live.snapshot import build_snapshot
from meetings.models import MeetingRoom, MeetingType
from tests.kit.rooms import make_room
from tests.kit.users import make_user
from tests.meetings.test_room_reducer import reduce_in_chromium

pytestmark = pytest.mark.django_db

SEATS = """async (states) => {
  const { seatStates } = await import('/meetings/room/seatmap.js');
  return states.map((state) => Object.fromEntries([...seatStates(state)].map(([seat, info]) =>
    [seat, [info.state, info.occupant ? info.occupant.username : null]])));
}"""


def snapshot(room) -> dict:
    return json.loads(json.dumps(build_snapshot(meeting_access(room.chair, room.meeting.pk))["state"]))


def test_every_seat_state_from_the_servers_snapshot():
    room = make_room(status="scheduled", members=6, prefix="s")
    m, secretary, chair = room.meeting, room.secretary, room.chair
    hall = MeetingRoom.objects.create(name="Hội trường", seat_rows=2, seats_per_row=5)
    kind = MeetingType.objects.create(name="Họp UBND", absence_needs_approval=True)
    prep.do_update_meeting(m, actor=secretary, room=hall, meeting_type=kind)
    seats = dict(zip(["A1", "A2", "A3", "A4", "A5", "B1"], room.member_parts, strict=True))
    for seat, participant in seats.items():
        prep.do_update_participant(participant, actor=secretary, seat=seat)
    deputy = make_user("sdeputy", full_name="Người Dự Thay")
    # A4 excused by the chair; A5 sends a deputy, approved
    prep.do_answer_invitation(m, actor=room.members[3], response="decline", reason="Ốm")
    absence_actions.do_decide_absence_request(seats["A4"], actor=chair, approve=True)
    prep.do_answer_invitation(m, actor=room.members[4], response="delegate", delegate=deputy)
    absence_actions.do_decide_absence_request(seats["A5"], actor=chair, approve=True)
    before = snapshot(room)

    room_actions.do_start_meeting(m, actor=secretary)
    room_actions.do_check_in(m, actor=room.members[0])
    room_actions.do_check_in(m, actor=room.members[1], remote=True)
    room_actions.do_check_in(m, actor=room.members[2])
    room_actions.do_check_in(m, actor=deputy)
    room_actions.do_check_in(m, actor=room.members[5])
    spoke = room_actions.do_request_floor(m, actor=room.members[2])
    room_actions.do_grant_floor(spoke, actor=chair)
    room_actions.do_finish_floor(spoke, actor=chair)
    speaking = room_actions.do_request_floor(m, actor=room.members[0])
    room_actions.do_grant_floor(speaking, actor=chair)
    room_actions.do_request_floor(m, actor=deputy)
    prep.do_update_participant(room.parts["guest"], actor=secretary, seat="B2")
    running = snapshot(room)
    room_actions.do_end_meeting(m, actor=secretary)
    ended = snapshot(room)

    first, live, last = reduce_in_chromium([before, running, ended], SEATS)
    assert first["A1"] == ["invited", "smember1"]
    assert first["A4"] == ["absent", "smember4"]
    assert first["A5"] == ["delegated", "sdeputy"]  # the deputy holds the seat, not yet here
    assert first["B5"] == ["empty", None]
    assert live["A1"] == ["speaking", "smember1"]
    assert live["A2"] == ["remote", "smember2"]
    assert live["A3"] == ["spoken", "smember3"]
    assert live["A4"] == ["absent", "smember4"]
    assert live["A5"] == ["waiting", "sdeputy"]  # the deputy, in the member's seat, asked to speak
    assert live["B1"] == ["present", "smember6"]
    assert live["B2"] == ["invited", "sguest"]
    assert last["A1"] == ["spoken", "smember1"]  # the meeting ended: the turn is over
    assert last["B2"] == ["absent", "sguest"]  # never checked in
    assert last["B1"] == ["present", "smember6"]
