"""The hall screen's plain dicts and texts, shared by its pages and its API endpoints."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from meetings.models import HallDisplay
from meetings.serializers import iso


def hall_screen_path(token: str) -> str:
    return reverse("hall_screen", args=[token])


def serialize_hall_display(display: HallDisplay, *, token: str | None = None, base_url: str = "") -> dict[str, Any]:
    """A link as its managers see it; `token` (and the full `url`) only right after creating it."""
    creator = display.created_by
    return {
        "id": display.pk,
        "meeting": display.meeting_id,
        "label": display.label,
        "created_by": display.created_by_id,
        "created_by_name": creator.full_name or creator.username,
        "created_at": iso(display.created_at),
        "revoked_at": iso(display.revoked_at),
        "url": base_url + hall_screen_path(token) if token else None,
        "token": token,
    }


def hall_strings() -> dict[str, str]:
    """Texts the hall screen's script shows, translated here (the script has no catalog)."""
    return {
        "online": _("Live"), "offline": _("Offline, reconnecting…"), "connecting": _("Connecting…"),
        "draft": _("draft"), "scheduled": _("scheduled"), "in_progress": _("in progress"), "ended": _("ended"),
        "cancelled": _("cancelled"),
        "no_current_item": _("No item is under discussion."),
        "item_of": _("Item %(n)s of %(total)s"),
        "left": _("left"), "overtime": _("over time"), "elapsed": _("elapsed"),
        "nobody_speaking": _("Nobody has the floor."),
        "speak": _("to speak"), "question": _("question"), "none": _("None."),
        "more": _("and %(n)s more"),
        "vote_open": _("Voting"), "vote_paused": _("Voting paused"), "vote_closed": _("Result of the vote"),
        "votes_cast": _("votes cast"), "counts_hidden": _("The counts are shown when the vote closes."),
        "passed": _("Passed"), "not_passed": _("Not passed"), "no_quorum": _("no quorum"),
        "secret": _("secret ballot"), "open_ballot": _("open ballot"),
        "present": _("present"), "members_present": _("Members present"), "guests_present": _("Guests present"),
        "quorum_ok": _("Quorum reached"), "quorum_missing": _("No quorum yet"),
        "scan_to_check_in": _("Scan to check in"),
    }
