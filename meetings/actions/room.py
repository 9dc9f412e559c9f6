"""Running the meeting: start/end, the current item, live agenda edits, conclusions,
attendance and the floor. Every function is one atomic change that emits its live events.
Votes are in meetings/actions/room_polls.py."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, NotFoundError, PermissionDeniedError
from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import User
from ecabinet.text import require_one_line
from meetings.access import (
    MeetingAccess,
    may_withdraw_floor,
    meeting_access,
    require_participant,
    require_runner,
)
from meetings.actions.documents import FileGuard
from meetings.events import emit
from meetings.live.serializers import (
    serialize_attachment,
    serialize_attendance,
    serialize_room,
    serialize_speaker,
)
from meetings.live.snapshot import room_state_for
from meetings.models import (
    AgendaItem,
    Attendance,
    ConclusionAttachment,
    Meeting,
    Participant,
    SpeakerRequest,
)
from meetings.models.room import attachment_path
from meetings.serializers import serialize_agenda_item, serialize_meeting

CHECKIN_ROTATE_SECONDS = 45
CHECKIN_MAX_AGE_SECONDS = 2 * CHECKIN_ROTATE_SECONDS  # the code on screen and the one before it
MAX_SPEAKER_MINUTES = 120


def upsert(meeting: Meeting, kind: str, obj: dict, audience: dict | None = None) -> None:
    emit(meeting, f"{kind}.upserted", {kind: obj}, audience=audience)


def _runner_access(actor: User, meeting_id: int) -> MeetingAccess:
    access = meeting_access(actor, meeting_id, for_update=True)
    require_runner(access)
    return access


def _require_in_progress(meeting: Meeting) -> None:
    if meeting.status != Meeting.Status.IN_PROGRESS:
        raise ConflictError("not_in_progress", _("The meeting is not in progress."))


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first() if isinstance(item_id, int) else None
    if item is None:
        raise NotFoundError(_("Agenda item not found."))
    return item


# --- the meeting -------------------------------------------------------------------------


@transaction.atomic
def do_start_meeting(meeting_id: int, *, actor: User) -> Meeting:
    meeting = _runner_access(actor, meeting_id).meeting
    if meeting.status not in (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED):
        raise ConflictError("bad_status", _("Only a draft or scheduled meeting can be started."))
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting.started_at = timezone.now()
    meeting.save(update_fields=["status", "started_at"])
    record_audit(actor=actor, action="meeting.start", obj=meeting)
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    return meeting


@transaction.atomic
def do_end_meeting(meeting_id: int, *, actor: User) -> Meeting:
    meeting = _runner_access(actor, meeting_id).meeting
    _require_in_progress(meeting)
    now = timezone.now()
    if meeting.current_item_id:
        _finish_item(meeting, meeting.current_item, now)
    for request in SpeakerRequest.objects.filter(meeting=meeting, status=SpeakerRequest.Status.SPEAKING):
        request.status, request.ended_at = SpeakerRequest.Status.DONE, now
        request.save(update_fields=["status", "ended_at"])
        upsert(meeting, "speaker", serialize_speaker(request))
    meeting.status, meeting.ended_at, meeting.current_item = Meeting.Status.ENDED, now, None
    meeting.save(update_fields=["status", "ended_at", "current_item"])
    record_audit(actor=actor, action="meeting.end", obj=meeting)
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    return meeting


def _finish_item(meeting: Meeting, item: AgendaItem, now) -> None:
    if item.status == AgendaItem.Status.CURRENT:
        item.status, item.ended_at = AgendaItem.Status.DONE, now
        item.save(update_fields=["status", "ended_at"])
        upsert(meeting, "agenda_item", serialize_agenda_item(item))


@transaction.atomic
def do_set_current_item(meeting_id: int, item_id: int | None, *, actor: User) -> Meeting:
    meeting = _runner_access(actor, meeting_id).meeting
    _require_in_progress(meeting)
    now = timezone.now()
    item = _item(meeting, item_id) if item_id is not None else None
    if item is not None and item.pk == meeting.current_item_id:
        return meeting
    if meeting.current_item_id:
        _finish_item(meeting, meeting.current_item, now)
    if item is not None:
        item.status, item.started_at, item.ended_at = AgendaItem.Status.CURRENT, now, None
        item.save(update_fields=["status", "started_at", "ended_at"])
        upsert(meeting, "agenda_item", serialize_agenda_item(item))
    meeting.current_item = item
    meeting.save(update_fields=["current_item"])
    record_audit(actor=actor, action="meeting.current_item", obj=meeting, details={"item": item_id})
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    return meeting


# The agenda's changes, in the room as on the preparation page: meetings/actions/agenda.py.


# --- conclusions --------------------------------------------------------------------------


@transaction.atomic
def do_record_item_conclusion(item_id: int, text: str, *, actor: User) -> AgendaItem:
    item = AgendaItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(_("Agenda item not found."))
    meeting = _runner_access(actor, item.meeting_id).meeting
    if len(text or "") > 20000:
        raise ActionError("bad_request", _("The conclusion is too long."))
    item.conclusion = (text or "").strip()
    item.save(update_fields=["conclusion"])
    record_audit(actor=actor, action="agenda.conclusion", obj=item)
    upsert(meeting, "agenda_item", serialize_agenda_item(item))
    return item


@transaction.atomic
def do_record_meeting_conclusion(meeting_id: int, text: str, *, actor: User) -> None:
    meeting = _runner_access(actor, meeting_id).meeting
    if len(text or "") > 50000:
        raise ActionError("bad_request", _("The conclusion is too long."))
    room = room_state_for(meeting)
    room.conclusion = (text or "").strip()
    room.save(update_fields=["conclusion"])
    record_audit(actor=actor, action="meeting.conclusion", obj=meeting)
    emit(meeting, "room.updated", {"room": serialize_room(room)})


@transaction.atomic
def do_set_quorum(meeting_id: int, fraction: float, *, actor: User) -> None:
    meeting = _runner_access(actor, meeting_id).meeting
    if not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ActionError("bad_request", _("The quorum must be a fraction between 0 and 1."))
    room = room_state_for(meeting)
    room.quorum_fraction = round(fraction, 3)
    room.save(update_fields=["quorum_fraction"])
    room.refresh_from_db()
    record_audit(actor=actor, action="meeting.quorum", obj=meeting, details={"fraction": fraction})
    emit(meeting, "room.updated", {"room": serialize_room(room)})


def do_attach_conclusion_file(meeting_id: int, *, actor: User, upload, title: str,
                              item_id: int | None = None) -> ConclusionAttachment:
    # Who may attach, and to which item, is settled before the (slow) PDF check, which runs
    # outside the transaction so no lock is held while a child process reads the file.
    access = meeting_access(actor, meeting_id)
    require_runner(access)
    if item_id is not None:
        _item(access.meeting, item_id)
    require_one_line(title)
    checked = intake_pdf(upload, name=getattr(upload, "name", ""), purpose=Purpose.CONCLUSION_ATTACHMENT)
    with FileGuard() as guard, transaction.atomic():
        meeting = _runner_access(actor, meeting_id).meeting
        item = _item(meeting, item_id) if item_id is not None else None
        attachment = ConclusionAttachment(meeting=meeting, item=item,
                                          title=(title or "").strip()[:255] or "PDF",
                                          sha256=checked.sha256, size=checked.size, uploaded_by=actor)
        # The storage never overwrites: the same bytes attached twice get a second file, and a
        # failure below deletes only the file written here.
        attachment.file.name = guard.save(attachment_path(attachment, ""), upload)
        attachment.save()
        record_audit(actor=actor, action="meeting.conclusion_attachment", obj=attachment,
                     details={"sha256": checked.sha256, "item": item_id})
        upsert(meeting, "conclusion_attachment", serialize_attachment(attachment))
    return attachment


# --- attendance --------------------------------------------------------------------------


def checkin_token(meeting: Meeting) -> str:
    """The token in the room's QR code; a new one every CHECKIN_ROTATE_SECONDS."""
    room = room_state_for(meeting)
    signer = signing.TimestampSigner(salt=f"meetings.checkin.{room.checkin_secret}")
    return signer.sign(str(meeting.pk))


