"""Running the meeting: start/end, the current item, live agenda edits, conclusions,
attendance and the floor. Every function is one atomic change that emits its live events.
Votes are in meetings/actions/room_polls.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import EllipsisType

from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, NotFoundError
from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import Unit, User
from ecabinet.push import MEETING_STARTED, push_to_users
from ecabinet.text import require_one_line
from meetings.access import (
    SPEECH_SUMMARY_MAX,
    MeetingAccess,
    lock_in_meeting,
    lock_meeting,
    meeting_access,
    require_item_unchanged,
    require_participant,
    require_runner,
    require_speech_summary,
    require_withdraw_floor,
)
from meetings.actions.documents import FileGuard
from meetings.events import RUNNERS, emit
from meetings.integration import publish_meeting
from meetings.live.serializers import (
    serialize_attachment,
    serialize_attendance,
    serialize_room,
    serialize_speaker,
    serialize_speech_note,
)
from meetings.models import (
    AgendaItem,
    Attendance,
    ConclusionAttachment,
    Meeting,
    Participant,
    RoomState,
    SpeakerRequest,
)
from meetings.models.room import attachment_path
from meetings.serializers import serialize_agenda_item, serialize_meeting

CHECKIN_ROTATE_SECONDS = 45
CHECKIN_MAX_AGE_SECONDS = 2 * CHECKIN_ROTATE_SECONDS  # the code on screen and the one before it
MAX_SPEAKER_MINUTES = 120


def upsert(meeting: Meeting, kind: str, obj: dict, audience: dict | None = None) -> None:
    emit(meeting, f"{kind}.upserted", {kind: obj}, audience=audience)


# Only the live agenda functions below still take ids (they move to meetings/actions/agenda.py).
def _runner_access(actor: User, meeting_id: int) -> MeetingAccess:
    access = meeting_access(actor, meeting_id, for_update=True)
    require_runner(access)
    return access


def _lock_as_runner(meeting: Meeting, actor: User) -> Meeting:
    """The meeting locked for this change, or a refusal if `actor` does not run it."""
    access = lock_meeting(meeting, actor=actor)
    require_runner(access)
    return access.meeting


def room_state_for(meeting: Meeting) -> RoomState:
    """The meeting's room row, created by the first action that needs it (the live snapshot
    only reads: a missing row shows the defaults)."""
    room, _created = RoomState.objects.get_or_create(meeting_id=meeting.pk)
    return room


def room_dict(meeting: Meeting) -> dict:
    """The room as `room.updated` carries it (the snapshot's state.room), read now."""
    room = RoomState.objects.filter(meeting_id=meeting.pk).first() or RoomState(meeting_id=meeting.pk)
    participants = Participant.objects.filter(meeting_id=meeting.pk).only("pk", "role", "delegate_for_id")
    present_ids = Attendance.objects.filter(meeting_id=meeting.pk).values_list("participant_id", flat=True)
    return serialize_room(room, participants, present_ids)


def emit_room_updated(meeting: Meeting) -> None:
    """After a change to the room's row, its participants or their check-ins: the figures
    (quorum, attendance) follow. Emitted once, after the action's last change."""
    emit(meeting, "room.updated", {"room": room_dict(meeting)})


def _require_in_progress(meeting: Meeting) -> None:
    if meeting.status != Meeting.Status.IN_PROGRESS:
        raise ConflictError("not_in_progress", _("The meeting is not in progress."))


def _item(meeting: Meeting, item: AgendaItem) -> AgendaItem:
    """`item` re-read under the meeting's lock; it must belong to that meeting."""
    fresh = AgendaItem.objects.filter(meeting=meeting, pk=item.pk).first()
    if fresh is None:
        raise NotFoundError(_("Agenda item not found."))
    return fresh


# --- the meeting -------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_start_meeting(meeting: Meeting, *, actor: User) -> Meeting:
    meeting = _lock_as_runner(meeting, actor)
    if meeting.status not in (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED):
        raise ConflictError("bad_status", _("Only a draft or scheduled meeting can be started."))
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting.started_at = timezone.now()
    meeting.save(update_fields=["status", "started_at"])
    room_state_for(meeting)  # the room's row (check-in secret, quorum) exists while it runs
    record_audit(actor=actor, action="meeting.start", obj=meeting)
    publish_meeting(meeting, "meeting.started")
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    _push_meeting_started(meeting, actor=actor)
    return meeting


def _push_meeting_started(meeting: Meeting, *, actor: User) -> None:
    """Web Push to everyone invited who has not declined (ecabinet/push.py), after commit."""
    people = [p.user for p in meeting.participants.select_related("user")
              .exclude(response=Participant.Response.DECLINE).exclude(user=actor)]
    title = meeting.title
    push_to_users(people, category=MEETING_STARTED, tag=f"meeting-started:{meeting.pk}",
                  title=lambda: _("The meeting has started: %(title)s") % {"title": title},
                  body=lambda: _("Open the meeting room to check in and follow it."),
                  url=reverse("meeting_room", args=[meeting.pk]))


@transaction.atomic(durable=True)
def do_end_meeting(meeting: Meeting, *, actor: User) -> Meeting:
    meeting = _lock_as_runner(meeting, actor)
    _require_in_progress(meeting)
    now = timezone.now()
    if meeting.current_item is not None:
        _finish_item(meeting, meeting.current_item, now)
    for request in SpeakerRequest.objects.filter(meeting=meeting, status=SpeakerRequest.Status.SPEAKING):
        request.status, request.ended_at = SpeakerRequest.Status.DONE, now
        request.save(update_fields=["status", "ended_at"])
        upsert(meeting, "speaker", serialize_speaker(request))
    meeting.status, meeting.ended_at, meeting.current_item = Meeting.Status.ENDED, now, None
    meeting.save(update_fields=["status", "ended_at", "current_item"])
    record_audit(actor=actor, action="meeting.end", obj=meeting)
    publish_meeting(meeting, "meeting.ended")
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    return meeting


def _finish_item(meeting: Meeting, item: AgendaItem, now: datetime) -> None:
    if item.status == AgendaItem.Status.CURRENT:
        item.status, item.ended_at = AgendaItem.Status.DONE, now
        item.save(update_fields=["status", "ended_at"])
        upsert(meeting, "agenda_item", serialize_agenda_item(item))


@transaction.atomic(durable=True)
def do_set_current_item(meeting: Meeting, item: AgendaItem | None, *, actor: User) -> Meeting:
    """Discuss `item` now (None: no item under discussion)."""
    meeting = _lock_as_runner(meeting, actor)
    _require_in_progress(meeting)
    now = timezone.now()
    item = _item(meeting, item) if item is not None else None
    if item is not None and item.pk == meeting.current_item_id:
        return meeting
    if meeting.current_item is not None:
        _finish_item(meeting, meeting.current_item, now)
    if item is not None:
        item.status, item.started_at, item.ended_at = AgendaItem.Status.CURRENT, now, None
        item.save(update_fields=["status", "started_at", "ended_at"])
        upsert(meeting, "agenda_item", serialize_agenda_item(item))
    meeting.current_item = item
    meeting.save(update_fields=["current_item"])
    record_audit(actor=actor, action="meeting.current_item", obj=meeting, details={"item": item.pk if item else None})
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    return meeting


# The agenda's changes, in the room as on the preparation page: meetings/actions/agenda.py.


# --- conclusions --------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_record_item_conclusion(item: AgendaItem, *, actor: User, text: str,
                              units: list[Unit] | None = None) -> AgendaItem:
    """The item's conclusion and, when `units` is given, the units it assigns work to (they
    receive the conclusion notice); `units=None` leaves the assigned units as they are."""
    item, access = lock_in_meeting(item, actor=actor)
    require_runner(access)
    meeting = access.meeting
    if len(text or "") > 20000:
        raise ActionError("bad_request", _("The conclusion is too long."))
    item.conclusion = (text or "").strip()
    item.save(update_fields=["conclusion"])
    details = {}
    if units is not None:
        item.assigned_units.set(units)
        details["units"] = sorted(u.pk for u in units)
    record_audit(actor=actor, action="agenda.conclusion", obj=item, details=details or None)
    upsert(meeting, "agenda_item", serialize_agenda_item(item))
    return item


