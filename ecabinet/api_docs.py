"""What the API says it answers: the error envelope declared on every operation, file media types.

Kept apart from ecabinet/api.py so the app API modules can import these while the NinjaAPI in
ecabinet/api.py is still mounting them.
"""

from __future__ import annotations

from ninja import NinjaAPI, Schema


class ErrorDetail(Schema):
    code: str
    message: str
    fields: list[dict] | None = None


class ErrorEnvelope(Schema):
    """Every refusal: {"error": {"code", "message"}} (bad input also lists the fields)."""

    error: ErrorDetail


ERROR_STATUSES = {
    400: "Bad input: the body, a parameter or a file could not be used (fields name the culprits)",
    401: "Not signed in: send a valid bearer token or the session cookie",
    403: "Signed in, but not allowed to do this",
    404: "No such object, or not one the caller may see",
    409: "The object's state does not allow this now (or someone changed it first)",
    413: "The body or file is too large",
    415: "The file is not of an accepted type",
}
BODY_ONLY_STATUSES = {413, 415}


def file_response(media_type: str, description: str) -> dict:
    """openapi_extra for an operation that answers a file, not JSON."""
    return {"responses": {200: {"description": description, "content": {
        media_type: {"schema": {"type": "string", "format": "binary"}}}}}}


class EcabinetAPI(NinjaAPI):
    """The NinjaAPI whose description declares, on every operation, the error envelope for each
    status it can answer, so no endpoint has to remember to."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        declare_errors(schema)
        return schema


def declare_errors(schema: dict) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    envelope = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(envelope.pop("$defs", {}))
    components["ErrorEnvelope"] = envelope
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                if status == 401 and not operation.get("security"):
                    continue
                if status in BODY_ONLY_STATUSES and "requestBody" not in operation:
                    continue
                responses.setdefault(status, {"description": description, "content": content})


