"""Help inside the system through the API: the first-time tour of the home page is finished or
skipped (static/ecabinet/tour.js, through net.js), so it is not offered again."""

from __future__ import annotations

from ninja import Router, Schema

from ecabinet.actions_help import do_mark_tour_seen
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.schemas import TourSeenIn

router = Router(tags=["people"])


class TourSeenOut(Schema):
    seen: bool
    finished: bool


@router.post("/me/tour", response={200: TourSeenOut}, summary="The first-time tour was finished or skipped")
def tour_seen(request: AuthenticatedHttpRequest, payload: TourSeenIn):
    row = do_mark_tour_seen(actor=request.user, finished=payload.finished)
    return {"seen": True, "finished": row.finished}