@transaction.atomic(durable=True)
def do_record_meeting_conclusion(meeting: Meeting, *, actor: User, text: str) -> RoomState:
    meeting = _lock_as_runner(meeting, actor)
    if len(text or "") > 50000:
        raise ActionError("bad_request", _("The conclusion is too long."))
    room = room_state_for(meeting)
    room.conclusion = (text or "").strip()
    room.save(update_fields=["conclusion"])
    record_audit(actor=actor, action="meeting.conclusion", obj=meeting)
    emit_room_updated(meeting)
    return room


@transaction.atomic(durable=True)
def do_set_quorum(meeting: Meeting, *, actor: User, fraction: float) -> RoomState:
    meeting = _lock_as_runner(meeting, actor)
    if not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ActionError("bad_request", _("The quorum must be a fraction between 0 and 1."))
    room = room_state_for(meeting)
    room.quorum_fraction = round(fraction, 3)
    room.save(update_fields=["quorum_fraction"])
    room.refresh_from_db()
    record_audit(actor=actor, action="meeting.quorum", obj=meeting, details={"fraction": fraction})
    emit_room_updated(meeting)
    return room


def do_attach_conclusion_file(meeting: Meeting, item: AgendaItem | None = None, *, actor: User,
                              upload: UploadedFile, title: str) -> ConclusionAttachment:
    """Attach a PDF to the meeting's conclusion (or to `item`'s).

    Not one durable block around everything: who may attach, and to which item, is settled
    before the (slow) PDF check, which runs outside any transaction so no lock is held while a
    child process reads the file; the change itself is then one durable block."""
    access = meeting_access(actor, meeting.pk)
    require_runner(access)
    if item is not None:
        _item(access.meeting, item)
    require_one_line(title)
    checked = intake_pdf(upload, name=getattr(upload, "name", ""), purpose=Purpose.CONCLUSION_ATTACHMENT)
    with FileGuard() as guard, transaction.atomic(durable=True):
        meeting = _lock_as_runner(meeting, actor)
        item = _item(meeting, item) if item is not None else None
        attachment = ConclusionAttachment(meeting=meeting, item=item,
                                          title=(title or "").strip()[:255] or "PDF",
                                          sha256=checked.sha256, size=checked.size, uploaded_by=actor)
        # The storage never overwrites: the same bytes attached twice get a second file, and a
        # failure below deletes only the file written here.
        # An office document is stored as the PDF the intake made of it (no source kept here).
        attachment.file.name = guard.save(attachment_path(attachment, ""), checked.pdf_file(upload))
        attachment.save()
        record_audit(actor=actor, action="meeting.conclusion_attachment", obj=attachment,
                     details={"sha256": checked.sha256, "item": item.pk if item else None})
        upsert(meeting, "conclusion_attachment", serialize_attachment(attachment))
    return attachment


