"""preparation actions: meetings (create, edit, schedule, cancel, copy), participants, answers.

Each `do_*` re-reads the meeting through access.py *inside* its transaction with a row lock,
so the permission check and the change see the same state. Agenda actions live in
meetings.actions.agenda.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.access import may_convene_for, may_create_meetings
from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError, PermissionDeniedError
from ecabinet.inputs import field_error
from ecabinet.models import Unit, User
from ecabinet.text import require_one_line
from meetings import papers
from meetings.access import (
    ANSWERABLE_STATUSES,
    absence_needs_approval,
    lock_meeting,
    meeting_access,
    participant_in,
    require_runner,
)
from meetings.actions.absence import clear_absence, request_absence
from meetings.actions.agenda import OPEN_STATUSES
from meetings.actions.room import emit_room_updated
from meetings.events import audience_for, emit
from meetings.ical import build_calendar
from meetings.integration import publish_meeting
from meetings.live.serializers import serialize_seat_map
from meetings.models import (
    AgendaItem,
    Attendance,
    CalendarFeed,
    Meeting,
    MeetingRoom,
    MeetingType,
    Participant,
    PollReady,
)
from meetings.models.preparation import new_feed_token
from meetings.serializers import serialize_agenda_item, serialize_meeting, serialize_participant

Status = Meeting.Status
Role = Participant.Role
Answer = Participant.Response

# Fields whose change is worth telling the invitees about again.
NOTIFY_FIELDS = ("title", "starts_at", "ends_at", "location", "online_url", "room")


def _runner_meeting(meeting: Meeting, *, actor: User) -> Meeting:
    """The meeting locked for a change only its runners make."""
    access = lock_meeting(meeting, actor=actor)
    require_runner(access)
    return access.meeting


def require_open(meeting: Meeting) -> None:
    if meeting.status not in OPEN_STATUSES:
        raise ConflictError(
            f"meeting_{meeting.status}",
            _("This meeting is %(status)s and can no longer be changed.") % {"status": meeting.get_status_display()},
        )


def _check_fields(actor: User, fields: dict[str, Any]) -> None:
    title = fields.get("title")
    if title is not None and not title.strip():
        raise field_error("title", _("Enter a title."))
    if title is not None and len(title.strip()) > 500:
        raise field_error("title", _("The title may have at most 500 characters."))
    require_one_line(title)
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise field_error("ends_at", _("The end must be after the start."))
    if "unit" in fields and not may_convene_for(actor, fields["unit"]):
        raise field_error("unit", _("You may not hold meetings for this unit."))
    url = fields.get("online_url")
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise field_error("online_url", _("Enter a valid web address (http or https).")) from None
    for name, model in (("meeting_type", MeetingType), ("room", MeetingRoom)):
        value = fields.get(name)
        if value is not None and not isinstance(value, model):
            raise field_error(name, _("Unknown value."))


def _set_role(meeting: Meeting, user: User, role: str) -> Participant:
    participant, created = Participant.objects.get_or_create(meeting=meeting, user=user, defaults={"role": role})
    if not created and participant.role != role:
        participant.role = role
        participant.save(update_fields=["role"])
    return participant


def time_and_place(meeting: Meeting) -> str:
    """The time, place and online link of a meeting, as its invitation and reminders say them."""
    when = timezone.localtime(meeting.starts_at).strftime("%H:%M %d/%m/%Y")
    place = meeting.room.name if meeting.room is not None else meeting.location
    text = _("Time: %(when)s. Place: %(place)s.") % {"when": when, "place": place or meeting.online_url or "—"}
    if meeting.online_url:
        text += "\n" + _("Online link: %(url)s") % {"url": meeting.online_url}
    return text


def _invite(meeting: Meeting, participants: list[Participant], *, actor: User, changed: bool = False) -> None:
    """Send the invitation (or the notice of a change) in-app and by email."""
    people = [p for p in participants if p.user_id != actor.pk]
    if not people:
        return
    now = timezone.now()
    Participant.objects.filter(pk__in=[p.pk for p in people], invited_at__isnull=True).update(invited_at=now)
    if changed:
        title = _("Meeting changed: %(title)s") % {"title": meeting.title}
    else:
        title = _("Invitation: %(title)s") % {"title": meeting.title}
    body = time_and_place(meeting)
    # The invitation paper in force (signed, numbered) and a calendar entry travel with the mail;
    # the in-app notification opens the paper when there is one.
    found = papers.attachments(meeting)
    files = [(a.filename, a.content, a.mimetype) for a in found]
    files.append((f"cuoc-hop-{meeting.pk}.ics", build_calendar([meeting]), "text/calendar"))
    url = next((a.url for a in found if a.url), "") or meeting.get_absolute_url()
    notify_users([p.user for p in people], kind="meeting.invitation", title=title, body=body,
                 url=url, attachments=files)



def send_invitations(meeting: Meeting, *, actor: User) -> None:
    """Send the invitation again to everyone invited (e.g. once its paper is sealed), inside the
    caller's transaction on the locked meeting."""
    _invite(meeting, _invited(meeting), actor=actor)

