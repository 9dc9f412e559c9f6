"""The installation CA and the roots this installation trusts.

Where the CA key lives: in the database (``InstallationCA.key_blob``), AES-256-GCM encrypted
under a key derived with HKDF-SHA256 from ``settings.SECRET_KEY``. Why SECRET_KEY and not a
key file in VAR_DIR: every worker of a scaled-out deployment already shares SECRET_KEY (and
must keep it secret anyway), while VAR_DIR is local to each machine. SECRET_KEY is high-entropy,
so a fast KDF is enough (unlike a user's short PIN, which goes through Argon2id). Rotating
SECRET_KEY: put the old value in ``SECRET_KEY_FALLBACKS``; the CA key is still readable and
``init_ca --rewrap`` re-encrypts it under the new one.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from signing.models import InstallationCA, SigningCertificate, TrustRoot, UnitCertificate
from signing.pdf import pki
from signing.pdf.pades import run_sync

__all__ = [
    "build_crl_der",
    "ca_private_key",
    "certificate_names_user",
    "chains_to_trusted_root",
    "crl_url",
    "ensure_installation_ca",
    "fingerprint",
    "installation_ca",
    "installation_trust_roots",
    "trust_roots_pem",
]

CA_COMMON_NAME = "eCabinet Installation CA"
CA_ORGANIZATION = "Ủy ban nhân dân — eCabinet"
_INFO = b"ecabinet.signing.installation-ca.v1"
_cache_lock = threading.Lock()
_key_cache: dict[bytes, pki.PrivateKey] = {}


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _wrapping_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def _wrap(key: pki.PrivateKey) -> bytes:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(_wrapping_key(settings.SECRET_KEY)).encrypt(nonce, der, b"\x01")


def _unwrap(blob: bytes) -> pki.PrivateKey:
    blob = bytes(blob)
    if not blob or blob[0] != 1:
        raise ValueError("unknown CA key format")
    nonce, ct = blob[1:13], blob[13:]
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            der = AESGCM(_wrapping_key(secret)).decrypt(nonce, ct, b"\x01")
        except InvalidTag:
            continue
        key = serialization.load_der_private_key(der, password=None)
        return key  # type: ignore[return-value]
    raise ValueError("the installation CA key cannot be decrypted with SECRET_KEY (was it changed?)")


def installation_ca() -> InstallationCA | None:
    return InstallationCA.objects.filter(pk=1).first()


@transaction.atomic
def ensure_installation_ca() -> tuple[InstallationCA, bool]:
    """Create the CA (and its trust root) once; returns (ca, created)."""
    existing = InstallationCA.objects.select_for_update().filter(pk=1).first()
    if existing is not None:
        _ensure_root(existing)
        return existing, False
    key, cert = pki.create_ca(CA_COMMON_NAME, CA_ORGANIZATION)
    ca = InstallationCA.objects.create(
        pk=1,
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_blob=_wrap(key),
        fingerprint=fingerprint(cert),
    )
    _ensure_root(ca)
    from ecabinet.audit import record_audit

    record_audit(actor=None, action="signing.ca_create", obj=ca,
                 details={"subject": ca.subject, "fingerprint": ca.fingerprint})
    return ca, True


def _ensure_root(ca: InstallationCA) -> None:
    TrustRoot.objects.get_or_create(
        fingerprint=ca.fingerprint,
        defaults={"name": CA_COMMON_NAME, "cert_pem": ca.cert_pem,
                  "source": TrustRoot.Source.INSTALLATION, "active": True},
    )


def rewrap_ca_key() -> None:
    """Re-encrypt the CA key under the current SECRET_KEY (after a rotation)."""
    ca = InstallationCA.objects.get(pk=1)
    ca.key_blob = _wrap(_unwrap(bytes(ca.key_blob)))
    ca.save(update_fields=["key_blob"])


def ca_private_key(ca: InstallationCA) -> pki.PrivateKey:
    blob = bytes(ca.key_blob)
    with _cache_lock:
        key = _key_cache.get(blob)
    if key is None:
        key = _unwrap(blob)
        with _cache_lock:
            _key_cache.clear()
            _key_cache[blob] = key
    return key


def crl_url() -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse('signing_crl')}"


def installation_trust_roots() -> list[x509.Certificate]:
    """Trusted roots from the database: the installation CA first, then imported roots."""
    roots = list(TrustRoot.objects.filter(active=True))
    ca = installation_ca()
    first = ca.fingerprint if ca else None
    roots.sort(key=lambda r: (r.fingerprint != first, r.source != TrustRoot.Source.INSTALLATION, r.pk))
    return [r.certificate for r in roots]


def trust_roots_pem() -> str:
    return "".join(
        c.public_bytes(serialization.Encoding.PEM).decode() for c in installation_trust_roots()
    )


def build_crl_der() -> bytes:
    """The CRL of certificates this installation issued and revoked (signed by its CA)."""
    ca = installation_ca()
    if ca is None:
        ca, _created = ensure_installation_ca()
    revoked = [
        (int(c.serial, 16), c.revoked_at)
        for c in SigningCertificate.objects.filter(issued_here=True, revoked_at__isnull=False)
        if c.revoked_at is not None  # as filtered: says so to the type checker
    ]
    revoked += [
        (int(c.serial, 16), c.revoked_at)
        for c in UnitCertificate.objects.filter(revoked_at__isnull=False)
        if c.revoked_at is not None
    ]
    # The CRL number must grow with every change: a hash-free monotonic choice is the count
    # of revocations plus the newest revocation time.
    newest = max((r[1] for r in revoked), default=None)
    number = int(newest.timestamp()) * 1000 + len(revoked) if newest else 1
    return pki.build_crl(ca_private_key(ca), ca.certificate, revoked, crl_number=number)


def chains_to_trusted_root(cert: x509.Certificate, intermediates: list[x509.Certificate]) -> bool:
    """Whether `cert` (with the `intermediates` it came with) leads to an active trust root and is
    valid for it now. Offline: nothing is fetched; revocation of certificates issued here is
    checked on the certificate rows themselves."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

    roots = installation_trust_roots()
    if not roots:
        return False

    def asn1(c: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    context = ValidationContext(trust_roots=[asn1(r) for r in roots], allow_fetching=False)
    validator = CertificateValidator(asn1(cert), intermediate_certs=[asn1(c) for c in intermediates],
                                     validation_context=context)
    try:
        run_sync(validator.async_validate_path())
    except (PathBuildingError, PathValidationError, ValidationError):
        return False
    return True


def _plain_name(value: str) -> str:
    # "Nguyễn Văn Thành" and "NGUYEN VAN THANH" are the same person's name on certificates
    # from CAs that drop the diacritics; đ has no decomposition, so it is mapped by hand.
    decomposed = unicodedata.normalize("NFKD", value.replace("đ", "d").replace("Đ", "D"))
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.casefold().split())


def certificate_names_user(cert: x509.Certificate, user) -> bool:  # noqa: ANN001 - ecabinet User
    """Whether `cert` names `user`: its common name is the person's full name (diacritics and
    case aside), or it carries the person's e-mail address."""
    from cryptography.x509.oid import NameOID

    email = (user.email or "").strip().casefold()
    emails = {str(a.value).strip().casefold() for a in cert.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)}
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        emails |= {e.strip().casefold() for e in san.get_values_for_type(x509.RFC822Name)}
    except x509.ExtensionNotFound:
        pass
    if email and email in emails:
        return True
    full_name = _plain_name(user.full_name or "")
    names = {_plain_name(str(a.value)) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)}
    return bool(full_name) and full_name in names


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
