"""Who may see and run a meeting, in one place. Views and the live consumer both ask here."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from ecabinet.access import (
    catalog_unit_ids,
    is_system_admin,
    managed_unit_ids,
    may_create_meetings,
    may_manage_catalogs,
    running_unit_ids,
    unit_ids_with_right,
)
from ecabinet.errors import ActionError, ConflictError, NotFoundError, PermissionDeniedError
from ecabinet.models import Unit, User
from meetings.models import AgendaItem, Meeting, OpinionRecipient, OpinionRound, Participant

M = TypeVar("M", bound=Model)

RUNNER_ROLES = (Participant.Role.CHAIR, Participant.Role.SECRETARY)
VOTING_ROLES = (Participant.Role.CHAIR, Participant.Role.MEMBER)


@dataclass(frozen=True)
class MeetingAccess:
    meeting: Meeting
    participant: Participant | None
    runs_meeting: bool  # chair, secretary, creator, run_meeting right over the chairing unit, system admin

    @property
    def role(self) -> str | None:
        return self.participant.role if self.participant else None

    @property
    def user_id(self) -> int | None:
        return self.participant.user_id if self.participant else None


def _runs_q(user: User) -> Q:
    """Meetings `user` runs: named chair or secretary, creator (while they may convene), or
    holder of `run_meeting` over the chairing unit."""
    runs = Q(participants__user=user, participants__role__in=RUNNER_ROLES)
    if may_create_meetings(user):
        runs |= Q(created_by=user)
    units = running_unit_ids(user)
    if units:
        runs |= Q(unit_id__in=units)
    return runs


# An invitation is answered while its meeting is scheduled or running (do_answer_invitation; the
# to-do lists the unanswered ones of these meetings).
ANSWERABLE_STATUSES = (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS)


def visible_meetings(user: User) -> QuerySet[Meeting]:
    """Meetings `user` may see. Drafts are seen only by the people preparing them."""
    if not user.is_authenticated:
        return Meeting.objects.none()
    if is_system_admin(user):
        return Meeting.objects.all()
    invited = Q(participants__user=user) & ~Q(status=Meeting.Status.DRAFT)
    ids = Meeting.objects.filter(_runs_q(user) | invited).values("pk")
    return Meeting.objects.filter(pk__in=ids)


def run_meeting_ids(user: User) -> QuerySet:
    """Ids of the meetings `user` runs (for opinion rounds and signing requests)."""
    if is_system_admin(user):
        return Meeting.objects.values("pk")
    if not user.is_authenticated:
        return Meeting.objects.none().values("pk")
    return Meeting.objects.filter(_runs_q(user)).values("pk")


def may_see(audience: dict | None, *, user_id: int, role: str | None, runs_meeting: bool) -> bool:
    """Whether a viewer sees a live event. `runs_meeting` covers everyone who runs the meeting."""
    if audience is None:
        return True
    if user_id in audience.get("users", ()):
        return True
    roles = audience.get("roles", ())
    if runs_meeting and ("chair" in roles or "secretary" in roles):
        return True
    return role is not None and role in roles


def meeting_access(user: User, meeting_id: int, *, for_update: bool = False,
                   related: tuple[str, ...] = ()) -> MeetingAccess:
    """The meeting as `user` may see it, or NotFoundError (an outsider learns nothing, not even a title).
    The meeting comes with its unit and current item, and the `related` rows a page also shows.

    `visible_meetings`' rule, decided on the one meeting's row and the viewer's participation
    (both read anyway) rather than through its sub-query: building that query was about half of
    a small request's work (the room's move). tests/meetings/test_access_rules.py holds the two
    forms to the same answers for every role and state."""
    not_found = NotFoundError(_("Meeting not found."))
    if not user.is_authenticated:
        raise not_found
    qs = Meeting.objects.select_related("unit", "current_item", *related)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    meeting = qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise not_found
    participant = Participant.objects.filter(meeting=meeting, user=user).first()
    runs = _runs(user, meeting, participant)
    if not (runs or (participant is not None and meeting.status != Meeting.Status.DRAFT)):
        raise not_found
    return MeetingAccess(meeting, participant, runs)


def lock_meeting(meeting: Meeting, *, actor: User) -> MeetingAccess:
    """Inside an action: the meeting row re-read FOR UPDATE (changes to one meeting queue up
    here) and what `actor` may do in it; NotFoundError if they may not see it."""
    return meeting_access(actor, meeting.pk, for_update=True)


def _runs(user: User, meeting: Meeting, participant: Participant | None) -> bool:
    if is_system_admin(user):
        return True
    if participant is not None and participant.role in RUNNER_ROLES:
        return True
    if meeting.created_by_id == user.pk and may_create_meetings(user):
        return True
    return bool(meeting.unit_id and meeting.unit_id in running_unit_ids(user))


def runs_meeting_of(user: User, meeting_id: int | None) -> bool:
    """Whether `user` runs that meeting; False for no meeting or one they may not see."""
    if meeting_id is None:
        return False
    try:
        return meeting_access(user, meeting_id).runs_meeting
    except NotFoundError:
        return False


def require_runner(access: MeetingAccess) -> None:
    if not access.runs_meeting:
        raise PermissionDeniedError(_("Only the meeting's chair or secretary may do this."))


def documents_visible_to(access: MeetingAccess) -> QuerySet:
    """The meeting's documents this viewer may see (the one rule for pages, API and snapshot).

    Runners see every document (pending, sent back and withdrawn ones too). Everyone else sees
    released documents, confidential ones only when listed as a reader, plus what they uploaded.
    """
    from meetings.models import Document

    docs = Document.objects.filter(meeting=access.meeting).select_related("agenda_item")
    if access.runs_meeting:
        return docs
    user_id = access.user_id
    if user_id is None:
        return docs.none()
    ids = docs.filter(_shown_to_member(user_id))
    return docs.filter(pk__in=ids.values("pk"))


def _shown_to_member(user_id: int) -> Q:
    """Of a meeting's documents, those shown to an invited person who does not run it: released
    ones (confidential ones only to their readers), and what they uploaded unless withdrawn."""
    from meetings.models import Document

    released = Q(status=Document.Status.RELEASED) & (Q(confidential=False) | Q(readers__pk=user_id))
    return released | Q(uploaded_by_id=user_id) & ~Q(status=Document.Status.WITHDRAWN)


def readable_documents(user: User) -> QuerySet:
    """Every document `user` may read, across meetings, as one query (for search, where a page
    of results must not be filtered afterwards). The same rules as `document_for_reader`, which
    answers for one document: a meeting's documents as `documents_visible_to` shows them (all of
    them to those running it), drafts of the opinion rounds they see, documents they are asked
    to sign, and their own uploads outside meetings. (An answer's attachment is read by the
    round's managers too; search leaves those out rather than widen this rule.)"""
    from meetings.models import Document

    if not user.is_authenticated:
        return Document.objects.none()
    if is_system_admin(user):
        return Document.objects.all()
    # Each way in is a sub-query of ids of its own, so the database builds each set once from
    # its index instead of joining every document to every way (the search runs this per query).
    invited = Participant.objects.filter(user=user).exclude(meeting__status=Meeting.Status.DRAFT)
    shown = Document.objects.filter(_shown_to_member(user.pk), meeting_id__in=invited.values("meeting_id"))
    drafts = OpinionRound.objects.filter(pk__in=rounds_visible_to(user).values("pk"))
    return Document.objects.filter(
        Q(meeting_id__in=run_meeting_ids(user))
        | Q(pk__in=shown.values("pk"))
        | Q(meeting__isnull=True, pk__in=drafts.values("draft_id"))
        | Q(meeting__isnull=True, uploaded_by=user)
        | Q(pk__in=Document.objects.filter(signing_requests__signers__user=user).values("pk"))
    )


def document_for_reader(user: User, document_id: int):
    """A document by id as `user` may read it, or NotFoundError (an outsider learns nothing):
    the one rule behind every page, API endpoint and file response that shows a document.

    Anyone asked to sign a document may read it, whatever its meeting says (signing requests
    point at meetings.Document; the reverse accessor keeps this app free of an import of
    signing); system administrators read everything. Otherwise a meeting document follows its
    meeting (`documents_visible_to`), an opinion round's draft follows the round, an answer's
    attachment belongs to the answerer and the round's managers, and a document outside
    meetings and rounds (a signing upload) to its uploader."""
    from meetings.models import Document, OpinionAnswer

    not_found = NotFoundError(_("Document not found."))
    if not user.is_authenticated:
        raise not_found
    document = Document.objects.select_related("meeting", "agenda_item").filter(pk=document_id).first()
    if document is None:
        raise not_found
    if is_system_admin(user) or document.signing_requests.filter(signers__user=user).exists():
        return document
    if document.meeting_id:
        access = meeting_access(user, document.meeting_id)
        if documents_visible_to(access).filter(pk=document.pk).exists():
            return document
        raise not_found
    rounds = rounds_visible_to(user)
    if OpinionRound.objects.filter(draft=document).exists():
        if rounds.filter(draft=document).exists():
            return document
        raise not_found
    answer = OpinionAnswer.objects.filter(attachment=document).select_related("round").first()
    if answer is not None:
        if answer.user_id == user.pk or (rounds.filter(pk=answer.round_id).exists()
                                         and manages_round(user, answer.round)):
            return document
        raise not_found
    if document.uploaded_by_id == user.pk:
        return document
    raise not_found


# --- taking part: check-in, floor, votes ---------------------------------------------------------

def require_participant(access: MeetingAccess, message: str) -> Participant:
    """Checking in, asking for the floor and answering are for invited people only."""
    if access.participant is None:
        raise PermissionDeniedError(message)
    return access.participant


def holds_voting_seat(participant: Participant) -> bool:
    """A seat that counts for the quorum: a chair or member in their own right (not a delegate)."""
    return participant.role in VOTING_ROLES and participant.delegate_for_id is None


def count_quorum(participants: Iterable[Participant], present_ids: Iterable[int], fraction: float) -> dict[str, Any]:
    """The quorum from rows already loaded: {"present", "eligible", "required", "reached"}.

    A voting seat is present when its holder or a delegate standing in for them is checked in
    (`present_ids`: the participant ids with an attendance). Quorum: MORE than `fraction` of the
    voting seats; `required` is the smallest number of present seats that reaches it."""
    here = set(present_ids)
    people = list(participants)
    seats = {p.pk for p in people if holds_voting_seat(p)}
    filled = {p.delegate_for_id or p.pk for p in people if p.pk in here} & seats
    eligible, present = len(seats), len(filled)
    required = math.floor(fraction * eligible) + 1
    return {"present": present, "eligible": eligible, "required": required, "reached": present >= required}


def count_attendance(participants: Iterable[Participant], present_ids: Iterable[int]) -> dict[str, int]:
    """How many members and guests (`attendance_group`) were invited and are checked in."""
    here = set(present_ids)
    figures = {"members": 0, "members_present": 0, "guests": 0, "guests_present": 0}
    for participant in participants:
        group = attendance_group(participant)
        if group is not None:
            figures[f"{group}s"] += 1
            figures[f"{group}s_present"] += participant.pk in here
    return figures


def quorum_of(meeting: Meeting, fraction: float | None = None) -> dict[str, Any]:
    """The meeting's quorum now (`count_quorum`), read from the database: the one rule behind
    the room's figures and a closed poll's result. `fraction`: the room's, if not given."""
    from meetings.models import Attendance, RoomState

    if fraction is None:
        stored = RoomState.objects.filter(meeting_id=meeting.pk).values_list("quorum_fraction", flat=True).first()
        fraction = float(stored if stored is not None else RoomState._meta.get_field("quorum_fraction").default)
    participants = Participant.objects.filter(meeting_id=meeting.pk).only("pk", "role", "delegate_for_id")
    present_ids = Attendance.objects.filter(meeting_id=meeting.pk).values_list("participant_id", flat=True)
    return count_quorum(participants, present_ids, fraction)


def attendance_group(participant: Participant) -> str | None:
    """How the room counts a person: "member", "guest", or None (the secretary staff)."""
    if participant.role == Participant.Role.GUEST:
        return "guest"
    return None if participant.role == Participant.Role.SECRETARY else "member"


def vote_seat(participant: Participant | None) -> Participant:
    """The seat `participant` votes for (their own, or the one they stand in for), or a refusal.

    Being checked in is the other condition; `require_present` checks it at the vote."""
    if participant is None or participant.role == Participant.Role.GUEST and participant.delegate_for_id is None:
        raise PermissionDeniedError(_("Guests cannot vote."))
    seat = participant.delegate_for if participant.delegate_for_id else participant
    if seat is None or seat.role not in VOTING_ROLES:
        raise PermissionDeniedError(_("Only members can vote."))
    if participant.delegate_for_id is None and participant.response == Participant.Response.DELEGATE \
            and Participant.objects.filter(delegate_for=participant).exists():
        raise PermissionDeniedError(_("You delegated your vote to someone else."))
    return seat


def vote_seat_of(participant: Participant | None) -> Participant | None:
    """`vote_seat`, or None where it refuses."""
    try:
        return vote_seat(participant)
    except PermissionDeniedError:
        return None


def require_present(participant: Participant) -> None:
    from meetings.models import Attendance

    if not Attendance.objects.filter(participant=participant).exists():
        raise PermissionDeniedError(_("Check in before voting."), code="not_checked_in")


def may_withdraw_floor(access: MeetingAccess, request_participant_id: int) -> bool:
    """The asker withdraws their own request; those running the meeting may drop any. The room
    script applies the same rule from `state.permissions.withdraw_any_floor` and
    `state.viewer.participant` in its snapshot (a speaker event is the same for every viewer)."""
    return access.runs_meeting or (access.participant is not None and access.participant.pk == request_participant_id)


def require_withdraw_floor(access: MeetingAccess, request_participant_id: int) -> None:
    if not may_withdraw_floor(access, request_participant_id):
        raise PermissionDeniedError(_("Only the person who asked can withdraw this request."))


# Whether a meeting's record is closed (its minutes frozen for signature). The minutes live in
# the signing app, which meetings does not import: signing registers its check at start-up.
_RECORD_CLOSED_CHECKS: list[Callable[[Meeting], bool]] = []


def register_record_closed_check(check: Callable[[Meeting], bool]) -> None:
    if check not in _RECORD_CLOSED_CHECKS:
        _RECORD_CLOSED_CHECKS.append(check)


def record_closed(meeting: Meeting) -> bool:
    return any(check(meeting) for check in _RECORD_CLOSED_CHECKS)


SPEECH_SUMMARY_MAX = 4000


def require_speech_summary(access: MeetingAccess, request) -> None:  # noqa: ANN001 - SpeakerRequest
    """Who records what a speaker said, and when: those running the meeting, for a turn that was
    given the floor, while the meeting runs and after it ended until the minutes are frozen."""
    require_runner(access)
    meeting = access.meeting
    if meeting.status not in (Meeting.Status.IN_PROGRESS, Meeting.Status.ENDED):
        raise ConflictError("not_in_progress", _("Speeches are summarised while the meeting runs or after it."))
    if meeting.status == Meeting.Status.ENDED and record_closed(meeting):
        raise ConflictError("minutes_frozen", _("The minutes are frozen; the summaries of the speeches can no "
                                                "longer be changed."))
    if request.started_at is None:
        raise ConflictError("not_spoken", _("This person has not had the floor yet."))


def sees_poll_voters(access: MeetingAccess) -> bool:
    """Who has voted in an open (not secret) poll, never what: those running the meeting."""
    return access.runs_meeting


def sees_speech_notes(access: MeetingAccess) -> bool:
    """The secretary's summaries of the speeches, before they are in the minutes: those running
    the meeting."""
    return access.runs_meeting


# --- the room's objects, resolved for a view or the API (404 for what the user cannot see) -------

def runner_access(user: User, meeting_id: int) -> MeetingAccess:
    """The console's own pages (check-in QR code, attendance exports): for everyone else they do
    not exist, so a participant and an outsider both get a 404."""
    access = meeting_access(user, meeting_id)
    if not access.runs_meeting:
        raise NotFoundError(_("Meeting not found."))
    return access


def speaker_request_for(user: User, request_id: int):
    """A request for the floor in a meeting `user` may see, or NotFoundError."""
    from meetings.models import SpeakerRequest

    request = SpeakerRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise NotFoundError(_("Request not found."))
    try:
        meeting_access(user, request.meeting_id)
    except NotFoundError:
        raise NotFoundError(_("Request not found.")) from None
    return request


def meeting_to_change(meeting_id: int) -> Meeting:
    """The meeting a room action is asked to change, handed to that action alone. Nothing is read
    here: the action checks the caller under the meeting's lock (`lock_meeting`, the rule of
    `meeting_access`) and refuses an outsider with the same NotFoundError. Reading the meeting in
    the view as well was a third of raising a hand (bench/fanout.py), and the committee checks in at
    once at 8:00. Never for a read."""
    return Meeting(pk=meeting_id)


def speaker_request_to_change(request_id: int):
    """A request for the floor that an action is asked to change, handed to that action alone:
    only its meeting is read here. The action checks the caller under the meeting's lock
    (`lock_in_meeting`) and re-reads the row; an outsider gets "Request not found." either way."""
    from meetings.models import SpeakerRequest

    meeting_id = SpeakerRequest.objects.filter(pk=request_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFoundError(_("Request not found."))
    return SpeakerRequest(pk=request_id, meeting_id=meeting_id)


def poll_for(user: User, poll_id: int):
    """A poll of a meeting `user` may see, or NotFoundError."""
    from meetings.models import Poll

    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None:
        raise NotFoundError(_("Poll not found."))
    try:
        meeting_access(user, poll.meeting_id)
    except NotFoundError:
        raise NotFoundError(_("Poll not found.")) from None
    return poll


def conclusion_attachment_in(access: MeetingAccess, attachment_id: int):
    from meetings.models import ConclusionAttachment

    attachment = ConclusionAttachment.objects.filter(meeting=access.meeting, pk=attachment_id).first()
    if attachment is None:
        raise NotFoundError(_("Attachment not found."))
    return attachment


def lock_in_meeting(obj: M, *, actor: User) -> tuple[M, MeetingAccess]:
    """Inside an action, for a row of a meeting (a floor request, a poll, an agenda item, a
    participant): the meeting locked (`lock_meeting`), then the row re-read under that lock.
    Every change to these rows takes the meeting's lock first, so the row read here is current
    until the action commits. NotFoundError names the row, also for a meeting `actor` may not
    see: an outsider learns no more than that the row is not there."""
    gone = {"speakerrequest": _("Request not found."), "poll": _("Poll not found."),
            "agendaitem": _("Agenda item not found."), "participant": _("Participant not found.")}
    not_found = NotFoundError(gone.get(obj._meta.model_name or "", _("Meeting not found.")))
    meeting_id: int = obj.meeting_id  # type: ignore[attr-defined]  # every model passed here has one
    try:
        access = meeting_access(actor, meeting_id, for_update=True)
    except NotFoundError:
        raise not_found from None
    fresh = type(obj)._default_manager.filter(pk=obj.pk, meeting_id=access.meeting.pk).first()
    if fresh is None:  # removed since the view resolved it
        raise not_found
    return fresh, access


def _may_vote(access: MeetingAccess) -> bool:
    return vote_seat_of(access.participant) is not None


# --- documents --------------------------------------------------------------------------------

def upload_item_ids(access: MeetingAccess, user: User) -> QuerySet | None:
    """Agenda items a non-runner may upload to: those their unit presents. None = any (runners)."""
    from meetings.models import AgendaItem

    if access.runs_meeting:
        return None
    items = AgendaItem.objects.filter(meeting=access.meeting)
    if access.participant is None or not user.unit_id:
        return items.none()
    return items.filter(presenting_unit_id=user.unit_id)


def may_upload(access: MeetingAccess, user: User) -> bool:
    items = upload_item_ids(access, user)
    return items is None or items.exists()  # None: a runner uploads anywhere


def require_upload_target(access: MeetingAccess, user: User, item) -> None:
    if access.runs_meeting:
        return
    if access.participant is None:
        raise PermissionDeniedError(_("You may not upload documents to this meeting."))
    if item is None or not user.unit_id or item.presenting_unit_id != user.unit_id:
        raise PermissionDeniedError(_("You may upload documents only to agenda items that your unit presents."))


def may_edit_document(access: MeetingAccess | None, document, user: User) -> bool:
    """Replace a version or set its readers: the meeting's runners and the uploader."""
    return access is not None and (access.runs_meeting or document.uploaded_by_id == user.pk)


def may_remove_document(access: MeetingAccess, document, user: User) -> bool:
    """Withdraw or delete: runners always; the uploader until the secretary released it."""
    from meetings.models import Document

    return access.runs_meeting or (document.uploaded_by_id == user.pk
                                   and document.status != Document.Status.RELEASED)


def visibility(document) -> frozenset[int] | None:
    """Who sees `document` besides those running its meeting: None for every participant, else
    the user ids (the same rule as `documents_visible_to`, per document, for live events)."""
    from meetings.models import Document

    if document.status == Document.Status.WITHDRAWN:
        return frozenset()
    if document.status != Document.Status.RELEASED:
        return frozenset({document.uploaded_by_id})
    if document.confidential:
        return frozenset({document.uploaded_by_id, *document.readers.values_list("pk", flat=True)})
    return None


def runner_user_ids(meeting: Meeting) -> set[int]:
    """The named chair and secretaries: they see every document of the meeting, so they are never
    told that one left their sight."""
    return set(Participant.objects.filter(meeting=meeting, role__in=RUNNER_ROLES).values_list("user_id", flat=True))


def document_approvers(meeting: Meeting) -> list[User]:
    """Who is asked to approve a document a preparing unit uploaded: the meeting's secretaries
    and its creator."""
    ids = set(Participant.objects.filter(meeting=meeting, role=Participant.Role.SECRETARY)
              .values_list("user_id", flat=True))
    ids.add(meeting.created_by_id)
    return list(User.objects.filter(pk__in=ids))


def prepares_item(user: User, item: AgendaItem) -> bool:
    """The item's presenter, or a person of its presenting unit: they prepare its documents."""
    return item.presenter_id == user.pk or bool(user.unit_id and item.presenting_unit_id == user.unit_id)


def sees_document_deadline(access: MeetingAccess, user: User, item: AgendaItem) -> bool:
    """The documents deadline of an item shows to those running the meeting and to the
    participants who prepare the item (meetings/deadlines.py)."""
    return access.runs_meeting or (access.participant is not None and prepares_item(user, item))


def document_preparers(item: AgendaItem) -> list[User]:
    """Who is reminded of an item's documents: its presenter and the meeting's participants from
    its presenting unit (those who may upload to it, `require_upload_target`), but not the chair
    and secretaries: they are told separately once the deadline has passed."""
    ids: set[int] = set()
    if item.presenting_unit_id is not None:
        members = Participant.objects.filter(meeting_id=item.meeting_id, user__unit_id=item.presenting_unit_id)
        ids |= set(members.exclude(role__in=RUNNER_ROLES).values_list("user_id", flat=True))
    if item.presenter_id:
        ids.add(item.presenter_id)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def lock_document(document, *, actor: User):
    """Inside an action: the document's meeting locked (`lock_meeting`: changes to one meeting
    queue up there, meeting before document), then the document row FOR UPDATE, with what `actor`
    may do in the meeting. NotFoundError for a document outside meetings or one `actor` may not see."""
    from meetings.models import Document

    if document.meeting_id is None:
        raise NotFoundError(_("Document not found."))
    access = lock_meeting(document.meeting, actor=actor)
    if not documents_visible_to(access).filter(pk=document.pk).exists():
        raise NotFoundError(_("Document not found."))
    return access, Document.objects.select_for_update().get(pk=document.pk)


def meeting_document(user: User, document_id: int):
    """A meeting's document by id as `user` may read it, with their access to the meeting;
    NotFoundError for anything else (a signing upload or an opinion draft has no meeting)."""
    document = document_for_reader(user, document_id)
    if document.meeting_id is None:
        raise NotFoundError(_("Document not found."))
    return meeting_access(user, document.meeting_id), document


def meeting_agenda_item(meeting: Meeting, item_id: int | None):
    """The agenda item a document is filed under: one of this meeting's, or a 400."""
    from meetings.models import AgendaItem

    if item_id is None:
        return None
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first()
    if item is None:
        raise ActionError("bad_agenda_item", _("This agenda item does not belong to the meeting."))
    return item


def meeting_folder(meeting: Meeting, folder_id: int | None):
    """A document folder: one of this meeting's, or a 400."""
    from meetings.models import DocumentFolder

    if folder_id is None:
        return None
    folder = DocumentFolder.objects.filter(meeting=meeting, pk=folder_id).first()
    if folder is None:
        raise ActionError("bad_folder", _("This folder does not belong to the meeting."))
    return folder


def document_type(type_id: int | None):
    """A document type from the catalog, or a 400."""
    from meetings.models import DocumentType

    if type_id is None:
        return None
    doc_type = DocumentType.objects.filter(pk=type_id).first()
    if doc_type is None:
        raise ActionError("bad_document_type", _("Unknown document type."))
    return doc_type


def document_types_for(user: User) -> QuerySet:
    """The document types `user` may use: the catalog's common ones and their units'."""
    from meetings.models import DocumentType

    units = document_type_unit_ids(user)
    if units is None:
        return DocumentType.objects.all()
    return DocumentType.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=units))


