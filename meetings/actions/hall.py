"""The hall screen's links (tender fn121): created and revoked by those running the meeting,
and the rotating check-in code the hall screen shows, authorised by the link itself.

The raw token is returned once, by do_create_hall_display, and never stored (only its SHA-256).
Revoking a link tells its open sockets after commit (the group `hall-display-<id>`,
meetings/live/hall.py), which close at once; they also re-check the link on every ping.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, NotFoundError
from ecabinet.events import publish_on_commit
from ecabinet.models import User, hash_token
from ecabinet.text import require_one_line
from meetings.access import (
    HALL_DISPLAYS_MAX,
    hall_display_works,
    lock_in_meeting,
    lock_meeting,
    meeting_allows,
    require_hall_manager,
)
from meetings.actions.room import _checkin_token, room_state_for
from meetings.models import HallDisplay, Meeting

LABEL_MAX = 100


def _clean_label(label: str) -> str:
    require_one_line(label, field="label")
    label = " ".join((label or "").split())
    if not label:
        message = _("Give the link a name, for example the hall where its screen is.")
        raise ActionError("invalid", message, extra={"fields": [{"field": "label", "message": message}]})
    if len(label) > LABEL_MAX:
        message = _("The name may be at most %(n)s characters long.") % {"n": LABEL_MAX}
        raise ActionError("invalid", message, extra={"fields": [{"field": "label", "message": message}]})
    return label


@transaction.atomic(durable=True)
def do_create_hall_display(meeting: Meeting, *, actor: User, label: str) -> tuple[HallDisplay, str]:
    """A new link for the hall screen: the row and the raw token (shown once, never stored)."""
    access = lock_meeting(meeting, actor=actor)
    require_hall_manager(access)
    meeting = access.meeting
    label = _clean_label(label)
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.ENDED):
        raise ConflictError("bad_status", _("The meeting is over: a hall screen link can no longer be created."))
    active = HallDisplay.objects.filter(meeting=meeting, revoked_at__isnull=True).count()
    if active >= HALL_DISPLAYS_MAX:
        raise ConflictError("too_many", _("This meeting already has %(n)s hall screen links: revoke one first.")
                            % {"n": HALL_DISPLAYS_MAX})
    raw = secrets.token_urlsafe(32)  # 256 random bits: not guessable, so no rate limit is needed
    display = HallDisplay.objects.create(meeting=meeting, label=label, token_hash=hash_token(raw), created_by=actor)
    record_audit(actor=actor, action="hall_display.create", obj=display,
                 details={"meeting": meeting.pk, "label": label})
    return display, raw


@transaction.atomic(durable=True)
def do_revoke_hall_display(display: HallDisplay, *, actor: User) -> HallDisplay:
    """Revoke a link: its page answers 404 from now on and its open sockets close at once.
    Revoking a revoked link changes nothing."""
    display, access = lock_in_meeting(display, actor=actor)
    require_hall_manager(access)
    if display.revoked_at is not None:
        return display
    display.revoked_at = timezone.now()
    display.revoked_by = actor
    display.save(update_fields=["revoked_at", "revoked_by"])
    record_audit(actor=actor, action="hall_display.revoke", obj=display,
                 details={"meeting": display.meeting_id, "label": display.label})
    publish_on_commit(HallDisplay.group_of(display.pk), {"type": "hall.revoked", "display": display.pk})
    return display


@transaction.atomic(durable=True)
def do_issue_hall_checkin_code(display: HallDisplay) -> str:
    """The room's rotating check-in code (the console's, do_issue_checkin_code) for the hall
    screen, authorised by the link itself: the hall's computer has no personal login, so there
    is no actor. Only while check-in is open (the meeting runs). Changes nothing once the room's
    row exists, so nothing is audited (as for the console); no meeting lock, as there."""
    fresh = HallDisplay.objects.select_related("meeting").filter(pk=display.pk).first()
    if fresh is None or not hall_display_works(fresh):
        raise NotFoundError(_("Page not found."))
    if not meeting_allows(fresh.meeting)["check_in"]:
        raise ConflictError("not_in_progress", _("The meeting is not in progress."))
    return _checkin_token(room_state_for(fresh.meeting))
