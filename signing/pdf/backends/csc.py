"""Remote signing through the Cloud Signature Consortium API (v1 and v2, signHash).

``csc_signer`` does the set-up calls (``credentials/list``, ``credentials/info`` and, when
the SAD is not bound to hashes, ``credentials/authorize``) synchronously with the standard
library, so it works from plain Django views and management commands without an event
loop. The returned pyHanko ``CSCSigner`` then calls ``signatures/signHash`` (and, for
SCAL 2 credentials, ``credentials/authorize`` with the hashes) through aiohttp inside
pyHanko's own event loop.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

import aiohttp
from asn1crypto import algos, x509
from pyhanko.sign.signers import Signer
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
)

from . import NO_REDIRECTS, RemoteSignerError

__all__ = ["RemoteSignerError", "csc_signer"]

logger = logging.getLogger(__name__)

API_VERSIONS = ("v1", "v2")
# A SAD is only worth reusing if it is still valid when signHash reaches the service.
_SAD_SAFETY_MARGIN_SECONDS = 5
_DIGEST_BY_LENGTH = {32: "sha256", 48: "sha384", 64: "sha512"}
_MAX_RESPONSE_BYTES = 1024 * 1024


def _service_error(what: str, status: int, body: bytes) -> RemoteSignerError:
    """Turn a CSC error response (``{"error": ..., "error_description": ...}``) into ours."""
    error = description = None
    try:
        payload = json.loads(body)
        if isinstance(payload, dict):
            error = payload.get("error")
            description = payload.get("error_description")
    except ValueError:
        pass
    if error is None and description is None:
        text = body.decode("utf-8", "replace").strip()[:200]
        description = text or None
    detail = ": ".join(str(part) for part in (error, description) if part)
    message = f"signing service rejected {what} (HTTP {status})" + (f": {detail}" if detail else "")
    return RemoteSignerError(message, status=status, error=error, description=description)


def _unreachable(url: str, exc: BaseException) -> RemoteSignerError:
    reason = getattr(exc, "reason", None) or exc
    return RemoteSignerError(f"cannot reach signing service at {url}: {reason}")


class _SyncClient:
    """Blocking JSON-over-HTTPS calls for the set-up phase."""

    def __init__(self, session_info: CSCServiceSessionInfo, timeout: float) -> None:
        self.session_info = session_info
        self.timeout = timeout

    def post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        url = self.session_info.endpoint_url(endpoint)
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={
                **self.session_info.auth_headers,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            # no redirects: the bearer token must not follow the service to another address
            with NO_REDIRECTS.open(request, timeout=self.timeout) as response:
                raw = response.read(_MAX_RESPONSE_BYTES + 1)
            if len(raw) > _MAX_RESPONSE_BYTES:
                raise RemoteSignerError(f"{endpoint}: response too large", status=200, error="bad_response")
        except urllib.error.HTTPError as exc:
            with exc:
                raise _service_error(endpoint, exc.code, exc.read(64 * 1024)) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise _unreachable(url, exc) from exc
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise RemoteSignerError(f"{endpoint}: response is not JSON") from exc
        if not isinstance(payload, dict):
            raise RemoteSignerError(f"{endpoint}: response is not a JSON object")
        return payload


class _ErrorMappingPost:
    """One POST on a throw-away aiohttp session, with CSC errors raised as ours.

    pyHanko's CSCSigner posts with ``raise_for_status=True``, which drops the service's
    error body, and its batch commit logs and swallows ``SigningError``; raising our own
    exception type here is what gets the service's message to the caller.
    """

    def __init__(self, url: str, kwargs: dict[str, Any], timeout: float) -> None:
        self.url = url
        self.kwargs = kwargs
        self.timeout = timeout
        self.session: aiohttp.ClientSession | None = None
        self.response: aiohttp.ClientResponse | None = None

    async def __aenter__(self) -> aiohttp.ClientResponse:
        self.kwargs.pop("raise_for_status", None)
        # never follow a redirect (the bearer token would go along), always time out
        self.kwargs["allow_redirects"] = False
        endpoint = self.url.split("/csc/", 1)[-1].partition("/")[2] or self.url
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        try:
            self.response = await self.session.post(self.url, **self.kwargs)
            if self.response.status >= 300:
                body = await self.response.read()
                raise _service_error(endpoint, self.response.status, body)
        except RemoteSignerError:
            await self._close()
            raise
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            await self._close()
            raise _unreachable(self.url, exc) from exc
        return self.response

    async def __aexit__(self, *exc_info: object) -> None:
        await self._close()

    async def _close(self) -> None:
        if self.response is not None:
            self.response.release()
        if self.session is not None:
            await self.session.close()


class _PerRequestSession:
    """Looks like the ``aiohttp.ClientSession`` CSCSigner wants, but opens one per POST.

    pyHanko's synchronous entry points run every signature in a fresh event loop, and an
    aiohttp session is bound to the loop it was created in, so a long-lived session
    would break on the second signature.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def post(self, url: str, **kwargs: Any) -> _ErrorMappingPost:
        return _ErrorMappingPost(url, kwargs, self.timeout)