# --- attendance --------------------------------------------------------------------------


def _checkin_token(room: RoomState) -> str:
    signer = signing.TimestampSigner(salt=f"meetings.checkin.{room.checkin_secret}")
    return signer.sign(str(room.meeting_id))


@transaction.atomic(durable=True)
def do_issue_checkin_code(meeting: Meeting, *, actor: User) -> str:
    """The token in the room's QR code; a new one every CHECKIN_ROTATE_SECONDS. Changes nothing
    once the room's row (its check-in secret) exists, so nothing is audited. No meeting lock:
    each console asks every CHECKIN_ROTATE_SECONDS and must not queue behind a vote, and the
    row's creation is race-safe on its own (one row per meeting, get_or_create)."""
    access = meeting_access(actor, meeting.pk)
    require_runner(access)
    return _checkin_token(room_state_for(access.meeting))


def check_checkin_token(meeting: Meeting, token: str) -> bool:
    room = RoomState.objects.filter(meeting_id=meeting.pk).first()
    if room is None:
        return False  # no code was ever issued for this meeting
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
    emit_room_updated(meeting)
    return attendance


@transaction.atomic(durable=True)
def do_check_in(meeting: Meeting, *, actor: User, remote: bool = False, token: str | None = None) -> Attendance:
    """The actor checks in (with `token`: by the room's QR code, which means in the room)."""
    access = lock_meeting(meeting, actor=actor)
    meeting = access.meeting
    participant = require_participant(access, _("Only invited participants can check in."))
    _require_in_progress(meeting)
    method = Attendance.Method.SELF
    if token is not None:
        if not check_checkin_token(meeting, token):
            raise ActionError("expired_code", _("This check-in code has expired. Scan the code on screen again."))
        method, remote = Attendance.Method.QR, False
    return _check_in(meeting, participant, actor=actor, method=method, remote=remote)


@transaction.atomic(durable=True)
def do_secretary_check_in(participant: Participant, *, actor: User, present: bool = True,
                          remote: bool = False) -> None:
    """Those running the meeting check `participant` in (or, `present=False`, undo it)."""
    participant, access = lock_in_meeting(participant, actor=actor)
    require_runner(access)
    meeting = access.meeting
    if present:
        _require_in_progress(meeting)
        _check_in(meeting, participant, actor=actor, method=Attendance.Method.SECRETARY, remote=remote)
        return
    deleted, _rows = Attendance.objects.filter(participant=participant).delete()
    if deleted:
        record_audit(actor=actor, action="attendance.undo", obj=participant)
        emit(meeting, "attendance.removed", {"id": participant.pk})
        emit_room_updated(meeting)


