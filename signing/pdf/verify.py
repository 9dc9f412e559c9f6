"""Verify the signatures of a PDF and produce the DESIGN.md ``verify_pdf`` report.

Time limit: validation runs in a separate worker *process* (see :mod:`._workers`). A PDF
can make pyHanko parse or diff for a long time and Python cannot interrupt a thread, so a
thread with a deadline would leave the work running after we answered; a process can be
killed. Workers come from a ``forkserver`` context (safe to start from a threaded daphne or
runserver process), stay alive between calls, and are killed on timeout. The first call in
a process pays ~1 s to start a worker.

``trusted`` means the chain reaches a trust root and is valid at the signing time: at the
timestamp when the signature carries a valid one, else at the signer-claimed time (the
PDF ``/M`` or the CMS signing-time attribute, which the signer's computer chose).

Revocation: nothing is fetched. CRLs passed in (``crls=``) and those in the document's
DSS (B-LT) are consulted for every certificate of the path; a certificate they list as
revoked makes the signature untrusted, unless a trusted timestamp shows it was made before
the revocation date.

Speed: the worker reuses parsed trust roots and one event loop, and pyHanko's parser hot
spots are replaced by behaviour-identical versions (:mod:`._speedups`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from . import _speedups, _workers

__all__ = ["STATUS_ORDER", "verify_pdf_bytes", "verify_pdf_in_process"]

# worst last; the file's status is the worst of its signatures
STATUS_ORDER = ("valid", "untrusted", "modified", "invalid")
_EXPIRY_PROBLEMS = ("EXPIRED", "NOT_YET_VALID", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED")


def _report(filename: str, status: str, error: str | None = None, sigs: list | None = None) -> dict:
    return {"file": filename, "status": status, "error": error, "signatures": sigs or []}


def _roots_to_der(trust_roots: Sequence[x509.Certificate | bytes | str]) -> list[bytes]:
    out = []
    for root in trust_roots:
        if isinstance(root, x509.Certificate):
            out.append(root.public_bytes(serialization.Encoding.DER))
            continue
        raw = root.encode() if isinstance(root, str) else bytes(root)
        if b"-----BEGIN" in raw:
            out.extend(
                c.public_bytes(serialization.Encoding.DER)
                for c in x509.load_pem_x509_certificates(raw)
            )
        else:
            out.append(x509.load_der_x509_certificate(raw).public_bytes(serialization.Encoding.DER))
    return out


def verify_pdf_bytes(
    data: bytes,
    *,
    trust_roots: Sequence[x509.Certificate | bytes | str],
    filename: str = "x.pdf",
    max_bytes: int = 100 * 1024 * 1024,
    time_limit_s: float = 30,
    max_signatures: int = 200,
    crls: list[bytes | x509.CertificateRevocationList] | None = None,
) -> dict:
    """Return the report dict; never raises for bad input.

    ``crls`` (DER or ``cryptography`` objects, e.g. the installation's own CRL): a signer
    or CA certificate they list as revoked is not ``trusted`` (status ``untrusted``),
    unless a trusted timestamp shows the signature was made before the revocation. CRLs
    in the document's DSS (PAdES B-LT) are used the same way."""
    if len(data) > max_bytes:
        return _report(filename, "error", "file too large")
    try:
        roots = _roots_to_der(trust_roots)
    except ValueError as exc:
        raise ValueError(f"unreadable trust root: {exc}") from exc
    try:
        crls_der = tuple(
            (
                c if isinstance(c, x509.CertificateRevocationList) else x509.load_der_x509_crl(bytes(c))
            ).public_bytes(serialization.Encoding.DER)
            for c in crls or ()
        )
    except ValueError as exc:
        raise ValueError(f"unreadable CRL: {exc}") from exc
    try:
        return _workers.run(
            verify_pdf_in_process,
            (roots, filename, max_signatures, crls_der),
            time_limit_s,
            payload=data,
        )
    except _workers.Timeout:
        return _report(filename, "error", "validation timed out")
    except _workers.WorkerFailed as exc:
        return _report(filename, "error", f"validation failed: {exc}")


# --- everything below runs inside the worker process ---------------------------------------


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat()


def _count_sig_fields(reader: Any, limit: int) -> int:
    """Count /FT /Sig terminal fields, stopping past ``limit`` (bounded work)."""
    try:
        form = reader.root["/AcroForm"]
        todo = list(form["/Fields"])
    except (KeyError, TypeError):
        return 0
    count = seen = 0
    while todo and count <= limit and seen < 50 * (limit + 1):
        seen += 1
        node = todo.pop().get_object()
        kids = node.get("/Kids")
        if node.get("/FT") == "/Sig":
            count += 1
        elif kids is not None:
            todo.extend(kids)
    return count


def _cn(cert: Any) -> str | None:
    try:
        return _plain(cert.subject.native.get("common_name"))
    except Exception:
        return None


def _coverage(level: Any) -> str:
    from pyhanko.sign.validation import SignatureCoverageLevel as C

    if level == C.ENTIRE_FILE:
        return "entire_file"
    if level == C.ENTIRE_REVISION:
        return "entire_revision"
    return "partial"


_KEY_USAGE: Any = None


def _key_usage() -> Any:
    global _KEY_USAGE
    if _KEY_USAGE is None:
        from pyhanko.sign.validation.settings import KeyUsageConstraints

        _KEY_USAGE = KeyUsageConstraints(
            key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
        )
    return _KEY_USAGE


@functools.lru_cache(maxsize=16)
def _trust_manager(roots_der: tuple[bytes, ...]) -> Any:
    """Parsed trust roots, shared by the calls that trust the same roots. Read-only once
    built; each verification still gets a fresh ValidationContext (its certificate
    registry collects the certificates of the document being checked)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator.registry import SimpleTrustManager

    return SimpleTrustManager.build(
        trust_roots=[asn1_x509.Certificate.load(d) for d in roots_der]
    )


_loops = threading.local()


def _run(coro: Any) -> Any:
    """Run a coroutine on this thread's event loop. ``asyncio.run`` would create and tear
    down a loop per signature (~10% of a verification)."""
    loop = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)


async def _validate(emb: Any, vc: Any, skip_diff: bool = False) -> Any:
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature

    try:
        return await async_validate_pdf_signature(
            emb, vc, vc, key_usage_settings=_key_usage(), skip_diff=skip_diff
        )
    finally:
        await vc.aclose()


def _revoked(emb: Any, vc_factory: Any, at: datetime | None) -> Any:
    """Ask again, with revocation info required for the whole path, whether a certificate
    of the path is revoked at ``at`` (now when None). pyHanko's default (soft-fail)
    consults CRLs only for certificates that name a distribution point; the CRLs handed
    in apply to certificates without one too. Any other failure of this second pass (no
    CRL for some certificate) is not a revocation and leaves the first verdict alone.
    The status when revoked (its ``revocation_details`` say when), else None."""
    st = _run(_validate(emb, vc_factory(at, revinfo_required=True), skip_diff=True))
    return st if getattr(st.trust_problem_indic, "name", "").startswith("REVOKED") else None


def _name_part(name: Any, key: str) -> str | None:
    try:
        value = name.native.get(key)
    except Exception:
        return None
    if isinstance(value, list):  # a name may repeat an attribute (several OU)
        value = ", ".join(str(v) for v in value)
    return _plain(value) if value else None


def _certificate_facts(cert: Any) -> dict:
    """What a reader needs of the signer's certificate: who it names, who issued it, when
    it is valid (ISO UTC)."""
    facts: dict[str, Any] = {
        "signer_organization": None, "signer_unit": None, "issuer": None, "issuer_organization": None,
        "certificate_serial": None, "certificate_valid_from": None, "certificate_valid_to": None,
    }
    if cert is None:
        return facts
    facts.update({
        "signer_organization": _name_part(cert.subject, "organization_name"),
        "signer_unit": _name_part(cert.subject, "organizational_unit_name"),
        "issuer": _name_part(cert.issuer, "common_name"),
        "issuer_organization": _name_part(cert.issuer, "organization_name"),
    })
    try:
        facts["certificate_serial"] = format(cert.serial_number, "X")
        facts["certificate_valid_from"] = _iso(cert.not_valid_before)
        facts["certificate_valid_to"] = _iso(cert.not_valid_after)
    except Exception:
        pass
    return facts


def _at_signing(cert: Any, signed_at: datetime | None, revoked_status: Any, proven: bool) -> tuple[str, str | None]:
    """The signer's certificate at the signing time: valid, expired, not_yet_valid, revoked
    (before signing, or at a time no trusted timestamp shows came before the signature) or
    unknown; with the revocation time when there is one."""
    revoked_at = getattr(getattr(revoked_status, "revocation_details", None), "revocation_date", None)
    if cert is None or signed_at is None:
        return ("revoked" if revoked_status is not None else "unknown"), _iso(revoked_at)
    moment = signed_at if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)
    try:
        if moment < cert.not_valid_before:
            return "not_yet_valid", _iso(revoked_at)
        if moment > cert.not_valid_after:
            return "expired", _iso(revoked_at)
    except Exception:
        return "unknown", _iso(revoked_at)
    if revoked_status is not None and not (proven and revoked_at is not None and moment < revoked_at):
        return "revoked", _iso(revoked_at)
    return "valid", _iso(revoked_at)


def _validate_one(emb: Any, vc_factory: Any, *, check_revocation: bool = False) -> dict:
    from pyhanko.sign.diff_analysis import ModificationLevel

    st = _run(_validate(emb, vc_factory(None)))
    ts = st.timestamp_validity
    ts_ok = ts is not None and ts.intact and ts.valid
    signed_at = ts.timestamp if ts_ok else st.signer_reported_dt
    trusted = st.trusted
    problem = getattr(st.trust_problem_indic, "name", None)
    if not trusted and problem in _EXPIRY_PROBLEMS and signed_at is not None:
        # valid at signing time is what counts (a certificate may expire after signing)
        st2 = _run(_validate(emb, vc_factory(signed_at), skip_diff=True))
        trusted = st2.trusted
    if ts is not None and not (ts.intact and ts.valid and ts.trusted):
        trusted = False  # an untrusted or broken timestamp undermines the signing time
    # Revocation counts from when the signature was provably made: a trusted timestamp.
    # Without one the signer-claimed time proves nothing (a stolen key can backdate).
    proven_at = ts.timestamp if ts_ok and ts.trusted else None
    revoked_status = st if (problem or "").startswith("REVOKED") else None
    if not trusted and revoked_status is not None and proven_at is not None:
        st3 = _run(_validate(emb, vc_factory(proven_at), skip_diff=True))
        trusted = st3.trusted
    if trusted and check_revocation:
        revoked_status = _revoked(emb, vc_factory, proven_at)
        if revoked_status is not None:
            trusted = False
    # The chain reaches a trust root (what went wrong, if anything, is a matter of time).
    chain_trusted = bool(st.trusted) or problem in _EXPIRY_PROBLEMS or (problem or "").startswith("REVOKED")
    at_signing, revoked_at = _at_signing(st.signing_cert, signed_at, revoked_status, proven_at is not None)
    intact = bool(st.intact and st.valid)
    coverage = _coverage(st.coverage)
    level = st.modification_level
    modified = (
        coverage == "partial"
        or (coverage == "entire_revision" and level is None)
        or (level is not None and level > ModificationLevel.FORM_FILLING)
        or st.docmdp_ok is False
    )
    if not intact:
        status = "invalid"
    elif modified:
        status = "modified"
    elif not trusted:
        status = "untrusted"
    else:
        status = "valid"
    return {
        "field": _plain(emb.field_name),
        "signer": _cn(st.signing_cert),
        "signed_at": _iso(signed_at),
        "intact": intact,
        "trusted": bool(trusted and intact),
        "modified_after": bool(modified),
        "coverage": coverage,
        "timestamped": ts is not None,
        "status": status,
        # Added for the reader's report (fn146); the fields above are the stable interface.
        **_certificate_facts(st.signing_cert),
        "signed_at_source": ("timestamp" if ts_ok else "claimed") if signed_at is not None else None,
        "timestamp_authority": _cn(ts.signing_cert) if ts is not None else None,
        "timestamp_trusted": bool(ts is not None and ts.intact and ts.valid and ts.trusted),
        "chain_trusted": chain_trusted,
        "certificate_at_signing": at_signing,
        "revoked_at": revoked_at,
    }


def _plain(value: Any) -> str | None:
    """A plain ``str``: pyHanko's string objects keep a reference to the PDF they came
    from, and pickling one back from the worker would copy the whole document along."""
    return None if value is None else str.__str__(value) if isinstance(value, str) else str(value)


def _invalid_entry(field: str | None, signer: str | None, signed_at: str | None = None) -> dict:
    return {
        "field": _plain(field),
        "signer": signer,
        "signed_at": signed_at,
        "intact": False,
        "trusted": False,
        "modified_after": False,
        "coverage": "partial",
        "timestamped": False,
        "status": "invalid",
        **_certificate_facts(None),
        "signed_at_source": "claimed" if signed_at else None,
        "timestamp_authority": None,
        "timestamp_trusted": False,
        "chain_trusted": False,
        "certificate_at_signing": "unknown",
        "revoked_at": None,
    }


def _has_dss(reader: Any) -> bool:
    try:
        return "/DSS" in reader.root
    except Exception:
        return False


def _level(sig: dict, *, has_dss: bool, archived: bool) -> str:
    """The PAdES baseline level the document shows for a signature, as far as its parts
    tell: B-T with a signature timestamp, B-LT when the document also keeps validation data
    (a DSS), B-LTA when a document timestamp protects that data; B-B otherwise."""
    if not sig["timestamped"]:
        return "B-B"
    if not has_dss:
        return "B-T"
    return "B-LTA" if archived else "B-LT"


def _dss_revinfo(reader: Any) -> tuple[list, list]:
    """CRLs and certificates from the document's DSS, if it has a readable one (extra
    revocation information can only take trust away, never grant it)."""
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.decode_limits import DecodePurpose
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    try:
        if "/DSS" not in reader.root:
            return [], []
        dss = DocumentSecurityStore.read_dss(reader)
        crls = [
            asn1_crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL))
            for ref in dss.crls
        ]
        certs = [c for c in dss.load_certs() if isinstance(c, asn1_x509.Certificate)]
        return crls, certs
    except Exception:
        return [], []


def verify_pdf_in_process(
    data: bytes,
    roots_der: list[bytes],
    filename: str,
    max_signatures: int,
    crls_der: tuple[bytes, ...] = (),
) -> dict:
    """The verification itself, unbounded in time: call through :func:`verify_pdf_bytes`."""
    from asn1crypto import crl as asn1_crl
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )

    _speedups.install()
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    trust = _trust_manager(tuple(roots_der))
    crls = [asn1_crl.CertificateList.load(bytes(d)) for d in crls_der]
    other_certs: list = []

    def vc_factory(moment: datetime | None, *, revinfo_required: bool = False) -> ValidationContext:
        extra: dict[str, Any] = {}
        if revinfo_required or moment is not None:
            # revinfo_required: every certificate of the path must have revocation info;
            # only used to ask "is it revoked?" (a missing CRL is ignored, see _revoked).
            # At a past moment, today's CRL tells whether a certificate was already
            # revoked then (retroactive use of revocation info).
            rule = (
                RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
                if revinfo_required
                else RevocationCheckingRule.CHECK_IF_DECLARED_SOFT
            )
            extra["revinfo_policy"] = CertRevTrustPolicy(
                RevocationCheckingPolicy(rule, rule), retroactive_revinfo=moment is not None
            )
        return ValidationContext(
            trust_manager=trust,
            allow_fetching=False,
            moment=moment,
            crls=crls or None,
            other_certs=other_certs,
            **extra,
        )

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
    except Exception as exc:
        return _report(filename, "error", f"cannot read the PDF: {exc}"[:200])
    dss_crls, dss_certs = _dss_revinfo(reader)
    crls.extend(dss_crls)
    other_certs.extend(dss_certs)
    try:
        if reader.encrypted:
            # signed PDFs with an empty user password (permissions only) are readable
            try:
                ok = reader.decrypt("").status.name != "FAILED"
            except Exception:
                ok = False
            if not ok:
                return _report(filename, "error", "encrypted PDF (password required)")
        n_fields = _count_sig_fields(reader, max_signatures)
        if n_fields > max_signatures:
            return _report(
                filename, "error", f"too many signature fields (more than {max_signatures})"
            )
        embedded = list(reader.embedded_regular_signatures)
        filled = [name for name, value, _ in enumerate_sig_fields(reader, filled_status=True)]
    except Exception as exc:
        return _report(filename, "error", f"cannot read the PDF: {exc}"[:200])

    sigs: list[dict] = []
    covered = set()
    for emb in embedded[: max_signatures + 1]:
        covered.add(emb.field_name)
        try:
            sigs.append(_validate_one(emb, vc_factory, check_revocation=bool(crls)))
        except Exception:
            # never a pass: whatever broke, this signature is not shown as valid
            try:
                cert = emb.signer_cert
            except Exception:
                cert = None
            entry = _invalid_entry(emb.field_name, _cn(cert) if cert is not None else None)
            sigs.append(entry | _certificate_facts(cert))
    # signature values pyHanko skipped (unknown /SubFilter, document timestamps are
    # reported separately by pyHanko and left out here) are unverifiable: invalid
    ts_fields = set()
    try:
        ts_fields = {t.field_name for t in reader.embedded_timestamp_signatures}
    except Exception:
        pass
    for name in filled:
        if name not in covered and name not in ts_fields:
            sigs.append(_invalid_entry(name, None))
    if not sigs:
        return _report(filename, "unsigned")
    has_dss = _has_dss(reader)
    for sig in sigs:
        sig["level"] = _level(sig, has_dss=has_dss, archived=bool(ts_fields))
    worst = max(sigs, key=lambda s: STATUS_ORDER.index(s["status"]))["status"]
    return _report(filename, worst, None, sigs)
