"""Exceptions raised by the PDF signing core.

Each carries a stable ``code`` (the Django layer translates it for users) and a short
English ``message`` for logs.
"""

from __future__ import annotations


class PdfSigningError(Exception):
    code = "signing_error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        self.message = message or self.code.replace("_", " ")
        super().__init__(self.message)


class EncryptedPdf(PdfSigningError):
    code = "encrypted"


class DamagedPdf(PdfSigningError):
    code = "damaged"


class PageOutOfRange(PdfSigningError):
    code = "page_out_of_range"


class CertificateRefused(PdfSigningError):
    """The signing certificate cannot be used (see ``reason`` for the pki problem code)."""

    code = "certificate_problem"

    def __init__(self, message: str = "", *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class CertificateProblem(Exception):
    """A certificate is unusable for signing: ``code`` is ``expired``, ``not_yet_valid``
    or ``no_signing_key_usage``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class WrongPin(Exception):
    """The PIN does not decrypt the stored private key."""

    code = "wrong_pin"


class InvalidPkcs12(Exception):
    """A PKCS#12 file could not be opened (bad password or damaged file)."""

    code = "invalid_pkcs12"
