"""Django's handler400/403/404/500: the JSON envelope under /api/, a Vietnamese page elsewhere.

They run with DEBUG off, after something escaped a view (a multipart body Django could not
parse, a request too large, an unknown URL). The 500 page renders without the request, so no
context processor touches the database while it may be the thing that failed.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _envelope(status: int, code: str, message: str) -> HttpResponse:
    from ecabinet.api import error_response

    return error_response(status, code, message)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    too_large = isinstance(exception, RequestDataTooBig)
    status = 413 if too_large else 400
    if _is_api(request):
        if too_large:
            return _envelope(413, "too_large", _("The request body is too large."))
        return _envelope(400, "bad_request", _("The request is not valid."))
    body = loader.get_template("400.html").render({"too_large": too_large}, request)
    return HttpResponse(body, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _envelope(403, "forbidden", _("You are not allowed to do this."))
    return HttpResponse(loader.get_template("403.html").render({}, request), status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _envelope(404, "not_found", _("No such API endpoint."))
    return HttpResponse(loader.get_template("404.html").render({}, request), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _envelope(500, "server_error", _("Something went wrong on our side. Please try again later."))
    return HttpResponse(loader.get_template("500.html").render(), status=500)
