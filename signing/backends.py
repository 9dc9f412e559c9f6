"""One way to get a pyHanko ``Signer`` for any signing certificate, whatever holds its key.

``signer_for(certificate, secret, actor=...)`` is a context manager yielding a ``Signer``:

- ``pin-key`` / ``pkcs12``: the key stored here, decrypted with the user's signing PIN;
- ``pkcs11``: a token or HSM configured by an administrator (module, token label, key label);
  the secret is the token's user PIN, handed to the token and never stored;
- ``csc``: a remote signing service (Cloud Signature Consortium API) from the catalogue the
  administrators keep (``SigningService``); the secret is the credential's PIN and
  ``access_token`` the user's bearer token at the service, both only sent to the service for
  this signature.

Calls to a remote service follow no redirects, time out, are limited per user
(``SIGNING_SERVICE_CALLS_PER_MINUTE``) and never show the service's own text to the user: it is
logged, and the user gets a message in their language.

Every backend refusal becomes an ``ActionError`` in the user's language, and a PIN refused by
the token or the service is counted exactly like a wrong PIN for a stored key (same counter,
same lock after ``SIGNING_PIN_MAX_ATTEMPTS``). The counter is written in its own transaction, so
``signer_for`` must be entered, and left, outside ``transaction.atomic``: the exception from a
refused signature has rolled the signing transaction back by the time it reaches us.

The helpers at the bottom read the certificate of a token key or a remote credential when it
is registered (no PIN needed: certificates are public objects).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pyhanko.sign.signers import Signer

from ecabinet.errors import ActionError, PermissionDeniedError
from ecabinet.models import User
from signing.models import SigningCertificate, SigningService
from signing.pdf import pades
from signing.pdf.backends import (
    NO_REDIRECTS,
    RemoteSignerError,
    SigningBackendError,
    TokenError,
    TokenNotFound,
    TokenPinError,
)

logger = logging.getLogger(__name__)

__all__ = ["read_csc_certificate", "read_token_certificate", "signer_for"]

SECRET_MAX_LENGTH = 4096  # access tokens (JWTs) can be long; PINs are capped in certificates.py


@contextmanager
def signer_for(cert: SigningCertificate, secret: str, *, actor: User,
               access_token: str | None = None) -> Iterator[Signer]:
    """Yield a pyHanko ``Signer`` for `cert` unlocked with `secret` (see the module docstring)."""
    from signing.actions.certificates import check_usable, unlock_key

    kind = cert.kind
    if kind in (SigningCertificate.Kind.PIN_KEY, SigningCertificate.Kind.PKCS12):
        key = unlock_key(cert, secret, actor=actor)
        yield pades.make_key_signer(key, cert.certificate, cert.chain)
        return
    cert.refresh_from_db(fields=["wrong_pin_count", "locked_at", "revoked_at"])
    check_usable(cert)
    if not isinstance(secret, str) or len(secret) > SECRET_MAX_LENGTH:
        raise ActionError("wrong_pin", _("Enter your signing PIN."))
    if kind == SigningCertificate.Kind.PKCS11:
        with _pkcs11_signer(cert, secret, actor=actor) as signer:
            yield signer
    elif kind == SigningCertificate.Kind.CSC:
        with _csc_signer(cert, secret, actor=actor, access_token=access_token) as signer:
            yield signer
    else:
        raise ActionError("no_key", _("This certificate's key is not stored here."), status=403)


def pin_refused(cert: SigningCertificate, actor: User) -> ActionError:
    """Count a PIN refused by a token or a remote service; the error to raise."""
    from signing.actions.certificates import record_wrong_pin

    remaining = record_wrong_pin(cert.pk, actor)
    if remaining == 0:
        return PermissionDeniedError(
            _("Wrong PIN. Signing is now locked after too many wrong PINs; ask an administrator "
              "to unlock it."),
            code="signing_locked",
        )
    return ActionError(
        "wrong_pin",
        ngettext("Wrong PIN. %(n)d try left before signing is locked.",
                 "Wrong PIN. %(n)d tries left before signing is locked.", remaining) % {"n": remaining},
        extra={"remaining_attempts": remaining},
    )


def _pin_accepted(cert: SigningCertificate) -> None:
    if cert.wrong_pin_count:
        SigningCertificate.objects.filter(pk=cert.pk, locked_at__isnull=True).update(wrong_pin_count=0)
        cert.wrong_pin_count = 0


def _same_certificate(signer: Signer, cert: SigningCertificate) -> None:
    # The key on the token / at the service must still be the one registered here: a swapped
    # key would sign in the name of someone else's certificate.
    if signer.signing_cert is None or signer.signing_cert.dump() != cert.certificate.public_bytes(
            serialization.Encoding.DER):
        raise ActionError("certificate_mismatch",
                          _("The certificate on the token or at the signing service is not the one "
                            "registered here. Ask an administrator to register it again."), status=409)


# --- PKCS#11 -----------------------------------------------------------------------------------


@contextmanager
def _pkcs11_signer(cert: SigningCertificate, pin: str, *, actor: User) -> Iterator[Signer]:
    from signing.pdf.backends.pkcs11 import open_pkcs11_signer

    config = cert.backend_config or {}
    if not pin:
        raise ActionError("wrong_pin", _("Enter the PIN of your token."))
    try:
        with open_pkcs11_signer(module_path=config.get("module_path", ""), token_label=config.get("token_label", ""),
                                pin=pin, key_label=config.get("key_label") or None) as signer:
            _same_certificate(signer, cert)
            _pin_accepted(cert)
            yield signer
    except TokenPinError as exc:
        from pkcs11 import exceptions as p11_exc

        cause = exc.__cause__
        if isinstance(cause, p11_exc.PinLocked):
            raise ActionError("token_locked", _("The token's PIN is blocked. It must be unblocked by "
                                                "an administrator before signing."), status=403) from None
        if isinstance(cause, p11_exc.PinIncorrect | p11_exc.PinInvalid | p11_exc.PinLenRange):
            raise pin_refused(cert, actor) from None
        raise ActionError("token_pin_problem", _("The token refused the PIN: %(why)s.") % {"why": str(exc)}) from None
    except TokenNotFound as exc:
        logger.warning("PKCS#11 token for certificate %s not found: %s", cert.serial, exc)
        raise ActionError("token_unavailable", _("The signing token was not found. Check that it is "
                                                 "connected, or ask an administrator.")) from None
    except TokenError as exc:
        logger.warning("PKCS#11 token for certificate %s failed: %s", cert.serial, exc)
        raise ActionError("token_unavailable", _("The signing token could not be used. Try again later, "
                                                 "or ask an administrator.")) from None


def read_token_certificate(*, module_path: str, token_label: str, key_label: str
                           ) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The certificate stored next to `key_label` on the token (same label, or the certificate
    whose CKA_ID matches a public key of that label), and the CA certificates on the token.

    No login: certificates are public objects, and the administrator registering a token does
    not know its user's PIN."""
    import os

    import pkcs11
    from pkcs11 import Attribute, ObjectClass
    from pkcs11 import exceptions as p11_exc

    if not os.path.isfile(module_path):
        raise TokenError(f"PKCS#11 module not found: {module_path}")
    try:
        lib = pkcs11.lib(module_path)
        token = lib.get_token(token_label=token_label)
    except p11_exc.NoSuchToken as exc:
        raise TokenNotFound(f"no token labelled {token_label!r}") from exc
    except p11_exc.PKCS11Error as exc:
        raise TokenError(f"cannot use token {token_label!r}: {exc!r}") from exc
    def attr(obj, attribute):  # noqa: ANN001, ANN202 - tokens may omit CKA_ID or CKA_LABEL
        try:
            return obj[attribute]
        except p11_exc.PKCS11Error:
            return None

    try:
        with token.open() as session:
            certs = [(attr(obj, Attribute.LABEL), attr(obj, Attribute.ID), obj[Attribute.VALUE])
                     for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})]
            key_ids = {attr(obj, Attribute.ID) for obj in session.get_objects(
                {Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.LABEL: key_label})} - {None}
    except p11_exc.PKCS11Error as exc:
        raise TokenError(f"cannot read token {token_label!r}: {exc!r}") from exc
    mine = [value for label, obj_id, value in certs if label == key_label or (obj_id and obj_id in key_ids)]
    if len(mine) != 1:
        raise TokenNotFound(f"{len(mine)} certificates for key {key_label!r} on token {token_label!r}")
    cert = x509.load_der_x509_certificate(mine[0])
    chain = []
    for _label, _obj_id, value in certs:
        other = x509.load_der_x509_certificate(value)
        if other != cert and _is_ca(other):
            chain.append(other)
    return cert, chain


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