def may_manage_document_types(user: User) -> bool:
    """The catalog right (outside a system admin it reaches only a unit's rows, so it needs a unit)."""
    return may_manage_catalogs(user)


def document_type_unit_ids(user: User) -> set[int] | None:
    """Units whose document types `user` may use (None = all): their own, those above, those managed."""
    if is_system_admin(user):
        return None
    unit = user.unit if user.is_authenticated else None
    if unit is None:
        return set()
    return {u.pk for u in [unit, *unit.ancestors()]} | catalog_unit_ids(user) | managed_unit_ids(user)


# --- written opinions ---------------------------------------------------------------------------

def opinion_unit_ids(user: User) -> set[int]:
    """Units for which `user` may ask written opinions outside a meeting (unit administrators)."""
    return managed_unit_ids(user)


def may_open_opinion_rounds(user: User) -> bool:
    """The "send a draft for opinions" offer: unit administrators and those running a meeting."""
    if not user.is_authenticated:
        return False
    return bool(opinion_unit_ids(user)) or Meeting.objects.filter(pk__in=run_meeting_ids(user)).exists()


# --- what the pages, the API and the live room offer ---------------------------------------------

def meeting_allows(meeting: Meeting) -> dict[str, bool]:
    """What the meeting's moment allows, whoever asks: the same for every viewer, so it travels
    with the meeting (serialize_meeting's `allows`: the API, the snapshot and every
    meeting.updated event). A page or the room offers a change when the person's flag
    (room_permissions) and this both say yes; the actions refuse the other moments with a
    ConflictError ("not_in_progress", "bad_status"), so no button is offered that only earns a
    refusal: no start once started, no check-in before it began or after it ended."""
    status = meeting.status
    running = status == Meeting.Status.IN_PROGRESS
    return {
        "start": status in (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED),  # do_start_meeting
        "end": running,          # do_end_meeting
        "check_in": running,     # do_check_in, do_secretary_check_in
        "floor": running,        # do_request_floor, do_grant_floor
        "open_poll": running,    # do_open_poll (a draft poll may be prepared before)
        "steer": running,        # do_set_current_item, do_postpone_agenda_item
        "enter_room": status in (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS, Meeting.Status.ENDED),
    }