def _invited(meeting: Meeting) -> list[Participant]:
    return list(meeting.participants.select_related("user").exclude(response=Answer.DECLINE))


# --- meetings -------------------------------------------------------------------------------

@transaction.atomic(durable=True)
def do_create_meeting(
    *, actor: User, title: str, starts_at: datetime, ends_at: datetime, description: str = "",
    unit: Unit | None = None, meeting_type: MeetingType | None = None, room: MeetingRoom | None = None,
    location: str = "", online_url: str = "", chair: User | None = None, secretary: User | None = None,
) -> Meeting:
    """A new draft. The creator becomes its secretary; the chair and another secretary may be named."""
    return _create_meeting(
        actor=actor, title=title, starts_at=starts_at, ends_at=ends_at, description=description, unit=unit,
        meeting_type=meeting_type, room=room, location=location, online_url=online_url, chair=chair,
        secretary=secretary,
    )


def _create_meeting(
    *, actor: User, title: str, starts_at: datetime, ends_at: datetime, description: str = "",
    unit: Unit | None = None, meeting_type: MeetingType | None = None, room: MeetingRoom | None = None,
    location: str = "", online_url: str = "", chair: User | None = None, secretary: User | None = None,
) -> Meeting:
    if not may_create_meetings(actor):
        raise PermissionDeniedError(_("Your role does not allow convening meetings."), code="no_create_right")
    unit = unit if unit is not None else actor.unit
    fields = {"title": title, "starts_at": starts_at, "ends_at": ends_at, "unit": unit,
              "meeting_type": meeting_type, "room": room, "online_url": online_url}
    _check_fields(actor, fields)
    meeting = Meeting.objects.create(
        title=title.strip(), description=description, unit=unit,
        starts_at=starts_at, ends_at=ends_at, meeting_type=meeting_type, room=room,
        location=location, online_url=online_url, created_by=actor,
    )
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    people = [_set_role(meeting, actor, Role.SECRETARY)]
    if secretary is not None and secretary.pk != actor.pk:
        people.append(_set_role(meeting, secretary, Role.SECRETARY))
    if chair is not None:
        people.append(_set_role(meeting, chair, Role.CHAIR))
    for participant in {p.pk: p for p in people}.values():
        emit(meeting, "participant.upserted", {"participant": serialize_participant(participant)})
    emit_room_updated(meeting)
    record_audit(actor=actor, action="meeting.create", obj=meeting, details={"title": meeting.title})
    return meeting


