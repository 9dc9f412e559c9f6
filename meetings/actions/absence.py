"""Absence requests (fn113): where a meeting's type asks for the chair's approval, a member's
"cannot attend" or "someone attends in my place" is a request the chair approves or refuses.

The data stays on the participant row (meetings/models/core.py, `Participant.absence_*`): until
the chair decides, `response` is "pending" (the member is expected, not confirmed) and
`absence_status` "pending"; approved, `response` becomes "decline" (or "delegate", and the
proposed person joins in the member's place); refused, the member is still expected. The member's
answer goes through `do_answer_invitation` (meetings/actions/preparation.py), which calls
`request_absence` here when approval is needed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError
from ecabinet.inputs import field_error
from ecabinet.models import User
from meetings.access import absence_deciders, lock_in_meeting, require_absence_decider
from meetings.actions.room import emit_room_updated
from meetings.events import emit
from meetings.models import Meeting, Participant
from meetings.serializers import serialize_participant

Answer = Participant.Response
Absence = Participant.Absence
Role = Participant.Role

NOTE_MAX = 2000


def clear_absence(participant: Participant) -> list[str]:
    """Forget an earlier request (a new answer replaces it); the fields to save."""
    participant.absence_status = Absence.NONE
    participant.absence_delegate = None
    participant.absence_decided_by = None
    participant.absence_decided_at = None
    participant.absence_note = ""
    return ["absence_status", "absence_delegate", "absence_decided_by", "absence_decided_at", "absence_note"]


def request_absence(meeting: Meeting, participant: Participant, *, actor: User, response: str, reason: str,
                    delegate: User | None) -> Participant:
    """Inside `do_answer_invitation`'s transaction, on the locked meeting: the member's decline or
    delegation becomes a request. An earlier delegation in force is withdrawn (its delegate
    leaves); the member stays expected until the chair decides."""
    from meetings.actions.preparation import _remove

    withdrawn = False
    for old in participant.delegates.all():
        _remove(meeting, old)
        withdrawn = True
    fields = clear_absence(participant)
    participant.response = Answer.PENDING
    participant.response_reason = reason
    participant.responded_at = timezone.now()
    participant.absence_status = Absence.PENDING
    participant.absence_delegate = delegate if response == Answer.DELEGATE else None
    participant.save(update_fields=["response", "response_reason", "responded_at", *fields])
    emit(meeting, "participant.upserted", {"participant": serialize_participant(participant)})
    if withdrawn:
        emit_room_updated(meeting)
    who = actor.full_name or actor.username
    if response == Answer.DELEGATE and delegate is not None:
        body = _("%(name)s asks to send %(delegate)s in their place.") % {
            "name": who, "delegate": delegate.full_name or delegate.username}
    else:
        body = _("%(name)s asks to be excused.") % {"name": who}
    if reason:
        body += "\n" + _("Reason: %(reason)s") % {"reason": reason}
    notify_users([u for u in absence_deciders(meeting) if u.pk != actor.pk], kind="meeting.absence_request",
                 title=_("Absence request: %(title)s") % {"title": meeting.title}, body=body,
                 url=meeting.get_absolute_url() + "#absence-requests")
    record_audit(actor=actor, action="absence.request", obj=participant,
                 details={"meeting": meeting.pk, "response": response, "reason": reason,
                          "delegate": delegate.pk if delegate is not None and response == Answer.DELEGATE else None})
    return participant


@transaction.atomic(durable=True)
def do_decide_absence_request(participant: Participant, *, actor: User, approve: bool,
                              note: str = "") -> Participant:
    """The chair approves or refuses a pending absence request, with an optional note the member
    reads. Approved: the member is absent (with their reason) or their proposed delegate joins
    in their place and is invited; refused: the member is still expected. Either way the member
    is told."""
    participant, access = lock_in_meeting(participant, actor=actor)
    meeting = access.meeting
    require_absence_decider(access)
    if meeting.status not in (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS):
        raise ConflictError("not_open_for_answers",
                            _("Absence requests of a meeting that is %(status)s cannot be decided.")
                            % {"status": meeting.get_status_display()})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise field_error("note", _("The note may have at most %(max)d characters.") % {"max": NOTE_MAX})
    if participant.absence_status != Absence.PENDING:
        raise ConflictError("no_pending_request", _("This person has no absence request waiting for a decision."))
    delegate_row: Participant | None = None
    if approve:
        proposed = participant.absence_delegate
        if proposed is not None:
            if not proposed.is_active:
                raise ConflictError("delegate_inactive", _("The person proposed to attend in this member's place "
                                                           "can no longer sign in; refuse the request."))
            if meeting.participants.filter(user=proposed).exists():
                raise ConflictError("already_participant", _("%(name)s is already a participant of this meeting.")
                                    % {"name": proposed.full_name or proposed.username})
            participant.response = Answer.DELEGATE
            delegate_row = Participant.objects.create(meeting=meeting, user=proposed, role=Role.MEMBER,
                                                      delegate_for=participant)
        else:
            participant.response = Answer.DECLINE
        participant.absence_status = Absence.APPROVED
    else:
        participant.absence_status = Absence.REFUSED
    participant.absence_decided_by = actor
    participant.absence_decided_at = timezone.now()
    participant.absence_note = note
    participant.save(update_fields=["response", "absence_status", "absence_decided_by", "absence_decided_at",
                                    "absence_note"])
    emit(meeting, "participant.upserted", {"participant": serialize_participant(participant)})
    if delegate_row is not None:
        from meetings.actions.preparation import _invite

        emit(meeting, "participant.upserted", {"participant": serialize_participant(delegate_row)})
        emit_room_updated(meeting)  # a delegate moves who holds the seat
        _invite(meeting, [delegate_row], actor=actor)
    if approve:
        title = _("Absence approved: %(title)s") % {"title": meeting.title}
        body = (_("The chair agreed that %(name)s attends in your place.")
                % {"name": delegate_row.user.full_name or delegate_row.user.username}
                if delegate_row is not None else _("The chair excused you from this meeting."))
    else:
        title = _("Absence not approved: %(title)s") % {"title": meeting.title}
        body = _("The chair did not approve your absence: you are expected at the meeting.")
    if note:
        body += "\n" + _("Note from the chair: %(note)s") % {"note": note}
    notify_users([participant.user], kind="meeting.absence_decision", title=title, body=body,
                 url=meeting.get_absolute_url())
    record_audit(actor=actor, action="absence.approve" if approve else "absence.refuse", obj=participant,
                 details={"meeting": meeting.pk, "note": note,
                          "delegate": delegate_row.user_id if delegate_row is not None else None})
    return participant
