"""Pages of the core app: sign in and out, home, password, notifications, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecabinet.actions import do_change_password, do_mark_notifications_read, do_revoke_api_token
from ecabinet.errors import ActionError
from ecabinet.models import ApiToken
from ecabinet.redirects import safe_next


def client_ip(request: HttpRequest) -> str | None:
    # Behind the reverse proxy the last hop it appended is the client; never trust the first.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


LOCKOUT_MESSAGE = (
    "Too many failed sign-in attempts. Try again later or ask an administrator."
)


def lockout_response(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    message = _(LOCKOUT_MESSAGE)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked_out", "message": message}}, status=403,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "ecabinet/login.html", {"lockout_message": message, "form": None},
                  status=403)


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
