"""Shared fixtures for the PDF signing core: a test CA, a user certificate, a sample PDF."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from signing.pdf import pades, pki
from signing.pdf.stamp import StampInfo
from tests.kit.files import make_pdf


@pytest.fixture(autouse=True)
def _isolated_media():
    # the pure signing tests touch no media (overrides the project-wide fixture)
    yield


@pytest.fixture(scope="session")
def ca():
    return pki.create_ca("eCabinet Test CA", "UBND Tỉnh Thử Nghiệm")


@pytest.fixture(scope="session")
def user(ca):
    ca_key, ca_cert = ca
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(
        ca_key,
        ca_cert,
        full_name="Nguyễn Văn Ánh",
        unit_name="Sở Tư pháp",
        email="anh@example.vn",
        public_key=key.public_key(),
    )
    return key, cert


@pytest.fixture(scope="session")
def user2(ca):
    ca_key, ca_cert = ca
    key = pki.generate_key("rsa")
    cert = pki.issue_signing_certificate(
        ca_key, ca_cert, full_name="Trần Thị Bình", unit_name="Văn phòng UBND", public_key=key.public_key()
    )
    return key, cert


@pytest.fixture(scope="session")
def signer(ca, user):
    return pades.make_key_signer(user[0], user[1], [ca[1]])


@pytest.fixture(scope="session")
def signer2(ca, user2):
    return pades.make_key_signer(user2[0], user2[1], [ca[1]])


@pytest.fixture(scope="session")
def pdf2() -> bytes:
    return make_pdf(2)


@pytest.fixture
def stamp() -> StampInfo:
    return StampInfo(
        full_name="Nguyễn Văn Ánh",
        position="Giám đốc",
        unit="Sở Tư pháp",
        reason="Phê duyệt biên bản",
        signed_at=datetime(2026, 1, 2, 2, 30, tzinfo=UTC),
    )


@pytest.fixture(scope="session")
def hsm(tmp_path_factory: pytest.TempPathFactory):
    """Two SoftHSM2 tokens (see tests/signing/servers/softhsm.py), shared by the whole session."""
    pytest.importorskip("pkcs11")
    from tests.signing.servers.softhsm import softhsm_tokens

    with softhsm_tokens(tmp_path_factory.mktemp("softhsm")) as tokens:
        yield tokens