def check_checkin_token(meeting: Meeting, token: str) -> bool:
    room = room_state_for(meeting)
    signer = signing.TimestampSigner(salt=f"meetings.checkin.{room.checkin_secret}")
    try:
        return signer.unsign(token, max_age=timedelta(seconds=CHECKIN_MAX_AGE_SECONDS)) == str(meeting.pk)
    except signing.BadSignature:
        return False


def _check_in(meeting: Meeting, participant: Participant, *, actor: User, method: str, remote: bool) -> Attendance:
    attendance = Attendance.objects.filter(participant=participant).first()
    if attendance is not None:
        if attendance.remote == remote:
            return attendance  # checking in twice is harmless; nothing changed
        attendance.remote = remote
        attendance.save(update_fields=["remote"])
    else:
        attendance = Attendance.objects.create(meeting=meeting, participant=participant, method=method,
                                               remote=remote, checked_in_by=actor)
    record_audit(actor=actor, action="attendance.checkin", obj=participant,
                 details={"method": method, "remote": remote})
    upsert(meeting, "attendance", serialize_attendance(attendance))
    return attendance


@transaction.atomic
def do_check_in(meeting_id: int, *, actor: User, remote: bool = False, token: str | None = None) -> Attendance:
    access = meeting_access(actor, meeting_id, for_update=True)
    meeting = access.meeting
    require_participant(access, _("Only invited participants can check in."))
    _require_in_progress(meeting)
    method = Attendance.Method.SELF
    if token is not None:
        if not check_checkin_token(meeting, token):
            raise ActionError("expired_code", _("This check-in code has expired. Scan the code on screen again."))
        method, remote = Attendance.Method.QR, False
    return _check_in(meeting, access.participant, actor=actor, method=method, remote=remote)