def room_permissions(access: MeetingAccess) -> dict[str, bool]:
    """What this person may do in this meeting's room: the live snapshot's state.permissions.

    These flags depend only on the person's place in the meeting (their participant row) and
    their rights, never on the room's moment: the script combines them with the state (the
    moment's flags, state.meeting.allows from meeting_allows; a vote also needs a check-in). When the viewer's own participant row
    changes, the live consumer re-sends their snapshot, so the flags stay true to the events."""
    runs = access.runs_meeting
    invited = access.participant is not None
    return {
        "run": runs,
        "schedule": runs,
        "withdraw_any_floor": runs,
        "invite": runs,
        "open_poll": runs,
        "give_floor": runs,
        "check_in_others": runs,
        "export_attendance": runs,
        "new_opinion_round": runs,
        "check_in": invited,
        "speak": invited,
        "answer": invited,
        "vote": _may_vote(access),
        "decide_absence": may_decide_absence(access),  # --- absence requests (fn113)
    }


def meeting_permissions(access: MeetingAccess, user: User) -> dict[str, bool]:
    """The room's flags plus what the meeting's pages offer (`perms.x` in templates, the API
    detail's `permissions`): uploading to an item one's unit presents, copying the meeting."""
    flags = room_permissions(access)
    flags["upload"] = may_upload(access, user)
    flags["copy"] = flags["run"] and may_create_meetings(user)
    return flags


