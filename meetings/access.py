"""Who may see and run a meeting, in one place. Views and the live consumer both ask here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ecabinet.access import is_system_admin, managed_unit_ids
from ecabinet.errors import NotFoundError, PermissionDeniedError
from ecabinet.models import User
from meetings.models import Meeting, Participant

RUNNER_ROLES = (Participant.Role.CHAIR, Participant.Role.SECRETARY)


@dataclass(frozen=True)
class MeetingAccess:
    meeting: Meeting
    participant: Participant | None
    runs_meeting: bool  # chair, secretary, creator, unit admin of the chairing unit, system admin

    @property
    def role(self) -> str | None:
        return self.participant.role if self.participant else None

    @property
    def user_id(self) -> int | None:
        return self.participant.user_id if self.participant else None


def visible_meetings(user: User) -> QuerySet[Meeting]:
    """Meetings `user` may see. Drafts are seen only by the people preparing them."""
    if not user.is_authenticated:
        return Meeting.objects.none()
    if is_system_admin(user):
        return Meeting.objects.all()
    runs = Q(created_by=user) | Q(
        participants__user=user, participants__role__in=RUNNER_ROLES
    )
    units = managed_unit_ids(user)
    if units:
        runs |= Q(unit_id__in=units)
    invited = Q(participants__user=user) & ~Q(status=Meeting.Status.DRAFT)
    ids = Meeting.objects.filter(runs | invited).values("pk")
    return Meeting.objects.filter(pk__in=ids)


def meeting_access(user: User, meeting_id: int, *, for_update: bool = False) -> MeetingAccess:
    """The meeting as `user` may see it, or NotFoundError (an outsider learns nothing, not even a title)."""
    if not user.is_authenticated:
        raise NotFoundError(_("Meeting not found."))
    qs = visible_meetings(user).select_related("unit", "current_item")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    meeting = qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFoundError(_("Meeting not found."))
    participant = Participant.objects.filter(meeting=meeting, user=user).first()
    return MeetingAccess(meeting, participant, _runs(user, meeting, participant))


def _runs(user: User, meeting: Meeting, participant: Participant | None) -> bool:
    if is_system_admin(user) or meeting.created_by_id == user.pk:
        return True
    if participant is not None and participant.role in RUNNER_ROLES:
        return True
    return bool(meeting.unit_id and meeting.unit_id in managed_unit_ids(user))


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
    released = Q(status=Document.Status.RELEASED) & (Q(confidential=False) | Q(readers__pk=user_id))
    ids = docs.filter(released | Q(uploaded_by_id=user_id) & ~Q(status=Document.Status.WITHDRAWN))
    return docs.filter(pk__in=ids.values("pk"))


# The name meetings/selectors.py looks for (same rule, one implementation).
visible_documents = documents_visible_to


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
        try:
            return meeting_access(user, document.meeting_id).runs_meeting
        except NotFoundError:
            return False
    return _manages_round_of(user, document)


def _manages_round_of(user: User, document) -> bool:
    from meetings.actions.opinions import round_access
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
