from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import ExternalSigner
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pypdf import PdfReader, PdfWriter

from signing.pdf import errors, pades, pki
from signing.pdf.stamp import StampInfo
from signing.pdf.verify import verify_pdf_bytes
from tests.conftest import require_tool
from tests.kit.files import make_pdf


def _verify(data, ca):
    return verify_pdf_bytes(data, trust_roots=[ca[1]])


def test_sign_is_valid_and_incremental(pdf2, signer, ca):
    out = pades.sign_pdf(pdf2, signer, reason="Đồng ý")
    assert out.startswith(pdf2)  # incremental update: the original bytes are untouched
    report = _verify(out, ca)
    assert report["status"] == "valid", report
    sig = report["signatures"][0]
    assert sig["signer"] == "Nguyễn Văn Ánh"
    assert sig["coverage"] == "entire_file" and sig["intact"] and sig["trusted"]
    assert datetime.fromisoformat(sig["signed_at"]).utcoffset() == timedelta(0)


def test_sign_twice_both_valid(pdf2, signer, signer2, ca, stamp):
    once = pades.sign_pdf(pdf2, signer, stamp=stamp)
    twice = pades.sign_pdf(once, signer2, stamp=stamp)
    assert twice.startswith(once)
    report = _verify(twice, ca)
    assert report["status"] == "valid", report
    assert [s["field"] for s in report["signatures"]] == ["Sig1", "Sig2"]
    assert [s["coverage"] for s in report["signatures"]] == ["entire_revision", "entire_file"]
    assert all(s["status"] == "valid" for s in report["signatures"])


def test_untrusted_without_root(pdf2, signer):
    report = verify_pdf_bytes(pades.sign_pdf(pdf2, signer), trust_roots=[])
    assert report["status"] == "untrusted"
    assert report["signatures"][0]["intact"] is True


def test_tampered_byte_is_invalid(pdf2, signer, ca):
    out = bytearray(pades.sign_pdf(pdf2, signer))
    pos = out.index(b"/MediaBox")
    out[pos + 2] ^= 0x20  # "/MeDiaBox": still parses, digest no longer matches
    report = _verify(bytes(out), ca)
    assert report["status"] == "invalid", report
    assert report["signatures"][0]["intact"] is False


def test_content_change_after_signing_is_modified(pdf2, signer, ca):
    signed = pades.sign_pdf(pdf2, signer)
    w = IncrementalPdfFileWriter(BytesIO(signed))
    stream = generic.StreamObject(stream_data=b"0 0 1 rg 50 50 200 200 re f")
    w.add_stream_to_page(0, w.add_object(stream))
    buf = BytesIO()
    w.write(buf)
    report = _verify(buf.getvalue(), ca)
    assert report["status"] == "modified", report
    assert report["signatures"][0]["modified_after"] is True
    assert report["signatures"][0]["intact"] is True


def test_stamp_text_is_extractable(pdf2, signer, stamp, tmp_path):
    require_tool("pdftotext", "poppler-utils")
    out = pades.sign_pdf(pdf2, signer, stamp=stamp)
    path = tmp_path / "s.pdf"
    path.write_bytes(out)
    text = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "Người ký: Nguyễn Văn Ánh" in text
    assert "Chức vụ: Giám đốc" in text
    assert "Đơn vị: Sở Tư pháp" in text
    assert "Thời gian: 02/01/2026 09:30" in text  # 02:30 UTC shown in Asia/Ho_Chi_Minh
    assert "Lý do: Phê duyệt biên bản" in text


def test_stamp_font_is_embedded_and_on_last_page(pdf2, signer, stamp):
    out = pades.sign_pdf(pdf2, signer, stamp=stamp)
    reader = PdfReader(BytesIO(out))
    assert "/Annots" not in reader.pages[0]
    widget = reader.pages[1]["/Annots"][0].get_object()
    font = widget["/AP"]["/N"]["/Resources"]["/Font"]["/F1"].get_object()
    desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert "Roboto" in font["/BaseFont"] and "/FontFile2" in desc