# --- written-opinion rounds ---------------------------------------------------------------------

@dataclass(frozen=True)
class RoundAccess:
    round: OpinionRound
    manages: bool
    asked: bool
    user_id: int


def rounds_visible_to(user: User) -> QuerySet[OpinionRound]:
    if not user.is_authenticated:
        return OpinionRound.objects.none()
    if is_system_admin(user):
        return OpinionRound.objects.all()
    q = Q(created_by=user) | Q(recipients__user=user) | Q(meeting_id__in=run_meeting_ids(user))
    units = opinion_unit_ids(user)
    if units:
        q |= Q(unit_id__in=units)
    ids = OpinionRound.objects.filter(q).values("pk")
    return OpinionRound.objects.filter(pk__in=ids)


def manages_round(user: User, rnd: OpinionRound) -> bool:
    if is_system_admin(user) or rnd.created_by_id == user.pk:
        return True
    if rnd.unit_id and rnd.unit_id in opinion_unit_ids(user):
        return True
    return runs_meeting_of(user, rnd.meeting_id)


def round_access(user: User, round_id: int, *, for_update: bool = False) -> RoundAccess:
    """The round as `user` may see it; NotFoundError for anyone neither running nor asked."""
    rounds = rounds_visible_to(user).select_related("draft", "meeting", "unit", "created_by")
    if for_update:
        rounds = rounds.select_for_update(of=("self",))
    rnd = rounds.filter(pk=round_id).first() if user.is_authenticated else None
    if rnd is None:
        raise NotFoundError(_("Opinion round not found."))
    asked = OpinionRecipient.objects.filter(round=rnd, user=user).exists()
    return RoundAccess(rnd, manages_round(user, rnd), asked, user.pk)


