"""The whole room as one user may see it: the `snapshot` frame of the live protocol.

A fixed number of queries whatever the size of the room (pinned by a test).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from meetings.access import (
    MeetingAccess,
    documents_visible_to,
    room_permissions,
    sees_poll_voters,
    sees_ready_marks,
    sees_speech_notes,
    vote_seat_of,
)
from meetings.live.serializers import (
    serialize_attachment,
    serialize_attendance,
    serialize_my_vote,
    serialize_poll,
    serialize_poll_ready,
    serialize_poll_voter,
    serialize_room,
    serialize_seat_map,
    serialize_speaker,
    serialize_speech_note,
)
from meetings.models import (
    AgendaItem,
    Attendance,
    ConclusionAttachment,
    DocumentVersion,
    Meeting,
    Participant,
    Poll,
    PollOption,
    PollReady,
    PollVoter,
    RoomState,
    SpeakerRequest,
)
from meetings.serializers import (
    serialize_agenda_item,
    serialize_document,
    serialize_meeting,
    serialize_participant,
)


def live_counts(poll_ids: list[int]) -> dict[int, dict[int, int]]:
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    if poll_ids:
        for poll_id, option_id, tally in PollOption.objects.filter(poll_id__in=poll_ids).values_list(
                "poll_id", "pk", "tally"):
            counts[poll_id][option_id] = tally
    return counts


def serialize_polls(meeting_id: int) -> list[dict[str, Any]]:
    polls = list(Poll.objects.filter(meeting_id=meeting_id).prefetch_related(
        Prefetch("options", queryset=PollOption.objects.order_by("position", "pk"))))
    live_ids = [p.pk for p in polls if p.status == Poll.Status.OPEN and p.show_live and not p.secret]
    counts = live_counts(live_ids)
    return [serialize_poll(p, counts.get(p.pk)) for p in polls]


def viewer_of(access: MeetingAccess) -> dict[str, int | None]:
    """Who this viewer is in the room, for what an event (the same for everyone) cannot say:
    `participant`, their own row (their floor requests; their check-in, which a ballot needs);
    `vote_seat`, the seat their ballot counts for (their own, or the member's they stand in
    for; None: they may not vote, `meetings.access.vote_seat`). The consumer re-sends the
    snapshot when the viewer's own participant row changes, so both stay true to the events."""
    seat = vote_seat_of(access.participant)
    return {"participant": access.participant.pk if access.participant else None,
            "vote_seat": seat.pk if seat else None}


def build_snapshot(access: MeetingAccess) -> dict[str, Any]:
    """{"type": "snapshot", "revision", "state", "server_time"} for this viewer.

    The revision is read first: anything committed after it is also delivered as an event,
    and events carry whole objects, so a state that is a little newer than its revision
    converges on the same room when those events are applied.
    """
    meeting = Meeting.objects.select_related("room").get(pk=access.meeting.pk)
    revision = meeting.revision
    # Read only: the row is created by the first action that needs it.
    room = RoomState.objects.filter(meeting_id=meeting.pk).first() or RoomState(meeting_id=meeting.pk)
    participants = list(Participant.objects.filter(meeting_id=meeting.pk).select_related("user", "absence_delegate"))
    attendances = list(Attendance.objects.filter(meeting_id=meeting.pk))
    docs = list(documents_visible_to(access).prefetch_related(
        Prefetch("versions", queryset=DocumentVersion.objects.order_by("number"))))
    voters = []
    if sees_poll_voters(access):
        voters = [serialize_poll_voter(v) for v in PollVoter.objects.filter(
            poll__meeting_id=meeting.pk, poll__secret=False)]
    notes = []
    if sees_speech_notes(access):
        notes = [serialize_speech_note(s) for s in SpeakerRequest.objects.filter(
            meeting_id=meeting.pk).exclude(summary="")]
    mine = []
    if access.user_id is not None:
        mine = [serialize_my_vote(v.poll_id, v.seat_id) for v in PollVoter.objects.filter(
            poll__meeting_id=meeting.pk, cast_by_id=access.user_id)]
    # Ready to vote (fn42): every mark for those running the meeting, one's own for the others.
    marks = PollReady.objects.filter(poll__meeting_id=meeting.pk)
    if not sees_ready_marks(access):
        marks = marks.filter(marked_by_id=access.user_id) if access.user_id is not None else marks.none()
    state = {
        "meeting": serialize_meeting(meeting),
        "room": serialize_room(room, participants, (a.participant_id for a in attendances)),
        "seat_map": serialize_seat_map(meeting.room),  # fn117: the grid the seat map draws
        "agenda_items": [serialize_agenda_item(i) for i in AgendaItem.objects.filter(meeting_id=meeting.pk)],
        "participants": [serialize_participant(p) for p in participants],
        "attendances": [serialize_attendance(a) for a in attendances],
        "speakers": [serialize_speaker(s) for s in SpeakerRequest.objects.filter(meeting_id=meeting.pk)],
        "speech_notes": notes,
        "polls": serialize_polls(meeting.pk),
        "poll_voters": voters,
        "my_votes": mine,
        "poll_ready": [serialize_poll_ready(m) for m in marks],
        "documents": [serialize_document(d) for d in docs],
        "conclusion_attachments": [serialize_attachment(a) for a in ConclusionAttachment.objects.filter(meeting_id=meeting.pk)],
        "permissions": room_permissions(access),
        # Whose requests for the floor are this viewer's own (withdrawing one needs
        # permissions.withdraw_any_floor or this id): a speaker event is the same for everyone.
        "viewer": viewer_of(access),
    }
    return {"type": "snapshot", "revision": revision, "state": state, "server_time": timezone.now().isoformat()}
