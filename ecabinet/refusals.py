"""The one place where a refused change (`ActionError`) becomes a response.

Every page view lets `ActionError` propagate and `RefusalMiddleware` answers; a view that wants
the user's form back with the errors in place catches it and calls `refusal_response` with a
`FormPage`. The API answers the same envelope from its exception handler (ecabinet/api.py), so a
script sees one shape of error whether it calls `/api/v1/…` or posts a page with
`Accept: application/json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ecabinet.errors import ActionError


@dataclass(frozen=True)
class FormPage:
    """A form to show again after a refusal: its template and context. The template receives
    `error` (the message) and `errors` ({field: message}) besides the context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


def wants_json(request: HttpRequest) -> bool:
    """Scripts (the room, uploads with progress) ask for JSON; browsers submitting forms don't."""
    accept = request.headers.get("accept", "")
    return (request.path.startswith("/api/")
            or request.headers.get("x-requested-with") == "XMLHttpRequest"
            or "application/json" in accept)


def error_envelope(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    """`{"error": {"code", "message", …}}`: the one JSON shape of every refusal."""
    body = {"error": {"code": code, "message": str(message), **extra}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def field_errors(exc: ActionError) -> dict[str, str]:
    return {f["field"]: f["message"] for f in exc.extra.get("fields", []) if "field" in f}


def _back(request: HttpRequest) -> str:
    """Where a refused form post returns: its own `next`, else the page it came from (same
    site only), else the address it was posted to."""
    for candidate in (request.POST.get("next"), request.headers.get("referer")):
        if candidate and url_has_allowed_host_and_scheme(
                candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return candidate
    return request.get_full_path() if request.method == "GET" else reverse("home")


def refusal_response(request: HttpRequest, exc: ActionError, *, form: FormPage | None = None) -> HttpResponse:
    if wants_json(request):
        return error_envelope(exc.status, exc.code, exc.message, **exc.extra)
    if exc.status == 404:
        # Nothing about the object leaks: the plain 404 page, as for an unknown address.
        return HttpResponse(loader.get_template("404.html").render({}, request), status=404)
    if form is not None and exc.status in (400, 409, 413, 415):
        context = {**form.context, "error": exc.message, "errors": field_errors(exc)}
        return HttpResponse(loader.get_template(form.template).render(context, request), status=exc.status)
    if request.method == "POST" and exc.status in (400, 409):
        messages.error(request, exc.message)
        return redirect(_back(request))
    page = loader.get_template("refused.html").render({"message": exc.message, "status": exc.status}, request)
    return HttpResponse(page, status=exc.status)


class RefusalMiddleware:
    """Answers any `ActionError` that escapes a page view (API views answer their own)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ActionError):
            return refusal_response(request, exception)
        return None