@transaction.atomic(durable=True)
def do_update_meeting(meeting: Meeting, *, actor: User, **changes: Any) -> Meeting:
    """Change the meeting's fields; `chair` and `secretary` (users) set those roles.

    Invitees of a scheduled meeting hear about changes of time, place or title.
    """
    meeting = _runner_meeting(meeting, actor=actor)
    require_open(meeting)
    chair = changes.pop("chair", None)
    secretary = changes.pop("secretary", None)
    allowed = {"title", "description", "unit", "meeting_type", "room", "location", "online_url",
               "starts_at", "ends_at"}
    unknown = set(changes) - allowed
    if unknown:
        raise field_error(sorted(unknown)[0], _("This field cannot be changed."))
    if "unit" in changes and changes["unit"] == meeting.unit:
        changes.pop("unit")  # unchanged: a chair may save the form without the right to convene
    _check_fields(actor, {"starts_at": meeting.starts_at, "ends_at": meeting.ends_at, **changes})
    changed = [name for name, value in changes.items() if getattr(meeting, name) != value]
    for name in changed:
        setattr(meeting, name, changes[name].strip() if name == "title" else changes[name])
    if changed:
        meeting.save(update_fields=changed)
        emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
        if "room" in changed:  # --- live seat map (fn117): the room's grid goes with the room
            emit(meeting, "seat_map.updated", {"seat_map": serialize_seat_map(meeting.room)})
    roles: list[Participant] = []
    if chair is not None:
        # One chair: the previous one stays in the meeting as a member.
        for old in meeting.participants.filter(role=Role.CHAIR).exclude(user=chair).select_related("user"):
            old.role = Role.MEMBER
            old.save(update_fields=["role"])
            roles.append(old)
        roles.append(_set_role(meeting, chair, Role.CHAIR))
    if secretary is not None:
        roles.append(_set_role(meeting, secretary, Role.SECRETARY))
    for participant in roles:
        emit(meeting, "participant.upserted", {"participant": serialize_participant(participant)})
    if roles:
        emit_room_updated(meeting)
    if meeting.status == Status.SCHEDULED:
        moved = frozenset(changed) & papers.TIME_AND_PLACE
        if moved:
            # The invitation in force names the old time or place: a numbered replacement.
            papers.issue(meeting, actor=actor, reason=papers.Reason.CHANGED, fields=moved)
        new_people = [p for p in roles if p.invited_at is None]
        _invite(meeting, new_people, actor=actor)
        if set(changed) & set(NOTIFY_FIELDS):
            _invite(meeting, [p for p in _invited(meeting) if p.pk not in {q.pk for q in new_people}],
                    actor=actor, changed=True)
    if changed:
        publish_meeting(meeting, "meeting.changed", changed=changed)
    record_audit(actor=actor, action="meeting.update", obj=meeting,
                 details={"fields": changed, "chair": chair.pk if chair else None,
                          "secretary": secretary.pk if secretary else None})
    return meeting


@transaction.atomic(durable=True)
def do_schedule_meeting(meeting: Meeting, *, actor: User) -> Meeting:
    """draft -> scheduled: the invitations go out to everyone on the list."""
    meeting = _runner_meeting(meeting, actor=actor)
    if meeting.status != Status.DRAFT:
        raise ConflictError(
            "not_draft",
            _("Only a draft can be scheduled; this meeting is %(status)s.") % {"status": meeting.get_status_display()},
        )
    meeting.status = Status.SCHEDULED
    meeting.save(update_fields=["status"])
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    papers.issue(meeting, actor=actor, reason=papers.Reason.SCHEDULED)
    people = _invited(meeting)
    _invite(meeting, people, actor=actor)
    record_audit(actor=actor, action="meeting.schedule", obj=meeting, details={"invited": len(people)})
    publish_meeting(meeting, "meeting.scheduled")
    return meeting


@transaction.atomic(durable=True)
def do_cancel_meeting(meeting: Meeting, *, actor: User, reason: str) -> Meeting:
    meeting = _runner_meeting(meeting, actor=actor)
    if meeting.status not in (Status.DRAFT, Status.SCHEDULED):
        raise ConflictError(
            "not_cancellable",
            _("A meeting that is %(status)s cannot be cancelled.") % {"status": meeting.get_status_display()},
        )
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("Give the reason for cancelling."))
    was_scheduled = meeting.status == Status.SCHEDULED
    meeting.status = Status.CANCELLED
    meeting.cancel_reason = reason
    meeting.save(update_fields=["status", "cancel_reason"])
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    if was_scheduled:
        people = [p for p in _invited(meeting) if p.user_id != actor.pk]
        notify_users([p.user for p in people], kind="meeting.cancelled",
                     title=_("Meeting cancelled: %(title)s") % {"title": meeting.title},
                     body=_("Reason: %(reason)s") % {"reason": reason}, url=meeting.get_absolute_url())
    if was_scheduled:
        publish_meeting(meeting, "meeting.cancelled", reason=reason)
    record_audit(actor=actor, action="meeting.cancel", obj=meeting, details={"reason": reason})
    return meeting


