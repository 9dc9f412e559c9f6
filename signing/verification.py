"""The public verification service shared by ``POST /api/v1/verify`` and the /verify/ page."""
from __future__ import annotations

import logging

from ecabinet.inputs import clean_file_name
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots

logger = logging.getLogger(__name__)

VERIFY_MAX_BYTES = 50 * 1024 * 1024
VERIFY_TIME_LIMIT_S = 30.0


def _report(filename: str, status: str, error: str) -> dict:
    return {"file": filename, "status": status, "error": error, "signatures": []}


def verify_upload(data: bytes, filename: str) -> dict:
    """The DESIGN.md verify_pdf report; any failure is an ``error`` verdict, never a pass."""
    filename = clean_file_name(filename, default="upload.pdf", max_length=200)
    if len(data) > VERIFY_MAX_BYTES:
        return _report(filename, "error", "file too large")
    try:
        roots = installation_trust_roots()
        return verify_pdf_bytes(data, trust_roots=roots, filename=filename, max_bytes=VERIFY_MAX_BYTES,
                                time_limit_s=VERIFY_TIME_LIMIT_S)
    except Exception as exc:  # noqa: BLE001 - a verification that breaks is a failed verification
        logger.warning("verification failed: %s: %s", type(exc).__name__, exc)
        return _report(filename, "error", "validation failed")