def require_manager(access: RoundAccess) -> None:
    if not access.manages:
        raise PermissionDeniedError(_("Only the secretary who runs this round may do this."))


def lock_round(rnd: OpinionRound, *, actor: User) -> RoundAccess:
    """Inside an action: the round re-read FOR UPDATE (answers, reminders and closing queue up
    here) and what `actor` may do in it; NotFoundError if they may not see it."""
    return round_access(actor, rnd.pk, for_update=True)


def require_asked(access: RoundAccess) -> None:
    if not access.asked:
        raise PermissionDeniedError(_("Your opinion was not asked in this round."))


def opinion_unit(user: User, unit_id: int | None):
    """The unit a round outside meetings is asked for: the one named, else the asker's own; only
    a unit `user` administers (403 otherwise)."""
    from ecabinet.models import Unit

    units = opinion_unit_ids(user)
    if unit_id is None and user.unit_id in units:
        unit_id = user.unit_id
    if unit_id is None or unit_id not in units:
        raise PermissionDeniedError(
            _("Only a meeting's secretary or a unit administrator may ask for written opinions."))
    return Unit.objects.get(pk=unit_id)


# --- personal notes ------------------------------------------------------------------------------

def notes_of(user: User) -> QuerySet:
    """The only way notes are read: always filtered by their owner."""
    from meetings.models import PersonalNote

    return PersonalNote.objects.filter(user=user) if user.is_authenticated else PersonalNote.objects.none()


def own_note(user: User, note_id: int, *, for_update: bool = False):
    """One of `user`'s own notes; NotFoundError for anyone else's (not even an administrator reads them)."""
    notes = notes_of(user)
    if for_update:
        notes = notes.select_for_update()
    note = notes.filter(pk=note_id).first()
    if note is None:
        raise NotFoundError(_("Note not found."))
    return note
def may_receive_original(user: User, document) -> bool:
    """Whether `user` receives the exact stored bytes of `document` (its signatures intact)
    rather than a copy stamped with their name, which breaks every signature in it.

    Those who need the signed bytes themselves: system administrators; the document's uploader
    (its owner); anyone asked to sign it (a signer of any signing request on it, whatever the
    request's state); those running its meeting (chair, secretary, creator, administrator of the
    meeting's unit); for a written-opinion document (a round's draft, an answer's attachment or
    signed answer) those who manage the round. Every other reader gets the watermarked copy.
    Public verification (/verify/, POST /api/v1/verify) never sends a document: it reports on
    the bytes the visitor uploaded. Call only for a document the user may read."""
    if not user.is_authenticated:
        return False
    if is_system_admin(user) or document.uploaded_by_id == user.pk:
        return True
    # signing.SigningRequest points at meetings.Document; the reverse accessor keeps this app
    # free of an import of signing.
    if document.signing_requests.filter(signers__user=user).exists():
        return True
    if document.meeting_id:
        return runs_meeting_of(user, document.meeting_id)
    return _manages_round_of(user, document)


def _manages_round_of(user: User, document) -> bool:
    from meetings.models import OpinionAnswer, OpinionRound

    round_ids = set(OpinionRound.objects.filter(draft=document).values_list("pk", flat=True))
    round_ids |= set(OpinionAnswer.objects.filter(Q(attachment=document) | Q(signed_document=document))
                     .values_list("round_id", flat=True))
    for round_id in sorted(round_ids):
        try:
            if round_access(user, round_id).manages:
                return True
        except NotFoundError:
            continue
    return False


def may_receive_original_attachment(access: MeetingAccess, attachment) -> bool:
    """A conclusion attachment follows the same rule as a document: its uploader and those
    running the meeting get the stored bytes, every other participant a watermarked copy."""
    return access.runs_meeting or (access.user_id is not None and attachment.uploaded_by_id == access.user_id)


