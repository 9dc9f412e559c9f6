"""Signer backends: every backend hands out a pyHanko ``Signer``.

The PDF layer (``signing.pdf.pades``) only ever sees a ``Signer``, so a key held in the
database, a PKCS#11 token and a remote CSC service are interchangeable there. The
exceptions below are what callers (views, management commands) are expected to catch;
they never leak backend-library exception types.
"""

from __future__ import annotations

import urllib.request

__all__ = [
    "NO_REDIRECTS",
    "RemoteSignerError",
    "SigningBackendError",
    "TokenError",
    "TokenNotFound",
    "TokenPinError",
]


class SigningBackendError(Exception):
    """Base class for failures of a signing backend (token, HSM, remote service)."""


class TokenError(SigningBackendError):
    """A PKCS#11 module or token failed in a way that is not the user's fault."""


class TokenNotFound(TokenError):
    """The token, or the key/certificate on it, is not there."""


class TokenPinError(TokenError):
    """The PIN was rejected (wrong, locked, expired or malformed)."""


class RemoteSignerError(SigningBackendError):
    """A remote signing service refused a request or could not be reached.

    ``status`` is the HTTP status (``None`` when the service was unreachable), ``error``
    and ``description`` carry the service's own CSC error code and message: for the log and
    for telling error kinds apart, never to be shown to the user (the text comes from outside).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.description = description


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is: following it would carry the user's bearer
    token to an address nobody approved."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201, PLR0913
        return None


# urllib opener for calls to remote signing services (no redirects; proxies from the environment)
NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)
