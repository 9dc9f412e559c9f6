"""The live seat map (fn117) and the absence requests (fn113), for the room and the meeting page.

`{% seat_map meeting seat_rows %}` draws the seat grid with each seat's holder and what is known
without the live state (invited, absent, delegated); static/meetings/room/seatmap.js then follows
the meeting's live state (attendance, the floor) in place. The states, their labels and icons are
declared once here and handed to the script with the page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


def seat_states() -> list[dict[str, str]]:
    """Each seat state in the legend's order: code, label (a text, never colour alone) and icon."""
    return [
        {"code": "empty", "label": _("empty seat"), "icon": "·"},
        {"code": "invited", "label": _("invited, not checked in"), "icon": "○"},
        {"code": "present", "label": _("checked in, in the hall"), "icon": "●"},
        {"code": "remote", "label": _("checked in remotely (not on the seat)"), "icon": "◐"},
        {"code": "absent", "label": pgettext("seat state", "absent"), "icon": "✕"},
        {"code": "waiting", "label": _("asked to speak"), "icon": "✋"},
        {"code": "speaking", "label": pgettext("seat state", "speaking"), "icon": "▶"},
        {"code": "spoken", "label": _("has spoken in this meeting"), "icon": "✓"},
        {"code": "delegated", "label": _("delegated to another person"), "icon": "⇄"},
    ]


# What the page knows without the live state, from Participant.state.
_STATIC = {"absent": "absent", "delegated": "delegated"}


def _seat_texts() -> dict[str, Any]:
    return {
        "states": {s["code"]: {"label": s["label"], "icon": s["icon"]} for s in seat_states()},
        "in_place_of": _("in place of %(name)s"),
        "remote": _("remote"),
        "seat": _("Seat"),
    }


def seat_rows_of(meeting: Any) -> list[list[tuple[str, Any]]]:
    """Per row of the meeting room's grid, (seat, the participant holding it or None): one query."""
    from meetings.models import Participant

    if not meeting.room_id:
        return []
    taken = {p.seat: p for p in Participant.objects.filter(meeting_id=meeting.pk).exclude(seat="")
             .select_related("user")}
    return [[(seat, taken.get(seat)) for seat in row] for row in meeting.room.seat_grid()]


@register.inclusion_tag("meetings/_seat_map.html")
def seat_map(meeting: Any, seat_rows: list[list[tuple[str, Any]]] | None = None) -> dict[str, Any]:
    """`seat_rows`: per row, (seat, participant holding it or None); read here when not given."""
    if seat_rows is None:
        seat_rows = seat_rows_of(meeting)
    states = {s["code"]: s for s in seat_states()}
    rows = []
    for row in seat_rows:
        cells = []
        for seat, holder in row:
            code = "empty" if holder is None else _STATIC.get(holder.state, "invited")
            cells.append({"seat": seat, "holder": holder, "state": states[code]})
        rows.append(cells)
    return {"meeting": meeting, "rows": rows, "legend": seat_states(), "texts": _seat_texts()}


@register.inclusion_tag("meetings/room/_absence_requests.html")
def room_absence_requests() -> dict[str, Any]:
    """The room's card of pending absence requests (static/meetings/room/absence.js draws it)."""
    return {"texts": {
        "none": _("No absence request is waiting."),
        "approve": _("Approve"),
        "refuse": _("Refuse"),
        "note": _("Note for the member (optional)"),
        "reason": _("Reason"),
        "in_place": _("Proposed to attend in their place"),
        "waiting_chair": _("Waiting for the chair's decision."),
        "error": _("Error"),
    }}