@transaction.atomic(durable=True)
def do_copy_meeting(
    meeting: Meeting, *, actor: User, starts_at: datetime, ends_at: datetime, title: str | None = None
) -> Meeting:
    """A new draft from a past meeting: same fields, agenda and participants, new dates, no answers."""
    source = meeting_access(actor, meeting.pk)  # read only: the source is not changed
    require_runner(source)
    old = source.meeting
    copy = _create_meeting(
        actor=actor, title=(title or old.title), starts_at=starts_at, ends_at=ends_at,
        description=old.description, unit=old.unit if may_convene_for(actor, old.unit) else None,
        meeting_type=old.meeting_type, room=old.room, location=old.location, online_url=old.online_url,
    )
    for item in old.agenda_items.all():
        new_item = AgendaItem.objects.create(
            meeting=copy, position=item.position, title=item.title, presenter_id=item.presenter_id,
            presenting_unit_id=item.presenting_unit_id, duration_minutes=item.duration_minutes,
        )
        emit(copy, "agenda_item.upserted", {"agenda_item": serialize_agenda_item(new_item)})
    # Delegates answered for that meeting only; the people they stood in for are copied instead.
    existing = set(copy.participants.values_list("user_id", flat=True))
    for person in old.participants.filter(delegate_for__isnull=True).select_related("user"):
        if person.user_id in existing or not person.user.is_active:
            continue
        participant = Participant.objects.create(meeting=copy, user=person.user, role=person.role, seat=person.seat)
        emit(copy, "participant.upserted", {"participant": serialize_participant(participant)})
    emit_room_updated(copy)
    record_audit(actor=actor, action="meeting.copy", obj=copy, details={"source": old.pk})
    return copy


# --- participants ---------------------------------------------------------------------------

def _check_seat(meeting: Meeting, seat: str, *, exclude: int | None = None) -> str:
    seat = (seat or "").strip().upper()
    if not seat:
        return ""
    if meeting.room is None:
        raise field_error("seat", _("Choose a meeting room before assigning seats."))
    if not meeting.room.has_seat(seat):
        raise field_error("seat", _("Seat %(seat)s is not in the room's seat map.") % {"seat": seat})
    holders = meeting.participants.filter(seat=seat).select_related("user")
    if exclude is not None:
        holders = holders.exclude(pk=exclude)
    taken = holders.first()
    if taken is not None:
        raise ConflictError("seat_taken", _("Seat %(seat)s is already assigned to %(name)s.")
                            % {"seat": seat, "name": taken.user.full_name or taken.user.username})
    return seat


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise field_error("role", _("Choose a role: chair, secretary, member or guest."))
    return role


@transaction.atomic(durable=True)
def do_add_participant(meeting: Meeting, *, actor: User, user: User, role: str = Role.MEMBER,
                       seat: str = "") -> Participant:
    meeting = _runner_meeting(meeting, actor=actor)
    require_open(meeting)
    _check_role(role)
    if not user.is_active:
        raise field_error("username", _("This account is disabled."))
    existing = meeting.participants.filter(user=user).first()
    if existing is not None:
        raise ConflictError("already_participant", _("%(name)s is already a participant of this meeting.")
                            % {"name": user.full_name or user.username})
    participant = Participant.objects.create(meeting=meeting, user=user, role=role,
                                             seat=_check_seat(meeting, seat))
    emit(meeting, "participant.upserted", {"participant": serialize_participant(participant)})
    emit_room_updated(meeting)
    if meeting.status in (Status.SCHEDULED, Status.IN_PROGRESS):
        _invite(meeting, [participant], actor=actor)
    record_audit(actor=actor, action="participant.add", obj=participant,
                 details={"meeting": meeting.pk, "user": user.pk, "role": role})
    return participant


