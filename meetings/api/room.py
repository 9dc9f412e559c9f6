"""Room endpoints: running the meeting, attendance, the floor and votes (thin: resolve the
objects through access.py, parse with the schemas in meetings/schemas.py, act, answer)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Id, Int64
from meetings.access import (
    agenda_item_for,
    assignable_units,
    meeting_access,
    meeting_to_change,
    participant_in,
    poll_for,
    speaker_request_to_change,
)
from meetings.actions import agenda as agenda_actions
from meetings.actions import room as actions
from meetings.actions import room_polls
from meetings.live.serializers import (
    serialize_attachment,
    serialize_attendance,
    serialize_speaker,
    serialize_speech_note,
)
from meetings.live.snapshot import build_snapshot
from meetings.schemas import (
    AgendaItemOut,
    AttachmentOut,
    AttendanceIn,
    AttendanceOut,
    BallotIn,
    CheckinIn,
    ConclusionIn,
    CurrentIn,
    FloorIn,
    GrantIn,
    MeetingStateOut,
    OkOut,
    PollIn,
    PollOut,
    QuorumIn,
    SnapshotOut,
    SpeakerOut,
    SpeechNoteOut,
    SpeechSummaryIn,
    TextIn,
)
from meetings.serializers import serialize_agenda_item, serialize_meeting

router = Router(tags=["room"])


class ItemIn(Schema):
    title: str
    duration_minutes: Int64 | None = None


class ItemEditIn(Schema):
    title: str | None = None
    duration_minutes: Int64 | None = None


class OrderIn(Schema):
    order: list[Id]


def _body(request: AuthenticatedHttpRequest) -> None:
    # Endpoints without a schema still refuse a body that is not JSON.
    if request.body and request.content_type == "application/json":
        try:
            json.loads(request.body)
        except ValueError:
            raise ActionError("bad_request", _("The request body is not valid JSON.")) from None


@router.get("/meetings/{meeting_id}/room", response=SnapshotOut, summary="The live room as the caller sees it (the snapshot)")
def room_snapshot(request: AuthenticatedHttpRequest, meeting_id: Id) -> dict[str, Any]:
    return build_snapshot(meeting_access(request.user, meeting_id))


@router.post("/meetings/{meeting_id}/start", response=MeetingStateOut, summary="Start the meeting (from draft or scheduled)")
def start(request: AuthenticatedHttpRequest, meeting_id: Id) -> dict[str, Any]:
    _body(request)
    meeting = meeting_access(request.user, meeting_id).meeting
    return serialize_meeting(actions.do_start_meeting(meeting, actor=request.user))


@router.post("/meetings/{meeting_id}/end", response=MeetingStateOut, summary="End the meeting")
def end(request: AuthenticatedHttpRequest, meeting_id: Id) -> dict[str, Any]:
    _body(request)
    meeting = meeting_access(request.user, meeting_id).meeting
    return serialize_meeting(actions.do_end_meeting(meeting, actor=request.user))


@router.post("/meetings/{meeting_id}/current", response=MeetingStateOut, summary="Set the item under discussion")
def current(request: AuthenticatedHttpRequest, meeting_id: Id, payload: CurrentIn) -> dict[str, Any]:
    access = meeting_access(request.user, meeting_id)
    item = agenda_item_for(request.user, payload.item, meeting=access.meeting) if payload.item is not None else None
    return serialize_meeting(actions.do_set_current_item(access.meeting, item, actor=request.user))


@router.post("/meetings/{meeting_id}/live/items", response=AgendaItemOut, summary="Add an agenda item during the meeting")
def live_add_item(request: AuthenticatedHttpRequest, meeting_id: Id, payload: ItemIn):
    meeting = meeting_access(request.user, meeting_id).meeting
    item = agenda_actions.do_add_agenda_item(meeting, actor=request.user, title=payload.title,
                                             duration_minutes=payload.duration_minutes)
    return serialize_agenda_item(item)


@router.post("/live/items/{item_id}", response=AgendaItemOut, summary="Edit an agenda item during the meeting")
def live_edit_item(request: AuthenticatedHttpRequest, item_id: Id, payload: ItemEditIn):
    return serialize_agenda_item(agenda_actions.do_update_agenda_item(
        agenda_item_for(request.user, item_id), actor=request.user, title=payload.title,
        duration_minutes=payload.duration_minutes))


@router.post("/live/items/{item_id}/postpone", response=AgendaItemOut, summary="Postpone an agenda item")
def live_postpone_item(request: AuthenticatedHttpRequest, item_id: Id):
    item = agenda_item_for(request.user, item_id)
    return serialize_agenda_item(agenda_actions.do_postpone_agenda_item(item, actor=request.user))


@router.post("/live/items/{item_id}/conclusion", response=AgendaItemOut, summary="Record the conclusion of an item")
def item_conclusion(request: AuthenticatedHttpRequest, item_id: Id, payload: ConclusionIn) -> dict[str, Any]:
    item = agenda_item_for(request.user, item_id)
    units = assignable_units(payload.units) if payload.units is not None else None
    return serialize_agenda_item(actions.do_record_item_conclusion(item, actor=request.user, text=payload.text,
                                                                   units=units))


@router.post("/meetings/{meeting_id}/live/reorder", response=OkOut, summary="Reorder the agenda during the meeting")
def live_reorder(request: AuthenticatedHttpRequest, meeting_id: Id, payload: OrderIn):
    meeting = meeting_access(request.user, meeting_id).meeting
    agenda_actions.do_reorder_agenda(meeting, actor=request.user, order=payload.order)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/conclusion", response=OkOut, summary="Record the meeting's conclusion")
def meeting_conclusion(request: AuthenticatedHttpRequest, meeting_id: Id, payload: TextIn) -> dict[str, Any]:
    meeting = meeting_access(request.user, meeting_id).meeting
    actions.do_record_meeting_conclusion(meeting, actor=request.user, text=payload.text)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/quorum", response=OkOut, summary="Set the quorum fraction")
def quorum(request: AuthenticatedHttpRequest, meeting_id: Id, payload: QuorumIn) -> dict[str, Any]:
    meeting = meeting_access(request.user, meeting_id).meeting
    actions.do_set_quorum(meeting, actor=request.user, fraction=payload.fraction)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/conclusion/attachments", response=AttachmentOut, summary="Attach a PDF to a conclusion")
def conclusion_attachment(request: AuthenticatedHttpRequest, meeting_id: Id, file: File[UploadedFile],
                          item: Form[Id | None] = None, title: Form[str] = "") -> dict[str, Any]:
    access = meeting_access(request.user, meeting_id)
    agenda_item = agenda_item_for(request.user, item, meeting=access.meeting) if item is not None else None
    attachment = actions.do_attach_conclusion_file(access.meeting, agenda_item, actor=request.user, upload=file,
                                                   title=title or file.name or "")
    return serialize_attachment(attachment)


@router.post("/meetings/{meeting_id}/checkin", response=AttendanceOut, summary="The caller checks in")
def checkin(request: AuthenticatedHttpRequest, meeting_id: Id, payload: CheckinIn | None = None) -> dict[str, Any]:
    payload = payload or CheckinIn()
    attendance = actions.do_check_in(meeting_to_change(meeting_id), actor=request.user, remote=payload.remote,
                                     token=payload.token)
    return serialize_attendance(attendance)


@router.post("/meetings/{meeting_id}/attendance", response=OkOut, summary="The secretary checks someone in (or undoes it)")
def attendance(request: AuthenticatedHttpRequest, meeting_id: Id, payload: AttendanceIn) -> dict[str, Any]:
    participant = participant_in(meeting_access(request.user, meeting_id).meeting, payload.participant)
    actions.do_secretary_check_in(participant, actor=request.user, present=payload.present, remote=payload.remote)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/speakers", response=SpeakerOut, summary="The caller asks for the floor")
def ask_floor(request: AuthenticatedHttpRequest, meeting_id: Id, payload: FloorIn | None = None) -> dict[str, Any]:
    payload = payload or FloorIn()
    seen = {"seen_item": payload.seen_item} if "seen_item" in payload.model_fields_set else {}
    return serialize_speaker(actions.do_request_floor(meeting_to_change(meeting_id), actor=request.user, kind=payload.kind, **seen))


@router.post("/speakers/{request_id}/grant", response=SpeakerOut, summary="Give the floor (starts the speaker's timer; optional time limit)")
def grant(request: AuthenticatedHttpRequest, request_id: Id, payload: GrantIn | None = None) -> dict[str, Any]:
    limit = payload.time_limit_minutes if payload is not None else None
    speaker = speaker_request_to_change(request_id)
    return serialize_speaker(actions.do_grant_floor(speaker, actor=request.user, time_limit_minutes=limit))


@router.post("/speakers/{request_id}/finish", response=SpeakerOut, summary="Stop the speaker")
def finish(request: AuthenticatedHttpRequest, request_id: Id) -> dict[str, Any]:
    speaker = speaker_request_to_change(request_id)
    return serialize_speaker(actions.do_finish_floor(speaker, actor=request.user))


@router.post("/speakers/{request_id}/withdraw", response=SpeakerOut, summary="Withdraw a request for the floor")
def withdraw(request: AuthenticatedHttpRequest, request_id: Id) -> dict[str, Any]:
    speaker = speaker_request_to_change(request_id)
    return serialize_speaker(actions.do_withdraw_floor(speaker, actor=request.user))


@router.post("/speakers/{request_id}/summary", response=SpeechNoteOut,
             summary="Record the summary of a speech for the minutes (those running the meeting)")
def speech_summary(request: AuthenticatedHttpRequest, request_id: Id, payload: SpeechSummaryIn) -> dict[str, Any]:
    speaker = speaker_request_to_change(request_id)
    return serialize_speech_note(actions.do_record_speech_summary(speaker, actor=request.user, text=payload.text))


@router.post("/meetings/{meeting_id}/polls", response=PollOut, summary="Create a poll")
def create_poll(request: AuthenticatedHttpRequest, meeting_id: Id, payload: PollIn) -> dict[str, Any]:
    access = meeting_access(request.user, meeting_id)
    item = agenda_item_for(request.user, payload.item, meeting=access.meeting) if payload.item is not None else None
    poll = room_polls.do_create_poll(
        access.meeting, item, actor=request.user, question=payload.question, options=payload.options,
        secret=payload.secret, majority=payload.majority, show_live=payload.show_live,
        ballot_set=payload.ballot_set, signed=payload.signed)
    return room_polls.poll_dict(poll)


@router.post("/polls/{poll_id}/open", response=PollOut, summary="Open a poll")
def open_poll(request: AuthenticatedHttpRequest, poll_id: Id) -> dict[str, Any]:
    return room_polls.poll_dict(room_polls.do_open_poll(poll_for(request.user, poll_id), actor=request.user))


@router.post("/polls/{poll_id}/close", response=PollOut, summary="Close a poll; results are computed and stored")
def close_poll(request: AuthenticatedHttpRequest, poll_id: Id) -> dict[str, Any]:
    return room_polls.poll_dict(room_polls.do_close_poll(poll_for(request.user, poll_id), actor=request.user))


@router.post("/polls/{poll_id}/ballot", response=OkOut, summary="Cast the caller's ballot")
def ballot(request: AuthenticatedHttpRequest, poll_id: Id, payload: BallotIn) -> dict[str, Any]:
    room_polls.do_cast_ballot(poll_for(request.user, poll_id), actor=request.user, choice=payload.choice)
    return {"ok": True}
