"""Pages of the core app: sign in and out, home, password, notifications, API tokens."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ecabinet.actions import (
    do_change_password,
    do_confirm_password,
    do_mark_notifications_read,
    do_revoke_api_token,
    do_set_push_preferences,
)
from ecabinet.actions_reminders import do_set_meeting_reminders
from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.loginguard import lockout_remaining, retry_after_seconds
from ecabinet.models import ApiToken, User
from ecabinet.push import CATEGORIES, enabled_categories
from ecabinet.redirects import safe_next
from ecabinet.refusals import FormPage, refusal_response


def lockout_response(request: HttpRequest, response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """Axes' answer to a locked account: how long to wait, in the caller's language.

    API: 403 `locked_out` with `retry_after` seconds and a Retry-After header. Page: the login
    form again (the wait may already be over when they read it) with the wait in minutes.
    """
    if isinstance(response, dict) and credentials is None:
        # axes' async middleware passes (request, credentials)
        credentials, response = response, None
    if credentials is None:
        credentials = getattr(request, "axes_credentials", None)
    retry_after = retry_after_seconds(lockout_remaining(request, credentials))
    minutes = math.ceil(retry_after / 60)
    message = ngettext(
        "Too many failed sign-in attempts for this account. Try again in %(minutes)d minute "
        "or ask an administrator.",
        "Too many failed sign-in attempts for this account. Try again in %(minutes)d minutes "
        "or ask an administrator.",
        minutes,
    ) % {"minutes": minutes}
    # path_info: the path inside the application, also when it is served under a URL prefix.
    locked: HttpResponse
    if request.path_info.startswith("/api/"):
        from ecabinet.api import error_response

        locked = error_response(403, "locked_out", message, retry_after=retry_after)
    else:
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": username})
        locked = render(request, "ecabinet/login.html", {
            "lockout_message": message, "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        }, status=403)
    locked["Retry-After"] = str(retry_after)
    return locked


class LoginView(auth_views.LoginView):
    template_name = "ecabinet/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        return safe_next(self.request, "")

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        # help (issue 12): the first home page of a session signed in here offers the tour of the
        # home page, until the person finishes or skips it (ecabinet/help.py)
        from ecabinet.help import TOUR_SESSION_KEY

        self.request.session[TOUR_SESSION_KEY] = True
        return response


@login_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "ecabinet/password_change.html", {"error": None})
    form = FormPage("ecabinet/password_change.html")
    old_password = request.POST.get("old_password", "")
    try:
        # counted like a failed sign-in: a stolen session cannot guess the password here
        do_confirm_password(request, actor=request.user, password=old_password, purpose="password_change")
    except ActionError as exc:
        # the current password is a field of this form: a wrong one is shown on the form (400)
        # like any other field, not on the 403 page the same refusal gets elsewhere
        return refusal_response(request, ActionError(exc.code, exc.message, status=400, extra=exc.extra), form=form)
    try:
        do_change_password(actor=request.user, old_password=old_password,
                           new_password=request.POST.get("new_password", ""))
    except ActionError as exc:
        return refusal_response(request, exc, form=form)
    update_session_auth_hash(request, request.user)
    messages.success(request, _("Your password was changed."))
    return redirect("home")


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        do_mark_notifications_read(actor=request.user)
        return redirect("notifications")
    items = request.user.notifications.all()[:200]
    return render(request, "ecabinet/notifications.html", {"items": items})


def _push_page(request: AuthenticatedHttpRequest) -> dict:
    enabled = set(enabled_categories(request.user))
    return {"categories": [{"key": key, "label": label, "on": key in enabled} for key, label in CATEGORIES.items()],
            "vapid_public_key": settings.VAPID_PUBLIC_KEY,
            "reminder_choices": User.MeetingReminders.choices, "reminder_choice": request.user.meeting_reminders}


@login_required
def push_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Which notifications reach this person's devices, and this device subscribed or not."""
    if request.method == "POST":
        chosen = [value for value in request.POST.getlist("categories") if isinstance(value, str)]
        do_set_push_preferences(actor=request.user, enabled=chosen)
        messages.success(request, _("Your notification choices were saved."))
        return redirect("push_preferences")
    return render(request, "ecabinet/push_preferences.html", _push_page(request))


@login_required
@require_POST
def reminder_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """When this person is reminded of their meetings (fn126); shown on the notification settings page."""
    choice = request.POST.get("meeting_reminders", "")
    do_set_meeting_reminders(actor=request.user, choice=choice if isinstance(choice, str) else "")
    messages.success(request, _("Your meeting reminder choice was saved."))
    return redirect("push_preferences")


@login_required
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "ecabinet/api_tokens.html", {"tokens": tokens})


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    # only one's own tokens are listed here: anyone else's is an unknown address
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    do_revoke_api_token(token, actor=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("api_tokens")
