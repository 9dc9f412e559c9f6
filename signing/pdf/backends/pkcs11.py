"""PKCS#11 backend: a USB token, smart card or HSM (tested against SoftHSM2).

python-pkcs11 loads a module once per process and keeps it initialised, so the module's
own configuration (for SoftHSM2 the ``SOFTHSM2_CONF`` environment variable) must be in
place before the first call. Tokens are looked up by label on every call, so a token
plugged in after start-up is found.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pkcs11
from asn1crypto import x509
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11_exc
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.signers import Signer

from . import TokenError, TokenNotFound, TokenPinError

__all__ = [
    "TokenError",
    "TokenNotFound",
    "TokenPinError",
    "open_pkcs11_signer",
]

logger = logging.getLogger(__name__)

# PKCS#11 login state is per application and token, not per session: a second C_Login
# while another session of ours is logged in fails with USER_ALREADY_LOGGED_IN, and the
# first session's logout would log the second one out. So one signing session per token
# per process at a time; signing takes milliseconds, so waiting is cheap.
_TOKEN_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_TOKEN_LOCKS_GUARD = threading.Lock()
TOKEN_BUSY_TIMEOUT = 30.0

_PIN_ERRORS: dict[type[Exception], str] = {
    p11_exc.PinIncorrect: "PIN incorrect",
    p11_exc.PinLocked: "PIN locked; the token must be unblocked with the SO PIN",
    p11_exc.PinExpired: "PIN expired; it must be changed before signing",
    p11_exc.PinInvalid: "PIN contains invalid characters",
    p11_exc.PinLenRange: "PIN has the wrong length",
    p11_exc.UserPinNotInitialized: "user PIN of the token is not initialised",
}


def _token_lock(module_path: str, token_label: str) -> threading.Lock:
    with _TOKEN_LOCKS_GUARD:
        return _TOKEN_LOCKS.setdefault((module_path, token_label), threading.Lock())


def _load_module(module_path: str) -> Any:
    if not os.path.isfile(module_path):
        raise TokenError(f"PKCS#11 module not found: {module_path}")
    try:
        return pkcs11.lib(module_path)
    except p11_exc.PKCS11Error as exc:
        raise TokenError(f"cannot load PKCS#11 module {module_path}: {exc}") from exc


def _find_token(lib: Any, token_label: str) -> Any:
    try:
        return lib.get_token(token_label=token_label)
    except p11_exc.NoSuchToken as exc:
        raise TokenNotFound(f"no token labelled {token_label!r}") from exc
    except p11_exc.MultipleTokensReturned as exc:
        raise TokenError(f"more than one token labelled {token_label!r}") from exc
    except p11_exc.PKCS11Error as exc:
        raise TokenError(f"cannot enumerate tokens: {exc!r}") from exc


def _login(token: Any, pin: str) -> Any:
    try:
        return token.open(user_pin=pin)
    except tuple(_PIN_ERRORS) as exc:
        raise TokenPinError(_PIN_ERRORS[type(exc)]) from exc
    except (p11_exc.TokenNotPresent, p11_exc.DeviceRemoved) as exc:
        raise TokenNotFound(f"token {token.label!r} was removed") from exc
    except p11_exc.PKCS11Error as exc:
        raise TokenError(f"cannot open a session on token {token.label!r}: {exc!r}") from exc


def _single_object(session: Any, query: dict[Attribute, Any], what: str) -> Any:
    found = list(session.get_objects(query))
    if not found:
        raise TokenNotFound(f"{what} not found on token")
    if len(found) > 1:
        raise TokenError(f"{len(found)} objects match {what}; give a label to pick one")
    return found[0]


def _attr(obj: Any, attribute: Attribute) -> Any:
    try:
        return obj[attribute]
    except p11_exc.PKCS11Error:
        return None


def _describe(label: str | None, obj_id: bytes | None) -> str:
    if label:
        return f"label {label!r}"
    if obj_id:
        return f"ID {obj_id.hex()}"
    return "no label/ID"


def _build_signer(
    session: Any, token: Any, key_label: str | None, cert_label: str | None
) -> Signer:
    key_query: dict[Attribute, Any] = {
        Attribute.CLASS: ObjectClass.PRIVATE_KEY,
        Attribute.SIGN: True,
    }
    if key_label is not None:
        key_query[Attribute.LABEL] = key_label
    key = _single_object(
        session,
        key_query,
        f"signing key labelled {key_label!r}" if key_label is not None else "a signing key",
    )
    key_id: bytes | None = _attr(key, Attribute.ID) or None
    found_key_label: str | None = _attr(key, Attribute.LABEL) or None

    # A key and its certificate are paired by CKA_ID on every token we have seen
    # (pkcs11-tool, vendor middleware); labels are a fallback for tokens that omit IDs.
    cert_query: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.CERTIFICATE}
    if cert_label is not None:
        cert_query[Attribute.LABEL] = cert_label
        cert_what = f"certificate labelled {cert_label!r}"
    elif key_id is not None:
        cert_query[Attribute.ID] = key_id
        cert_what = f"certificate with ID {key_id.hex()}"
    elif found_key_label is not None:
        cert_query[Attribute.LABEL] = found_key_label
        cert_what = f"certificate labelled {found_key_label!r}"
    else:
        raise TokenError("the signing key has neither ID nor label; pass cert_label")
    cert_obj = _single_object(session, cert_query, cert_what)
    signing_cert = x509.Certificate.load(cert_obj[Attribute.VALUE])

    # SoftHSM2 and many smart cards only offer raw CKM_ECDSA, not the hash-and-sign
    # variants, so let pyHanko hash on the host when the token cannot.
    use_raw = False
    if _attr(key, Attribute.KEY_TYPE) == KeyType.EC:
        mechanisms = token.slot.get_mechanisms()
        use_raw = Mechanism.ECDSA_SHA256 not in mechanisms and Mechanism.ECDSA in mechanisms

    logger.debug(
        "PKCS#11 signer on token %r, key %s", token.label, _describe(found_key_label, key_id)
    )
    signer = PKCS11Signer(
        session,
        signing_cert=signing_cert,
        key_id=key_id,
        key_label=None if key_id is not None else found_key_label,
        # Pull every certificate on the token so intermediate CAs stored next to the
        # key end up in the CMS.
        other_certs_to_pull=None,
        use_raw_mechanism=use_raw,
    )
    try:
        # Load the key handle and certificates now, so lookup failures surface here
        # rather than halfway through writing a PDF.
        # (the property is pyHanko's synchronous loader: it pulls the key handle and
        # every certificate).
        _ = signer.signing_cert
    except p11_exc.PKCS11Error as exc:
        raise TokenError(f"cannot read objects from token {token.label!r}: {exc}") from exc
    return signer


@contextmanager
def open_pkcs11_signer(
    *,
    module_path: str,
    token_label: str,
    pin: str,
    key_label: str | None = None,
    cert_label: str | None = None,
) -> Iterator[Signer]:
    """Log in to a token and yield a pyHanko ``Signer`` for a key on it.

    Without ``key_label`` the token must hold exactly one signing key; the certificate
    is the one sharing the key's CKA_ID unless ``cert_label`` names it. The session is
    logged out and closed on exit, also when the body raises.

    Raises ``TokenNotFound`` (no such token, key or certificate), ``TokenPinError``
    (PIN rejected) or ``TokenError`` (module missing, ambiguous objects, token busy).
    """
    lib = _load_module(module_path)
    lock = _token_lock(module_path, token_label)
    if not lock.acquire(timeout=TOKEN_BUSY_TIMEOUT):
        raise TokenError(f"token {token_label!r} is busy with another signature")
    try:
        token = _find_token(lib, token_label)
        session = _login(token, pin)
        try:
            yield _build_signer(session, token, key_label, cert_label)
        finally:
            try:
                session.close()
            except p11_exc.PKCS11Error:
                # The token may have been pulled out mid-signature; the exception that
                # got us here (if any) is the one worth reporting.
                logger.warning("closing PKCS#11 session on %r failed", token_label, exc_info=True)
    finally:
        lock.release()