# --- CSC (remote signing service) --------------------------------------------------------------


def remote_error(exc: RemoteSignerError, cert: SigningCertificate | None, actor: User | None) -> ActionError:
    """The user's message for a refusal by a remote service: never the service's own text (it is
    logged for the administrators), since that text comes from outside and may say anything."""
    logger.warning("remote signing service refused: %s (error=%r, description=%r)", exc,
                   (exc.error or "")[:100], (exc.description or "")[:500])
    if exc.error in ("invalid_pin", "invalid_otp") and cert is not None and actor is not None:
        return pin_refused(cert, actor)
    if exc.status is None:
        return ActionError("signing_service_unavailable",
                           _("The remote signing service could not be reached. Try again later; "
                             "nothing was signed."))
    if exc.status == 401 or exc.error == "invalid_token":
        return ActionError("access_token_refused",
                           _("The remote signing service did not accept your access token. Sign in to "
                             "the service again and copy a new token."))
    return ActionError("signing_service_refused",
                       _("The remote signing service refused the request. Check the credential identifier; "
                         "if it happens again, ask an administrator (the details are in the server log)."))


def service_call_key(user: User, window: int) -> str:
    return f"signing-service-calls:{user.pk}:{window}"


def count_service_call(user: User) -> None:
    """Count one call to a remote signing service for `user`; refuse past the per-minute limit
    (the server must not become a tool to hammer a service, or to probe with many requests)."""
    limit = settings.SIGNING_SERVICE_CALLS_PER_MINUTE
    now = time.time()
    key = service_call_key(user, int(now // 60))
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        retry_after = 60 - int(now % 60)
        raise ActionError("rate_limited",
                          _("Too many requests to the remote signing service. Wait %(n)d seconds and try again.")
                          % {"n": retry_after}, status=429, extra={"retry_after": retry_after})


def reset_service_calls(user: User) -> None:
    window = int(time.time() // 60)
    cache.delete_many([service_call_key(user, w) for w in (window - 1, window, window + 1)])


def service_for(config: dict) -> SigningService:
    """The approved service a remote credential was registered with; refused once the
    administrators withdrew it (and for credentials registered before the catalogue existed)."""
    service_id = config.get("service")
    service = (SigningService.objects.filter(pk=service_id, active=True).first()
               if isinstance(service_id, int) else None)
    if service is None:
        raise ActionError("signing_service_withdrawn",
                          _("The remote signing service of this certificate is no longer approved here. "
                            "Choose one of the approved services on the “My certificate” page."), status=409)
    return service


@contextmanager
def _csc_signer(cert: SigningCertificate, pin: str, *, actor: User,
                access_token: str | None) -> Iterator[Signer]:
    from signing.pdf.backends.csc import csc_signer

    config = cert.backend_config or {}
    if not access_token or len(access_token) > SECRET_MAX_LENGTH:
        raise ActionError("access_token_required",
                          _("Enter the access token of your account at the remote signing service."))
    service = service_for(config)
    count_service_call(actor)
    try:
        signer = csc_signer(service_url=service.base_url, access_token=access_token,
                            credential_id=config.get("credential_id") or None, pin=pin or None,
                            api_version=service.api_version,
                            timeout=settings.SIGNING_SERVICE_TIMEOUT_SECONDS)
    except RemoteSignerError as exc:
        raise remote_error(exc, cert, actor) from None
    _same_certificate(signer, cert)
    try:
        yield signer
    except RemoteSignerError as exc:
        # SCAL 2 credentials check the PIN at signHash time, i.e. during the signature itself
        raise remote_error(exc, cert, actor) from None
    except SigningBackendError as exc:
        logger.warning("remote signing failed: %s", exc)
        raise ActionError("signing_service_refused", _("The remote signing service failed.")) from None
    _pin_accepted(cert)


def validate_service_url(url: str) -> str:
    """An administrator's address for a signing service: http(s), a host, no credentials,
    query or fragment (the API paths are appended to it)."""
    url = (url or "").strip()
    parsed = urlparse(url)
    if (parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment
            or parsed.username or parsed.password):
        raise ActionError("bad_service_url", _("Give the address of the signing service (https://…)."))
    return url.rstrip("/")


def read_csc_certificate(*, service_url: str, credential_id: str, access_token: str, api_version: str = "v1"
                         ) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """``credentials/info`` for the credential: its certificate and chain (end entity first)."""
    url = f"{service_url.rstrip('/')}/csc/{api_version}/credentials/info"
    body = json.dumps({"credentialID": credential_id, "certificates": "chain", "certInfo": False}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json",
        "Authorization": f"Bearer {access_token}",
    })
    try:
        # no redirects: the bearer token must not follow the service to another address
        with NO_REDIRECTS.open(request, timeout=settings.SIGNING_SERVICE_TIMEOUT_SECONDS) as response:
            raw = response.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        with exc:
            payload = _json_or_empty(exc.read(64 * 1024))
        raise RemoteSignerError(f"credentials/info: HTTP {exc.code}", status=exc.code,
                                error=payload.get("error"), description=payload.get("error_description")) from None
    except (urllib.error.URLError, OSError) as exc:
        raise RemoteSignerError(f"cannot reach signing service at {url}: {exc}") from None
    payload = _json_or_empty(raw)
    try:
        encoded = payload["cert"]["certificates"]
        certs = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in encoded]
        return certs[0], certs[1:]
    except (KeyError, IndexError, TypeError, ValueError, binascii.Error):
        raise RemoteSignerError("credentials/info: no readable certificate", status=200,
                                error="bad_response", description="no readable certificate") from None


def _json_or_empty(raw: bytes) -> dict:
    try:
        payload = json.loads(raw)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
