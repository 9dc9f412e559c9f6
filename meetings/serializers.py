"""Plain-dict views of meeting objects, shared by the API, the pages' JSON and the live protocol.

The live snapshot and the events that follow it use these same functions, so a client that
applies events to a snapshot ends with what a fresh snapshot would show.
"""

from __future__ import annotations

from typing import Any

from meetings.access import attendance_group, holds_voting_seat, meeting_allows
from meetings.models import AgendaItem, Document, Meeting, Participant


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def serialize_meeting(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "description": meeting.description,
        "unit": meeting.unit_id,
        "starts_at": iso(meeting.starts_at),
        "ends_at": iso(meeting.ends_at),
        "location": meeting.location,
        "online_url": meeting.online_url,
        "status": meeting.status,
        "cancel_reason": meeting.cancel_reason,
        "meeting_type": meeting.meeting_type_id,
        "room": meeting.room_id,
        "started_at": iso(meeting.started_at),
        "ended_at": iso(meeting.ended_at),
        "current_item": meeting.current_item_id,
        "agenda_version": meeting.agenda_version,
        # What the meeting's moment allows (meetings/access.py meeting_allows): with the
        # viewer's permissions, which buttons the room and the pages offer.
        "allows": meeting_allows(meeting),
    }


def serialize_participant(participant: Participant) -> dict[str, Any]:
    user = participant.user
    return {
        "id": participant.pk,
        "user": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "role": participant.role,
        "response": participant.response,
        "response_reason": participant.response_reason,
        "delegate_for": participant.delegate_for_id,
        "seat": participant.seat,
        # Computed here with the rules of meetings/access.py (the room's figures come from quorum_of).
        "voting_seat": holds_voting_seat(participant),
        "counted_as": attendance_group(participant),
        # --- absence requests (fn113): Participant.state and the request's decision
        "state": participant.state,
        "absence_status": participant.absence_status,
        "absence_note": participant.absence_note,
        "absence_delegate": participant.absence_delegate_id,
        "absence_delegate_name": _person(participant.absence_delegate) if participant.absence_delegate_id else "",
    }


def _person(user) -> str:
    return (user.full_name or user.username) if user is not None else ""


def serialize_agenda_item(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "position": item.position,
        "title": item.title,
        "presenter": item.presenter_id,
        "presenting_unit": item.presenting_unit_id,
        "duration_minutes": item.duration_minutes,
        "status": item.status,
        "conclusion": item.conclusion,
        "started_at": iso(item.started_at),
        "ended_at": iso(item.ended_at),
    }


def serialize_document(document: Document, latest_version=None) -> dict[str, Any]:
    """`latest_version` may be passed in by callers that prefetched versions (no extra query)."""
    version = latest_version
    if version is None:
        cache = getattr(document, "_prefetched_objects_cache", {})
        if "versions" in cache:  # prefetched, possibly empty: no extra query either way
            version = max(cache["versions"], key=lambda v: v.number, default=None)
        else:
            version = document.versions.order_by("-number").first()
    return {
        "id": document.pk,
        "title": document.title,
        "agenda_item": document.agenda_item_id,
        "status": document.status,
        "confidential": document.confidential,
        "version": version.number if version else None,
        "sha256": version.sha256 if version else None,
        "pages": version.pages if version else None,
        "size": version.size if version else None,
    }
