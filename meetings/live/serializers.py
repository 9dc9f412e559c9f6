"""Plain-dict views of the room's objects: the same dicts in the snapshot, the events and the API.

Every dict is the same for every viewer; what a viewer may not see is kept out of the dict and
sent as its own kind with an audience (poll voters to those running the meeting, "my vote" to
the voter), so one pre-serialized frame serves everyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from meetings.access import count_attendance, count_quorum
from meetings.models import (
    Attendance,
    ConclusionAttachment,
    MeetingRoom,
    Participant,
    Poll,
    PollReady,
    PollVoter,
    RoomState,
    SpeakerRequest,
)
from meetings.serializers import iso


def serialize_room(room: RoomState, participants: Iterable[Participant], present_ids: Iterable[int]) -> dict[str, Any]:
    """The room's row with the figures the room shows, counted here (meetings/access.py) so no
    client re-derives who holds a voting seat: `participants` are the meeting's and
    `present_ids` the ids of those checked in. Every action that changes them emits it again."""
    people, here = list(participants), set(present_ids)
    fraction = float(room.quorum_fraction)
    return {
        "quorum_fraction": fraction,
        "conclusion": room.conclusion,
        "quorum": count_quorum(people, here, fraction),
        "attendance": count_attendance(people, here),
    }


def serialize_attendance(attendance: Attendance) -> dict[str, Any]:
    # The id of an attendance is its participant's: one check-in per participant, and a
    # client can look it up without another index.
    return {
        "id": attendance.participant_id,
        "participant": attendance.participant_id,
        "checked_in_at": iso(attendance.checked_in_at),
        "method": attendance.method,
        "remote": attendance.remote,
    }


def serialize_speaker(request: SpeakerRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "participant": request.participant_id,
        "item": request.item_id,
        "kind": request.kind,
        "status": request.status,
        "requested_at": iso(request.requested_at),
        "started_at": iso(request.started_at),
        "ended_at": iso(request.ended_at),
        "time_limit_minutes": request.time_limit_minutes,
    }


def serialize_speech_note(request: SpeakerRequest) -> dict[str, Any]:
    # Kept out of the speaker's dict: only those running the meeting see the summaries.
    return {"id": request.pk, "speaker": request.pk, "summary": request.summary}


def poll_counts_visible(poll: Poll) -> bool:
    # A secret poll never shows counts before it closes: a count that moves right after a
    # known person voted would tell their choice.
    return poll.status == Poll.Status.CLOSED or (poll.show_live and not poll.secret and poll.status == Poll.Status.OPEN)


def serialize_poll(poll: Poll, counts: dict[int, int] | None = None) -> dict[str, Any]:
    """`counts` maps option id -> ballots, needed only while an open poll shows live counts."""
    options = list(poll.options.all())
    visible = poll_counts_visible(poll)
    stored = (poll.result or {}).get("counts", {})
    out_options = []
    for option in options:
        if not visible:
            count = None
        elif poll.status == Poll.Status.CLOSED:
            count = stored.get(option.key, 0)
        else:
            count = (counts or {}).get(option.pk, 0)
        out_options.append({"id": option.pk, "key": option.key, "label": option.label, "count": count})
    return {
        "id": poll.pk,
        "item": poll.item_id,
        "question": poll.question,
        "secret": poll.secret,
        "majority": poll.majority,
        "show_live": poll.show_live,
        "status": poll.status,
        "options": out_options,
        "votes_cast": poll.votes_cast,
        "opened_at": iso(poll.opened_at),
        "closed_at": iso(poll.closed_at),
        "result": poll.result if poll.status == Poll.Status.CLOSED else None,
        # the prepared vote list (fn19, fn41-fn43, fn108): added fields, the ones above unchanged
        "position": poll.position,
        "ballot_set": poll.ballot_set,
        "paused": poll.paused,
        "signed": poll.signed,
    }


def serialize_poll_voter(voter: PollVoter) -> dict[str, Any]:
    # Who has voted in an open (not secret) poll; never what. Runners only.
    return {"id": str(voter.pk), "poll": voter.poll_id, "participant": voter.seat_id}


def serialize_poll_ready(mark: PollReady) -> dict[str, Any]:
    # A seat ready to vote on a poll (fn42): runners and the one who marked it.
    return {"id": mark.pk, "poll": mark.poll_id, "participant": mark.seat_id}


def serialize_my_vote(poll_id: int, seat_id: int) -> dict[str, Any]:
    # Tells the voter's own screen that this seat has voted; keyed by poll.
    return {"id": poll_id, "poll": poll_id, "seat": seat_id}


def serialize_attachment(attachment: ConclusionAttachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "item": attachment.item_id,
        "title": attachment.title,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "url": f"/meetings/{attachment.meeting_id}/room/attachments/{attachment.pk}/",
    }


# --- live seat map (fn117) ---
def serialize_seat_map(room: MeetingRoom | None) -> dict[str, Any]:
    """The meeting room's seat grid for the room's seat map (static/meetings/room/seatmap.js),
    which colours each seat from the participants, attendances and speakers in the same state."""
    if room is None:
        return {"room": None, "name": "", "rows": []}
    return {"room": room.pk, "name": room.name, "rows": room.seat_grid()}
# --- end live seat map ---
