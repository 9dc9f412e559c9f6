"""The JSON API under /api/v1/: one NinjaAPI, errors always in {"error": {"code", "message"}}."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from ecabinet.actions import do_issue_api_token
from ecabinet.auth import API_AUTH
from ecabinet.clientip import client_ip
from ecabinet.errors import ActionError

api = NinjaAPI(
    title="eCabinet API",
    version="1",
    description="Phòng họp không giấy và ký số cho cơ quan nhà nước / Paperless meetings and signing.",
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(status: int, code: str, message: str, **extra) -> JsonResponse:
    body = {"error": {"code": code, "message": str(message), **extra}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> JsonResponse:
    return error_response(exc.status, exc.code, exc.message, **exc.extra)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    fields = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "form")]
        fields.append({"field": ".".join(loc), "message": err.get("msg", "")})
    return error_response(400, "bad_request", _("The request is not valid."), fields=fields)


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


def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    return error_response(404, "not_found", _("No such API endpoint."))


auth_router = Router(tags=["auth"])


class TokenRequest(Schema):
    username: str
    password: str


class TokenResponse(Schema):
    token: str
    expires_at: str


@auth_router.post("/token", auth=None, response={200: TokenResponse}, summary="Issue an API token")
def issue_token(request: HttpRequest, payload: TokenRequest):
    from ecabinet.views import lockout_response

    request.login_channel = "api"
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


@core_router.get("/me", response=MeResponse, summary="The signed-in user")
def me(request: HttpRequest):
    user = request.user
    return {
        "id": user.pk, "username": user.username, "full_name": user.full_name, "email": user.email,
        "unit": user.unit.name if user.unit_id else None,
        "position": user.position.name if user.position_id else None,
        "preferred_language": user.preferred_language, "is_system_admin": user.is_superuser,
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }


api.add_router("/auth", auth_router)
api.add_router("/", core_router)
api.add_router("/", "meetings.api.router")
api.add_router("/", "signing.api.router")
