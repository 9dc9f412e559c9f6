"""PAdES B-LT with an embedded CRL, validated offline; revoked certificates in verification."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from signing.pdf import errors, pades, pki
from signing.pdf.verify import verify_pdf_bytes

from .test_pades import _tsa


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _revinfo_required() -> CertRevTrustPolicy:
    rule = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
    return CertRevTrustPolicy(RevocationCheckingPolicy(rule, rule))


def _new_signer(ca, name: str = "Lê Văn Cường"):
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(
        ca[0], ca[1], full_name=name, unit_name="Sở Nội vụ", public_key=key.public_key()
    )
    return cert, pades.make_key_signer(key, cert, [ca[1]])


def _crl_listing(ca, *certs, at: datetime | None = None) -> bytes:
    when = at or datetime.now(UTC) - timedelta(minutes=1)
    return pki.build_crl(ca[0], ca[1], [(c.serial_number, when) for c in certs])


def _offline_status(pdf: bytes, ca, *, use_dss: bool):
    """pyHanko's own validation with revocation info *required* for every certificate of
    every path (signer and timestamp), nothing fetched: only what the file carries."""
    reader = PdfFileReader(BytesIO(pdf))
    kwargs = {
        "trust_roots": [_asn1(ca[1])],
        "allow_fetching": False,
        "revinfo_policy": _revinfo_required(),
    }
    if use_dss:
        vc = DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
    else:
        vc = ValidationContext(crls=[], **kwargs)
    return validate_pdf_signature(reader.embedded_signatures[0], vc, vc)


@pytest.fixture(scope="module")
def blt_signed(pdf2, signer, ca):
    crl = _crl_listing(ca)  # lists nobody
    vc = ValidationContext(
        trust_roots=[_asn1(ca[1])],
        crls=[crl],
        allow_fetching=False,
        revinfo_policy=_revinfo_required(),  # signing refuses if the CRL does not cover the chain
    )
    out = pades.sign_pdf(
        pdf2, signer, level="B-LT", timestamper=_tsa(ca), validation_context=vc
    )
    return out, crl


def test_b_lt_output_has_dss_with_the_crl(blt_signed, pdf2, user):
    out, crl = blt_signed
    assert out.startswith(pdf2)
    reader = PdfFileReader(BytesIO(out))
    assert "/DSS" in reader.root
    dss = DocumentSecurityStore.read_dss(reader)
    embedded_crls = [ref.get_object().data for ref in dss.crls]
    assert crl in embedded_crls
    signer_der = user[1].public_bytes(serialization.Encoding.DER)
    assert signer_der in [c.dump() for c in dss.load_certs()]


def test_b_lt_validates_offline_with_revocation_checking(blt_signed, ca):
    out, _ = blt_signed
    status = _offline_status(out, ca, use_dss=True)
    assert status.bottom_line, status.pretty_print_details()
    assert status.trusted and status.timestamp_validity.trusted


def test_without_the_dss_the_same_check_fails(pdf2, signer, ca):
    """The control: B-T carries no revocation info, so the required check cannot pass -
    the B-LT success above really comes from the embedded CRL."""
    out = pades.sign_pdf(pdf2, signer, level="B-T", timestamper=_tsa(ca))
    status = _offline_status(out, ca, use_dss=False)
    assert not status.trusted


def test_b_lt_report(blt_signed, ca):
    out, _ = blt_signed
    report = verify_pdf_bytes(out, trust_roots=[ca[1]])
    assert report["status"] == "valid", report
    assert report["signatures"][0]["timestamped"] is True


def test_revoked_signer_is_not_trusted(pdf2, ca):
    cert, signer = _new_signer(ca)
    signed = pades.sign_pdf(pdf2, signer)
    assert verify_pdf_bytes(signed, trust_roots=[ca[1]])["status"] == "valid"
    # a CRL that lists someone else changes nothing
    other, _ = _new_signer(ca, "Người khác")
    report = verify_pdf_bytes(signed, trust_roots=[ca[1]], crls=[_crl_listing(ca, other)])
    assert report["status"] == "valid", report
    for crl in (_crl_listing(ca, cert), x509.load_der_x509_crl(_crl_listing(ca, cert))):
        report = verify_pdf_bytes(signed, trust_roots=[ca[1]], crls=[crl])
        sig = report["signatures"][0]
        assert report["status"] == "untrusted", report
        assert sig["trusted"] is False and sig["intact"] is True


def test_revoked_signer_with_a_distribution_point(pdf2, ca):
    """A certificate naming a CRL distribution point is checked by pyHanko's first pass."""
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(
        ca[0], ca[1], full_name="Phạm Thị Dung", unit_name="Sở Tài chính",
        public_key=key.public_key(), crl_url="http://127.0.0.1:9/ca.crl",
    )
    signed = pades.sign_pdf(pdf2, pades.make_key_signer(key, cert, [ca[1]]))
    assert verify_pdf_bytes(signed, trust_roots=[ca[1]], crls=[_crl_listing(ca)])["status"] == "valid"
    report = verify_pdf_bytes(signed, trust_roots=[ca[1]], crls=[_crl_listing(ca, cert)])
    assert report["status"] == "untrusted" and not report["signatures"][0]["trusted"], report


