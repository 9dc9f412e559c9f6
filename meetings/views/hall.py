"""The hall screen (tender fn121): the big screen's page, opened by a link without a personal
login, its check-in QR code, and the page where those running the meeting create and revoke
the links."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.refusals import FormPage, refusal_response
from meetings.access import (
    MeetingAccess,
    hall_display_for,
    hall_display_in,
    hall_displays_of,
    runner_access,
)
from meetings.actions import hall as actions
from meetings.actions.room import CHECKIN_ROTATE_SECONDS
from meetings.hall import hall_screen_path, hall_strings
from meetings.schemas import HallDisplayIn


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the address: no Referer carries it away, no search engine keeps it.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def hall_screen(request: HttpRequest, token: str) -> HttpResponse:
    """The big screen: no session is needed or used (a wrong or revoked token: the plain 404)."""
    display = hall_display_for(token)
    meeting = display.meeting
    base = hall_screen_path(token)
    config = {
        "meeting": meeting.pk,
        "ws": f"/ws/hall/{token}/",
        "qr": f"{base}qr.svg",
        "qrSeconds": CHECKIN_ROTATE_SECONDS,
        "t": hall_strings(),
    }
    # The page shows nothing of whoever may be signed in on the hall's computer.
    return _private(render(request, "meetings/hall/screen.html", {
        "meeting": meeting, "config": config, "user": AnonymousUser(), "messages": []}))


@never_cache
@require_GET
def hall_qr(request: HttpRequest, token: str) -> HttpResponse:
    """The room's rotating check-in QR code on the hall screen (the page reloads it)."""
    display = hall_display_for(token)
    code = actions.do_issue_hall_checkin_code(display)
    url = request.build_absolute_uri(f"/meetings/{display.meeting_id}/room/checkin/?t={code}")
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, dark="#000", light="#fff")
    return _private(HttpResponse(out.getvalue(), content_type="image/svg+xml"))


def _links_context(access: MeetingAccess, **extra) -> dict:
    return {"meeting": access.meeting, "displays": list(hall_displays_of(access)), **extra}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def hall_links(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    """The hall screen links of a meeting: list, create (the new link is shown once, here)."""
    access = runner_access(request.user, meeting_id)
    if request.method == "POST":
        data = parse_input(HallDisplayIn, request.POST)
        try:
            display, token = actions.do_create_hall_display(access.meeting, actor=request.user, label=data.label)
        except ActionError as exc:
            return refusal_response(request, exc, form=FormPage(
                "meetings/hall/links.html", _links_context(access, label=data.label)))
        created = {"display": display, "url": request.build_absolute_uri(hall_screen_path(token))}
        return _private(render(request, "meetings/hall/links.html", _links_context(access, created=created)))
    return render(request, "meetings/hall/links.html", _links_context(access))


@login_required
@require_POST
def hall_revoke(request: AuthenticatedHttpRequest, meeting_id: int, display_id: int) -> HttpResponse:
    access = runner_access(request.user, meeting_id)
    display = actions.do_revoke_hall_display(hall_display_in(access, display_id), actor=request.user)
    messages.success(request, _("The link “%(label)s” is revoked: its screen stops showing the meeting.")
                     % {"label": display.label})
    return redirect("meeting_hall_links", meeting_id=meeting_id)


urlpatterns = [
    path("hall/<str:token>/", hall_screen, name="hall_screen"),
    path("hall/<str:token>/qr.svg", hall_qr, name="hall_qr"),
    path("meetings/<int:meeting_id>/hall/", hall_links, name="meeting_hall_links"),
    path("meetings/<int:meeting_id>/hall/<int:display_id>/revoke/", hall_revoke, name="meeting_hall_revoke"),
]
