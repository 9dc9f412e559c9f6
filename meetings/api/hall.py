"""Hall screen links (tender fn121): list, create, revoke (thin: resolve through access.py, act)."""

from __future__ import annotations

from typing import Any

from ninja import Router

from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Id
from meetings.access import (
    hall_display_of_user,
    hall_displays_of,
    meeting_access,
    require_hall_manager,
)
from meetings.actions import hall as actions
from meetings.hall import serialize_hall_display
from meetings.schemas import HallDisplayIn, HallDisplayListOut, HallDisplayOut

router = Router(tags=["hall screen"])


@router.get("/meetings/{meeting_id}/hall-displays", response=HallDisplayListOut,
            summary="The meeting's hall screen links that work (those running the meeting)")
def list_displays(request: AuthenticatedHttpRequest, meeting_id: Id) -> dict[str, Any]:
    access = meeting_access(request.user, meeting_id)
    require_hall_manager(access)
    return {"items": [serialize_hall_display(d) for d in hall_displays_of(access)]}


@router.post("/meetings/{meeting_id}/hall-displays", response=HallDisplayOut,
             summary="Create a hall screen link (its token and address are in this answer only)")
def create_display(request: AuthenticatedHttpRequest, meeting_id: Id, payload: HallDisplayIn) -> dict[str, Any]:
    meeting = meeting_access(request.user, meeting_id).meeting
    display, token = actions.do_create_hall_display(meeting, actor=request.user, label=payload.label)
    return serialize_hall_display(display, token=token, base_url=request.build_absolute_uri("/").rstrip("/"))


@router.post("/hall-displays/{display_id}/revoke", response=HallDisplayOut,
             summary="Revoke a hall screen link (its screen and open sockets stop at once)")
def revoke_display(request: AuthenticatedHttpRequest, display_id: Id) -> dict[str, Any]:
    display = actions.do_revoke_hall_display(hall_display_of_user(request.user, display_id), actor=request.user)
    return serialize_hall_display(display)
