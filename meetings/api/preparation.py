"""preparation endpoints: meetings, participants, invitations, agenda, catalogs, calendar feed."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from ecabinet.inputs import Count, DateTime, Id, Int64, parse_day_or_time
from ecabinet.models import Unit
from meetings.access import meeting_access
from meetings.actions import preparation as act
from meetings.actions import preparation_agenda as agenda
from meetings.actions.preparation import field_error, parse_when, resolve, resolve_user
from meetings.models import IssuingBody, Meeting, MeetingRoom, MeetingType
from meetings.schemas import (
    AgendaItemVersionOut,
    AgendaStateOut,
    IssuingBodyOut,
    MeetingRoomOut,
    MeetingTypeOut,
    ParticipantOut,
    UrlOut,
)
from meetings.selectors import SCOPES, meeting_detail, search_meetings
from meetings.serializers import serialize_agenda_item, serialize_meeting, serialize_participant

router = Router(tags=["preparation"])


class Error(Schema):
    error: dict


class MeetingOut(Schema):
    id: int
    title: str
    description: str
    unit: int | None
    meeting_type: int | None
    room: int | None
    starts_at: str
    ends_at: str
    location: str
    online_url: str
    status: str
    cancel_reason: str
    agenda_version: Int64


class MeetingDetailOut(MeetingOut):
    revision: int
    current_item: int | None
    agenda: list[dict]
    participants: list[dict]
    documents: list[dict]
    polls: list[dict]
    my_role: str | None
    runs_meeting: bool
    permissions: dict[str, bool]


class MeetingIn(Schema):
    title: str
    starts_at: DateTime
    ends_at: DateTime
    location: str = ""
    online_url: str = ""
    description: str = ""
    unit: Id | None = None
    meeting_type: Id | None = None
    room: Id | None = None
    chair: str | None = None
    secretary: str | None = None


class MeetingPatch(Schema):
    title: str | None = None
    starts_at: DateTime | None = None
    ends_at: DateTime | None = None
    location: str | None = None
    online_url: str | None = None
    description: str | None = None
    unit: Id | None = None
    meeting_type: Id | None = None
    room: Id | None = None
    chair: str | None = None
    secretary: str | None = None


def _detail(request: HttpRequest, meeting_id: Id) -> dict:
    return meeting_detail(meeting_access(request.user, meeting_id), request.user)


def _meeting_fields(payload: Schema, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial)
    fields: dict = {}
    for name in ("title", "location", "online_url", "description"):
        if name in data and data[name] is not None:
            fields[name] = data[name]
    for name in ("starts_at", "ends_at"):
        if name in data and data[name] is not None:
            fields[name] = parse_when(data[name], name)
    for name, model in (("unit", Unit), ("meeting_type", MeetingType), ("room", MeetingRoom)):
        if name in data:
            fields[name] = resolve(model, data[name], name)
    for name in ("chair", "secretary"):
        if data.get(name):
            fields[name] = resolve_user(data[name], name)
    return fields


@router.get("/meetings", response=list[MeetingOut], summary="Meetings the caller may see")
def list_meetings(
    request: HttpRequest, status: str | None = None, q: str | None = None, to: str | None = None,
    scope: str = "all", unit: Id | None = None, limit: Int64 = 200, offset: Count = 0,
    from_: str | None = Query(None, alias="from"),
):
    """Filters: status, from/to (a date or date-time; meetings overlapping the range), q (keyword),
    scope (all, mine, unit, preparing), unit (chairing unit id)."""
    if scope not in SCOPES:
        raise field_error("scope", _("Unknown scope."))
    if status and status not in Meeting.Status.values:
        raise field_error("status", _("Unknown status."))
    qs = search_meetings(
        request.user, scope=scope, status=status, start=parse_day_or_time(from_, "from"),
        end=parse_day_or_time(to, "to"), q=q, unit=unit,
    ).order_by("starts_at", "pk")
    limit = max(1, min(limit, 1000))
    return [serialize_meeting(m) for m in qs[max(offset, 0): max(offset, 0) + limit]]


@router.post("/meetings", response={201: MeetingDetailOut}, summary="Create a meeting (the caller becomes its secretary)")
def create_meeting(request: HttpRequest, payload: MeetingIn):
    fields = _meeting_fields(payload, partial=False)
    meeting = act.do_create_meeting(actor=request.user, **fields)
    return Status(201, _detail(request, meeting.pk))


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut, summary="A meeting with agenda, participants, documents, polls")
def get_meeting(request: HttpRequest, meeting_id: Id):
    return _detail(request, meeting_id)


@router.patch("/meetings/{meeting_id}", response=MeetingDetailOut, summary="Change a meeting")
def update_meeting(request: HttpRequest, meeting_id: Id, payload: MeetingPatch):
    act.do_update_meeting(meeting_id, actor=request.user, **_meeting_fields(payload, partial=True))
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/schedule", response=MeetingDetailOut, summary="draft -> scheduled; invitations go out")
def schedule_meeting(request: HttpRequest, meeting_id: Id):
    act.do_schedule_meeting(meeting_id, actor=request.user)
    return _detail(request, meeting_id)


class CancelIn(Schema):
    reason: str


@router.post("/meetings/{meeting_id}/cancel", response=MeetingDetailOut, summary="Cancel, with a reason participants see")
def cancel_meeting(request: HttpRequest, meeting_id: Id, payload: CancelIn):
    act.do_cancel_meeting(meeting_id, actor=request.user, reason=payload.reason)
    return _detail(request, meeting_id)


class CopyIn(Schema):
    starts_at: DateTime
    ends_at: DateTime
    title: str | None = None


@router.post("/meetings/{meeting_id}/copy", response={201: MeetingDetailOut}, summary="Copy as a new draft (agenda and participants)")
def copy_meeting(request: HttpRequest, meeting_id: Id, payload: CopyIn):
    meeting = act.do_copy_meeting(
        meeting_id, actor=request.user, starts_at=parse_when(payload.starts_at, "starts_at"),
        ends_at=parse_when(payload.ends_at, "ends_at"), title=payload.title,
    )
    return Status(201, _detail(request, meeting.pk))


# --- participants -----------------------------------------------------------------------------

class ParticipantIn(Schema):
    username: str
    role: str = "member"
    seat: str = ""


class ParticipantPatch(Schema):
    role: str | None = None
    seat: str | None = None


class UnitIn(Schema):
    unit: Id
    role: str = "member"


@router.post("/meetings/{meeting_id}/participants", response={201: ParticipantOut}, summary="Invite a person")
def add_participant(request: HttpRequest, meeting_id: Id, payload: ParticipantIn):
    user = resolve_user(payload.username, "username", required=True)
    participant = act.do_add_participant(meeting_id, actor=request.user, user=user, role=payload.role, seat=payload.seat)
    return Status(201, serialize_participant(participant))


@router.post("/meetings/{meeting_id}/participants/unit", response={201: list[ParticipantOut]}, summary="Invite every active person of a unit")
def add_unit(request: HttpRequest, meeting_id: Id, payload: UnitIn):
    unit = resolve(Unit, payload.unit, "unit", required=True)
    added = act.do_add_unit(meeting_id, actor=request.user, unit=unit, role=payload.role)
    return Status(201, [serialize_participant(p) for p in added])


@router.patch("/meetings/{meeting_id}/participants/{participant_id}", response=ParticipantOut, summary="Change a participant's role or seat")
def update_participant(request: HttpRequest, meeting_id: Id, participant_id: Id, payload: ParticipantPatch):
    participant = act.do_update_participant(meeting_id, participant_id, actor=request.user,
                                            role=payload.role, seat=payload.seat)
    return serialize_participant(participant)


@router.delete("/meetings/{meeting_id}/participants/{participant_id}", response={204: None}, summary="Remove a participant")
def remove_participant(request: HttpRequest, meeting_id: Id, participant_id: Id):
    act.do_remove_participant(meeting_id, participant_id, actor=request.user)
    return Status(204, None)


class AnswerIn(Schema):
    response: str
    reason: str = ""
    delegate: str | None = None


@router.post("/meetings/{meeting_id}/answer", response=ParticipantOut, summary="Answer the invitation: attend, decline (reason), delegate")
def answer(request: HttpRequest, meeting_id: Id, payload: AnswerIn):
    delegate = resolve_user(payload.delegate, "delegate") if payload.response == "delegate" else None
    participant = act.do_answer_invitation(meeting_id, actor=request.user, response=payload.response,
                                           reason=payload.reason, delegate=delegate)
    return serialize_participant(participant)


# --- agenda -----------------------------------------------------------------------------------

class AgendaIn(Schema):
    title: str
    presenter: str | Id | None = None
    presenting_unit: Id | None = None
    duration_minutes: Int64 = 0
    agenda_version: Int64 | None = None


class AgendaPatch(Schema):
    agenda_version: Int64
    title: str | None = None
    presenter: str | Id | None = None
    presenting_unit: Id | None = None
    duration_minutes: Int64 | None = None


class ReorderIn(Schema):
    order: list[Id]
    agenda_version: Int64


@router.post("/meetings/{meeting_id}/agenda", response={201: AgendaItemVersionOut}, summary="Add an agenda item")
def add_agenda_item(request: HttpRequest, meeting_id: Id, payload: AgendaIn):
    item = agenda.do_add_agenda_item(
        meeting_id, actor=request.user, title=payload.title,
        presenter=resolve_user(payload.presenter, "presenter"),
        presenting_unit=resolve(Unit, payload.presenting_unit, "presenting_unit"),
        duration_minutes=payload.duration_minutes, agenda_version=payload.agenda_version,
    )
    return Status(201, {**serialize_agenda_item(item), "agenda_version": item.meeting.agenda_version})


@router.post("/meetings/{meeting_id}/agenda/reorder", response=AgendaStateOut, summary="Reorder the agenda")
def reorder_agenda(request: HttpRequest, meeting_id: Id, payload: ReorderIn):
    agenda.do_reorder_agenda(meeting_id, actor=request.user, order=payload.order, agenda_version=payload.agenda_version)
    return agenda.agenda_state(meeting_access(request.user, meeting_id).meeting)


@router.patch("/meetings/{meeting_id}/agenda/{item_id}", response=AgendaItemVersionOut, summary="Change an agenda item")
def update_agenda_item(request: HttpRequest, meeting_id: Id, item_id: Id, payload: AgendaPatch):
    data = payload.dict(exclude_unset=True)
    version = data.pop("agenda_version")
    if "presenter" in data:
        data["presenter"] = resolve_user(data["presenter"], "presenter")
    if "presenting_unit" in data:
        data["presenting_unit"] = resolve(Unit, data["presenting_unit"], "presenting_unit")
    for name in ("title", "duration_minutes"):
        if name in data and data[name] is None:
            data.pop(name)
    item = agenda.do_update_agenda_item(meeting_id, item_id, actor=request.user, agenda_version=version, **data)
    return {**serialize_agenda_item(item), "agenda_version": item.meeting.agenda_version}


@router.delete("/meetings/{meeting_id}/agenda/{item_id}", response=AgendaStateOut, summary="Remove an agenda item (?agenda_version=n)")
def remove_agenda_item(request: HttpRequest, meeting_id: Id, item_id: Id, agenda_version: Int64):
    agenda.do_remove_agenda_item(meeting_id, item_id, actor=request.user, agenda_version=agenda_version)
    return agenda.agenda_state(meeting_access(request.user, meeting_id).meeting)


# --- catalogs and calendar --------------------------------------------------------------------

@router.get("/meeting-types", response=list[MeetingTypeOut], summary="Meeting types")
def meeting_types(request: HttpRequest):
    return [{"id": t.pk, "name": t.name, "unit": t.unit_id} for t in MeetingType.objects.filter(active=True)]


@router.get("/meeting-rooms", response=list[MeetingRoomOut], summary="Meeting rooms with their seat maps")
def meeting_rooms(request: HttpRequest):
    return [
        {"id": r.pk, "name": r.name, "unit": r.unit_id, "address": r.address, "capacity": r.capacity,
         "seat_rows": r.seat_rows, "seats_per_row": r.seats_per_row, "seats": r.seat_grid()}
        for r in MeetingRoom.objects.filter(active=True)
    ]


@router.get("/issuing-bodies", response=list[IssuingBodyOut], summary="Issuing bodies")
def issuing_bodies(request: HttpRequest):
    return [{"id": b.pk, "name": b.name, "short_name": b.short_name} for b in IssuingBody.objects.filter(active=True)]


def _feed_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("meeting_ical_feed", args=[token]))


@router.get("/calendar/feed", response=UrlOut, summary="My personal iCalendar feed URL")
def calendar_feed(request: HttpRequest):
    return {"url": _feed_url(request, act.calendar_feed_for(request.user).token)}


@router.post("/calendar/feed/regenerate", response=UrlOut, summary="A new secret feed URL (the old one stops working)")
def regenerate_calendar_feed(request: HttpRequest):
    return {"url": _feed_url(request, act.do_regenerate_calendar_feed(actor=request.user).token)}

