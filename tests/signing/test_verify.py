from __future__ import annotations

import time
from io import BytesIO

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from signing.pdf import pades
from signing.pdf.verify import verify_pdf_bytes
from tests.kit.files import make_pdf

KEYS = {"file", "status", "error", "signatures"}
SIG_KEYS_STABLE = {
    "field", "signer", "signed_at", "intact", "trusted", "modified_after", "coverage",
    "timestamped", "status",
}
# Added for the reader's report (fn146); the stable keys above stay.
SIG_KEYS = SIG_KEYS_STABLE | {
    "signer_organization", "signer_unit", "issuer", "issuer_organization", "certificate_serial",
    "certificate_valid_from", "certificate_valid_to", "signed_at_source", "timestamp_authority",
    "timestamp_trusted", "chain_trusted", "certificate_at_signing", "revoked_at", "level",
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
    assert report["status"] == "error" and report["error"].startswith("cannot read the PDF")


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


# --- the behaviour-identical speed-ups (signing.pdf._speedups) ------------------------------

HEX_SAMPLES = [
    b"<48656C6C6F> rest",
    b"<48 65\n6C\r\n6c\t6F\x00\x0c> rest",
    b"<486>",
    b"<>",
    b"<FEFF00410042>",  # UTF-16 BOM: a text string
    b"<4G>",  # bad digit: pyHanko's error
    b"<48%comment\n65>",  # a comment inside: pyHanko's handling
    b"<4865",  # truncated
    b"<" + b"ab" * 300_000 + b"> tail",  # longer than the first reads
]


def _outcome(fn, raw):
    from io import BytesIO as B

    stream = B(b"junk" + raw)
    stream.seek(4)
    try:
        value = fn(stream)
    except Exception as exc:
        return ("raised", type(exc), str(exc))
    return (type(value), bytes(value.original_bytes), stream.tell())


def test_hex_reader_matches_pyhanko():
    from signing.pdf import _speedups

    for raw in HEX_SAMPLES:
        assert _outcome(_speedups.read_hex_string_from_stream, raw) == _outcome(
            _speedups._original, raw
        ), raw[:40]


def test_name_comparison_matches_asn1crypto():
    from asn1crypto import x509 as ax

    from signing.pdf import _speedups

    _speedups.install()
    a = ax.Name.build({"common_name": "Nguyễn Văn A", "country_name": "VN"})
    same_meaning = ax.Name.build({"common_name": "nguyễn  văn a", "country_name": "VN"})
    other = ax.Name.build({"common_name": "Trần Thị B", "country_name": "VN"})
    for x, y in [(a, a), (a, same_meaning), (a, other), (other, same_meaning)]:
        for _ in range(2):  # computed, then memoised
            assert (x == y) is _speedups._original_name_eq(x, y)
            assert x.hashable == _speedups._original_name_hashable.fget(x)
    assert a == same_meaning and a != other and (a == "not a name") is False
    bad = ax.Name.build({"common_name": "A\u0600B"})  # unassigned code point
    for _ in range(2):  # the error is raised every time, never memoised as a result
        with pytest.raises(ValueError):
            bad == ax.Name.build({"common_name": "A\u0600B"})  # noqa: B015
        with pytest.raises(ValueError):
            bad.hashable  # noqa: B018


@pytest.mark.parametrize(
    "byte_range",
    [[0, 100, 200, 800], [0, 1000], [0, 600, 900, 5000], [0, 0], [], [1200, 10], [0, 10, 5]],
)
def test_byte_range_digest_matches_pyhanko(byte_range):
    import os as _os
    from io import BytesIO as B

    from signing.pdf import _speedups

    data = _os.urandom(1000)

    def run(fn):
        stream = B(data)
        stream.seek(7)
        try:
            return fn(stream, byte_range, "sha256"), stream.tell()
        except Exception as exc:
            return type(exc), str(exc)

    assert run(_speedups.byte_range_digest) == run(_speedups._original_byte_range_digest)


def test_report_holds_plain_values_only(pdf2, signer, ca):
    """pyHanko's string objects reference the whole PDF: a report holding one would drag
    the document back through the worker pipe (and into any cache or session)."""
    import pickle

    report = _v(pades.sign_pdf(pdf2, signer), ca)
    report_g = _v(_many_sig_fields(2))
    for rep in (report, report_g):
        for sig in rep["signatures"]:
            assert all(type(v) in (str, bool, type(None)) for v in sig.values()), sig
        assert len(pickle.dumps(rep)) < 2000


NAME_SAMPLES = [
    b"/Type /Catalog",
    b"/Type/Catalog",
    b"/A#20B>>",  # escape
    b"/A#2",  # unterminated escape: pyHanko's error
    b"/Caf\xc3\xa9 ",  # raw non-ASCII byte: must be escaped (error)
    b"/",  # empty name at the end of the stream
    b"/ ",
    b"/" + b"N" * 5000 + b"[",  # longer than the first reads
    b"/NoDelimiterUntilTheEnd",
    b"Type",  # not a name
]


def test_name_reader_matches_pyhanko():
    from signing.pdf import _speedups

    def outcome(fn, raw):
        from io import BytesIO as B

        stream = B(b"xx" + raw)
        stream.seek(2)
        try:
            value = fn(stream)
        except Exception as exc:
            return ("raised", type(exc), str(exc))
        return (type(value), str(value), stream.tell())

    for raw in NAME_SAMPLES:
        assert outcome(_speedups.read_name_from_stream, raw) == outcome(
            _speedups._original_read_name, raw
        ), raw[:40]
