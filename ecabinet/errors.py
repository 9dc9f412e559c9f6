"""The error every action raises for a refused change; views turn it into a response."""

from __future__ import annotations


class ActionError(Exception):
    """A refused change: `code` for machines, `message` (already translated) for people.

    status: 400 bad input, 403 not allowed, 404 not found, 409 conflict, 413 too large,
    415 unsupported type.
    """

    def __init__(self, code: str, message: str, *, status: int = 400, extra: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.status = status
        self.extra = extra or {}


class PermissionDeniedError(ActionError):
    def __init__(self, message: str, *, code: str = "forbidden"):
        super().__init__(code, message, status=403)


class NotFoundError(ActionError):
    def __init__(self, message: str, *, code: str = "not_found"):
        super().__init__(code, message, status=404)


class ConflictError(ActionError):
    def __init__(self, code: str, message: str, *, extra: dict | None = None):
        super().__init__(code, message, status=409, extra=extra)
