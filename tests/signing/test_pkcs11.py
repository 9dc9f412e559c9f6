"""PKCS#11 backend against a real SoftHSM2 token (the ``hsm`` fixture of conftest.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.kit.files import make_pdf
from tests.signing.servers.softhsm import MULTI, PIN, SINGLE, Hsm
from tests.signing.servers.testpki import Issued, sign_bytes, validate

pkcs11 = pytest.importorskip("pkcs11")

from signing.pdf.backends import TokenError, TokenNotFound, TokenPinError  # noqa: E402
from signing.pdf.backends.pkcs11 import open_pkcs11_signer  # noqa: E402


def _assert_valid(status) -> None:
    assert status.intact, status.pretty_print_details()
    assert status.valid, status.pretty_print_details()
    assert status.trusted, status.pretty_print_details()
    assert status.bottom_line


def _assert_closed(session) -> None:
    # Closing again fails only if the handle is already gone.
    with pytest.raises(pkcs11.exceptions.SessionHandleInvalid):
        session.close()


@pytest.mark.parametrize(("key_label", "which"), [("signer-rsa", "rsa"), ("signer-ec", "ec")])
def test_sign_with_token_key_validates(hsm: Hsm, key_label: str, which: str) -> None:
    with open_pkcs11_signer(
        module_path=hsm.module, token_label=MULTI, pin=PIN, key_label=key_label
    ) as signer:
        signed = sign_bytes(make_pdf(), signer)

    status = validate(signed, hsm.ca)
    _assert_valid(status)
    expected: Issued = getattr(hsm, which)
    assert status.signing_cert.dump() == expected.cert_der
    # The CA certificate stored on the token travels inside the CMS.
    (embedded,) = PdfFileReader(BytesIO(signed)).embedded_signatures
    cms_certs = {choice.chosen.dump() for choice in embedded.signed_data["certificates"]}
    assert hsm.ca.cert_der in cms_certs


def test_key_is_discovered_when_token_has_one(hsm: Hsm) -> None:
    with open_pkcs11_signer(module_path=hsm.module, token_label=SINGLE, pin=PIN) as signer:
        signed = sign_bytes(make_pdf(), signer)
    status = validate(signed, hsm.ca)
    _assert_valid(status)
    assert status.signing_cert.dump() == hsm.single.cert_der


def test_session_is_closed_and_token_reusable(hsm: Hsm) -> None:
    with open_pkcs11_signer(
        module_path=hsm.module, token_label=MULTI, pin=PIN, key_label="signer-rsa"
    ) as signer:
        session = signer.pkcs11_session
    _assert_closed(session)
    # Logging in again right away works: the previous login did not linger.
    with open_pkcs11_signer(
        module_path=hsm.module, token_label=MULTI, pin=PIN, key_label="signer-rsa"
    ) as signer:
        assert signer.signing_cert.dump() == hsm.rsa.cert_der


def test_session_is_closed_when_body_raises(hsm: Hsm) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with open_pkcs11_signer(module_path=hsm.module, token_label=SINGLE, pin=PIN) as signer:
            session = signer.pkcs11_session
            raise RuntimeError("boom")
    _assert_closed(session)


def test_wrong_pin(hsm: Hsm) -> None:
    with pytest.raises(TokenPinError, match="PIN incorrect"):
        with open_pkcs11_signer(module_path=hsm.module, token_label=MULTI, pin="000000"):
            pytest.fail("signer yielded with a wrong PIN")


def test_unknown_token(hsm: Hsm) -> None:
    with pytest.raises(TokenNotFound, match="no-such-token"):
        with open_pkcs11_signer(module_path=hsm.module, token_label="no-such-token", pin=PIN):
            pytest.fail("signer yielded for a missing token")


def test_unknown_key_label(hsm: Hsm) -> None:
    with pytest.raises(TokenNotFound, match="nope"):
        with open_pkcs11_signer(
            module_path=hsm.module, token_label=MULTI, pin=PIN, key_label="nope"
        ):
            pytest.fail("signer yielded for a missing key")


def test_ambiguous_key_needs_label(hsm: Hsm) -> None:
    with pytest.raises(TokenError, match="give a label"):
        with open_pkcs11_signer(module_path=hsm.module, token_label=MULTI, pin=PIN):
            pytest.fail("signer yielded without choosing between two keys")


def test_missing_module(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match="module not found"):
        with open_pkcs11_signer(
            module_path=str(tmp_path / "libnothing.so"), token_label=MULTI, pin=PIN
        ):
            pytest.fail("signer yielded without a module")


def test_concurrent_signers_on_one_token_take_turns(hsm: Hsm) -> None:
    # Login state is shared by all sessions of a process; without the per-token lock the
    # second C_Login fails (USER_ALREADY_LOGGED_IN) or the first logout cuts the other off.
    def sign_once(_: int) -> bytes:
        with open_pkcs11_signer(
            module_path=hsm.module, token_label=MULTI, pin=PIN, key_label="signer-rsa"
        ) as signer:
            return sign_bytes(make_pdf(), signer)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(sign_once, range(4)))
    for signed in results:
        _assert_valid(validate(signed, hsm.ca))
