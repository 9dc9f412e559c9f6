"""A real RFC 3161 time-stamping authority served over HTTP on loopback.

The request is parsed and checked as RFC 3161 section 2.4 asks (version, hash algorithm,
digest length, policy, extensions) and refused with a proper ``PKIStatusInfo`` when it is
wrong; a granted token is a CMS SignedData over a TSTInfo, signed by a certificate whose
only, critical, extended key usage is timeStamping, and carries ESS signing-certificate-v2.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import secrets
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from asn1crypto import algos, cms, core, tsp, x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

from . import LoopbackServer
from .testpki import Issued

DEFAULT_POLICY = "1.3.6.1.4.1.99999.3161.1"  # private arc: test policy only
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
_PYCA_HASH = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class LenientTimeStampResp(core.Sequence):
    """TimeStampResp as RFC 3161 2.4.2 has it: the token is absent on a rejection.

    asn1crypto's ``tsp.TimeStampResp`` makes the token mandatory, so neither a refusal
    nor its parsing can go through it.
    """

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class Refusal(Exception):
    def __init__(self, fail_info: str, text: str) -> None:
        super().__init__(text)
        self.fail_info = fail_info
        self.text = text


class TimestampAuthority:
    """The protocol part: ``TimeStampReq`` DER in, ``TimeStampResp`` DER out."""

    def __init__(
        self,
        tsa: Issued,
        *,
        chain: tuple[Issued, ...] = (),
        policy: str = DEFAULT_POLICY,
    ) -> None:
        self.tsa = tsa
        self.tsa_cert = tsa.asn1_cert
        self.chain = [issued.asn1_cert for issued in chain]
        self.policy = policy
        self._serials = itertools.count(secrets.randbits(32) << 16)
        self._serial_lock = threading.Lock()

    def respond(self, body: bytes) -> bytes:
        try:
            try:
                req = tsp.TimeStampReq.load(body)
                req.native  # noqa: B018 - force a full parse so garbage is rejected here
            except ValueError as exc:
                raise Refusal("bad_data_format", f"not a TimeStampReq: {exc}") from exc
            token = self._grant(req)
        except Refusal as refusal:
            return self._refuse(refusal).dump()
        status = tsp.PKIStatusInfo({"status": "granted"})
        return tsp.TimeStampResp({"status": status, "time_stamp_token": token}).dump()

    def _refuse(self, refusal: Refusal) -> LenientTimeStampResp:
        status = tsp.PKIStatusInfo(
            {
                "status": "rejection",
                "status_string": [refusal.text],
                "fail_info": tsp.PKIFailureInfo({refusal.fail_info}),
            }
        )
        return LenientTimeStampResp({"status": status})

    def _check(self, req: tsp.TimeStampReq) -> None:
        if req["version"].native != "v1":
            raise Refusal("bad_request", "only version 1 requests are supported")
        imprint = req["message_imprint"]
        md = imprint["hash_algorithm"]["algorithm"].native
        if md not in _DIGEST_SIZES:
            raise Refusal("bad_alg", f"hash algorithm {md} not accepted")
        if len(imprint["hashed_message"].native) != _DIGEST_SIZES[md]:
            raise Refusal("bad_data_format", f"hashed message is not a {md} digest")
        policy = req["req_policy"].dotted if req["req_policy"].native is not None else None
        if policy is not None and policy != self.policy:
            raise Refusal("unaccepted_policy", f"policy {policy} not offered")
        if req["extensions"].native:
            raise Refusal("unaccepted_extensions", "no extensions are supported")

    def _grant(self, req: tsp.TimeStampReq) -> cms.ContentInfo:
        self._check(req)
        now = dt.datetime.now(dt.UTC)
        with self._serial_lock:
            serial = next(self._serials)
        tst_fields: dict[str, Any] = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": req["message_imprint"],
            "serial_number": serial,
            "gen_time": now,
            "accuracy": {"seconds": 1},
            "tsa": x509.GeneralName({"directory_name": self.tsa_cert.subject}),
        }
        if req["nonce"].native is not None:
            tst_fields["nonce"] = req["nonce"].native
        tst_info = tsp.TSTInfo(tst_fields).dump()

        # The signer's digest is sha256 whatever the client used for the imprint:
        # the imprint algorithm only says how the *document* was hashed.
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(now)})),
                simple_cms_attribute(
                    "signing_certificate_v2", as_signing_certificate_v2(self.tsa_cert)
                ),
                simple_cms_attribute("message_digest", hashlib.sha256(tst_info).digest()),
            ]
        )
        signature, sig_algo = self._sign(signed_attrs.dump())
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                            {
                                "issuer": self.tsa_cert.issuer,
                                "serial_number": self.tsa_cert.serial_number,
                            }
                        )
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": sig_algo}),
                "signature": signature,
            }
        )
        signed_data: dict[str, Any] = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": cms.ParsableOctetString(tst_info),
            },
            "signer_infos": [signer_info],
        }
        # RFC 3161 2.4.1: the certificate goes in only when the client asks for it.
        if req["cert_req"].native:
            signed_data["certificates"] = [self.tsa_cert, *self.chain]
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})

    def _sign(self, data: bytes) -> tuple[bytes, str]:
        key = self.tsa.key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"


class TSAServer(LoopbackServer):
    """``with TSAServer(authority) as tsa: tsa.url`` - a threaded HTTP front for a TSA.

    ``credentials=(user, password)`` demands HTTP basic auth, as commercial TSAs do.
    """

    def __init__(
        self, authority: TimestampAuthority, *, credentials: tuple[str, str] | None = None
    ) -> None:
        self.authority = authority
        self.requests = 0
        expected_auth = (
            "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
            if credentials
            else None
        )
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep pytest output clean

            def _reply(self, code: int, body: bytes, ctype: str, extra: dict[str, str]) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._reply(405, b"POST a TimeStampReq\n", "text/plain", {"Allow": "POST"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.requests += 1
                if expected_auth and self.headers.get("Authorization") != expected_auth:
                    self._reply(
                        401,
                        b"authentication required\n",
                        "text/plain",
                        {"WWW-Authenticate": 'Basic realm="tsa"'},
                    )
                    return
                if self.headers.get("Content-Type") != QUERY_TYPE:
                    self._reply(415, f"expected {QUERY_TYPE}\n".encode(), "text/plain", {})
                    return
                self._reply(200, server.authority.respond(body), REPLY_TYPE, {})

        super().__init__(Handler, name="test-tsa")

    @property
    def url(self) -> str:
        return self.base_url + "/tsa"
