"""Room endpoints: running the meeting, attendance, the floor and votes (thin: parse, act, answer)."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field, StrictInt

from ecabinet.errors import ActionError
from ecabinet.inputs import BIGINT_MAX, BIGINT_MIN, Id, Int64
from meetings.access import agenda_item_for, meeting_access
from meetings.actions import agenda as agenda_actions
from meetings.actions import room as actions
from meetings.actions import room_polls
from meetings.live.serializers import serialize_attachment, serialize_attendance, serialize_speaker
from meetings.live.snapshot import build_snapshot
from meetings.schemas import (
    AgendaItemOut,
    AttachmentOut,
    AttendanceOut,
    MeetingStateOut,
    OkOut,
    PollOut,
    SnapshotOut,
    SpeakerOut,
)
from meetings.serializers import serialize_agenda_item, serialize_meeting

router = Router(tags=["room"])


class CurrentIn(Schema):
    item: Id | None = None


class CheckinIn(Schema):
    remote: bool = False
    token: str | None = None


class AttendanceIn(Schema):
    participant: Id
    present: bool = True
    remote: bool = False


class FloorIn(Schema):
    kind: str = "speak"


class PollIn(Schema):
    question: str
    options: list[str] | None = None
    secret: bool = False
    item: Id | None = None
    majority: str = "cast"
    show_live: bool = False


class BallotIn(Schema):
    choice: str | Int64


class ItemIn(Schema):
    title: str
    duration_minutes: Int64 | None = None


class ItemEditIn(Schema):
    title: str | None = None
    duration_minutes: Int64 | None = None


class OrderIn(Schema):
    order: list[Id]


class TextIn(Schema):
    text: str = ""


class GrantIn(Schema):
    # Strict: `true` or "5" is a mistake, not a number of minutes.
    time_limit_minutes: Annotated[StrictInt, Field(ge=BIGINT_MIN, le=BIGINT_MAX)] | None = None


class QuorumIn(Schema):
    fraction: float


def _body(request: HttpRequest) -> None:
    # Endpoints without a schema still refuse a body that is not JSON.
    if request.body and request.content_type == "application/json":
        import json

        try:
            json.loads(request.body)
        except ValueError:
            raise ActionError("bad_request", _("The request body is not valid JSON.")) from None


@router.get("/meetings/{meeting_id}/room", response=SnapshotOut, summary="The live room as the caller sees it (the snapshot)")
def room_snapshot(request: HttpRequest, meeting_id: Id):
    return build_snapshot(meeting_access(request.user, meeting_id))


@router.post("/meetings/{meeting_id}/start", response=MeetingStateOut, summary="Start the meeting (from draft or scheduled)")
def start(request: HttpRequest, meeting_id: Id):
    _body(request)
    return serialize_meeting(actions.do_start_meeting(meeting_id, actor=request.user))


@router.post("/meetings/{meeting_id}/end", response=MeetingStateOut, summary="End the meeting")
def end(request: HttpRequest, meeting_id: Id):
    _body(request)
    return serialize_meeting(actions.do_end_meeting(meeting_id, actor=request.user))


@router.post("/meetings/{meeting_id}/current", response=MeetingStateOut, summary="Set the item under discussion")
def current(request: HttpRequest, meeting_id: Id, payload: CurrentIn):
    return serialize_meeting(actions.do_set_current_item(meeting_id, payload.item, actor=request.user))


@router.post("/meetings/{meeting_id}/live/items", response=AgendaItemOut, summary="Add an agenda item during the meeting")
def live_add_item(request: HttpRequest, meeting_id: Id, payload: ItemIn):
    meeting = meeting_access(request.user, meeting_id).meeting
    item = agenda_actions.do_add_agenda_item(meeting, actor=request.user, title=payload.title,
                                             duration_minutes=payload.duration_minutes)
    return serialize_agenda_item(item)


@router.post("/live/items/{item_id}", response=AgendaItemOut, summary="Edit an agenda item during the meeting")
def live_edit_item(request: HttpRequest, item_id: Id, payload: ItemEditIn):
    return serialize_agenda_item(agenda_actions.do_update_agenda_item(
        agenda_item_for(request.user, item_id), actor=request.user, title=payload.title,
        duration_minutes=payload.duration_minutes))


@router.post("/live/items/{item_id}/postpone", response=AgendaItemOut, summary="Postpone an agenda item")
def live_postpone_item(request: HttpRequest, item_id: Id):
    item = agenda_item_for(request.user, item_id)
    return serialize_agenda_item(agenda_actions.do_postpone_agenda_item(item, actor=request.user))


@router.post("/live/items/{item_id}/conclusion", response=AgendaItemOut, summary="Record the conclusion of an item")
def item_conclusion(request: HttpRequest, item_id: Id, payload: TextIn):
    return serialize_agenda_item(actions.do_record_item_conclusion(item_id, payload.text, actor=request.user))


@router.post("/meetings/{meeting_id}/live/reorder", response=OkOut, summary="Reorder the agenda during the meeting")
def live_reorder(request: HttpRequest, meeting_id: Id, payload: OrderIn):
    meeting = meeting_access(request.user, meeting_id).meeting
    agenda_actions.do_reorder_agenda(meeting, actor=request.user, order=payload.order)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/conclusion", response=OkOut, summary="Record the meeting's conclusion")
def meeting_conclusion(request: HttpRequest, meeting_id: Id, payload: TextIn):
    actions.do_record_meeting_conclusion(meeting_id, payload.text, actor=request.user)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/quorum", response=OkOut, summary="Set the quorum fraction")
def quorum(request: HttpRequest, meeting_id: Id, payload: QuorumIn):
    actions.do_set_quorum(meeting_id, payload.fraction, actor=request.user)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/conclusion/attachments", response=AttachmentOut, summary="Attach a PDF to a conclusion")
def conclusion_attachment(request: HttpRequest, meeting_id: Id, file: File[UploadedFile],
                          item: Form[Id | None] = None, title: Form[str] = ""):
    attachment = actions.do_attach_conclusion_file(meeting_id, actor=request.user, upload=file,
                                                   title=title or file.name or "", item_id=item)
    return serialize_attachment(attachment)


@router.post("/meetings/{meeting_id}/checkin", response=AttendanceOut, summary="The caller checks in")
def checkin(request: HttpRequest, meeting_id: Id, payload: CheckinIn | None = None):
    payload = payload or CheckinIn()
    attendance = actions.do_check_in(meeting_id, actor=request.user, remote=payload.remote, token=payload.token)
    return serialize_attendance(attendance)


@router.post("/meetings/{meeting_id}/attendance", response=OkOut, summary="The secretary checks someone in (or undoes it)")
def attendance(request: HttpRequest, meeting_id: Id, payload: AttendanceIn):
    actions.do_secretary_check_in(meeting_id, payload.participant, actor=request.user,
                                  present=payload.present, remote=payload.remote)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/speakers", response=SpeakerOut, summary="The caller asks for the floor")
def ask_floor(request: HttpRequest, meeting_id: Id, payload: FloorIn | None = None):
    payload = payload or FloorIn()
    return serialize_speaker(actions.do_request_floor(meeting_id, actor=request.user, kind=payload.kind))


@router.post("/speakers/{request_id}/grant", response=SpeakerOut, summary="Give the floor (starts the speaker's timer; optional time limit)")
def grant(request: HttpRequest, request_id: Id, payload: GrantIn | None = None):
    limit = payload.time_limit_minutes if payload is not None else None
    return serialize_speaker(actions.do_grant_floor(request_id, actor=request.user, time_limit_minutes=limit))


@router.post("/speakers/{request_id}/finish", response=SpeakerOut, summary="Stop the speaker")
def finish(request: HttpRequest, request_id: Id):
    return serialize_speaker(actions.do_finish_floor(request_id, actor=request.user))


@router.post("/speakers/{request_id}/withdraw", response=SpeakerOut, summary="Withdraw a request for the floor")
def withdraw(request: HttpRequest, request_id: Id):
    return serialize_speaker(actions.do_withdraw_floor(request_id, actor=request.user))


@router.post("/meetings/{meeting_id}/polls", response=PollOut, summary="Create a poll")
def create_poll(request: HttpRequest, meeting_id: Id, payload: PollIn):
    poll = room_polls.do_create_poll(
        meeting_id, actor=request.user, question=payload.question, options=payload.options,
        secret=payload.secret, item_id=payload.item, majority=payload.majority, show_live=payload.show_live)
    return room_polls.poll_dict(poll)


@router.post("/polls/{poll_id}/open", response=PollOut, summary="Open a poll")
def open_poll(request: HttpRequest, poll_id: Id):
    return room_polls.poll_dict(room_polls.do_open_poll(poll_id, actor=request.user))


@router.post("/polls/{poll_id}/close", response=PollOut, summary="Close a poll; results are computed and stored")
def close_poll(request: HttpRequest, poll_id: Id):
    return room_polls.poll_dict(room_polls.do_close_poll(poll_id, actor=request.user))


@router.post("/polls/{poll_id}/ballot", response=OkOut, summary="Cast the caller's ballot")
def ballot(request: HttpRequest, poll_id: Id, payload: BallotIn):
    room_polls.do_cast_ballot(poll_id, payload.choice, actor=request.user)
    return {"ok": True}