def _rects(data, page):
    reader = PdfReader(BytesIO(data))
    return [[float(v) for v in a.get_object()["/Rect"]] for a in reader.pages[page]["/Annots"]]


def test_stamps_on_same_page_do_not_overlap(signer, signer2, stamp):
    data = make_pdf(1)
    for i in range(4):
        data = pades.sign_pdf(data, signer if i % 2 else signer2, stamp=stamp)
    rects = _rects(data, 0)
    assert len(rects) == 4
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, (a, b)
        assert a[0] >= 0 and a[1] >= 0 and a[2] <= 595.5 and a[3] <= 842.5


def test_stamp_page_choice_and_out_of_range(pdf2, signer):
    first = StampInfo("A", "B", "C", "D", datetime.now(UTC), page=0)
    out = pades.sign_pdf(pdf2, signer, stamp=first)
    assert len(_rects(out, 0)) == 1
    with pytest.raises(errors.PageOutOfRange) as exc:
        pades.sign_pdf(pdf2, signer, stamp=StampInfo("A", "B", "C", "D", datetime.now(UTC), page=5))
    assert exc.value.code == "page_out_of_range"


def test_prepare_and_finish_for_remote_signer(pdf2, user, ca):
    key, cert = user
    der = cert.public_bytes(serialization.Encoding.DER)
    remote = ExternalSigner(
        signing_cert=asn1_x509.Certificate.load(der),
        cert_registry=None,
        signature_value=bytes(72),
    )
    prepared = pades.prepare_signature(pdf2, remote, reason="Ký từ xa")
    assert prepared.digest_algorithm == "sha256" and len(prepared.digest) == 32
    # the "remote service" signs the pre-computed hash only
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    raw = key.sign(prepared.digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    assert pades.verify_raw_signature(prepared, raw)
    out = pades.finish_signature(prepared, raw)
    assert _verify(out, ca)["status"] == "valid"
    with pytest.raises(errors.PdfSigningError):
        pades.finish_signature(prepared, raw)


def _tsa(ca):
    ca_key, ca_cert = ca
    key = pki.generate_key("rsa")  # pyHanko's test TSA signs with RSA only
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )


def test_level_b_t_is_timestamped(pdf2, signer, ca):
    out = pades.sign_pdf(pdf2, signer, level="B-T", timestamper=_tsa(ca))
    report = _verify(out, ca)
    assert report["status"] == "valid", report
    assert report["signatures"][0]["timestamped"] is True


def test_level_needs_its_inputs(pdf2, signer):
    with pytest.raises(ValueError):
        pades.sign_pdf(pdf2, signer, level="B-T")
    with pytest.raises(ValueError):
        pades.sign_pdf(pdf2, signer, level="B-LTA")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"not_before": datetime.now(UTC) - timedelta(days=30), "days": 1}, "expired"),
        ({"not_before": datetime.now(UTC) + timedelta(days=2)}, "not_yet_valid"),
        ({"key_usage": False}, "no_signing_key_usage"),
    ],
)
def test_bad_certificates_refused(pdf2, ca, kwargs, reason):
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(
        ca[0], ca[1], full_name="X", unit_name="Y", public_key=key.public_key(), **kwargs
    )
    with pytest.raises(errors.CertificateRefused) as exc:
        pades.sign_pdf(pdf2, pades.make_key_signer(key, cert, [ca[1]]))
    assert exc.value.code == "certificate_problem" and exc.value.reason == reason


def test_wrong_pin_never_signs(user):
    blob = pki.encrypt_private_key(user[0], "2468")
    with pytest.raises(pki.WrongPin):
        pki.decrypt_private_key(blob, "1357")