@transaction.atomic
def do_secretary_check_in(meeting_id: int, participant_id: int, *, actor: User, present: bool = True,
                          remote: bool = False) -> None:
    meeting = _runner_access(actor, meeting_id).meeting
    participant = Participant.objects.filter(meeting=meeting, pk=participant_id).first()
    if participant is None:
        raise NotFoundError(_("Participant not found."))
    if present:
        _require_in_progress(meeting)
        _check_in(meeting, participant, actor=actor, method=Attendance.Method.SECRETARY, remote=remote)
        return
    deleted, _rows = Attendance.objects.filter(participant=participant).delete()
    if deleted:
        record_audit(actor=actor, action="attendance.undo", obj=participant)
        emit(meeting, "attendance.removed", {"id": participant.pk})


# --- the floor ----------------------------------------------------------------------------


@transaction.atomic
def do_request_floor(meeting_id: int, *, actor: User, kind: str = "speak") -> SpeakerRequest:
    access = meeting_access(actor, meeting_id, for_update=True)
    meeting = access.meeting
    if kind not in SpeakerRequest.Kind.values:
        raise ActionError("bad_request", _("Ask to speak or to ask a question."))
    require_participant(access, _("Only invited participants can ask for the floor."))
    _require_in_progress(meeting)
    try:
        with transaction.atomic():
            request = SpeakerRequest.objects.create(meeting=meeting, participant=access.participant, kind=kind,
                                                    item_id=meeting.current_item_id)
    except IntegrityError:
        raise ConflictError("already_waiting", _("You are already in this queue.")) from None
    record_audit(actor=actor, action="floor.request", obj=request, details={"kind": kind})
    upsert(meeting, "speaker", serialize_speaker(request))
    return request


def _speaker_request(request_id: int, actor: User) -> tuple[SpeakerRequest, MeetingAccess]:
    request = SpeakerRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise NotFoundError(_("Request not found."))
    access = meeting_access(actor, request.meeting_id, for_update=True)
    request.refresh_from_db()
    return request, access


@transaction.atomic
def do_grant_floor(request_id: int, *, actor: User, time_limit_minutes: int | None = None) -> SpeakerRequest:
    """Give the floor (the speaker's timer starts now, optionally with a time limit shown as a
    countdown); whoever was speaking is finished."""
    request, access = _speaker_request(request_id, actor)
    require_runner(access)
    meeting = access.meeting
    _require_in_progress(meeting)
    if time_limit_minutes is not None and (
            isinstance(time_limit_minutes, bool) or not isinstance(time_limit_minutes, int)
            or not 1 <= time_limit_minutes <= MAX_SPEAKER_MINUTES):
        raise ActionError("bad_request", _("The speaking time must be a whole number of minutes from 1 to %(max)s.")
                          % {"max": MAX_SPEAKER_MINUTES})
    if request.status != SpeakerRequest.Status.WAITING:
        raise ConflictError("bad_status", _("This request is no longer waiting."))
    now = timezone.now()
    for other in SpeakerRequest.objects.filter(meeting=meeting, status=SpeakerRequest.Status.SPEAKING):
        other.status, other.ended_at = SpeakerRequest.Status.DONE, now
        other.save(update_fields=["status", "ended_at"])
        upsert(meeting, "speaker", serialize_speaker(other))
    request.status, request.started_at, request.granted_by = SpeakerRequest.Status.SPEAKING, now, actor
    request.item_id = meeting.current_item_id or request.item_id
    request.time_limit_minutes = time_limit_minutes
    request.save(update_fields=["status", "started_at", "granted_by", "item", "time_limit_minutes"])
    record_audit(actor=actor, action="floor.grant", obj=request, details={"time_limit_minutes": time_limit_minutes})
    upsert(meeting, "speaker", serialize_speaker(request))
    return request


@transaction.atomic
def do_finish_floor(request_id: int, *, actor: User) -> SpeakerRequest:
    request, access = _speaker_request(request_id, actor)
    require_runner(access)
    if request.status != SpeakerRequest.Status.SPEAKING:
        raise ConflictError("bad_status", _("This person is not speaking."))
    request.status, request.ended_at = SpeakerRequest.Status.DONE, timezone.now()
    request.save(update_fields=["status", "ended_at"])
    record_audit(actor=actor, action="floor.finish", obj=request)
    upsert(access.meeting, "speaker", serialize_speaker(request))
    return request


@transaction.atomic
def do_withdraw_floor(request_id: int, *, actor: User) -> SpeakerRequest:
    """The asker withdraws; the chair may also drop a request from the queue."""
    request, access = _speaker_request(request_id, actor)
    if not may_withdraw_floor(access, request.participant_id):
        raise PermissionDeniedError(_("Only the person who asked can withdraw this request."))
    if request.status != SpeakerRequest.Status.WAITING:
        raise ConflictError("bad_status", _("This request is no longer waiting."))
    request.status, request.ended_at = SpeakerRequest.Status.WITHDRAWN, timezone.now()
    request.save(update_fields=["status", "ended_at"])
    record_audit(actor=actor, action="floor.withdraw", obj=request)
    upsert(access.meeting, "speaker", serialize_speaker(request))
    return request
