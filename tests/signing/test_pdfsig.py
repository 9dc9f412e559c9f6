"""Cross-check with poppler's pdfsig (NSS): both signatures valid, the issuer trusted."""

from __future__ import annotations

import subprocess

from cryptography.hazmat.primitives import serialization

from signing.pdf import pades
from tests.conftest import require_tool


def test_pdfsig_accepts_two_signatures(pdf2, signer, signer2, ca, stamp, tmp_path):
    require_tool("pdfsig", "poppler-utils")
    require_tool("certutil", "libnss3-tools")
    signed = pades.sign_pdf(pades.sign_pdf(pdf2, signer, stamp=stamp), signer2, stamp=stamp)
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed)
    nss = tmp_path / "nss"
    nss.mkdir()
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(ca[1].public_bytes(serialization.Encoding.PEM))
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "ecabinet-test-ca", "-t", "CT,C,C",
         "-i", str(ca_pem)],
        check=True,
    )
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True
    ).stdout
    assert out.count("Signature is Valid.") == 2, out
    assert out.count("Certificate is Trusted.") == 2, out
