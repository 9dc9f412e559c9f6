from __future__ import annotations

import time
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from signing.pdf import pades
from signing.pdf.verify import verify_pdf_bytes

from .conftest import make_pdf

KEYS = {"file", "status", "error", "signatures"}
SIG_KEYS = {
    "field", "signer", "signed_at", "intact", "trusted", "modified_after", "coverage",
    "timestamped", "status",
}


def _v(data, ca=None, **kw):
    return verify_pdf_bytes(data, trust_roots=[ca[1]] if ca else [], **kw)


def test_report_shape(pdf2, signer, ca):
    report = _v(pades.sign_pdf(pdf2, signer), ca, filename="bien-ban.pdf")
    assert set(report) == KEYS and report["file"] == "bien-ban.pdf" and report["error"] is None
    assert set(report["signatures"][0]) == SIG_KEYS


def test_pem_trust_root_accepted(pdf2, signer, ca):
    from cryptography.hazmat.primitives import serialization

    pem = ca[1].public_bytes(serialization.Encoding.PEM)
    report = verify_pdf_bytes(pades.sign_pdf(pdf2, signer), trust_roots=[pem])
    assert report["status"] == "valid"


def test_unsigned():
    assert _v(make_pdf(1))["status"] == "unsigned"


def test_not_a_pdf():
    report = _v(b"PK\x03\x04 zip file")
    assert report["status"] == "error" and report["error"] == "not a PDF file"


def test_truncated(pdf2, signer, ca):
    signed = pades.sign_pdf(pdf2, signer)
    for cut in (200, len(signed) // 2, len(signed) - 30):
        report = _v(signed[:cut], ca)
        assert report["status"] in ("error", "invalid"), (cut, report)
        assert report["status"] != "valid"


def test_encrypted():
    w = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf(1))))
    w.encrypt(user_password="secret", owner_password="o", algorithm="AES-128")
    buf = BytesIO()
    w.write(buf)
    report = _v(buf.getvalue())
    assert report["status"] == "error" and "encrypted" in report["error"]


def test_size_limit(pdf2):
    report = _v(pdf2, max_bytes=100)
    assert report == {"file": "x.pdf", "status": "error", "error": "file too large", "signatures": []}


def test_time_limit(pdf2, signer, ca):
    report = _v(pades.sign_pdf(pdf2, signer), ca, time_limit_s=0.0001)
    assert report["status"] == "error" and report["error"] == "validation timed out"
    # the killed worker is replaced: the next call works
    assert _v(pades.sign_pdf(pdf2, signer), ca)["status"] == "valid"


def _many_sig_fields(n: int) -> bytes:
    w = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf(1))))
    fields = ArrayObject()
    for i in range(n):
        field = DictionaryObject(
            {
                NameObject("/FT"): NameObject("/Sig"),
                NameObject("/T"): TextStringObject(f"S{i}"),
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                NameObject("/V"): DictionaryObject({NameObject("/Type"): NameObject("/Sig")}),
            }
        )
        fields.append(w._add_object(field))
    w._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): fields})
    buf = BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_too_many_signature_fields_is_bounded():
    data = _many_sig_fields(10_000)
    start = time.monotonic()
    report = _v(data)
    assert time.monotonic() - start < 20
    assert report["status"] == "error" and "too many signature fields" in report["error"]


def test_garbage_signature_values_are_invalid():
    report = _v(_many_sig_fields(3))
    assert report["status"] == "invalid"
    assert len(report["signatures"]) == 3
    assert all(s["status"] == "invalid" and not s["intact"] for s in report["signatures"])
