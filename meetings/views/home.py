"""The home page: first what the signed-in person must do (fn49), then their meetings today and
the next ones.

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
from meetings.selectors_todo import todo_groups
from signing.access import notices_due_for, notices_to_handle


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    # the conclusion notices (signing): due for the secretary, to approve, to issue
    notices = {"notices_due": notices_due_for(request.user), **notices_to_handle(request.user)}
    notice_count = sum(len(v) for v in notices.values())
    groups = todo_groups(request)
    return render(request, "ecabinet/home.html", {
        "today": timezone.localdate(), **home_meetings(request.user), **notices,
        "todo_groups": groups, "notice_count": notice_count,
        "nothing_to_do": not groups and not notice_count,
    })
