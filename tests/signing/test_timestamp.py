"""PAdES B-T through a real RFC 3161 TSA on loopback."""

from __future__ import annotations

import datetime as dt
import socket
import urllib.request
from io import BytesIO

import pytest
from asn1crypto import algos, tsp
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.pdf.timestamps import TimestampRefused, TimestampRequestError, http_timestamper
from tests.kit.files import make_pdf
from tests.signing.servers.testpki import issue, make_ca, sign_bytes, validate
from tests.signing.servers.tsa import (
    QUERY_TYPE,
    LenientTimeStampResp,
    Refusal,
    TimestampAuthority,
    TSAServer,
)


class Pki:
    def __init__(self) -> None:
        self.ca = make_ca("eCabinet Test Signing CA")
        self.tsa_root = make_ca("eCabinet Test TSA Root")
        self.tsa = issue(self.tsa_root, "eCabinet Test TSA", timestamping=True)
        self.user = issue(self.ca, "Nguyen Van A")

    def signer(self) -> signers.SimpleSigner:
        return signers.SimpleSigner(
            signing_cert=self.user.asn1_cert,
            signing_key=self.user.asn1_key,
            cert_registry=SimpleCertificateStore.from_certs([self.ca.asn1_cert]),
        )


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture
def tsa(pki: Pki):
    with TSAServer(TimestampAuthority(pki.tsa)) as server:
        yield server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_tsa_certificate_is_timestamping_only_and_critical(pki: Pki) -> None:
    eku = pki.tsa.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_b_t_signature_has_trusted_timestamp(pki: Pki, tsa: TSAServer) -> None:
    before = dt.datetime.now(dt.UTC)
    signed = sign_bytes(make_pdf(), pki.signer(), timestamper=http_timestamper(tsa.url))

    status = validate(signed, pki.ca, pki.tsa_root)
    assert status.bottom_line, status.pretty_print_details()
    ts = status.timestamp_validity
    assert ts is not None
    assert ts.intact and ts.valid and ts.trusted
    assert ts.signing_cert.dump() == pki.tsa.cert_der
    assert before - dt.timedelta(seconds=2) <= ts.timestamp <= dt.datetime.now(dt.UTC)
    # one request to size the placeholder, one for the real token
    assert tsa.requests == 2


def test_timestamp_untrusted_without_tsa_root(pki: Pki, tsa: TSAServer) -> None:
    signed = sign_bytes(make_pdf(), pki.signer(), timestamper=http_timestamper(tsa.url))
    status = validate(signed, pki.ca)
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact
    assert not status.timestamp_validity.trusted
    assert not status.bottom_line


def test_tsa_down_gives_clear_error_and_no_output(pki: Pki) -> None:
    url = f"http://127.0.0.1:{_free_port()}/tsa"
    out = BytesIO()
    writer = IncrementalPdfFileWriter(BytesIO(make_pdf()))
    meta = signers.PdfSignatureMetadata(field_name="Sig1", subfilter=fields.SigSeedSubFilter.PADES)
    with pytest.raises(TimestampRequestError) as excinfo:
        signers.sign_pdf(
            writer, meta, signer=pki.signer(), timestamper=http_timestamper(url), output=out
        )
    message = str(excinfo.value)
    assert url in message
    assert "Connect" in message  # aiohttp's ClientConnectorError, i.e. refused
    assert out.getvalue() == b""


def test_tsa_with_basic_auth(pki: Pki) -> None:
    with TSAServer(TimestampAuthority(pki.tsa), credentials=("ecabinet", "s3cret")) as server:
        good = http_timestamper(server.url, username="ecabinet", password="s3cret")
        signed = sign_bytes(make_pdf(), pki.signer(), timestamper=good)
        assert validate(signed, pki.ca, pki.tsa_root).bottom_line

        with pytest.raises(TimestampRequestError, match="401"):
            sign_bytes(make_pdf(), pki.signer(), timestamper=http_timestamper(server.url))


def test_tsa_timeout_is_reported(pki: Pki) -> None:
    # A listening socket that never answers: the client must give up on its own.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/tsa"
        with pytest.raises(TimestampRequestError, match="Timeout"):
            sign_bytes(make_pdf(), pki.signer(), timestamper=http_timestamper(url, timeout=0.5))


def _post(url: str, body: bytes) -> LenientTimeStampResp:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": QUERY_TYPE})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"] == "application/timestamp-reply"
        return LenientTimeStampResp.load(response.read())


def _request(**overrides: object) -> bytes:
    fields_ = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": b"\x11" * 32,
        },
        "nonce": 42,
        "cert_req": True,
    }
    fields_.update(overrides)
    return tsp.TimeStampReq(fields_).dump()


@pytest.mark.parametrize(
    ("body", "fail_info"),
    [
        (b"not DER at all", "bad_data_format"),
        (_request(req_policy="1.2.3.4"), "unaccepted_policy"),
        (
            _request(
                message_imprint={
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": "md5"}),
                    "hashed_message": b"\x11" * 16,
                }
            ),
            "bad_alg",
        ),
        (
            _request(
                message_imprint={
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                    "hashed_message": b"\x11" * 20,
                }
            ),
            "bad_data_format",
        ),
    ],
    ids=["garbage", "policy", "md5", "short-digest"],
)
def test_tsa_refuses_bad_requests(tsa: TSAServer, body: bytes, fail_info: str) -> None:
    response = _post(tsa.url, body)
    assert response["status"]["status"].native == "rejection"
    assert response["status"]["fail_info"].native == {fail_info}
    assert response["time_stamp_token"].native is None


def test_tsa_honours_cert_req_and_nonce(tsa: TSAServer) -> None:
    with_cert = _post(tsa.url, _request())
    token = with_cert["time_stamp_token"]["content"]
    assert len(token["certificates"]) == 1
    assert token["encap_content_info"]["content"].parsed["nonce"].native == 42

    without = _post(tsa.url, _request(cert_req=False))
    assert without["status"]["status"].native == "granted"
    assert without["time_stamp_token"]["content"]["certificates"].native is None


class _RefusingAuthority(TimestampAuthority):
    def _check(self, req: tsp.TimeStampReq) -> None:
        raise Refusal("time_not_available", "clock not synchronised")


def test_refusal_reaches_the_caller_verbatim(pki: Pki) -> None:
    with TSAServer(_RefusingAuthority(pki.tsa)) as server:
        with pytest.raises(TimestampRefused, match="time_not_available.*clock not synchronised"):
            sign_bytes(make_pdf(), pki.signer(), timestamper=http_timestamper(server.url))
