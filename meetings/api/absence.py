"""Absence requests (fn113): the list for those running a meeting and the chair's decision
(thin: resolve through access.py, parse with meetings/schemas.py, one action)."""

from __future__ import annotations

from ninja import Router

from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Id
from meetings.access import meeting_access, participant_in, runner_access
from meetings.actions.absence import do_decide_absence_request
from meetings.schemas import AbsenceDecisionIn, AbsenceRequestOut, ParticipantOut
from meetings.selectors_absence import absence_requests, serialize_absence_request
from meetings.serializers import serialize_participant

router = Router(tags=["absence requests"])


@router.get("/meetings/{meeting_id}/absence-requests", response=list[AbsenceRequestOut],
            summary="Absence requests of a meeting, pending first (those running the meeting)")
def list_absence_requests(request: AuthenticatedHttpRequest, meeting_id: Id):
    access = runner_access(request.user, meeting_id)
    return [serialize_absence_request(p) for p in absence_requests(access.meeting)]


@router.post("/meetings/{meeting_id}/participants/{participant_id}/absence", response=ParticipantOut,
             summary="The chair approves or refuses a pending absence request (decision: approve | refuse)")
def decide_absence_request(request: AuthenticatedHttpRequest, meeting_id: Id, participant_id: Id,
                           payload: AbsenceDecisionIn):
    meeting = meeting_access(request.user, meeting_id).meeting
    participant = participant_in(meeting, participant_id)
    changes = payload.changes()
    return serialize_participant(do_decide_absence_request(participant, actor=request.user, **changes))
