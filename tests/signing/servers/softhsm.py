"""SoftHSM2 tokens for the tests: two tokens holding keys and certificates from a throw-away CA.

``softhsm_tokens(root)`` (a context manager) creates them under `root` and points SOFTHSM2_CONF
at them for as long as it is open; ``tests/signing/conftest.py`` exposes it as the session
fixture ``hsm`` used by the PKCS#11 backend tests and the signing workflow tests alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import require_tool
from tests.signing.servers.testpki import Issued, issue, make_ca

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
    from pkcs11 import Attribute
    from pkcs11.util.ec import decode_ec_private_key
    from pkcs11.util.rsa import decode_rsa_private_key

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
    from pkcs11 import Attribute
    from pkcs11.util.x509 import decode_x509_certificate

    attrs = decode_x509_certificate(issued.cert_der)
    attrs.update({Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: obj_id})
    session.create_object(attrs)


@contextmanager
def softhsm_tokens(root: Path) -> Iterator[Hsm]:
    import pkcs11

    require_tool("softhsm2-util", "softhsm2")
    module = _find_module()
    if module is None:
        if os.environ.get("CI"):
            pytest.fail("libsofthsm2.so (softhsm2) must be installed in CI")
        pytest.skip("softhsm2 not installed (libsofthsm2.so not found; set SOFTHSM2_MODULE)")
    util = shutil.which("softhsm2-util")
    assert util is not None

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
            # names the workflow tests' "member" by e-mail, so its signatures may fulfil requests
            ec=issue(ca, "Tran Thi B (EC token)", key_type="ec", email="member@example.gov.vn"),
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


