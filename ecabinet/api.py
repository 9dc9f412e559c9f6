"""The JSON API under /api/v1/: one NinjaAPI, errors always in {"error": {"code", "message"}}."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser

from ecabinet.access import global_permissions, is_system_admin
from ecabinet.actions import do_issue_api_token
from ecabinet.api_docs import EcabinetAPI, ErrorEnvelope
from ecabinet.auth import API_AUTH
from ecabinet.clientip import client_ip
from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import refuse_nul, validation_fields
from ecabinet.menu_counts import unread_count
from ecabinet.refusals import error_envelope


class InputParser(Parser):
    """Ninja's JSON and form parsing, refusing NUL characters (a 500 on PostgreSQL otherwise)."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        refuse_nul(data)
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        refuse_nul(data)
        return super().parse_querydict(data, list_fields, request)


api = EcabinetAPI(
    parser=InputParser(),
    title="eCabinet API",
    version="1",
    description="Phòng họp không giấy và ký số cho cơ quan nhà nước / Paperless meetings and signing.",
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(status: int, code: str, message: str, **extra) -> JsonResponse:
    return error_envelope(status, code, message, **extra)


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> JsonResponse:
    return error_response(exc.status, exc.code, exc.message, **exc.extra)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    return error_response(400, "bad_request", _("The request is not valid."),
                          fields=validation_fields(list(exc.errors)))


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> JsonResponse:
    return error_response(401, "unauthorized", _("Sign in or send a valid bearer token."))


@api.exception_handler(AuthorizationError)
def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> JsonResponse:
    return error_response(403, "forbidden", _("You are not allowed to do this."))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> JsonResponse:
    return error_response(403, "forbidden", str(exc) or _("You are not allowed to do this."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(404, "not_found", _("Not found."))


@api.exception_handler(ObjectDoesNotExist)
def on_object_missing(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_type"}
    return error_response(exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> JsonResponse:
    # no boundary, a broken part, a header Django cannot read
    return error_response(400, "bad_request", _("The multipart body could not be read."))


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> JsonResponse:
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "too_large", _("The request body is too large."))
    # too many fields or files, a forged host or a malformed header: bad input, never a 500
    return error_response(400, "bad_request", _("The request is not valid."))


def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    return error_response(404, "not_found", _("No such API endpoint."))


auth_router = Router(tags=["auth"])


class TokenRequest(Schema):
    username: str
    password: str


class TokenResponse(Schema):
    token: str
    expires_at: str


@auth_router.post("/token", auth=None, response={200: TokenResponse, 401: ErrorEnvelope},
                  summary="Issue an API token")
def issue_token(request: HttpRequest, payload: TokenRequest):
    from ecabinet.views import lockout_response

    request.login_channel = "api"  # type: ignore[attr-defined]  # read by the login signals (ecabinet/signals.py)
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return lockout_response(request, credentials={"username": payload.username})
    if user is None or not user.is_active:
        return error_response(401, "invalid_credentials", _("Wrong username or password."))
    from ecabinet.actions import do_record_login

    do_record_login(
        user=user, username=payload.username, success=True, ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent", ""), channel="api",
    )
    token, raw = do_issue_api_token(actor=user)
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


core_router = Router(tags=["people"])


class MeResponse(Schema):
    id: int
    username: str
    full_name: str
    email: str
    unit: str | None
    position: str | None
    preferred_language: str
    is_system_admin: bool
    unread_notifications: int
    permissions: dict[str, bool]


@core_router.get("/me", response=MeResponse, summary="The signed-in user")
def me(request: AuthenticatedHttpRequest):
    user = request.user
    return {
        "id": user.pk, "username": user.username, "full_name": user.full_name, "email": user.email,
        "unit": user.unit.name if user.unit is not None else None,
        "position": user.position.name if user.position is not None else None,
        "preferred_language": user.preferred_language, "is_system_admin": is_system_admin(user),
        "unread_notifications": unread_count(user),
        # What clients may offer this person (the same flags as `can` in the pages).
        "permissions": global_permissions(user),
    }


api.add_router("/auth", auth_router)
api.add_router("/", core_router)
api.add_router("/", "ecabinet.api_push.router")
api.add_router("/", "ecabinet.api_help.router")  # help: the first-time tour (issue 12)
api.add_router("/", "meetings.api.router")
api.add_router("/", "signing.api.router")
