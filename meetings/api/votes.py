"""The prepared vote list and running it (fn19, fn41-fn44): edit, delete and reorder draft polls,
pause and resume an open one, ready to vote, the results table. Thin: resolve through access.py,
parse with meetings/schemas.py, call one action."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Id
from meetings.access import agenda_item_for, meeting_access, poll_for
from meetings.actions import room_polls
from meetings.actions import votes as actions
from meetings.live.serializers import serialize_poll_ready
from meetings.schemas import OkOut, PollEditIn, PollOrderIn, PollOut, PollReadyOut
from meetings.selectors_votes import vote_results

router = Router(tags=["votes"])


class VoteOptionRow(Schema):
    key: str
    label: str
    count: int | None


class VoteResultRow(Schema):
    id: int
    item: int | None
    item_title: str
    position: int
    question: str
    status: str
    paused: bool
    secret: bool
    signed: bool
    ballot_set: str
    majority: str
    show_live: bool
    options: list[VoteOptionRow]
    cast: int
    present: int | None
    eligible: int | None
    quorum: bool | None
    passed: bool | None
    opened_at: str | None
    closed_at: str | None


class VoteResultsOut(Schema):
    meeting: int
    polls: list[VoteResultRow]


@router.get("/meetings/{meeting_id}/votes", response=VoteResultsOut,
            summary="The meeting's vote list and results (counts as each poll shows them)")
def results(request: AuthenticatedHttpRequest, meeting_id: Id) -> dict[str, Any]:
    access = meeting_access(request.user, meeting_id)
    return {"meeting": access.meeting.pk, "polls": vote_results(access)}


@router.post("/polls/{poll_id}/edit", response=PollOut, summary="Rewrite a draft poll (those running the meeting)")
def edit_poll(request: AuthenticatedHttpRequest, poll_id: Id, payload: PollEditIn) -> dict[str, Any]:
    poll = poll_for(request.user, poll_id)
    extra: dict[str, Any] = {}
    if "item" in payload.model_fields_set:
        extra["item"] = agenda_item_for(request.user, payload.item, meeting=poll.meeting) \
            if payload.item is not None else None
    poll = actions.do_update_poll(poll, actor=request.user, question=payload.question, options=payload.options,
                                  secret=payload.secret, majority=payload.majority, show_live=payload.show_live,
                                  ballot_set=payload.ballot_set, signed=payload.signed, **extra)
    return room_polls.poll_dict(poll)


@router.post("/polls/{poll_id}/delete", response=OkOut, summary="Delete a draft poll")
def delete_poll(request: AuthenticatedHttpRequest, poll_id: Id) -> dict[str, Any]:
    actions.do_delete_poll(poll_for(request.user, poll_id), actor=request.user)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/polls/reorder", response=OkOut, summary="Reorder one agenda item's vote list")
def reorder(request: AuthenticatedHttpRequest, meeting_id: Id, payload: PollOrderIn) -> dict[str, Any]:
    meeting = meeting_access(request.user, meeting_id).meeting
    item = agenda_item_for(request.user, payload.item, meeting=meeting) if payload.item is not None else None
    actions.do_reorder_polls(meeting, item, actor=request.user, order=payload.order)
    return {"ok": True}


@router.post("/polls/{poll_id}/pause", response=PollOut, summary="Pause an open poll (ballots refused until resumed)")
def pause(request: AuthenticatedHttpRequest, poll_id: Id) -> dict[str, Any]:
    return room_polls.poll_dict(actions.do_pause_poll(poll_for(request.user, poll_id), actor=request.user))


@router.post("/polls/{poll_id}/resume", response=PollOut, summary="Resume a paused poll")
def resume(request: AuthenticatedHttpRequest, poll_id: Id) -> dict[str, Any]:
    return room_polls.poll_dict(actions.do_resume_poll(poll_for(request.user, poll_id), actor=request.user))


@router.post("/polls/{poll_id}/ready", response=PollReadyOut, summary="The caller is ready to vote on this poll")
def ready(request: AuthenticatedHttpRequest, poll_id: Id) -> dict[str, Any]:
    return serialize_poll_ready(actions.do_mark_ready(poll_for(request.user, poll_id), actor=request.user))


@router.post("/polls/{poll_id}/unready", response=OkOut, summary="The caller withdraws their ready mark")
def unready(request: AuthenticatedHttpRequest, poll_id: Id) -> dict[str, Any]:
    actions.do_unmark_ready(poll_for(request.user, poll_id), actor=request.user)
    return {"ok": True}
