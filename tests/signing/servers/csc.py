"""A minimal Cloud Signature Consortium API service on loopback (v1 and v2 field names).

Bearer-token auth on every call, ``credentials/list``, ``credentials/info``,
``credentials/authorize`` (PIN, optional hash binding for SCAL 2) and
``signatures/signHash``, which really signs the submitted digests with the credential's
key. Errors use the CSC error body ``{"error": ..., "error_description": ...}``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from asn1crypto import algos
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

from . import LoopbackServer
from .testpki import Issued

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
RSA_ALGOS = ["1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13"]
EC_ALGOS = ["1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"]


class CSCError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def _bad(description: str, error: str = "invalid_request") -> CSCError:
    return CSCError(400, error, description)


@dataclass
class Credential:
    credential_id: str
    holder: Issued
    chain: tuple[Issued, ...] = ()
    pin: str | None = None
    scal: int = 1

    @property
    def is_ec(self) -> bool:
        return isinstance(self.holder.key, ec.EllipticCurvePrivateKey)


@dataclass
class _Sad:
    credential_id: str
    remaining: int
    expires: float
    hashes: set[str] | None


@dataclass
class CSCService:
    credentials: list[Credential]
    token: str = field(default_factory=lambda: "token-" + secrets.token_hex(8))
    sad_lifetime: int = 300
    calls: list[str] = field(default_factory=list)
    _sads: dict[str, _Sad] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, version: str, endpoint: str, auth: str | None, body: dict[str, Any]) -> Any:
        self.calls.append(endpoint)
        if auth != f"Bearer {self.token}":
            raise CSCError(401, "invalid_token", "The access token is not valid")
        routes = {
            "credentials/list": self.credentials_list,
            "credentials/info": self.credentials_info,
            "credentials/authorize": self.credentials_authorize,
            "signatures/signHash": self.sign_hash,
        }
        if endpoint not in routes:
            raise CSCError(404, "invalid_request", f"Unknown endpoint {endpoint}")
        return routes[endpoint](version, body)

    def _credential(self, body: dict[str, Any]) -> Credential:
        wanted = body.get("credentialID")
        if not isinstance(wanted, str):
            raise _bad("Missing (or invalid type) string parameter credentialID")
        for credential in self.credentials:
            if credential.credential_id == wanted:
                return credential
        raise _bad("Invalid parameter credentialID")

    def credentials_list(self, version: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"credentialIDs": [c.credential_id for c in self.credentials]}

    def credentials_info(self, version: str, body: dict[str, Any]) -> dict[str, Any]:
        credential = self._credential(body)
        wanted = body.get("certificates", "single")
        chain = [credential.holder, *credential.chain]
        certs = {"none": [], "single": chain[:1], "chain": chain}.get(wanted)
        if certs is None:
            raise _bad("Invalid parameter certificates")
        cert = credential.holder.cert
        info: dict[str, Any] = {
            "key": {
                "status": "enabled",
                "algo": EC_ALGOS if credential.is_ec else RSA_ALGOS,
                "len": credential.holder.key.key_size,
            },
            "cert": {
                "status": "valid",
                "certificates": [base64.b64encode(i.cert_der).decode() for i in certs],
                "issuerDN": cert.issuer.rfc4514_string(),
                "serialNumber": format(cert.serial_number, "x"),
                "subjectDN": cert.subject.rfc4514_string(),
            },
            "authMode": "explicit" if credential.pin else "implicit",
            "SCAL": str(credential.scal),
            "multisign": 1,
        }
        if credential.pin:
            info["PIN"] = {"presence": "true", "format": "N", "label": "PIN"}
        return info

    def _hashes_field(self, version: str) -> str:
        return "hashes" if version == "v2" else "hash"

    def credentials_authorize(self, version: str, body: dict[str, Any]) -> dict[str, Any]:
        credential = self._credential(body)
        num = body.get("numSignatures")
        if not isinstance(num, int) or num < 1:
            raise _bad("Missing (or invalid type) integer parameter numSignatures")
        if credential.pin is not None:
            if "PIN" not in body:
                raise _bad("Missing (or invalid type) string parameter PIN")
            if not secrets.compare_digest(str(body["PIN"]), credential.pin):
                raise _bad("The PIN is invalid", error="invalid_pin")
        bound = body.get(self._hashes_field(version))
        if credential.scal == 2:
            if not isinstance(bound, list) or len(bound) != num:
                raise _bad(f"SCAL 2 credential: {self._hashes_field(version)} required")
            if version == "v2" and "hashAlgorithmOID" not in body:
                raise _bad("Missing string parameter hashAlgorithmOID")
        sad = secrets.token_urlsafe(24)
        with self._lock:
            self._sads[sad] = _Sad(
                credential_id=credential.credential_id,
                remaining=num,
                expires=time.monotonic() + self.sad_lifetime,
                hashes=set(bound) if credential.scal == 2 else None,
            )
        return {"SAD": sad, "expiresIn": self.sad_lifetime}

    def sign_hash(self, version: str, body: dict[str, Any]) -> dict[str, Any]:
        credential = self._credential(body)
        hash_field = self._hashes_field(version)
        b64_hashes = body.get(hash_field)
        if not isinstance(b64_hashes, list) or not b64_hashes:
            raise _bad(f"Missing (or invalid type) array parameter {hash_field}")
        algo_field = "hashAlgorithmOID" if version == "v2" else "hashAlgo"
        sign_algo = body.get("signAlgo")
        supported = EC_ALGOS if credential.is_ec else RSA_ALGOS
        if sign_algo not in supported:
            raise _bad("Invalid parameter signAlgo")
        # The signature OID fixes the hash; the separate hash parameter must agree.
        md = algos.SignedDigestAlgorithm({"algorithm": sign_algo}).hash_algo
        if body.get(algo_field) != algos.DigestAlgorithmId(md).dotted:
            raise _bad(f"Invalid parameter {algo_field}")
        with self._lock:
            sad = self._sads.get(str(body.get("SAD")))
            if sad is None or sad.expires < time.monotonic():
                raise _bad("Invalid SAD", error="invalid_request")
            if sad.credential_id != credential.credential_id:
                raise _bad("SAD was issued for another credential")
            if sad.remaining < len(b64_hashes):
                raise _bad("numSignatures exceeded")
            if sad.hashes is not None and not set(b64_hashes) <= sad.hashes:
                raise _bad("Hash not authorized by SAD")
            sad.remaining -= len(b64_hashes)
            if sad.remaining == 0:
                del self._sads[str(body["SAD"])]
        return {"signatures": [self._sign(credential, md, h) for h in b64_hashes]}

    def _sign(self, credential: Credential, md: str, b64_hash: str) -> str:
        digest = base64.b64decode(b64_hash)
        hash_algo = _HASHES[md]()
        if len(digest) != hash_algo.digest_size:
            raise _bad("Invalid hash length")
        prehashed = utils.Prehashed(hash_algo)
        key = credential.holder.key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            signature = key.sign(digest, ec.ECDSA(prehashed))
        else:
            signature = key.sign(digest, padding.PKCS1v15(), prehashed)
        return base64.b64encode(signature).decode()


class CSCServer(LoopbackServer):
    """``with CSCServer(service) as csc: csc.url`` - the base URL (before ``/csc/v1``)."""

    def __init__(self, service: CSCService) -> None:
        self.service = service
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                prefix, _, rest = self.path.lstrip("/").partition("/")
                version, _, endpoint = rest.partition("/")
                try:
                    if prefix != "csc" or version not in ("v1", "v2"):
                        raise CSCError(404, "invalid_request", "Not a CSC endpoint")
                    try:
                        body = json.loads(raw or b"{}")
                    except ValueError:
                        raise _bad("Request body is not JSON") from None
                    if not isinstance(body, dict):
                        raise _bad("Request body is not a JSON object")
                    auth = self.headers.get("Authorization")
                    result = outer.service.handle(version, endpoint, auth, body)
                except CSCError as exc:
                    extra = {}
                    if exc.status == 401:
                        extra["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                    self._json(
                        exc.status,
                        {"error": exc.error, "error_description": exc.description},
                        extra,
                    )
                    return
                self._json(200, result)

        super().__init__(Handler, name="test-csc")

    @property
    def url(self) -> str:
        return self.base_url
