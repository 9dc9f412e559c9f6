"""Absence requests (fn113) on the meeting page: the chair's decision, without the script."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _

from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from meetings.access import participant_in
from meetings.actions.absence import do_decide_absence_request
from meetings.models import Meeting
from meetings.schemas import AbsenceDecisionIn
from meetings.views.preparation import meeting_post


@meeting_post
def meeting_absence_decide(request: AuthenticatedHttpRequest, meeting: Meeting, participant_id: int) -> str:
    changes = parse_input(AbsenceDecisionIn, request.POST).changes()
    participant = do_decide_absence_request(participant_in(meeting, participant_id), actor=request.user, **changes)
    name = participant.user.full_name or participant.user.username
    if changes["approve"]:
        return _("The absence of %(name)s is approved.") % {"name": name}
    return _("The absence of %(name)s is not approved.") % {"name": name}


urlpatterns = [
    path("meetings/<int:meeting_id>/absence/<int:participant_id>/", meeting_absence_decide,
         name="meeting_absence_decide"),
]
