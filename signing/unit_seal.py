"""The organisation's signature (chữ ký số của cơ quan, Decree 30 art. 2, Decree 130/2018): a unit
signs the papers its office issues (notices, invitations) with its own certificate and seal.

Where the unit's key lives: in the database (``UnitCertificate.key_blob``), AES-256-GCM encrypted
under a key derived with HKDF-SHA256 from ``settings.UNIT_KEY_SECRET`` (an environment value, or
a secret generated once into VAR_DIR/unit_key_secret, mode 0600). The certificate's SHA-256
fingerprint is the associated data, so a blob moved onto another unit's row does not decrypt.
The key is never exported: no page, endpoint or admin shows or downloads it; it is decrypted
only here, for the time of one signature. A separate secret from SECRET_KEY: rotating the
session key must not take the units' keys with it, and a leaked SECRET_KEY alone does not
open them.

Who may seal (``signing.access.can_issue_for_unit``): whoever holds the right
``issue_documents`` over the unit (the office clerk, unit and system administrators), or, for a
paper of a meeting, a person who runs that meeting (its chair or secretary) when the meeting
belongs to the unit: scheduling a meeting issues its invitation in the unit's name without an
office clerk at hand. ``sign_as_unit`` opens no durable block: it is called inside the action
that issues the paper, which owns the transaction and the audit of the paper itself.
"""

from __future__ import annotations

import logging
import os

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, PermissionDeniedError
from ecabinet.models import Unit, User
from signing.access import can_issue_for_unit
from signing.models import SignatureImage, UnitCertificate
from signing.pdf import pades, pki
from signing.pdf.errors import CertificateProblem, PdfSigningError
from signing.pdf.stamp import StampInfo

logger = logging.getLogger(__name__)

__all__ = [
    "active_unit_certificate",
    "seal_image_of",
    "sign_as_unit",
    "unwrap_unit_key",
    "wrap_unit_key",
]

_INFO = b"ecabinet.signing.unit-key.v1"
_VERSION = b"\x01"


def _kek() -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        settings.UNIT_KEY_SECRET.encode())


def _aad(cert: x509.Certificate) -> bytes:
    return _VERSION + cert.fingerprint(hashes.SHA256())


def wrap_unit_key(key: pki.PrivateKey, cert: x509.Certificate) -> bytes:
    """The unit's key encrypted under UNIT_KEY_SECRET, bound to `cert`."""
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(_kek()).encrypt(nonce, der, _aad(cert))


def unwrap_unit_key(blob: bytes, cert: x509.Certificate) -> pki.PrivateKey:
    blob = bytes(blob)
    if not blob.startswith(_VERSION) or len(blob) < 1 + 12 + 16:
        raise ValueError("unknown unit key format")
    try:
        der = AESGCM(_kek()).decrypt(blob[1:13], blob[13:], _aad(cert))
    except InvalidTag:
        raise ValueError("the unit key cannot be decrypted with UNIT_KEY_SECRET (was it changed?)") from None
    key = serialization.load_der_private_key(der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return key


def active_unit_certificate(unit: Unit) -> UnitCertificate | None:
    """The unit's current certificate when it can sign now (not replaced, revoked or expired)."""
    cert = UnitCertificate.objects.filter(unit=unit, replaced_at__isnull=True, revoked_at__isnull=True).first()
    if cert is None or cert.is_expired or timezone.now() < cert.not_before:
        return None
    return cert


def seal_image_of(unit: Unit) -> bytes | None:
    row = SignatureImage.objects.filter(unit=unit, kind=SignatureImage.Kind.SEAL).only("png").first()
    return bytes(row.png) if row is not None else None


def no_unit_certificate(unit: Unit) -> ActionError:
    return ActionError(
        "no_unit_certificate",
        _("%(unit)s has no organisation certificate to sign with. Ask an administrator to issue one.")
        % {"unit": unit.name}, status=409)


def sign_as_unit(pdf: bytes, *, unit: Unit, actor: User, field_name: str | None = None, reason: str = "",
                 meeting=None, page: int = -1) -> bytes:  # noqa: ANN001 - meetings.Meeting
    """Sign `pdf` (PAdES) in the name of `unit`, with its certificate and seal appearance, into
    `field_name` (an existing empty signature field, or a new one at the stamp's place); returns
    the signed bytes.

    `actor` must be allowed to issue the unit's papers (``can_issue_for_unit``; `meeting` names
    the meeting whose paper this is, for its chair or secretary). Refusals: 403 `forbidden`,
    409 `no_unit_certificate`, 400 for a PDF that cannot be signed. Opens no durable block:
    call it inside the action that issues the paper; an audit row records the seal."""
    if not can_issue_for_unit(actor, unit, meeting=meeting):
        raise PermissionDeniedError(_("You may not issue papers in the name of %(unit)s.") % {"unit": unit.name})
    cert = active_unit_certificate(unit)
    if cert is None:
        raise no_unit_certificate(unit)
    try:
        pki.check_signing_certificate(cert.certificate)
    except CertificateProblem:
        raise no_unit_certificate(unit) from None
    key = unwrap_unit_key(bytes(cert.key_blob), cert.certificate)
    signer = pades.make_key_signer(key, cert.certificate, cert.chain)
    signed_at = timezone.now()
    stamp = StampInfo(full_name=unit.name, position="", unit="", reason=reason, signed_at=signed_at,
                      page=page, image=seal_image_of(unit), organisation=True)
    try:
        out = pades.sign_pdf(pdf, signer, field_name=field_name, reason=reason, stamp=stamp)
    except PdfSigningError as exc:
        from signing.actions.documents import pdf_error

        raise pdf_error(exc) from None
    record_audit(actor=actor, action="signing.unit_seal", obj=cert,
                 details={"unit": unit.pk, "serial": cert.serial, "field": field_name or "",
                          "reason": reason[:255], "meeting": getattr(meeting, "pk", None),
                          "seal_image": stamp.image is not None})
    return out