def _encrypted_pdf() -> bytes:
    w = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf(1))))
    w.encrypt(user_password="u", owner_password="o", algorithm="AES-128")
    buf = BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: b"hello, not a pdf", "damaged"),
        (lambda: b"", "damaged"),
        (_encrypted_pdf, "encrypted"),
        (lambda: make_pdf(1)[:300], "damaged"),
    ],
)
def test_bad_inputs_refused(signer, make, code):
    with pytest.raises(errors.PdfSigningError) as exc:
        pades.sign_pdf(make(), signer)
    assert exc.value.code == code


def test_explicit_field_name_and_reserved_bytes(pdf2, signer, ca):
    out = pades.sign_pdf(pdf2, signer, field_name="ChuTich", bytes_reserved=8192)
    assert [s["field"] for s in _verify(out, ca)["signatures"]] == ["ChuTich"]
    with pytest.raises(errors.PdfSigningError):
        pades.sign_pdf(pdf2, signer, bytes_reserved=64)  # far too small: refused, no output
    assert PdfFileReader(BytesIO(out)).embedded_signatures


def _rotated_pdf(rotation: int) -> bytes:
    w = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf(1))))
    w.pages[0].rotate(rotation)
    buf = BytesIO()
    w.write(buf)
    return buf.getvalue()


def _stamp_words(path) -> tuple[float, float, list[tuple[str, float, float, float, float]]]:
    """Words of the page as displayed (poppler applies /Rotate), top-left origin."""
    import re
    from html import unescape

    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', out)
    words = [
        (unescape(m[4]), float(m[0]), float(m[1]), float(m[2]), float(m[3]))
        for m in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            out,
        )
    ]
    return float(page[1]), float(page[2]), words


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_stamp_upright_bottom_right_on_rotated_pages(signer, signer2, stamp, rotation, tmp_path):
    require_tool("pdftotext", "poppler-utils")
    out = pades.sign_pdf(_rotated_pdf(rotation), signer, stamp=stamp)
    out = pades.sign_pdf(out, signer2, stamp=stamp)  # a second stamp stacks above the first
    path = tmp_path / "r.pdf"
    path.write_bytes(out)

    # annotation rectangles: inside the media box, touching the displayed bottom-right corner
    # (in user space: rotation 0 -> (x2, y1), 90 -> (x2, y2), 180 -> (x1, y2), 270 -> (x1, y1))
    rects = _rects(out, 0)
    corner = {0: (595.28, 0), 90: (595.28, 841.89), 180: (0, 841.89), 270: (0, 0)}[rotation]
    first = rects[0]
    assert all(0 <= r[0] < r[2] <= 595.5 and 0 <= r[1] < r[3] <= 842 for r in rects)
    near_x = min(abs(first[0] - corner[0]), abs(first[2] - corner[0]))
    near_y = min(abs(first[1] - corner[1]), abs(first[3] - corner[1]))
    assert near_x < 30 and near_y < 30, (rotation, rects)
    # on a sideways page the stamp is taller than wide in user space (it is turned)
    w, h = first[2] - first[0], first[3] - first[1]
    assert (w < h) if rotation in (90, 270) else (w > h), first

    # as displayed: horizontal lines, in reading order, in the bottom-right quarter
    width, height, words = _stamp_words(path)
    if rotation in (90, 270):  # poppler gives the unrotated size, coordinates as displayed
        width, height = height, width
    signer_lines = [wd for wd in words if wd[0].startswith("Người ký: Nguyễn Văn Ánh")]
    reason_lines = [wd for wd in words if wd[0].startswith("Lý do: Phê duyệt biên bản")]
    assert len(signer_lines) == 2 and len(reason_lines) == 2, words
    for _, x1, y1, x2, y2 in signer_lines + reason_lines:
        assert x2 - x1 > 4 * (y2 - y1)  # a horizontal line of text, not a vertical one
        assert x1 > width / 2 and y1 > height / 2, (rotation, x1, y1, width, height)
    # the first stamp is the lower one; in each, the signer line is above the reason line
    lower, upper = sorted(signer_lines, key=lambda wd: -wd[2])
    assert lower[2] < min(r[2] for r in reason_lines if r[2] > lower[2])
    assert upper[2] < lower[2]
