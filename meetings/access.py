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
