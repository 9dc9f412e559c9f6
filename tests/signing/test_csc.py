"""CSC remote signing against a real loopback CSC service."""

from __future__ import annotations

import socket
from io import BytesIO

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from signing.pdf.backends import RemoteSignerError
from signing.pdf.backends.csc import csc_signer
from tests.kit.files import make_pdf
from tests.signing.servers.csc import Credential, CSCServer, CSCService
from tests.signing.servers.testpki import Issued, issue, make_ca, sign_bytes, validate

PIN = "2468"


class Pki:
    def __init__(self) -> None:
        self.ca = make_ca("eCabinet Test Remote Signing CA")
        self.rsa = issue(self.ca, "Pham Van D (remote RSA)")
        self.ec = issue(self.ca, "Hoang Thi E (remote EC)", key_type="ec")


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture
def service(pki: Pki) -> CSCService:
    return CSCService(
        credentials=[
            Credential("cred-rsa", pki.rsa, chain=(pki.ca,), pin=PIN, scal=1),
            Credential("cred-ec", pki.ec, chain=(pki.ca,), pin=PIN, scal=2),
        ]
    )


@pytest.fixture
def csc(service: CSCService):
    with CSCServer(service) as server:
        yield server


def _assert_valid(pdf: bytes, pki: Pki, expected: Issued) -> None:
    status = validate(pdf, pki.ca)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.bottom_line
    assert status.signing_cert.dump() == expected.cert_der


@pytest.mark.parametrize("api_version", ["v1", "v2"])
@pytest.mark.parametrize(("credential_id", "which"), [("cred-rsa", "rsa"), ("cred-ec", "ec")])
def test_sign_through_csc_validates(
    pki: Pki, csc: CSCServer, api_version: str, credential_id: str, which: str
) -> None:
    signer = csc_signer(
        service_url=csc.url,
        access_token=csc.service.token,
        credential_id=credential_id,
        pin=PIN,
        api_version=api_version,
    )
    signed = sign_bytes(make_pdf(), signer)
    _assert_valid(signed, pki, getattr(pki, which))
    assert csc.service.calls[-1] == "signatures/signHash"


def test_scal1_authorizes_before_signing_and_scal2_at_signing(pki: Pki, csc: CSCServer) -> None:
    csc_signer(
        service_url=csc.url, access_token=csc.service.token, credential_id="cred-rsa", pin=PIN
    )
    assert csc.service.calls == ["credentials/info", "credentials/authorize"]
    csc.service.calls.clear()

    signer = csc_signer(
        service_url=csc.url, access_token=csc.service.token, credential_id="cred-ec", pin=PIN
    )
    assert csc.service.calls == ["credentials/info"]
    sign_bytes(make_pdf(), signer)
    assert csc.service.calls[1:] == ["credentials/authorize", "signatures/signHash"]


def test_signer_can_sign_twice(pki: Pki, csc: CSCServer) -> None:
    # The up-front SAD is good for one signature; the second re-authorises with the PIN.
    signer = csc_signer(
        service_url=csc.url, access_token=csc.service.token, credential_id="cred-rsa", pin=PIN
    )
    for _ in range(2):
        _assert_valid(sign_bytes(make_pdf(), signer), pki, pki.rsa)


def test_single_credential_is_discovered(pki: Pki) -> None:
    service = CSCService(credentials=[Credential("only", pki.rsa, chain=(pki.ca,))])
    with CSCServer(service) as server:
        signer = csc_signer(service_url=server.url, access_token=service.token)
        _assert_valid(sign_bytes(make_pdf(), signer), pki, pki.rsa)


def test_several_credentials_need_an_id(csc: CSCServer) -> None:
    with pytest.raises(RemoteSignerError, match="2 credentials"):
        csc_signer(service_url=csc.url, access_token=csc.service.token, pin=PIN)


def test_bad_token(csc: CSCServer) -> None:
    with pytest.raises(RemoteSignerError) as excinfo:
        csc_signer(service_url=csc.url, access_token="stolen", credential_id="cred-rsa", pin=PIN)
    err = excinfo.value
    assert err.status == 401
    assert err.error == "invalid_token"
    assert "The access token is not valid" in str(err)


def test_wrong_pin(csc: CSCServer) -> None:
    with pytest.raises(RemoteSignerError, match="The PIN is invalid") as excinfo:
        csc_signer(
            service_url=csc.url,
            access_token=csc.service.token,
            credential_id="cred-rsa",
            pin="0000",
        )
    assert excinfo.value.status == 400


def test_wrong_pin_scal2_surfaces_at_signing(csc: CSCServer) -> None:
    signer = csc_signer(
        service_url=csc.url, access_token=csc.service.token, credential_id="cred-ec", pin="0000"
    )
    with pytest.raises(RemoteSignerError, match="The PIN is invalid"):
        _sign_to(BytesIO(), signer)


def test_unknown_credential(csc: CSCServer) -> None:
    with pytest.raises(RemoteSignerError, match="Invalid parameter credentialID"):
        csc_signer(service_url=csc.url, access_token=csc.service.token, credential_id="nope")


def test_token_revoked_between_setup_and_signhash(csc: CSCServer) -> None:
    signer = csc_signer(
        service_url=csc.url, access_token=csc.service.token, credential_id="cred-rsa", pin=PIN
    )
    csc.service.token = "rotated"
    with pytest.raises(RemoteSignerError, match="signatures/signHash.*401") as excinfo:
        _sign_to(BytesIO(), signer)
    assert excinfo.value.error == "invalid_token"


def test_service_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RemoteSignerError, match="cannot reach signing service") as excinfo:
        csc_signer(service_url=f"http://127.0.0.1:{port}", access_token="x", credential_id="c")
    assert excinfo.value.status is None


def _sign_to(out: BytesIO, signer: signers.Signer) -> None:
    # pyHanko writes the prepared revision to ``out`` before it asks for the signature,
    # so a failure here leaves a placeholder-only file in ``out``: callers that must not
    # leak half-signed output sign into a scratch buffer (signing.pdf.pades does).
    meta = signers.PdfSignatureMetadata(field_name="Sig1", subfilter=fields.SigSeedSubFilter.PADES)
    writer = IncrementalPdfFileWriter(BytesIO(make_pdf()))
    signers.sign_pdf(writer, meta, signer=signer, output=out)
