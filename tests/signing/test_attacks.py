"""Regression tests on the RUB-NDS signed-PDF attack samples in ``shared/pdf-attacks``.

Recorded verdicts for the stretch files (``cert_*_original``), with pyHanko 0.38:
- cert_02_NDA_cert_p2_sign_original.pdf: ``modified``: the approval signature's
  revision replaces an object of the certified revision (the AcroForm /DR font) and the
  certification signature's /ByteRange is not a standard one (coverage ``partial``).
- cert_02_Test_cert_p2_sign_original.pdf: ``modified``: SHA-1 signatures (refused by
  the algorithm policy, so not trusted) and the later revision fails difference analysis.
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.pdf.verify import verify_pdf_bytes
from tests.kit.files import ATTACK_SAMPLES, require_attack_samples

SAMPLES = ATTACK_SAMPLES
STRETCH_VERDICTS = {
    "cert_02_NDA_cert_p2_sign_original.pdf": "modified",
    "cert_02_Test_cert_p2_sign_original.pdf": "modified",
}


def _manifest() -> dict:
    if not (SAMPLES / "manifest.json").exists():
        return {}
    return json.loads((SAMPLES / "manifest.json").read_text())


@pytest.fixture(autouse=True)
def _samples_present():
    require_attack_samples()


def _own_certs(path: Path) -> list[bytes]:
    """The signers' own (self-signed) certificates, taken from the files' CMS."""
    reader = PdfFileReader(BytesIO(path.read_bytes()), strict=False)
    return [sig.signer_cert.dump() for sig in reader.embedded_regular_signatures]


def _original_of(name: str) -> Path:
    if "_4_" not in name:
        return SAMPLES / name
    prefix = name.split("_4_")[0]
    return next(SAMPLES.glob(f"{prefix}_3_*.pdf"))


def test_manifest_lists_every_sample():
    if not SAMPLES.is_dir():
        return
    assert set(_manifest()) == {p.name for p in SAMPLES.glob("*.pdf")}


@pytest.mark.parametrize("name", sorted(_manifest()) or ["<missing>"])
def test_sample_verdict(name):
    entry = _manifest()[name]
    path = SAMPLES / name
    roots = _own_certs(_original_of(name)) if not name.startswith("cert_") else _own_certs(path)
    report = verify_pdf_bytes(path.read_bytes(), trust_roots=roots, filename=name)
    status = report["status"]
    assert status not in entry["never"], report
    if "_4_" in name or name.startswith(("cert_03", "cert_04")):
        assert status in ("modified", "invalid"), report
    elif "_3_" in name:
        assert status == "valid", report
    else:
        assert status == STRETCH_VERDICTS[name], report