@transaction.atomic(durable=True)
def do_add_unit(meeting: Meeting, *, actor: User, unit: Unit, role: str = Role.MEMBER) -> list[Participant]:
    """Every active person of the unit (not its sub-units) not yet on the list."""
    meeting = _runner_meeting(meeting, actor=actor)
    require_open(meeting)
    _check_role(role)
    present = set(meeting.participants.values_list("user_id", flat=True))
    people = [u for u in User.objects.filter(unit=unit, is_active=True).order_by("pk") if u.pk not in present]
    added = [Participant.objects.create(meeting=meeting, user=u, role=role) for u in people]
    for participant in added:
        emit(meeting, "participant.upserted", {"participant": serialize_participant(participant)})
    if added:
        emit_room_updated(meeting)
    if added and meeting.status in (Status.SCHEDULED, Status.IN_PROGRESS):
        _invite(meeting, added, actor=actor)
    record_audit(actor=actor, action="participant.add_unit", obj=meeting,
                 details={"unit": unit.pk, "role": role, "added": [u.pk for u in people]})
    return added


def _locked_participant(participant: Participant, *, actor: User) -> tuple[Meeting, Participant]:
    """The meeting locked for a runner's change of `participant`, and the participant re-read
    under that lock (removed meanwhile: NotFoundError)."""
    meeting = _runner_meeting(participant.meeting, actor=actor)
    require_open(meeting)
    return meeting, participant_in(meeting, participant.pk)


@transaction.atomic(durable=True)
def do_update_participant(participant: Participant, *, actor: User, role: str | None = None,
                          seat: str | None = None) -> Participant:
    meeting, participant = _locked_participant(participant, actor=actor)
    fields = []
    if role is not None and role != participant.role:
        participant.role = _check_role(role)
        fields.append("role")
    if seat is not None and seat.strip().upper() != participant.seat:
        participant.seat = _check_seat(meeting, seat, exclude=participant.pk)
        fields.append("seat")
    if fields:
        participant.save(update_fields=fields)
        emit(meeting, "participant.upserted", {"participant": serialize_participant(participant)})
        if "role" in fields:
            emit_room_updated(meeting)
        record_audit(actor=actor, action="participant.update", obj=participant,
                     details={f: getattr(participant, f) for f in fields})
    return participant


def _remove(meeting: Meeting, participant: Participant) -> None:
    for delegate in participant.delegates.all():
        _remove(meeting, delegate)
    pk = participant.pk
    checked_in = Attendance.objects.filter(participant=participant).exists()
    # --- votes prepared and run: the seat's ready marks go with it; their viewers are told ---
    marks = [(m.pk, m.marked_by_id) for m in PollReady.objects.filter(seat=participant)]
    for mark_id, marked_by in marks:
        emit(meeting, "poll_ready.removed", {"id": mark_id},
             audience=audience_for(roles=["chair", "secretary"], users=[marked_by]))
    # --- end votes ---
    participant.delete()  # its attendance goes with it
    if checked_in:
        emit(meeting, "attendance.removed", {"id": pk})
    emit(meeting, "participant.removed", {"id": pk})


@transaction.atomic(durable=True)
def do_remove_participant(participant: Participant, *, actor: User) -> None:
    meeting, participant = _locked_participant(participant, actor=actor)
    if participant.role == Role.SECRETARY and not meeting.participants.filter(
        role=Role.SECRETARY).exclude(pk=participant.pk).exists():
        raise ConflictError("last_secretary", _("A meeting needs at least one secretary."))
    record_audit(actor=actor, action="participant.remove", obj=participant,
                 details={"meeting": meeting.pk, "user": participant.user_id})
    _remove(meeting, participant)
    emit_room_updated(meeting)


