"""The meetings as the province's platforms see them (tender fn54–fn59): which meetings and
documents a client system reads, their outside shape (the same for the integration API and the
webhooks' payloads), and the events the meeting actions publish to webhooks.

What is outside: a meeting once scheduled (a draft is the office's own work) of a unit the client
reaches; of its documents those every participant may read (`visibility(document) is None`:
released and not confidential) — a confidential document never leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ecabinet.webhooks import publish
from meetings.access import visibility
from meetings.models import AgendaItem, Document, Meeting, Participant

OUTSIDE_STATUSES = (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS, Meeting.Status.ENDED,
                    Meeting.Status.CANCELLED)


# --- what a client reads --------------------------------------------------------------------

def outside_meetings(unit_ids: frozenset[int]) -> QuerySet[Meeting]:
    return Meeting.objects.filter(unit_id__in=unit_ids, status__in=OUTSIDE_STATUSES)


def upcoming_or_past(meetings: QuerySet[Meeting], when: str, now: datetime | None = None) -> QuerySet[Meeting]:
    """upcoming: not yet held (scheduled, in progress, or cancelled with its time still ahead),
    earliest first; past: held or cancelled, latest first."""
    now = now or timezone.now()
    cancelled = Q(status=Meeting.Status.CANCELLED)
    if when == "upcoming":
        return meetings.filter(Q(status__in=(Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS))
                               | (cancelled & Q(starts_at__gte=now))).order_by("starts_at", "pk")
    return meetings.filter(Q(status=Meeting.Status.ENDED) | (cancelled & Q(starts_at__lt=now))
                           ).order_by("-starts_at", "-pk")


def after_cursor(meetings: QuerySet[Meeting], when: str, starts_at: datetime, pk: int) -> QuerySet[Meeting]:
    """The page after the meeting (starts_at, pk), in the list's order (keyset pagination)."""
    if when == "upcoming":
        return meetings.filter(Q(starts_at__gt=starts_at) | Q(starts_at=starts_at, pk__gt=pk))
    return meetings.filter(Q(starts_at__lt=starts_at) | Q(starts_at=starts_at, pk__lt=pk))


def outside_documents(meeting: Meeting) -> list[tuple[Document, Any]]:
    """The meeting's documents every participant reads, each with its latest version."""
    documents = (Document.objects.filter(meeting=meeting, status=Document.Status.RELEASED, confidential=False)
                 .select_related("doc_type").prefetch_related("versions").order_by("created_at", "pk"))
    out = []
    for document in documents:
        versions = list(document.versions.all())
        if versions:
            out.append((document, versions[-1]))
    return out


# --- the outside shape ----------------------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk, "title": meeting.title, "unit_id": meeting.unit_id,
        "status": meeting.status, "starts_at": _iso(meeting.starts_at), "ends_at": _iso(meeting.ends_at),
        "location": meeting.location, "online": bool(meeting.online_url),
    }


def meeting_details(meeting: Meeting) -> dict[str, Any]:
    items = (AgendaItem.objects.filter(meeting=meeting).select_related("presenter", "presenting_unit")
             .order_by("position", "pk"))
    people = (Participant.objects.filter(meeting=meeting).select_related("user__unit", "user__position")
              .order_by("pk"))
    return {
        **meeting_summary(meeting),
        "description": meeting.description,
        "unit": {"id": meeting.unit_id, "name": meeting.unit.name} if meeting.unit is not None else None,
        "started_at": _iso(meeting.started_at), "ended_at": _iso(meeting.ended_at),
        "cancel_reason": meeting.cancel_reason,
        "agenda": [{
            "id": item.pk, "position": item.position, "title": item.title, "status": item.status,
            "duration_minutes": item.duration_minutes,
            "presenter": item.presenter.get_full_name() if item.presenter is not None else None,
            "presenting_unit": item.presenting_unit.name if item.presenting_unit is not None else None,
        } for item in items],
        "participants": [{
            "person_id": p.user_id, "full_name": p.user.get_full_name(),
            "unit": p.user.unit.name if p.user.unit is not None else None,
            "position": p.user.position.name if p.user.position is not None else None,
            "role": p.role, "response": p.response,
        } for p in people],
    }


def document_summary(document: Document, version: Any) -> dict[str, Any]:
    return {
        "id": document.pk, "meeting_id": document.meeting_id, "title": document.title,
        "agenda_item_id": document.agenda_item_id,
        "type": document.doc_type.name if document.doc_type is not None else None,
        "version": version.number, "sha256": version.sha256, "size": version.size, "pages": version.pages,
        "released_at": _iso(document.reviewed_at or version.created_at),
    }


# --- the webhooks' events -------------------------------------------------------------------

def publish_meeting(meeting: Meeting, event_type: str, **extra: Any) -> None:
    """A meeting event to the webhooks of its unit (inside the action's transaction; sent after
    the commit). A draft is nobody's business outside."""
    if meeting.status == Meeting.Status.DRAFT:
        return
    publish(event_type, unit_id=meeting.unit_id, data={"meeting": meeting_summary(meeting), **extra})


def publish_document_released(document: Document, before: frozenset[int] | None, *, new_version: bool) -> None:
    """document.released when a document of a scheduled meeting becomes readable by every
    participant (or such a document gets a new version); never for a confidential one."""
    meeting = document.meeting
    if meeting is None or meeting.status == Meeting.Status.DRAFT or visibility(document) is not None:
        return
    if before is None and not new_version:
        return
    version = document.versions.order_by("-number").first()
    if version is None:
        return
    publish("document.released", unit_id=meeting.unit_id,
            data={"meeting": meeting_summary(meeting), "document": document_summary(document, version)})
