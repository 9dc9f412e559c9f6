"""The public verification service shared by ``POST /api/v1/verify`` and the /verify/ page.

The upload goes through the PDF intake first (ecabinet/intake.py, purpose VERIFY): the same
size, page, inflate and time limits and the same refusals as every other upload. Only an
encrypted file passes on, for the verifier to report ("error", "encrypted PDF (password
required)") or, when it opens with an empty password, to verify.

The report an official reads (Circular 15/2025/TT-BKHCN on signing software, the tender's [TT15]
§2.4, fn146): for each signature the certification service provider that issued the
certificate, the signer, the signing time in Vietnam time (from the timestamp when there is one,
else the time the signer's computer stated, said so), the integrity result, the certificate's
validity at that time and whether it chains to a trusted root, in plain words in the reader's
language. `explain` adds these to the verifier's report without changing a field it had: the
page, the API and ``manage.py verify_pdf --json`` all carry them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.inputs import clean_file_name
from ecabinet.intake import Purpose, intake_pdf
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots

logger = logging.getLogger(__name__)

VERIFY_TIME_LIMIT_S = 30.0
# A paper of record is dated in Vietnam's time, whatever the server's clock zone.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

VERDICTS = {
    "valid": gettext_lazy("valid"),
    "untrusted": gettext_lazy("intact, but the certificate is not trusted"),
    "modified": gettext_lazy("changed after signing"),
    "invalid": gettext_lazy("invalid"),
    "unsigned": gettext_lazy("not signed"),
    "error": gettext_lazy("cannot be read as a PDF"),
}
LEVELS = {
    "B-B": gettext_lazy("A digital signature without a timestamp"),
    "B-T": gettext_lazy("A signature with a timestamp"),
    "B-LT": gettext_lazy("A signature with a timestamp and long-term validation data"),
    "B-LTA": gettext_lazy("A signature with a timestamp, long-term validation data and an archive timestamp"),
}


def error_message(error: str | None) -> str | None:
    """The verifier's error (a stable English code-like text in the JSON) in the reader's words."""
    if not error:
        return None
    if error.startswith("encrypted PDF"):
        return _("The PDF is protected with a password. Open it, save a copy without the password "
                 "and check that copy.")
    if error == "file too large":
        return _("The file is too large to check.")
    if error.startswith("cannot read the PDF"):
        return _("The file cannot be read as a PDF: it is damaged or not a PDF.")
    if error == "validation timed out":
        return _("Checking the signatures took too long and was stopped. Try again later.")
    if error.startswith("too many signature fields"):
        return _("The file has too many signature fields to check.")
    return _("The signatures could not be checked.")


def _moment(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).astimezone(VIETNAM)
    except ValueError:
        return None


def _vietnam_time(iso: str | None) -> str:
    """"09:15:02 ngày 30/11/2026 (giờ Việt Nam, UTC+7)"."""
    moment = _moment(iso)
    if moment is None:
        return _("unknown")
    return _("%(time)s on %(date)s (Vietnam time, UTC+7)") % {
        "time": moment.strftime("%H:%M:%S"), "date": moment.strftime("%d/%m/%Y")}


def _day(iso: str | None) -> str:
    moment = _moment(iso)
    return moment.strftime("%d/%m/%Y") if moment else "?"


def _joined(*parts: str | None) -> str:
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen)


def _line(topic: str, label: str, text: str, ok: bool | None) -> dict[str, Any]:
    return {"topic": topic, "label": label, "text": text, "ok": ok}


def _integrity(sig: dict) -> tuple[str, bool]:
    if not sig["intact"]:
        return _("the document was changed after signing: the signature does not match its content"), False
    if sig["modified_after"]:
        return _("the document was changed after signing with changes the signer did not allow"), False
    if sig["coverage"] == "entire_file":
        return _("the document was not changed after signing"), True
    return _("the signed content was not changed; only allowed additions (such as further signatures) "
             "came later"), True


def _certificate(sig: dict) -> tuple[str, bool | None]:
    state = sig.get("certificate_at_signing") or "unknown"
    span = {"start": _day(sig.get("certificate_valid_from")), "end": _day(sig.get("certificate_valid_to"))}
    if state == "valid":
        return _("valid at the signing time (valid from %(start)s to %(end)s)") % span, True
    if state == "expired":
        return _("expired on %(end)s, before the signing time") % span, False
    if state == "not_yet_valid":
        return _("not yet valid at the signing time (valid only from %(start)s)") % span, False
    if state == "revoked":
        if sig.get("revoked_at"):
            return _("revoked on %(date)s; nothing proves the signature was made before that") % {
                "date": _day(sig["revoked_at"])}, False
        return _("revoked; nothing proves the signature was made before that"), False
    return _("could not be determined"), None


def explain_signature(sig: dict, number: int) -> dict[str, Any]:
    """The fields a reader needs, added to one signature of the report (in the active language)."""
    stamped = sig.get("signed_at_source") == "timestamp"
    moment = _moment(sig.get("signed_at"))
    if stamped:
        time_label = _("Signing time (timestamp)")
        time_text = _vietnam_time(sig["signed_at"])
        if sig.get("timestamp_authority"):
            time_text += " — " + _("timestamp by %(authority)s") % {"authority": sig["timestamp_authority"]}
    else:
        time_label = _("Signing time (stated by the signer's computer, not certified)")
        time_text = _vietnam_time(sig.get("signed_at"))
    integrity, intact = _integrity(sig)
    certificate, valid = _certificate(sig)
    lines = [
        _line("issuer", _("Certification service provider"),
              _joined(sig.get("issuer"), sig.get("issuer_organization")) or _("unknown"), None),
        _line("signer", _("Signer"),
              _joined(sig.get("signer"), sig.get("signer_unit"), sig.get("signer_organization")) or _("unknown"), None),
        _line("time", time_label, time_text, True if stamped else None),
        _line("integrity", _("Integrity"), integrity, intact),
        _line("certificate", _("Certificate validity"), certificate, valid),
        _line("trust", _("Trust"),
              _("the certificate chains to a trusted root certification authority") if sig.get("chain_trusted")
              else _("the certificate does not chain to a root certification authority this system trusts"),
              bool(sig.get("chain_trusted"))),
    ]
    if sig.get("level") in LEVELS:
        lines.append(_line("level", _("Kind of signature"), str(LEVELS[sig["level"]]), None))
    return {
        "name": sig.get("signer") or _("Digital signature %(number)d") % {"number": number},
        "signed_at_local": moment.isoformat() if moment else None,
        "verdict": str(VERDICTS.get(sig["status"], sig["status"])),
        "details": lines,
    }


def explain(report: dict) -> dict:
    """The report with the reader's fields added (every field it had is kept as it was)."""
    return {
        **report,
        "verdict": str(VERDICTS.get(report["status"], report["status"])),
        "error_message": error_message(report.get("error")),
        "signatures": [{**sig, **explain_signature(sig, n)} for n, sig in enumerate(report["signatures"], 1)],
    }


def _report(filename: str, status: str, error: str) -> dict:
    return {"file": filename, "status": status, "error": error, "signatures": []}


def verify_upload(upload) -> dict:
    """The DESIGN.md verify_pdf report for an uploaded file, explained (`explain`); any failure of
    the verifier is an ``error`` verdict, never a pass. A file the intake refuses raises its
    ActionError."""
    filename = clean_file_name(getattr(upload, "name", "") or "", default="upload.pdf", max_length=200)
    intake_pdf(upload, name=filename, purpose=Purpose.VERIFY)
    data = upload.read()
    upload.seek(0)
    try:
        roots = installation_trust_roots()
        report = verify_pdf_bytes(data, trust_roots=roots, filename=filename,
                                  max_bytes=settings.MAX_UPLOAD_MB * 1024 * 1024,
                                  time_limit_s=VERIFY_TIME_LIMIT_S)
    except Exception as exc:  # noqa: BLE001 - a verification that breaks is a failed verification
        logger.warning("verification failed: %s: %s", type(exc).__name__, exc)
        report = _report(filename, "error", "validation failed")
    return explain(report)
