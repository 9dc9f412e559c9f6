"""The meeting page's list of invitations (giấy mời), from the signing app: the meeting page is
the meetings app's, which must not import signing, so its template loads this tag."""

from __future__ import annotations

from typing import Any

from django import template

from meetings.selectors import kept_rows
from signing.access import may_seal_meeting_papers
from signing.models import Invitation

register = template.Library()


@register.inclusion_tag("signing/_invitations.html", takes_context=True)
def meeting_invitations(context: dict[str, Any], meeting: Any) -> dict[str, Any]:
    """The meeting's invitations, newest first, for someone who may see the meeting page."""
    request = context["request"]
    rows = kept_rows(meeting, "invitations", meeting.revision, _read_invitations)
    runs = bool(context.get("perms", {}).get("run"))
    pending = meeting.status in ("scheduled", "in_progress") and any(
        row.status == Invitation.Status.PENDING_SEAL for row in rows)
    may_seal = pending and may_seal_meeting_papers(request.user, meeting, runs_meeting=runs)
    return {
        "meeting": meeting,
        "invitations": [
            {"row": row, "may_seal": may_seal and row.status == Invitation.Status.PENDING_SEAL} for row in rows
        ],
        # who is told why it waits: those who run the meeting or may seal, while it is open
        "show_notice": pending and (runs or may_seal),
        "csrf_token": context.get("csrf_token"),
    }


def _read_invitations(meeting_id: int) -> list[Invitation]:
    # Kept under the meeting's revision: invitations are issued, replaced and sealed only inside
    # the meeting's own changes (scheduling, a change of time or place) or with their paper's
    # document announced (signing/actions/invitations.py), and each of those moves it.
    return list(Invitation.objects.filter(meeting_id=meeting_id).select_related("entry", "replaces").order_by("-pk"))
