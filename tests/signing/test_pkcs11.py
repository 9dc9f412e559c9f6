"""PKCS#11 backend against a real SoftHSM2 token created for this test module."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.conftest import require_tool
from tests.signing.servers.testpki import Issued, issue, make_ca, make_pdf, sign_bytes, validate

pkcs11 = pytest.importorskip("pkcs11")

from pkcs11 import Attribute  # noqa: E402
from pkcs11.util.ec import decode_ec_private_key  # noqa: E402
from pkcs11.util.rsa import decode_rsa_private_key  # noqa: E402
from pkcs11.util.x509 import decode_x509_certificate  # noqa: E402

from signing.pdf.backends import TokenError, TokenNotFound, TokenPinError  # noqa: E402
from signing.pdf.backends.pkcs11 import open_pkcs11_signer  # noqa: E402

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)
PIN = "123456"
SO_PIN = "12345678"
MULTI = "ecab-multi"  # an RSA and an EC key, plus the CA certificate
SINGLE = "ecab-single"  # exactly one key, to exercise key auto-discovery


@dataclass(frozen=True)
class Hsm:
    module: str
    ca: Issued
    rsa: Issued
    ec: Issued
    single: Issued


def _find_module() -> str | None:
    override = os.environ.get("SOFTHSM2_MODULE")
    candidates = (override,) if override else MODULE_CANDIDATES
    return next((path for path in candidates if path and os.path.isfile(path)), None)


def _import_key(session, issued: Issued, label: str, key_id: bytes) -> None:
    der = issued.traditional_der
    is_ec = isinstance(issued.key, ec.EllipticCurvePrivateKey)
    attrs = decode_ec_private_key(der) if is_ec else decode_rsa_private_key(der)
    attrs.update(
        {
            Attribute.TOKEN: True,
            Attribute.PRIVATE: True,
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.SIGN: True,
            Attribute.LABEL: label,
            Attribute.ID: key_id,
        }
    )
    session.create_object(attrs)
    _import_cert(session, issued, label, key_id)


def _import_cert(session, issued: Issued, label: str, obj_id: bytes) -> None:
    attrs = decode_x509_certificate(issued.cert_der)
    attrs.update({Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: obj_id})
    session.create_object(attrs)


@pytest.fixture(scope="module")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hsm]:
    require_tool("softhsm2-util", "softhsm2")
    module = _find_module()
    if module is None:
        if os.environ.get("CI"):
            pytest.fail("libsofthsm2.so (softhsm2) must be installed in CI")
        pytest.skip("softhsm2 not installed (libsofthsm2.so not found; set SOFTHSM2_MODULE)")
    util = shutil.which("softhsm2-util")
    assert util is not None

    root: Path = tmp_path_factory.mktemp("softhsm")
    tokendir = root / "tokens"
    tokendir.mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokendir}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    saved_conf = os.environ.get("SOFTHSM2_CONF")
    # SoftHSM2 reads SOFTHSM2_CONF in C_Initialize, for softhsm2-util and for us alike.
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        for label in (MULTI, SINGLE):
            subprocess.run(
                [
                    util,
                    "--init-token",
                    "--free",
                    "--label",
                    label,
                    "--so-pin",
                    SO_PIN,
                    "--pin",
                    PIN,
                ],
                check=True,
                capture_output=True,
            )
        lib = pkcs11.lib(module)
        # python-pkcs11 keeps one initialised module per path for the whole process, so
        # if anything loaded SoftHSM2 earlier it still looks at the old token directory:
        # finalise and initialise again to make it re-read SOFTHSM2_CONF.
        lib.reinitialize()

        ca = make_ca()
        hsm = Hsm(
            module=module,
            ca=ca,
            rsa=issue(ca, "Nguyen Van A (RSA token)"),
            ec=issue(ca, "Tran Thi B (EC token)", key_type="ec"),
            single=issue(ca, "Le Van C (single-key token)"),
        )
        with lib.get_token(token_label=MULTI).open(rw=True, user_pin=PIN) as session:
            _import_key(session, hsm.rsa, "signer-rsa", b"\x01")
            _import_key(session, hsm.ec, "signer-ec", b"\x02")
            _import_cert(session, ca, "ca", b"\xca")
        with lib.get_token(token_label=SINGLE).open(rw=True, user_pin=PIN) as session:
            _import_key(session, hsm.single, "only-key", b"\x07")
        yield hsm
    finally:
        if saved_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = saved_conf


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
