"""The API for the province's platforms under /api/integration/v1/ (tender fn54–fn59): read-only,
versioned in its path and `info.version`, apart from the user API (/api/v1/) so each can evolve on
its own. Client systems authenticate with an OAuth2 access token (client credentials, /o/token/);
errors are the same envelope as the user API's.

The OpenAPI document carries Vietnamese and English together in every summary, description and
field ("Tiếng Việt / English") rather than one language per `Accept-Language`: the document is a
contract that code generators and the platform's catalogue read once and cache, so it must be
the same bytes whoever fetches it, and an integrator of either language reads it whole."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError

from ecabinet.api import InputParser, api, error_response
from ecabinet.api_docs import EcabinetAPI
from ecabinet.integration import ClientAuth

VERSION = "1"

class IntegrationAPI(EcabinetAPI):
    """The user API's description, plus the 429 every operation answers past the per-client limit."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault(429, {
                    "description": "Quá nhiều yêu cầu trong một phút / Too many requests in a minute",
                    "content": content})
        return schema


integration_api = IntegrationAPI(
    parser=InputParser(),
    title="eCabinet — API tích hợp / Integration API",
    version=VERSION,
    description=(
        "Dành cho hệ thống của tỉnh (LGSP, lưu trữ, cổng thông tin): đọc cuộc họp của các đơn vị được cấp. "
        "Xác thực: OAuth2 client credentials tại /o/token/ (phạm vi `meetings:read`), gửi "
        "`Authorization: Bearer <access_token>`. Cuộc họp, người hoặc tài liệu ngoài phạm vi trả về 404.\n\n"
        "For the province's systems (LGSP, archive, portals): read the meetings of the granted units. "
        "Authentication: OAuth2 client credentials at /o/token/ (scope `meetings:read`), then send "
        "`Authorization: Bearer <access_token>`. A meeting, person or document outside the grant answers 404."
    ),
    urls_namespace="integration",
    auth=ClientAuth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)

# The user API's handlers: one envelope, one wording, for both.
for _exc, _handler in api._exception_handlers.items():
    integration_api.add_exception_handler(_exc, _handler)


@integration_api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> JsonResponse:
    return error_response(401, "unauthorized", _("Send a valid access token (OAuth2 client credentials)."))


@integration_api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 429: "too_many_requests"}
    return error_response(exc.status_code, codes.get(exc.status_code, "error"), str(exc))


integration_api.add_router("/", "meetings.integration_api.router")
