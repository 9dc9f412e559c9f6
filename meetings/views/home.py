"""The home page: the signed-in person's meetings today and the next ones.

It lives in the meetings app because it shows meetings; the core app (ecabinet) knows no feature
app, and the project's URL wiring (ecabinet/urls.py) points "/" here.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ecabinet.http import AuthenticatedHttpRequest
from meetings.selectors import home_meetings
from meetings.selectors_followup import HOME_LIMIT, my_tasks
from signing.access import notices_due_for, notices_to_handle


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "ecabinet/home.html", {
        "today": timezone.localdate(), **home_meetings(request.user),
        # the conclusion notices (signing): due for the secretary, to approve, to issue
        "notices_due": notices_due_for(request.user), **notices_to_handle(request.user),
        # follow-up: my open tasks, soonest deadline first
        "my_tasks": my_tasks(request.user, "open", limit=HOME_LIMIT),
    })