def _hash_algorithm_oid(b64_hash: str) -> str:
    size = len(base64.b64decode(b64_hash))
    try:
        return algos.DigestAlgorithmId(_DIGEST_BY_LENGTH[size]).dotted
    except KeyError:
        raise RemoteSignerError(f"cannot tell the digest algorithm of a {size}-byte hash") from None


class _AuthorizationManager(CSCAuthorizationManager):
    """Obtains Signature Activation Data with the user's PIN/OTP.

    SCAL 1 credentials get one SAD up front (so a wrong PIN fails before any PDF work);
    later signatures, and every signature of a SCAL 2 credential (where the SAD must be
    bound to the exact hashes), authorise just in time.
    """

    def __init__(
        self,
        csc_session_info: CSCServiceSessionInfo,
        credential_info: CSCCredentialInfo,
        *,
        pin: str | None,
        otp: str | None,
        description: str | None,
        session: _PerRequestSession,
        timeout: float,
    ) -> None:
        super().__init__(csc_session_info, credential_info)
        self._pin = pin
        self._otp = otp
        self._description = description
        self._prefetched: CSCAuthorizationInfo | None = None
        self._session = session
        self._timeout = timeout

    def auth_request(self, hash_b64s: list[str] | None) -> dict[str, Any]:
        body = self.format_csc_auth_request(
            num_signatures=len(hash_b64s) if hash_b64s else 1,
            pin=self._pin,
            otp=self._otp,
            hash_b64s=hash_b64s,
            description=self._description,
        )
        if self.csc_session_info.api_ver == "v2" and hash_b64s:
            body["hashes"] = body.pop("hash")
            body["hashAlgorithmOID"] = _hash_algorithm_oid(hash_b64s[0])
        return body

    def prefetch(self, client: _SyncClient) -> None:
        payload = client.post("credentials/authorize", self.auth_request(None))
        self._prefetched = self.parse_csc_auth_response(payload)

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and _still_valid(prefetched):
            return prefetched
        pinned = self.credential_info.hash_pinning_required
        body = self.auth_request(hash_b64s if pinned else None)
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        async with self._session.post(
            url,
            headers=self.auth_headers,
            json=body,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
        ) as response:
            payload = await response.json()
        return self.parse_csc_auth_response(payload)


def _still_valid(auth: CSCAuthorizationInfo) -> bool:
    if auth.expires_at is None:
        return True
    remaining = (auth.expires_at - datetime.now(UTC)).total_seconds()
    return remaining > _SAD_SAFETY_MARGIN_SECONDS


class _Signer(CSCSigner):
    """pyHanko's CSCSigner speaks v1 field names; v2 renamed two of them."""

    async def format_csc_signing_req(self, tbs_hashes: list[str], digest_algorithm: str) -> dict:
        body = await super().format_csc_signing_req(tbs_hashes, digest_algorithm)
        if self.auth_manager.csc_session_info.api_ver == "v2":
            body["hashes"] = body.pop("hash")
            body["hashAlgorithmOID"] = body.pop("hashAlgo")
        return body


