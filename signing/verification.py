"""The public verification service shared by ``POST /api/v1/verify`` and the /verify/ page.

The upload goes through the PDF intake first (ecabinet/intake.py, purpose VERIFY): the same
size, page, inflate and time limits and the same refusals as every other upload. Only an
encrypted file passes on, for the verifier to report ("error", "encrypted PDF (password
required)") or, when it opens with an empty password, to verify.
"""

from __future__ import annotations

import logging

from django.conf import settings

from ecabinet.intake import Purpose, intake_pdf
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots

logger = logging.getLogger(__name__)

VERIFY_TIME_LIMIT_S = 30.0


def _report(filename: str, status: str, error: str) -> dict:
    return {"file": filename, "status": status, "error": error, "signatures": []}


def verify_upload(upload) -> dict:
    """The DESIGN.md verify_pdf report for an uploaded file; any failure of the verifier is an
    ``error`` verdict, never a pass. A file the intake refuses raises its ActionError."""
    filename = (getattr(upload, "name", "") or "upload.pdf").replace("/", "_").replace("\\", "_")[:200]
    intake_pdf(upload, name=filename, purpose=Purpose.VERIFY)
    data = upload.read()
    upload.seek(0)
    try:
        roots = installation_trust_roots()
        return verify_pdf_bytes(data, trust_roots=roots, filename=filename,
                                max_bytes=settings.MAX_UPLOAD_MB * 1024 * 1024,
                                time_limit_s=VERIFY_TIME_LIMIT_S)
    except Exception as exc:  # noqa: BLE001 - a verification that breaks is a failed verification
        logger.warning("verification failed: %s: %s", type(exc).__name__, exc)
        return _report(filename, "error", "validation failed")