# --- the agenda and the participant list (preparation and the room) -----------------------------

def agenda_item_for(user: User, item_id: int, *, meeting: Meeting | None = None) -> AgendaItem:
    """An agenda item of a meeting `user` may see (of `meeting`, when given), or NotFoundError."""
    items = AgendaItem.objects.select_related("meeting")
    if meeting is not None:
        items = items.filter(meeting=meeting)
    else:
        items = items.filter(meeting__in=visible_meetings(user))
    item = items.filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(_("Agenda item not found."))
    return item


def participant_in(meeting: Meeting, participant_id: int) -> Participant:
    """A participant of `meeting` (one the caller may see), or NotFoundError."""
    participant = meeting.participants.select_related("user").filter(pk=participant_id).first()
    if participant is None:
        raise NotFoundError(_("Participant not found."))
    return participant


def assignable_units(unit_ids: list[int]) -> list[Unit]:
    """The units a conclusion may assign work to, from their ids (any unit of the installation:
    the province's departments are assigned by the committee's meetings). 400 for an unknown id."""
    wanted = list(dict.fromkeys(unit_ids))
    units = {u.pk: u for u in Unit.objects.filter(pk__in=wanted)}
    if len(units) != len(wanted):
        raise ActionError("bad_unit", _("One of the chosen units does not exist."))
    return [units[pk] for pk in wanted]


# --- reading offline ------------------------------------------------------------------------------

OFFLINE_MEETINGS = 20  # the most meetings a device keeps for reading offline
OFFLINE_GRACE_HOURS = 12  # a meeting stays kept this long after its planned end


def offline_meetings(user: User) -> list[MeetingAccess]:
    """The meetings `user` may keep on their device to read offline (the service worker's pack):
    the upcoming and running ones they may see, soonest first. Not drafts, not cancelled or ended
    ones: when a meeting ends, or the user leaves it, it drops out of the pack and the device
    deletes it at its next sync."""
    from datetime import timedelta

    from django.utils import timezone

    if not user.is_authenticated:
        return []
    since = timezone.now() - timedelta(hours=OFFLINE_GRACE_HOURS)
    meetings = (visible_meetings(user).filter(status__in=(Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS),
                                              ends_at__gte=since)
                .select_related("unit", "current_item").order_by("starts_at", "pk")[:OFFLINE_MEETINGS])
    participants = {p.meeting_id: p for p in Participant.objects.filter(meeting__in=[m.pk for m in meetings], user=user)}
    return [MeetingAccess(m, participants.get(m.pk), _runs(user, m, participants.get(m.pk))) for m in meetings]


def offline_documents(access: MeetingAccess) -> QuerySet:
    """The documents of a meeting its viewer may keep offline: released ones they may read (the
    page's rule, `documents_visible_to`), so a document withdrawn, made confidential or deleted
    leaves the pack."""
    from meetings.models import Document

    return documents_visible_to(access).filter(status=Document.Status.RELEASED).prefetch_related("versions")


def require_item_unchanged(meeting: Meeting, seen_item_id: int | None) -> None:
    """A change the caller made while looking at the room (sent later, e.g. from the offline
    queue) stands only while the item under discussion is still the one they saw."""
    if meeting.current_item_id != seen_item_id:
        raise ConflictError("moved_on", _(
            "The meeting has moved on since you asked: another item is under discussion now. "
            "Ask again if you still want the floor."))


# --- absence requests (fn113) -----------------------------------------------------------------
# A member's "cannot attend" (or "someone attends in my place") waits for the chair when the
# meeting's type says so (MeetingType.absence_needs_approval); meetings/actions/absence.py.

def absence_needs_approval(meeting: Meeting, participant: Participant) -> bool:
    """Whether `participant`'s absence or delegation is a request the chair decides: a member in
    their own right (not a delegate, not the chair, secretaries or guests), in a meeting whose
    type asks for approval and which has a chair to decide (without one, nobody could)."""
    if participant.role != Participant.Role.MEMBER or participant.delegate_for_id is not None:
        return False
    kind = meeting.meeting_type
    if kind is None or not kind.absence_needs_approval:
        return False
    return Participant.objects.filter(meeting_id=meeting.pk, role=Participant.Role.CHAIR).exists()


def may_decide_absence(access: MeetingAccess) -> bool:
    """Approving or refusing an absence is the chair's: the secretary sees the requests (they run
    the meeting) but does not decide them."""
    return access.participant is not None and access.participant.role == Participant.Role.CHAIR


def require_absence_decider(access: MeetingAccess) -> None:
    if not may_decide_absence(access):
        raise PermissionDeniedError(_("Only the meeting's chair may approve or refuse an absence."),
                                    code="not_chair")


def sees_absence_requests(access: MeetingAccess) -> bool:
    """The list of absence requests (pending and decided): those running the meeting. Each person's
    own request is in their participant row, which every participant sees."""
    return access.runs_meeting


def absence_deciders(meeting: Meeting) -> list[User]:
    """Who is told of a new request: the meeting's chair."""
    ids = Participant.objects.filter(meeting_id=meeting.pk, role=Participant.Role.CHAIR).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))
# --- end absence requests ---


# --- follow-up of conclusions (tasks, fn135, fn136) ---------------------------------------------
#
# The issuing office of a task is its meeting's: those who run the meeting and the holders of
# `issue_documents` over the meeting's unit (the office that issues its conclusion notice) give,
# edit, cancel and reopen tasks. The assignees report: the person in charge, and when a unit is
# in charge, the people who run that unit's work — the holders of `issue_documents` (its office,
# which issues and answers for the unit's papers) or `manage_users` (its administrator, who hands
# out work inside it) over the unit. Plain members of the unit are not assignees: otherwise every
# clerk of a department would hold every task given to it. The board (fn136) is for the issuing
# side of a unit: its meeting runners (`run_meeting`), its office (`issue_documents`), those who
# read its statistics (`view_statistics`), and system administrators.

TASK_TEXT_MAX = 10000  # a description or a report's comment
TASK_TITLE_MAX = 500
TASK_FILES_MAX = 5  # attachments per report


@dataclass(frozen=True)
class TaskAccess:
    task: Any  # meetings.models.FollowUpTask
    issues: bool   # the issuing office: edit, cancel, reopen
    reports: bool  # an assignee: report progress, mark done
    user_id: int


def work_unit_ids(user: User) -> set[int]:
    """Units whose work `user` runs (a task given to one of them is theirs to report on): their
    own unit and those below it, with `issue_documents` or `manage_users`. System administrators
    operate the system; they are nobody's assignee through a unit."""
    if not user.is_authenticated or is_system_admin(user):
        return set()
    return unit_ids_with_right(user, "issue_documents") | managed_unit_ids(user)


