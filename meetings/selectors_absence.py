"""Absence requests (fn113), read-only: the list those running a meeting see on the meeting page
and through the API (one query whatever the number of requests)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from meetings.access import MeetingAccess, may_decide_absence, sees_absence_requests
from meetings.models import Meeting, Participant
from meetings.serializers import iso, serialize_participant


def absence_requests(meeting: Meeting) -> list[Participant]:
    """Participants with an absence request, pending first, then the latest decided."""
    return in_request_order(Participant.objects.filter(meeting_id=meeting.pk).exclude(absence_status="")
                            .select_related("user", "user__unit", "absence_delegate", "absence_decided_by"))


def in_request_order(participants: Iterable[Participant]) -> list[Participant]:
    """The requests among `participants` (rows already loaded): pending first (oldest first),
    then the decided ones, latest first."""
    rows = [p for p in participants if p.absence_status]
    pending = sorted((p for p in rows if p.absence_status == Participant.Absence.PENDING),
                     key=lambda p: (p.responded_at or p.added_at, p.pk))
    decided = sorted((p for p in rows if p.absence_status != Participant.Absence.PENDING),
                     key=lambda p: (p.absence_decided_at or p.added_at, p.pk), reverse=True)
    return pending + decided


def serialize_absence_request(participant: Participant) -> dict[str, Any]:
    decider = participant.absence_decided_by
    return {
        "participant": serialize_participant(participant),
        "requested_at": iso(participant.responded_at),
        "decided_by": (decider.full_name or decider.username) if decider is not None else "",
        "decided_at": iso(participant.absence_decided_at),
    }


def absence_context(access: MeetingAccess, meeting: Meeting, participants: list[Participant]) -> dict[str, Any]:
    """What the meeting page shows of absence requests, from the rows it already loaded (no query):
    whether the meeting's type asks for approval, the requests for those running the meeting,
    whether this viewer decides them, and the labels the page's script uses live."""
    kind = meeting.meeting_type
    open_for_answers = meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS)
    return {
        "absence_needs_approval": bool(kind is not None and kind.absence_needs_approval),
        "absence_requests": in_request_order(participants) if sees_absence_requests(access) else [],
        "sees_absence_requests": sees_absence_requests(access),
        "decides_absence": may_decide_absence(access) and open_for_answers,
        "absence_labels": absence_labels(),
    }


def absence_labels() -> dict[str, str]:
    """The texts of a request's status, for the meeting page's live update (static/meetings/prep.js)."""
    return {
        "pending": _("Waiting for the chair's approval."),
        "approved": _("Absence approved by the chair."),
        "refused": _("Absence not approved: expected at the meeting."),
        "proposed": _("Proposed to attend in their place"),
        "note": _("Note from the chair"),
    }
