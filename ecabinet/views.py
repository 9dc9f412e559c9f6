"""Pages of the core app: sign in and out, home, password, notifications, API tokens."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ecabinet.actions import (
    do_change_password,
    do_confirm_password,
    do_mark_notifications_read,
    do_revoke_api_token,
)
from ecabinet.errors import ActionError
from ecabinet.loginguard import lockout_remaining, retry_after_seconds
from ecabinet.models import ApiToken
from ecabinet.redirects import safe_next


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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context: dict = {"today": timezone.localdate()}
    try:
        from meetings.selectors import home_meetings
    except ImportError:
        home_meetings = None
    if home_meetings is not None:
        context.update(home_meetings(request.user))
    return render(request, "ecabinet/home.html", context)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            # counted like a failed sign-in: a stolen session cannot guess the password here
            do_confirm_password(request, actor=request.user, password=request.POST.get("old_password", ""),
                                purpose="password_change")
            do_change_password(
                actor=request.user,
                old_password=request.POST.get("old_password", ""),
                new_password=request.POST.get("new_password", ""),
            )
        except ActionError as exc:
            error = exc.message
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("home")
    return render(request, "ecabinet/password_change.html", {"error": error},
                  status=400 if error else 200)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        do_mark_notifications_read(actor=request.user)
        return redirect("notifications")
    items = request.user.notifications.all()[:200]
    return render(request, "ecabinet/notifications.html", {"items": items})


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "ecabinet/api_tokens.html", {"tokens": tokens})


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    do_revoke_api_token(token, actor=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("api_tokens")
