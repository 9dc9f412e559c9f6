"""The server's VAPID key (RFC 8292): generated once into a file, read from it, never overwritten.

Imported by the settings (no Django here): the settings derive the public key the pages hand to
``pushManager.subscribe``; ``ecabinet/push.py`` signs each push with the private key.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


class VapidKeyError(ValueError):
    """The file holds no EC P-256 private key in PEM."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ensure_private_key(key_file: Path) -> bool:
    """Generate a P-256 key into `key_file` (0600) unless it exists. True when one was made.

    Written to a private temporary file and hard-linked into place, so a reader never sees half
    a key and of two processes starting at once the second keeps the first's (as the secret key)."""
    if key_file.exists():
        return False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    temporary = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(pem)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            return False  # another process made it first: theirs is the key
    finally:
        temporary.unlink(missing_ok=True)
    return True


def load_private_key(key_file: Path) -> ec.EllipticCurvePrivateKey:
    data = key_file.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise VapidKeyError("not an unencrypted private key in PEM") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise VapidKeyError("not an EC P-256 (prime256v1) key")
    return key


def public_key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def public_key_b64(key_file: Path) -> str:
    """The application server key as pushManager.subscribe takes it (base64url, 65 bytes)."""
    return b64url(public_key_bytes(load_private_key(key_file)))