def test_revoked_after_a_trusted_timestamp_stays_valid(pdf2, ca):
    """A trusted timestamp proves the signature was made before the revocation."""
    cert, signer = _new_signer(ca)
    signed = pades.sign_pdf(pdf2, signer, level="B-T", timestamper=_tsa(ca))
    time.sleep(1.5)
    later = datetime.now(UTC)
    crl = _crl_at(ca, cert, revoked_at=later, issued_at=later)
    report = verify_pdf_bytes(signed, trust_roots=[ca[1]], crls=[crl])
    assert report["status"] == "valid", report
    # the same revocation before the timestamp: not trusted
    early = _crl_at(ca, cert, revoked_at=later - timedelta(hours=1), issued_at=later)
    report = verify_pdf_bytes(signed, trust_roots=[ca[1]], crls=[early])
    assert report["status"] == "untrusted", report


def _crl_at(ca, cert, *, revoked_at: datetime, issued_at: datetime) -> bytes:
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca[1].subject)
        .last_update(issued_at)
        .next_update(issued_at + timedelta(days=7))
        .add_extension(x509.CRLNumber(int(issued_at.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca[1].public_key()),
            critical=False,
        )
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(revoked_at)
            .build()
        )
        .sign(ca[0], hashes.SHA256())
    )
    return crl.public_bytes(serialization.Encoding.DER)


def test_crl_in_the_dss_listing_the_signer(pdf2, ca):
    """The DSS of a B-LT file is consulted: a later DSS update carrying a CRL that revokes
    the signer (here the app's newer CRL, passed in) makes the signature untrusted."""
    cert, signer = _new_signer(ca)
    vc = ValidationContext(
        trust_roots=[_asn1(ca[1])], crls=[_crl_listing(ca)], allow_fetching=False
    )
    out = pades.sign_pdf(pdf2, signer, level="B-LT", timestamper=_tsa(ca), validation_context=vc)
    assert verify_pdf_bytes(out, trust_roots=[ca[1]])["status"] == "valid"
    revoked = _crl_listing(ca, cert, at=datetime.now(UTC) - timedelta(hours=1))
    report = verify_pdf_bytes(out, trust_roots=[ca[1]], crls=[revoked])
    assert report["status"] == "untrusted", report


def test_b_lt_refuses_a_revoked_signer(pdf2, ca):
    """With a context that requires revocation info (as the app should build it for
    B-LT), pyHanko's pre-signing validation refuses a revoked signer."""
    cert, signer = _new_signer(ca)
    vc = ValidationContext(
        trust_roots=[_asn1(ca[1])],
        crls=[_crl_listing(ca, cert)],
        allow_fetching=False,
        revinfo_policy=_revinfo_required(),
    )
    with pytest.raises(errors.CertificateRefused) as exc:
        pades.sign_pdf(pdf2, signer, level="B-LT", timestamper=_tsa(ca), validation_context=vc)
    assert exc.value.reason == "untrusted"


def test_unreadable_crl_is_the_callers_error(pdf2, signer, ca):
    with pytest.raises(ValueError, match="unreadable CRL"):
        verify_pdf_bytes(pades.sign_pdf(pdf2, signer), trust_roots=[ca[1]], crls=[b"not a crl"])