# --- the floor ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_request_floor(meeting: Meeting, *, actor: User, kind: str = "speak",
                     seen_item: int | None | EllipsisType = ...) -> SpeakerRequest:
    """The actor asks for the floor. `seen_item`: the item under discussion when they asked (a
    request sent later from the offline queue); refused if the meeting has moved on since."""
    access = lock_meeting(meeting, actor=actor)
    meeting = access.meeting
    if kind not in SpeakerRequest.Kind.values:
        raise ActionError("bad_request", _("Ask to speak or to ask a question."))
    participant = require_participant(access, _("Only invited participants can ask for the floor."))
    _require_in_progress(meeting)
    if not isinstance(seen_item, EllipsisType):
        require_item_unchanged(meeting, seen_item)
    try:
        with transaction.atomic():
            request = SpeakerRequest.objects.create(meeting=meeting, participant=participant, kind=kind,
                                                    item_id=meeting.current_item_id)
    except IntegrityError:
        raise ConflictError("already_waiting", _("You are already in this queue.")) from None
    record_audit(actor=actor, action="floor.request", obj=request, details={"kind": kind})
    upsert(meeting, "speaker", serialize_speaker(request))
    return request


@transaction.atomic(durable=True)
def do_grant_floor(request: SpeakerRequest, *, actor: User, time_limit_minutes: int | None = None) -> SpeakerRequest:
    """Give the floor (the speaker's timer starts now, optionally with a time limit shown as a
    countdown); whoever was speaking is finished."""
    request, access = lock_in_meeting(request, actor=actor)
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


@transaction.atomic(durable=True)
def do_finish_floor(request: SpeakerRequest, *, actor: User) -> SpeakerRequest:
    request, access = lock_in_meeting(request, actor=actor)
    require_runner(access)
    if request.status != SpeakerRequest.Status.SPEAKING:
        raise ConflictError("bad_status", _("This person is not speaking."))
    request.status, request.ended_at = SpeakerRequest.Status.DONE, timezone.now()
    request.save(update_fields=["status", "ended_at"])
    record_audit(actor=actor, action="floor.finish", obj=request)
    upsert(access.meeting, "speaker", serialize_speaker(request))
    return request


@transaction.atomic(durable=True)
def do_withdraw_floor(request: SpeakerRequest, *, actor: User) -> SpeakerRequest:
    """The asker withdraws; the chair may also drop a request from the queue."""
    request, access = lock_in_meeting(request, actor=actor)
    require_withdraw_floor(access, request.participant_id)
    if request.status != SpeakerRequest.Status.WAITING:
        raise ConflictError("bad_status", _("This request is no longer waiting."))
    request.status, request.ended_at = SpeakerRequest.Status.WITHDRAWN, timezone.now()
    request.save(update_fields=["status", "ended_at"])
    record_audit(actor=actor, action="floor.withdraw", obj=request)
    upsert(access.meeting, "speaker", serialize_speaker(request))
    return request


@transaction.atomic(durable=True)
def do_record_speech_summary(request: SpeakerRequest, *, actor: User, text: str) -> SpeakerRequest:
    """The secretary's summary of what was said in this turn (it goes into the minutes under the
    item). Those running the meeting, while it runs and after it ended until the minutes are
    frozen; an empty text clears it."""
    request, access = lock_in_meeting(request, actor=actor)
    require_speech_summary(access, request)
    if not isinstance(text, str):
        raise ActionError("bad_request", _("The summary is missing."))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if len(text) > SPEECH_SUMMARY_MAX:
        raise ActionError("too_long", _("The summary is too long (at most %(n)d characters).")
                          % {"n": SPEECH_SUMMARY_MAX})
    if text == request.summary:
        return request
    request.summary = text
    request.save(update_fields=["summary"])
    record_audit(actor=actor, action="floor.summary", obj=request, details={"chars": len(text)})
    if text:
        upsert(access.meeting, "speech_note", serialize_speech_note(request), audience=RUNNERS)
    else:
        emit(access.meeting, "speech_note.removed", {"id": request.pk}, audience=RUNNERS)
    return request