@transaction.atomic(durable=True)
def do_answer_invitation(meeting: Meeting, *, actor: User, response: str, reason: str = "",
                         delegate: User | None = None) -> Participant:
    """The invitee's answer: attend, decline (a reason is required) or delegate to another person."""
    access = lock_meeting(meeting, actor=actor)
    meeting = access.meeting
    participant = access.participant
    if participant is None:
        raise PermissionDeniedError(_("You are not invited to this meeting."))
    if meeting.status not in ANSWERABLE_STATUSES:
        raise ConflictError("not_open_for_answers",
                            _("Invitations to a meeting that is %(status)s cannot be answered.")
                            % {"status": meeting.get_status_display()})
    reason = (reason or "").strip()
    if response not in (Answer.ATTEND, Answer.DECLINE, Answer.DELEGATE):
        raise field_error("response", _("Answer attend, decline or delegate."))
    if response == Answer.DECLINE and not reason:
        raise field_error("reason", _("Give the reason for your absence."))
    if response == Answer.DELEGATE:
        if participant.delegate_for_id is not None:
            raise ConflictError("delegate_cannot_delegate",
                                _("You attend in someone else's place and cannot delegate again."))
        if delegate is None:
            raise field_error("delegate", _("Choose the person who attends in your place."))
        if delegate.pk == actor.pk or not delegate.is_active:
            raise field_error("delegate", _("Choose another, active person."))
        current = list(participant.delegates.all())
        if not (len(current) == 1 and current[0].user_id == delegate.pk) and \
                meeting.participants.filter(user=delegate).exists():
            raise ConflictError("already_participant", _("%(name)s is already a participant of this meeting.")
                                % {"name": delegate.full_name or delegate.username})
    # --- absence requests (fn113): the chair decides first where the meeting's type says so;
    # the same answer again (a reason reworded) changes nothing already decided.
    current_delegates = list(participant.delegates.all())
    same = participant.response == response and (
        response == Answer.DECLINE or (delegate is not None and [d.user_id for d in current_delegates] == [delegate.pk]))
    if response in (Answer.DECLINE, Answer.DELEGATE) and not same and absence_needs_approval(meeting, participant):
        return request_absence(meeting, participant, actor=actor, response=response, reason=reason, delegate=delegate)
    absence_fields = [] if same else clear_absence(participant)
    # --- end absence requests ---
    # A changed answer withdraws an earlier delegation (unless it names the same person again).
    kept: Participant | None = None
    for old in participant.delegates.select_related("user"):
        if delegate is not None and response == Answer.DELEGATE and old.user_id == delegate.pk:
            kept = old
        else:
            _remove(meeting, old)
    participant.response = response
    participant.response_reason = reason
    participant.responded_at = timezone.now()
    participant.save(update_fields=["response", "response_reason", "responded_at", *absence_fields])
    emit(meeting, "participant.upserted", {"participant": serialize_participant(participant)})
    if delegate is not None and response == Answer.DELEGATE and kept is None:
        role = participant.role if participant.role in (Role.MEMBER, Role.GUEST) else Role.MEMBER
        kept = Participant.objects.create(meeting=meeting, user=delegate, role=role, delegate_for=participant)
        emit(meeting, "participant.upserted", {"participant": serialize_participant(kept)})
        _invite(meeting, [kept], actor=actor)
    # A delegation added or withdrawn moves who holds a seat, and a delegate's check-in with it.
    emit_room_updated(meeting)
    record_audit(actor=actor, action="participant.answer", obj=participant,
                 details={"response": response, "reason": reason,
                          "delegate": delegate.pk if delegate is not None else None})
    return participant


# --- calendar feed --------------------------------------------------------------------------

@transaction.atomic(durable=True)
def do_regenerate_calendar_feed(*, actor: User) -> CalendarFeed:
    """A new secret for the person's iCalendar URL; the old URL stops working at once."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=actor)
    if not created:
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    record_audit(actor=actor, action="calendar_feed.regenerate", obj=feed)
    return feed


def calendar_feed_for(user: User) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(user=user).first()
    return feed if feed is not None else do_regenerate_calendar_feed(actor=user)