def unit_work_people(unit: Unit | None) -> list[User]:
    """Who runs `unit`'s work (told of a task given to it): the holders of `issue_documents` or
    `manage_users` in the unit itself, else in the nearest unit above it that has some."""
    if unit is None:
        return []
    rights = Q(groups__permissions__codename__in=("issue_documents", "manage_users")) | Q(
        user_permissions__codename__in=("issue_documents", "manage_users"))
    for level in [unit, *unit.ancestors()]:
        people = list(User.objects.filter(rights, unit=level, is_active=True, is_superuser=False)
                      .distinct().order_by("pk"))
        if people:
            return people
    return []


def issuing_unit_ids(user: User) -> set[int]:
    """Units whose tasks' board `user` sees (every unit for a system admin)."""
    if not user.is_authenticated:
        return set()
    return (running_unit_ids(user) | unit_ids_with_right(user, "issue_documents")
            | unit_ids_with_right(user, "view_statistics"))


def may_see_task_board(user: User) -> bool:
    return is_system_admin(user) or bool(issuing_unit_ids(user))


def may_assign_tasks(user: User, meeting: Meeting, *, runs_meeting: bool | None = None) -> bool:
    """Who gives tasks from a meeting's conclusions: those who run the meeting, and the office
    (`issue_documents`) of the meeting's unit. `runs_meeting`: when the caller knows it."""
    if not user.is_authenticated:
        return False
    if is_system_admin(user):
        return True
    if meeting.unit_id is not None and meeting.unit_id in unit_ids_with_right(user, "issue_documents"):
        return True
    return runs_meeting if runs_meeting is not None else runs_meeting_of(user, meeting.pk)


def may_look_up_people(user: User) -> bool:
    """Who may search the directory without a meeting (GET /api/v1/people): whoever may use a form
    that names a person by searching — the meeting form (those who convene meetings, and those
    who run one: its edit form) and the follow-up task form (those who may give tasks: the
    runners of a meeting and the offices holding `issue_documents`). A plain member uses neither
    and searches only inside the meetings they see (GET /api/v1/meetings/{id}/people)."""
    if not user.is_authenticated:
        return False
    if is_system_admin(user) or may_create_meetings(user) or running_unit_ids(user):
        return True
    if unit_ids_with_right(user, "issue_documents"):
        return True
    return Meeting.objects.filter(_runs_q(user)).exists()


def require_task_issuer(access: TaskAccess) -> None:
    if not access.issues:
        raise PermissionDeniedError(_("Only the office that gave this task may do this."))


def require_task_reporter(access: TaskAccess) -> None:
    if not access.reports:
        raise PermissionDeniedError(_("Only the person or unit in charge of this task may report on it."))


def assigned_tasks_q(user: User) -> Q:
    """Tasks given to `user`: in person, or to a unit whose work they run."""
    units = work_unit_ids(user)
    q = Q(assignee_id=user.pk)
    return q | Q(assignee_unit_id__in=units) if units else q


def tasks_assigned_to(user: User) -> QuerySet:
    from meetings.models import FollowUpTask

    if not user.is_authenticated:
        return FollowUpTask.objects.none()
    return FollowUpTask.objects.filter(assigned_tasks_q(user))


def tasks_visible_to(user: User) -> QuerySet:
    """Tasks `user` may see: those given to them, those of the meetings they run, and those of
    the units whose board they see."""
    from meetings.models import FollowUpTask

    if not user.is_authenticated:
        return FollowUpTask.objects.none()
    if is_system_admin(user):
        return FollowUpTask.objects.all()
    q = assigned_tasks_q(user) | Q(meeting_id__in=run_meeting_ids(user))
    units = issuing_unit_ids(user)
    if units:
        q |= Q(meeting__unit_id__in=units)
    ids = FollowUpTask.objects.filter(q).values("pk")
    return FollowUpTask.objects.filter(pk__in=ids)


def board_tasks(user: User) -> QuerySet:
    """The board's tasks (fn136): those of the units `user` issues for, and of meetings they run."""
    from meetings.models import FollowUpTask

    if is_system_admin(user):
        return FollowUpTask.objects.all()
    if not user.is_authenticated:
        return FollowUpTask.objects.none()
    q = Q(meeting_id__in=run_meeting_ids(user))
    units = issuing_unit_ids(user)
    if units:
        q |= Q(meeting__unit_id__in=units)
    return FollowUpTask.objects.filter(pk__in=FollowUpTask.objects.filter(q).values("pk"))


def _task_access(user: User, task: Any) -> TaskAccess:
    reports = task.assignee_id == user.pk or (task.assignee_unit_id is not None
                                               and task.assignee_unit_id in work_unit_ids(user))
    return TaskAccess(task, may_assign_tasks(user, task.meeting), reports, user.pk)


def task_access(user: User, task_id: int, *, for_update: bool = False) -> TaskAccess:
    """A task as `user` may see it, or NotFoundError (an outsider learns nothing)."""
    tasks = tasks_visible_to(user).select_related("meeting", "meeting__unit", "item", "assignee_unit", "assignee",
                                                  "created_by", "completed_by")
    if for_update:
        tasks = tasks.select_for_update(of=("self",))
    task = tasks.filter(pk=task_id).first() if user.is_authenticated else None
    if task is None:
        raise NotFoundError(_("Task not found."))
    return _task_access(user, task)


def lock_task(task: Any, *, actor: User) -> TaskAccess:
    """Inside an action: the task re-read FOR UPDATE (reports, edits and cancelling queue up
    here) and what `actor` may do with it; NotFoundError if they may not see it."""
    return task_access(actor, task.pk, for_update=True)


def task_meeting(user: User, meeting_id: int, *, for_update: bool = False) -> tuple[Meeting, bool]:
    """The meeting whose tasks `user` looks at, and whether they may give tasks from it: a
    meeting they may see, or one of a unit whose board they see; NotFoundError otherwise.
    `for_update`: inside an action, the meeting row locked (task changes of one meeting queue)."""
    not_found = NotFoundError(_("Meeting not found."))
    if not user.is_authenticated:
        raise not_found
    meetings = Meeting.objects.select_related("unit")
    if for_update:
        meetings = meetings.select_for_update(of=("self",))
    meeting = meetings.filter(pk=meeting_id).first()
    if meeting is None:
        raise not_found
    if visible_meetings(user).filter(pk=meeting.pk).exists():
        return meeting, may_assign_tasks(user, meeting)
    if meeting.unit_id is not None and meeting.unit_id in issuing_unit_ids(user) \
            and meeting.status != Meeting.Status.DRAFT:
        return meeting, may_assign_tasks(user, meeting)
    raise not_found


def task_assignee(user_id: int | None) -> User | None:
    """The person in charge, by id: an active account (400 otherwise)."""
    if user_id is None:
        return None
    person = User.objects.select_related("unit").filter(pk=user_id, is_active=True).first()
    if person is None:
        raise ActionError("bad_assignee", _("This person does not exist or cannot be given tasks."))
    return person


def task_unit(unit_id: int | None) -> Unit | None:
    """The unit in charge, by id (any unit of the installation; 400 for an unknown one)."""
    if unit_id is None:
        return None
    return assignable_units([unit_id])[0]


