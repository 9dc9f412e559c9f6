"""The meeting page's list of invitations (giấy mời), from the signing app: the meeting page is
the meetings app's, which must not import signing, so its template loads this tag."""

from __future__ import annotations

from typing import Any

from django import template

from signing.access import may_seal_invitation
from signing.models import Invitation

register = template.Library()


@register.inclusion_tag("signing/_invitations.html", takes_context=True)
def meeting_invitations(context: dict[str, Any], meeting: Any) -> dict[str, Any]:
    """The meeting's invitations, newest first, for someone who may see the meeting page."""
    request = context["request"]
    rows = list(Invitation.objects.filter(meeting=meeting).select_related("entry", "document", "replaces")
                .order_by("-pk"))
    open_meeting = meeting.status in ("scheduled", "in_progress")
    return {
        "meeting": meeting,
        "invitations": [
            {"row": row, "may_seal": open_meeting and row.status == Invitation.Status.PENDING_SEAL
             and may_seal_invitation(request.user, row)}
            for row in rows
        ],
        "runs": bool(context.get("perms", {}).get("run")),
        "csrf_token": context.get("csrf_token"),
    }
