"""Keys, certificates, CRLs and PIN-protected key storage for the internal CA.

Pure functions over ``cryptography`` objects; no Django imports.
"""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime, timedelta
from typing import Union

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .errors import CertificateProblem, InvalidPkcs12, WrongPin

__all__ = [
    "CertificateProblem",
    "InvalidPkcs12",
    "PrivateKey",
    "WrongPin",
    "build_crl",
    "check_signing_certificate",
    "create_ca",
    "decrypt_private_key",
    "encrypt_private_key",
    "generate_key",
    "issue_signing_certificate",
    "load_pkcs12",
]

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]  # noqa: UP007

# Key blob layout (all integers big-endian):
#   version(1) | kdf_id(1) | iterations(4) | memory_kib(4) | lanes(1) | salt_len(1) | salt
#   | nonce(12) | AES-256-GCM ciphertext+tag of the PKCS#8 DER key
# The header is also the GCM associated data, so its parameters cannot be swapped.
_BLOB_VERSION = 1
_KDF_ARGON2ID = 1
# RFC 9106 "second recommended option" (64 MiB, t=3, p=4): ~0.2 s per unlock on a 2-core box,
# expensive enough to slow offline PIN guessing of a stolen database row.
_ARGON2_ITERATIONS = 3
_ARGON2_MEMORY_KIB = 64 * 1024
_ARGON2_LANES = 4
_HEADER = struct.Struct(">BBIIBB")


def _now() -> datetime:
    return datetime.now(UTC)


def generate_key(kind: str = "ec") -> PrivateKey:
    """P-256 by default (small signatures, fast); ``"rsa"`` gives RSA-3072."""
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    raise ValueError(f"unknown key kind {kind!r}")


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )


def create_ca(
    common_name: str, organization: str, *, years: int = 20, kind: str = "ec"
) -> tuple[PrivateKey, x509.Certificate]:
    key = generate_key(kind)
    name = _name(common_name, organization)
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_signing_certificate(
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    *,
    full_name: str,
    unit_name: str,
    email: str | None = None,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    days: int = 3 * 365,
    not_before: datetime | None = None,
    crl_url: str | None = None,
    key_usage: bool = True,
) -> x509.Certificate:
    """Issue an end-entity document-signing certificate.

    ``key_usage=False`` omits the keyUsage extension (tests use it to build a certificate
    that must be refused)."""
    start = not_before or (_now() - timedelta(minutes=5))
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(full_name, unit_name))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # = nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256())


def check_signing_certificate(cert: x509.Certificate, at: datetime | None = None) -> None:
    """Refuse, with a reason code, a certificate that cannot make a valid signature now."""
    at = at or _now()
    if at < cert.not_valid_before_utc:
        raise CertificateProblem(
            "not_yet_valid", f"certificate is valid from {cert.not_valid_before_utc:%Y-%m-%d}"
        )
    if at > cert.not_valid_after_utc:
        raise CertificateProblem(
            "expired", f"certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}"
        )
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        ku = None
    # Validators (pyHanko, Adobe) require nonRepudiation or digitalSignature for a
    # document signature; without a keyUsage extension pyHanko's default check fails.
    if ku is None or not (ku.digital_signature or ku.content_commitment):
        raise CertificateProblem(
            "no_signing_key_usage", "certificate is not allowed to make digital signatures"
        )


# --- PIN-protected key storage -------------------------------------------------------------


def _derive(pin: str, salt: bytes, iterations: int, memory_kib: int, lanes: int) -> bytes:
    kdf = Argon2id(
        salt=salt, length=32, iterations=iterations, lanes=lanes, memory_cost=memory_kib
    )
    return kdf.derive(pin.encode("utf-8"))


def encrypt_private_key(key: PrivateKey, pin: str) -> bytes:
    if not pin:
        raise ValueError("an empty PIN is not allowed")
    salt = os.urandom(16)
    nonce = os.urandom(12)
    header = (
        _HEADER.pack(
            _BLOB_VERSION,
            _KDF_ARGON2ID,
            _ARGON2_ITERATIONS,
            _ARGON2_MEMORY_KIB,
            _ARGON2_LANES,
            len(salt),
        )
        + salt
    )
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    secret = _derive(pin, salt, _ARGON2_ITERATIONS, _ARGON2_MEMORY_KIB, _ARGON2_LANES)
    return header + nonce + AESGCM(secret).encrypt(nonce, der, header)


def decrypt_private_key(blob: bytes, pin: str) -> PrivateKey:
    if len(blob) < _HEADER.size:
        raise ValueError("key blob is too short")
    version, kdf_id, iterations, memory_kib, lanes, salt_len = _HEADER.unpack_from(blob)
    if version != _BLOB_VERSION or kdf_id != _KDF_ARGON2ID:
        raise ValueError(f"unsupported key blob (version {version}, kdf {kdf_id})")
    # Bound attacker-controlled KDF parameters so a forged blob cannot exhaust memory.
    if not (1 <= iterations <= 16 and 8 <= memory_kib <= 1024 * 1024 and 1 <= lanes <= 16):
        raise ValueError("key blob has out-of-range KDF parameters")
    pos = _HEADER.size + salt_len
    header, nonce, ct = blob[:pos], blob[pos : pos + 12], blob[pos + 12 :]
    secret = _derive(pin, blob[_HEADER.size : pos], iterations, memory_kib, lanes)
    try:
        der = AESGCM(secret).decrypt(nonce, ct, header)
    except InvalidTag:
        raise WrongPin("wrong PIN") from None
    key = serialization.load_der_private_key(der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return key


def load_pkcs12(
    data: bytes, password: str
) -> tuple[PrivateKey, x509.Certificate, list[x509.Certificate]]:
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(
            data, password.encode("utf-8") if password else None
        )
    except (ValueError, TypeError) as exc:
        raise InvalidPkcs12("bad password or not a PKCS#12 file") from exc
    if key is None or cert is None:
        raise InvalidPkcs12("the PKCS#12 file holds no private key and certificate")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidPkcs12("unsupported key type in the PKCS#12 file")
    return key, cert, list(chain)


def build_crl(
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    revoked: list[tuple[int, datetime]],
    next_update_days: int = 7,
    *,
    crl_number: int | None = None,
) -> bytes:
    now = _now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - timedelta(minutes=1))
        .next_update(now + timedelta(days=next_update_days))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(
            x509.CRLNumber(crl_number if crl_number is not None else int(now.timestamp())),
            critical=False,
        )
    )
    for serial, revoked_at in revoked:
        if revoked_at.tzinfo is None:
            revoked_at = revoked_at.replace(tzinfo=UTC)
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(revoked_at)
            .build()
        )
    crl = builder.sign(ca_key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.DER)