def task_attachment_in(access: TaskAccess, attachment_id: int) -> Any:
    from meetings.models import TaskAttachment

    attachment = (TaskAttachment.objects.select_related("report").filter(report__task=access.task, pk=attachment_id)
                  .first())
    if attachment is None:
        raise NotFoundError(_("Attachment not found."))
    return attachment


def may_receive_original_task_file(access: TaskAccess, attachment: Any) -> bool:
    """A report's attachment: its author and the issuing office get the stored bytes, every
    other reader (the other assignees, the board's readers) a watermarked copy."""
    return access.issues or attachment.report.author_id == access.user_id


def task_assignees(task: Any) -> list[User]:
    """Who is told of a task given or changed: the person in charge and who runs the unit's work."""
    people = [task.assignee] if task.assignee_id else []
    people += unit_work_people(task.assignee_unit) if task.assignee_unit_id else []
    return list({u.pk: u for u in people if u is not None and u.is_active}.values())


def task_issuers(task: Any) -> list[User]:
    """The issuing office told of reports and of a task done: who gave it and the meeting's
    secretaries."""
    people = [task.created_by, *(p.user for p in Participant.objects.filter(
        meeting_id=task.meeting_id, role=Participant.Role.SECRETARY).select_related("user"))]
    return list({u.pk: u for u in people if u is not None and u.is_active}.values())
# --- hall screen (fn121) -------------------------------------------------------------------------
# The big screen in the meeting hall follows the room without a personal login, through a link
# the secretary creates and may revoke (meetings/models/hall.py). Its viewer in the room is a
# "display": neither a participant nor a runner, so it gets exactly the events and the snapshot
# every participant gets (may_see with no user and no role) and nothing addressed to a person or
# to those running the meeting: no documents, no voters, no speech notes, no "my vote".

# A link stops working this long after its meeting ended (the results stay on screen a while).
HALL_GRACE_HOURS = 12
# Active links per meeting: a hall, overflow rooms, a lobby; more is a mistake or a leak.
HALL_DISPLAYS_MAX = 20
# The display's place in may_see: no user (no user has id 0), no role, not running the meeting.
DISPLAY_VIEWER: dict[str, Any] = {"user_id": 0, "role": None, "runs_meeting": False}


def display_access(meeting: Meeting) -> MeetingAccess:
    """The hall screen's access to its meeting: no participant row, not a runner."""
    return MeetingAccess(meeting, None, False)


def manages_hall_displays(access: MeetingAccess) -> bool:
    """Creating, listing and revoking hall screen links: those running the meeting."""
    return access.runs_meeting


def require_hall_manager(access: MeetingAccess) -> None:
    if not manages_hall_displays(access):
        raise PermissionDeniedError(_("Only the meeting's chair or secretary may manage the hall screen links."))


def hall_display_works(display) -> bool:  # noqa: ANN001 - HallDisplay
    """Whether a (loaded, with its meeting) link opens the hall screen now: not revoked, its
    meeting not cancelled, and not longer than HALL_GRACE_HOURS after the meeting ended."""
    from datetime import timedelta

    from django.utils import timezone

    meeting = display.meeting
    if display.revoked_at is not None or meeting.status == Meeting.Status.CANCELLED:
        return False
    if meeting.status == Meeting.Status.ENDED:
        ended = meeting.ended_at or meeting.ends_at
        return ended is None or timezone.now() - ended < timedelta(hours=HALL_GRACE_HOURS)
    return True


def hall_display_for(token: str):
    """The working hall screen link with this raw token, or NotFoundError: a wrong, revoked or
    expired token and one that never existed look the same (the plain 404 page)."""
    from ecabinet.models import hash_token
    from meetings.models import HallDisplay

    not_found = NotFoundError(_("Page not found."))
    if not token or len(token) > 200:
        raise not_found
    display = HallDisplay.objects.select_related("meeting").filter(token_hash=hash_token(token)).first()
    if display is None or not hall_display_works(display):
        raise not_found
    return display


def hall_display_still_works(display_id: int) -> bool:
    """Re-read a link (an open hall socket checks it now and then, beside the revocation notice)."""
    from meetings.models import HallDisplay

    display = HallDisplay.objects.select_related("meeting").filter(pk=display_id).first()
    return display is not None and hall_display_works(display)


def hall_displays_of(access: MeetingAccess) -> QuerySet:
    """The meeting's links that were not revoked, for those who manage them (none for others)."""
    from meetings.models import HallDisplay

    if not manages_hall_displays(access):
        return HallDisplay.objects.none()
    return (HallDisplay.objects.filter(meeting=access.meeting, revoked_at__isnull=True)
            .select_related("created_by").order_by("pk"))


def hall_display_in(access: MeetingAccess, display_id: int):
    """One of the meeting's links (revoked ones too), or NotFoundError."""
    from meetings.models import HallDisplay

    display = HallDisplay.objects.filter(meeting=access.meeting, pk=display_id).first()
    if display is None:
        raise NotFoundError(_("Hall screen link not found."))
    return display


def hall_display_of_user(user: User, display_id: int):
    """A link of a meeting `user` may see (the API resolves by the link's id), or NotFoundError;
    whether they may revoke it is the action's check."""
    from meetings.models import HallDisplay

    display = HallDisplay.objects.filter(pk=display_id).only("pk", "meeting_id").first()
    if display is None:
        raise NotFoundError(_("Hall screen link not found."))
    try:
        access = meeting_access(user, display.meeting_id)
    except NotFoundError:
        raise NotFoundError(_("Hall screen link not found.")) from None
    return hall_display_in(access, display_id)
# --- end hall screen ---
# --- votes prepared and run (fn19, fn41-fn44, fn108, fn110) -----------------------------------

def require_votes_preparable(meeting: Meeting) -> None:
    """The vote list is prepared before and during the meeting, not once it ended or was cancelled."""
    if meeting.status in (Meeting.Status.ENDED, Meeting.Status.CANCELLED):
        raise ConflictError("bad_status", _("The meeting is over: its votes can no longer be prepared."))


def require_draft_poll(poll) -> None:  # noqa: ANN001 - Poll
    """Only a poll not yet opened is edited, moved or deleted."""
    if poll.status != "draft":
        raise ConflictError("bad_status", _("Only a vote that has not been opened can be changed."))


def sees_ready_marks(access: MeetingAccess) -> bool:
    """Who marked themselves ready to vote, and who did not: those running the meeting (each
    member also sees their own mark)."""
    return access.runs_meeting


def sees_vote_results(access: MeetingAccess) -> bool:
    """The meeting's results table and its exports: everyone who may see the meeting; each poll's
    counts only as `meetings.live.serializers.poll_counts_visible` says (fn110)."""
    return True


def poll_in(meeting: Meeting, poll_id: int):
    """A poll of `meeting`, or NotFoundError (pages resolving a poll in the URL)."""
    from meetings.models import Poll

    poll = Poll.objects.filter(meeting=meeting, pk=poll_id).first()
    if poll is None:
        raise NotFoundError(_("Poll not found."))
    return poll