def _parse_credential_info(payload: dict[str, Any], credential_id: str) -> CSCCredentialInfo:
    def bad(why: str) -> RemoteSignerError:
        return RemoteSignerError(f"credentials/info for {credential_id!r}: {why}")

    key = payload.get("key")
    cert = payload.get("cert")
    if not isinstance(key, dict) or not isinstance(cert, dict):
        raise bad("no key/cert section")
    if key.get("status", "enabled") != "enabled":
        raise bad(f"key is {key.get('status')}")
    if cert.get("status", "valid") != "valid":
        raise bad(f"certificate is {cert.get('status')}")
    try:
        certs = [x509.Certificate.load(base64.b64decode(c)) for c in cert["certificates"]]
        certs[0].native  # noqa: B018 - parse now; a bad certificate should fail here
    except (KeyError, IndexError, TypeError, ValueError, binascii.Error) as exc:
        raise bad("no readable certificate chain") from exc
    try:
        mechanisms = frozenset(algos.SignedDigestAlgorithmId(oid).native for oid in key["algo"])
    except (KeyError, TypeError, ValueError) as exc:
        raise bad("no readable key algorithms") from exc
    try:
        multisign = int(payload.get("multisign", 1))
        scal = int(payload.get("SCAL", 1))
    except (TypeError, ValueError) as exc:
        raise bad("multisign/SCAL are not numbers") from exc
    return CSCCredentialInfo(
        signing_cert=certs[0],  # the CSC spec puts the end-entity certificate first
        chain=certs[1:],
        supported_mechanisms=mechanisms,
        max_batch_size=max(multisign, 1),
        hash_pinning_required=scal == 2,
        response_data=payload,
    )


def _pick_credential(client: _SyncClient) -> str:
    payload = client.post("credentials/list", {})
    ids = payload.get("credentialIDs")
    if not isinstance(ids, list):
        raise RemoteSignerError("credentials/list: no credentialIDs in response")
    if len(ids) != 1:
        raise RemoteSignerError(
            f"the signing account holds {len(ids)} credentials; pass credential_id"
        )
    return str(ids[0])


def csc_signer(
    *,
    service_url: str,
    access_token: str,
    credential_id: str | None = None,
    pin: str | None = None,
    otp: str | None = None,
    api_version: str = "v1",
    description: str | None = None,
    timeout: float = 30,
) -> Signer:
    """A pyHanko ``Signer`` backed by a CSC remote signing service.

    ``service_url`` is the base URL (the part before ``/csc/v1/...``) and ``access_token``
    the OAuth2 bearer token of the signing user. Without ``credential_id`` the account must
    hold exactly one credential. ``pin``/``otp`` are sent to ``credentials/authorize`` to
    obtain the Signature Activation Data. Blocks on HTTP; ``timeout`` applies per request.

    Every refusal or transport failure, here or later while signing, raises
    ``RemoteSignerError`` carrying the service's ``error``/``error_description``.
    """
    if api_version not in API_VERSIONS:
        raise ValueError(f"api_version must be one of {API_VERSIONS}")
    base = service_url.rstrip("/")
    info = CSCServiceSessionInfo(base, credential_id or "", access_token, api_ver=api_version)
    client = _SyncClient(info, timeout)
    if credential_id is None:
        credential_id = _pick_credential(client)
        info = CSCServiceSessionInfo(base, credential_id, access_token, api_ver=api_version)
        client = _SyncClient(info, timeout)

    payload = client.post(
        "credentials/info",
        {
            "credentialID": credential_id,
            "certificates": "chain",
            "certInfo": False,
            "authInfo": True,
        },
    )
    credential = _parse_credential_info(payload, credential_id)

    session = _PerRequestSession(timeout)
    manager = _AuthorizationManager(
        info,
        credential,
        pin=pin,
        otp=otp,
        description=description,
        session=session,
        timeout=timeout,
    )
    if not credential.hash_pinning_required:
        # Authorise now so a wrong PIN is reported before the document is prepared.
        manager.prefetch(client)

    logger.debug("CSC signer for credential %r at %s (%s)", credential_id, base, api_version)
    return _Signer(
        session,  # type: ignore[arg-type]  # duck-typed: only .post() is used
        manager,
        sign_timeout=int(timeout),
    )
