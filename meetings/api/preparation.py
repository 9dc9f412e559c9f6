"""preparation endpoints: meetings, participants, invitations, agenda, catalogs, calendar feed."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ecabinet.errors import PermissionDeniedError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Count, Id, Int64, field_error, parse_day_or_time
from meetings.access import agenda_item_for, may_look_up_people, meeting_access, participant_in
from meetings.actions import agenda
from meetings.actions import preparation as act
from meetings.models import AgendaItem, IssuingBody, Meeting, MeetingRoom, MeetingType, Participant
from meetings.schemas import (
    AgendaIn,
    AgendaItemVersionOut,
    AgendaPatch,
    AgendaStateOut,
    CancelIn,
    CopyIn,
    InvitationAnswerIn,
    IssuingBodyOut,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MeetingRoomOut,
    MeetingTypeOut,
    ParticipantIn,
    ParticipantOut,
    ParticipantPatch,
    PersonOut,
    ReorderIn,
    UnitIn,
    UrlOut,
)
from meetings.selectors import SCOPES, meeting_detail, people_found, search_meetings
from meetings.serializers import serialize_agenda_item, serialize_meeting, serialize_participant

router = Router(tags=["preparation"])


def _detail(request: AuthenticatedHttpRequest, meeting_id: Id) -> dict:
    return meeting_detail(meeting_access(request.user, meeting_id), request.user)


def _meeting(request: AuthenticatedHttpRequest, meeting_id: int) -> Meeting:
    """The meeting as the caller may see it (404 otherwise); the action checks the right."""
    return meeting_access(request.user, meeting_id).meeting


def _participant(request: AuthenticatedHttpRequest, meeting_id: int, participant_id: int) -> Participant:
    return participant_in(_meeting(request, meeting_id), participant_id)


def _agenda_item(request: AuthenticatedHttpRequest, meeting_id: int, item_id: int) -> AgendaItem:
    return agenda_item_for(request.user, item_id, meeting=_meeting(request, meeting_id))


@router.get("/meetings", response=list[MeetingOut], summary="Meetings the caller may see")
def list_meetings(
    request: AuthenticatedHttpRequest, status: str | None = None, q: str | None = None, to: str | None = None,
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


@router.get("/meetings/{meeting_id}/people", response=list[PersonOut],
            summary="Find people to invite, to present or to attend in one's place (at most 20)")
def look_up_people(request: AuthenticatedHttpRequest, meeting_id: Id, q: str = ""):
    """The meeting page's search-as-you-type: whoever sees the meeting (those running it and its
    invited participants, meetings/access.py visible_meetings; 404 for anyone else) finds active
    people by username or name, a few at a time (never the whole directory)."""
    meeting_access(request.user, meeting_id)
    return people_found(q)


@router.get("/people", response=list[PersonOut],
            summary="Find people to name as a meeting's chair or secretary or as a task's person in charge (at most 20)")
def look_up_directory(request: AuthenticatedHttpRequest, q: str = ""):
    """The search-as-you-type of the forms outside a meeting's page: the meeting form (chair,
    secretary) and the follow-up task form (the person in charge). Whoever may use one of them
    (meetings/access.py may_look_up_people: those who convene or run meetings, and the offices
    that give tasks; 403 for anyone else) finds active people by username or name, a few at a
    time (never the whole directory)."""
    if not may_look_up_people(request.user):
        raise PermissionDeniedError(_("Your role does not allow looking people up."))
    return people_found(q)


@router.post("/meetings", response={201: MeetingDetailOut}, summary="Create a meeting (the caller becomes its secretary)")
def create_meeting(request: AuthenticatedHttpRequest, payload: MeetingIn):
    meeting = act.do_create_meeting(actor=request.user, **payload.changes())
    return Status(201, _detail(request, meeting.pk))


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut, summary="A meeting with agenda, participants, documents, polls")
def get_meeting(request: AuthenticatedHttpRequest, meeting_id: Id):
    return _detail(request, meeting_id)


@router.patch("/meetings/{meeting_id}", response=MeetingDetailOut, summary="Change a meeting")
def update_meeting(request: AuthenticatedHttpRequest, meeting_id: Id, payload: MeetingPatch):
    act.do_update_meeting(_meeting(request, meeting_id), actor=request.user, **payload.changes())
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/schedule", response=MeetingDetailOut, summary="draft -> scheduled; invitations go out")
def schedule_meeting(request: AuthenticatedHttpRequest, meeting_id: Id):
    act.do_schedule_meeting(_meeting(request, meeting_id), actor=request.user)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/cancel", response=MeetingDetailOut, summary="Cancel, with a reason participants see")
def cancel_meeting(request: AuthenticatedHttpRequest, meeting_id: Id, payload: CancelIn):
    act.do_cancel_meeting(_meeting(request, meeting_id), actor=request.user, reason=payload.reason)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/copy", response={201: MeetingDetailOut}, summary="Copy as a new draft (agenda and participants)")
def copy_meeting(request: AuthenticatedHttpRequest, meeting_id: Id, payload: CopyIn):
    meeting = act.do_copy_meeting(_meeting(request, meeting_id), actor=request.user, **payload.changes())
    return Status(201, _detail(request, meeting.pk))


# --- participants -----------------------------------------------------------------------------

@router.post("/meetings/{meeting_id}/participants", response={201: ParticipantOut}, summary="Invite a person")
def add_participant(request: AuthenticatedHttpRequest, meeting_id: Id, payload: ParticipantIn):
    participant = act.do_add_participant(_meeting(request, meeting_id), actor=request.user, **payload.changes())
    return Status(201, serialize_participant(participant))


@router.post("/meetings/{meeting_id}/participants/unit", response={201: list[ParticipantOut]}, summary="Invite every active person of a unit")
def add_unit(request: AuthenticatedHttpRequest, meeting_id: Id, payload: UnitIn):
    added = act.do_add_unit(_meeting(request, meeting_id), actor=request.user, **payload.changes())
    return Status(201, [serialize_participant(p) for p in added])


@router.patch("/meetings/{meeting_id}/participants/{participant_id}", response=ParticipantOut, summary="Change a participant's role or seat")
def update_participant(request: AuthenticatedHttpRequest, meeting_id: Id, participant_id: Id,
                       payload: ParticipantPatch):
    participant = act.do_update_participant(_participant(request, meeting_id, participant_id), actor=request.user,
                                            role=payload.role, seat=payload.seat)
    return serialize_participant(participant)


@router.delete("/meetings/{meeting_id}/participants/{participant_id}", response={204: None}, summary="Remove a participant")
def remove_participant(request: AuthenticatedHttpRequest, meeting_id: Id, participant_id: Id):
    act.do_remove_participant(_participant(request, meeting_id, participant_id), actor=request.user)
    return Status(204, None)


@router.post("/meetings/{meeting_id}/answer", response=ParticipantOut, summary="Answer the invitation: attend, decline (reason), delegate")
def answer(request: AuthenticatedHttpRequest, meeting_id: Id, payload: InvitationAnswerIn):
    participant = act.do_answer_invitation(_meeting(request, meeting_id), actor=request.user, **payload.changes())
    return serialize_participant(participant)


# --- agenda -----------------------------------------------------------------------------------

@router.post("/meetings/{meeting_id}/agenda", response={201: AgendaItemVersionOut}, summary="Add an agenda item")
def add_agenda_item(request: AuthenticatedHttpRequest, meeting_id: Id, payload: AgendaIn):
    item = agenda.do_add_agenda_item(_meeting(request, meeting_id), actor=request.user,
                                     agenda_version=payload.agenda_version, **payload.changes())
    return Status(201, {**serialize_agenda_item(item), "agenda_version": item.meeting.agenda_version})


@router.post("/meetings/{meeting_id}/agenda/reorder", response=AgendaStateOut, summary="Reorder the agenda")
def reorder_agenda(request: AuthenticatedHttpRequest, meeting_id: Id, payload: ReorderIn):
    meeting = _meeting(request, meeting_id)
    agenda.do_reorder_agenda(meeting, actor=request.user, order=payload.order, agenda_version=payload.agenda_version)
    return agenda.agenda_state(_meeting(request, meeting_id))


@router.patch("/meetings/{meeting_id}/agenda/{item_id}", response=AgendaItemVersionOut, summary="Change an agenda item")
def update_agenda_item(request: AuthenticatedHttpRequest, meeting_id: Id, item_id: Id, payload: AgendaPatch):
    item = agenda.do_update_agenda_item(_agenda_item(request, meeting_id, item_id), actor=request.user,
                                        agenda_version=payload.agenda_version, **payload.changes())
    return {**serialize_agenda_item(item), "agenda_version": item.meeting.agenda_version}


@router.delete("/meetings/{meeting_id}/agenda/{item_id}", response=AgendaStateOut, summary="Remove an agenda item (?agenda_version=n)")
def remove_agenda_item(request: AuthenticatedHttpRequest, meeting_id: Id, item_id: Id, agenda_version: Int64):
    agenda.do_remove_agenda_item(_agenda_item(request, meeting_id, item_id), actor=request.user,
                                 agenda_version=agenda_version)
    return agenda.agenda_state(_meeting(request, meeting_id))


# --- catalogs and calendar --------------------------------------------------------------------

@router.get("/meeting-types", response=list[MeetingTypeOut], summary="Meeting types")
def meeting_types(request: AuthenticatedHttpRequest):
    return [{"id": t.pk, "name": t.name, "unit": t.unit_id, "absence_needs_approval": t.absence_needs_approval}
            for t in MeetingType.objects.filter(active=True)]


@router.get("/meeting-rooms", response=list[MeetingRoomOut], summary="Meeting rooms with their seat maps")
def meeting_rooms(request: AuthenticatedHttpRequest):
    return [
        {"id": r.pk, "name": r.name, "unit": r.unit_id, "address": r.address, "capacity": r.capacity,
         "seat_rows": r.seat_rows, "seats_per_row": r.seats_per_row, "seats": r.seat_grid()}
        for r in MeetingRoom.objects.filter(active=True)
    ]


@router.get("/issuing-bodies", response=list[IssuingBodyOut], summary="Issuing bodies")
def issuing_bodies(request: AuthenticatedHttpRequest):
    return [{"id": b.pk, "name": b.name, "short_name": b.short_name} for b in IssuingBody.objects.filter(active=True)]


def _feed_url(request: AuthenticatedHttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("meeting_ical_feed", args=[token]))


@router.get("/calendar/feed", response=UrlOut, summary="My personal iCalendar feed URL")
def calendar_feed(request: AuthenticatedHttpRequest):
    return {"url": _feed_url(request, act.calendar_feed_for(request.user).token)}


@router.post("/calendar/feed/regenerate", response=UrlOut, summary="A new secret feed URL (the old one stops working)")
def regenerate_calendar_feed(request: AuthenticatedHttpRequest):
    return {"url": _feed_url(request, act.do_regenerate_calendar_feed(actor=request.user).token)}

