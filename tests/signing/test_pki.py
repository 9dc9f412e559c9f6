from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from signing.pdf import pki


def test_ca_is_a_ca(ca):
    _, cert = ca
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert bc.ca and ku.key_cert_sign and ku.crl_sign
    assert cert.issuer == cert.subject


def test_user_certificate(ca, user):
    _, ca_cert = ca
    _, cert = user
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Nguyễn Văn Ánh"
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)[0].value == "VN"
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    cert.verify_directly_issued_by(ca_cert)
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    pki.check_signing_certificate(cert)


def test_crl_distribution_point(ca):
    ca_key, ca_cert = ca
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(
        ca_key, ca_cert, full_name="A", unit_name="B", public_key=key.public_key(),
        crl_url="https://ecabinet.example/crl.der",
    )
    dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert dp[0].full_name[0].value == "https://ecabinet.example/crl.der"


def test_key_kinds():
    assert isinstance(pki.generate_key(), ec.EllipticCurvePrivateKey)
    rsa_key = pki.generate_key("rsa")
    assert isinstance(rsa_key, rsa.RSAPrivateKey) and rsa_key.key_size == 3072
    with pytest.raises(ValueError):
        pki.generate_key("dsa")


def test_encrypt_decrypt_and_wrong_pin(user):
    key, _ = user
    blob = pki.encrypt_private_key(key, "123456")
    assert blob[0] == 1  # version byte
    assert pki.decrypt_private_key(blob, "123456").private_numbers() == key.private_numbers()
    with pytest.raises(pki.WrongPin):
        pki.decrypt_private_key(blob, "654321")
    assert pki.encrypt_private_key(key, "123456") != blob  # random salt and nonce


def test_tampered_blob_is_wrong_pin_not_crash(user):
    blob = bytearray(pki.encrypt_private_key(user[0], "1111"))
    blob[-1] ^= 1
    with pytest.raises(pki.WrongPin):
        pki.decrypt_private_key(bytes(blob), "1111")


def test_pkcs12_roundtrip_and_bad_password(ca, user):
    key, cert = user
    data = pkcs12.serialize_key_and_certificates(
        b"u", key, cert, [ca[1]], serialization.BestAvailableEncryption(b"secret")
    )
    k2, c2, chain = pki.load_pkcs12(data, "secret")
    assert c2 == cert and chain == [ca[1]]
    with pytest.raises(pki.InvalidPkcs12):
        pki.load_pkcs12(data, "wrong")
    with pytest.raises(pki.InvalidPkcs12):
        pki.load_pkcs12(b"not a p12", "secret")


def test_crl(ca, user):
    ca_key, ca_cert = ca
    when = datetime(2026, 1, 1, tzinfo=UTC)
    der = pki.build_crl(ca_key, ca_cert, [(user[1].serial_number, when)])
    crl = x509.load_der_x509_crl(der)
    assert crl.is_signature_valid(ca_cert.public_key())
    entry = crl.get_revoked_certificate_by_serial_number(user[1].serial_number)
    assert entry is not None and entry.revocation_date_utc == when
    assert crl.next_update_utc - crl.last_update_utc > timedelta(days=6)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"not_before": datetime.now(UTC) - timedelta(days=30), "days": 1}, "expired"),
        ({"not_before": datetime.now(UTC) + timedelta(days=2)}, "not_yet_valid"),
        ({"key_usage": False}, "no_signing_key_usage"),
    ],
)
def test_check_signing_certificate_problems(ca, kwargs, code):
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(
        ca[0], ca[1], full_name="X", unit_name="Y", public_key=key.public_key(), **kwargs
    )
    with pytest.raises(pki.CertificateProblem) as exc:
        pki.check_signing_certificate(cert)
    assert exc.value.code == code
