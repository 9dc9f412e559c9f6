"""PINs, lockout, revoked and expired certificates, PKCS#12 import, failures that leave no trace."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from unittest import mock

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.test import override_settings

from ecabinet.models import AuditEvent
from signing.actions import current_certificate, do_issue_certificate
from signing.models import SignatureRecord, SigningCertificate
from signing.pdf import pki
from signing.trust import ca_private_key, installation_ca
from tests.kit.cases import OTHER_PIN, PIN, SigningTestCase
from tests.kit.users import PASSWORD


class CapturingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + json.dumps(record.__dict__, default=str))


class PinTests(SigningTestCase):
    def setUp(self) -> None:
        self.document = self.make_own_document(self.owner)

    def test_wrong_pin_counted_then_locked_after_five_until_admin_resets(self):
        for remaining in (4, 3, 2, 1):
            error = self.assert_error(self.sign(self.document, self.owner, pin="sai-pin-123"), 400, "wrong_pin")
            self.assertEqual(error["remaining_attempts"], remaining)
        error = self.assert_error(self.sign(self.document, self.owner, pin="sai-pin-123"), 403, "signing_locked")
        self.assertIn("quản trị viên", error["message"])
        # even the right PIN is refused now, and nothing was signed
        self.assert_error(self.sign(self.document, self.owner, pin=PIN), 403, "signing_locked")
        self.assertEqual(self.document.versions.count(), 1)
        cert = current_certificate(self.owner)
        self.assertEqual(cert.wrong_pin_count, 5)
        self.assertIsNotNone(cert.locked_at)
        # the user cannot unlock themselves with a session alone, nor can anyone else; an admin can
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{cert.pk}/unlock", user=self.owner),
                          403, "password_required")
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{cert.pk}/unlock", user=self.member), 404)
        response = self.api("post", f"/api/v1/signing/certificates/{cert.pk}/unlock", user=self.admin)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.sign(self.document, self.owner).status_code, 201)

    def test_right_pin_resets_the_counter(self):
        self.assert_error(self.sign(self.document, self.owner, pin="sai-pin-123"), 400, "wrong_pin")
        self.assertEqual(self.sign(self.document, self.owner).status_code, 201)
        self.assertEqual(current_certificate(self.owner).wrong_pin_count, 0)

    def test_pin_never_in_audit_rows_or_logs(self):
        handler = CapturingHandler()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        try:
            self.sign(self.document, self.owner, pin=OTHER_PIN)
            self.assertEqual(self.sign(self.document, self.owner, pin=PIN).status_code, 201)
            new_pin = "pin-mới-bí-mật-99"
            self.api("post", "/api/v1/signing/certificate", {"pin": new_pin, "pin_confirm": new_pin,
                                                             "password": PASSWORD}, user=self.member)
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
        audit = json.dumps(list(AuditEvent.objects.values("details", "action")), ensure_ascii=False)
        self.assertIn("signing.wrong_pin", audit)
        self.assertIn("signing.certificate_issue", audit)
        for secret in (PIN, OTHER_PIN, new_pin):
            self.assertNotIn(secret, audit)
            self.assertNotIn(secret, "\n".join(handler.lines))
        # nor stored anywhere on the certificate row
        cert = current_certificate(self.member)
        self.assertNotIn(new_pin.encode(), bytes(cert.key_blob))

    def test_revoked_certificate_refused(self):
        cert = current_certificate(self.owner)
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{cert.pk}/revoke",
                                   {"reason": "Mất thiết bị"}, user=self.member), 404)
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{cert.pk}/revoke",
                                   {"reason": ""}, user=self.admin), 400, "reason_required")
        response = self.api("post", f"/api/v1/signing/certificates/{cert.pk}/revoke",
                            {"reason": "Mất thiết bị"}, user=self.admin)
        self.assertEqual(response.status_code, 200, response.content)
        self.assert_error(self.sign(self.document, self.owner), 403, "certificate_revoked")
        self.assertEqual(self.document.versions.count(), 1)
        # the published CRL lists it
        from cryptography import x509

        crl = x509.load_der_x509_crl(self.client.get("/signing/crl.der").content)
        self.assertIsNotNone(crl.get_revoked_certificate_by_serial_number(int(cert.serial, 16)))
        self.assertTrue(crl.is_signature_valid(installation_ca().certificate.public_key()))

    def test_expired_certificate_refused(self):
        cert = current_certificate(self.owner)
        ca = installation_ca()
        key = pki.generate_key()
        old = pki.issue_signing_certificate(
            ca_private_key(ca), ca.certificate, full_name="Nguyễn Văn Chủ", unit_name="Sở Tài chính",
            public_key=key.public_key(), not_before=datetime.now(UTC) - timedelta(days=30), days=10)
        cert.cert_pem = old.public_bytes(serialization.Encoding.PEM).decode()
        cert.key_blob = pki.encrypt_private_key(key, PIN)
        cert.save()
        self.assert_error(self.sign(self.document, self.owner), 403, "certificate_expired")
        self.assertEqual(self.document.versions.count(), 1)

    def test_no_certificate_refused_clearly(self):
        SigningCertificate.objects.filter(user=self.owner).delete()
        self.assert_error(self.sign(self.document, self.owner), 403, "no_certificate")

    def test_new_certificate_supersedes_and_revokes_the_old(self):
        old = current_certificate(self.owner)
        self.assert_error(self.api("post", "/api/v1/signing/certificate", {"pin": "123", "password": PASSWORD},
                                   user=self.owner), 400, "weak_pin")
        self.assert_error(self.api("post", "/api/v1/signing/certificate",
                                   {"pin": "123456789", "pin_confirm": "987654321", "password": PASSWORD},
                                   user=self.owner), 400, "pin_mismatch")
        response = self.api("post", "/api/v1/signing/certificate", {"pin": "mã-pin-mới-1", "password": PASSWORD},
                            user=self.owner)
        self.assertEqual(response.status_code, 201, response.content)
        old.refresh_from_db()
        self.assertEqual(old.revocation_reason, "superseded")
        self.assert_error(self.sign(self.document, self.owner, pin=PIN), 400, "wrong_pin")
        self.assertEqual(self.sign(self.document, self.owner, pin="mã-pin-mới-1").status_code, 201)
        subject = response.json()["certificate"]["subject"]
        self.assertIn("Nguyễn Văn Chủ", subject)
        self.assertIn("Sở Tài chính", subject)

    def test_pkcs12_import(self):
        ca_key, ca_cert = pki.create_ca("CA Quốc gia thử", "Bộ Thông tin")
        key = pki.generate_key("rsa")
        cert = pki.issue_signing_certificate(ca_key, ca_cert, full_name="Nguyễn Văn Chủ", unit_name="Sở TC",
                                             public_key=key.public_key())
        p12 = pkcs12.serialize_key_and_certificates(
            b"owner", key, cert, [ca_cert], serialization.BestAvailableEncryption(b"mat-khau-p12"))
        client = self.client_for(self.owner)
        bad = client.post("/api/v1/signing/certificate/import",
                          {"file": _upload(p12), "file_password": "sai", "pin": "pin-moi-1234", "password": PASSWORD})
        self.assert_error(bad, 400, "invalid_pkcs12")
        response = client.post("/api/v1/signing/certificate/import",
                               {"file": _upload(p12), "file_password": "mat-khau-p12", "pin": "pin-moi-1234",
                                "password": PASSWORD})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["certificate"]["kind"], "pkcs12")
        self.assertEqual(self.sign(self.document, self.owner, pin="pin-moi-1234").status_code, 201)
        self.assertNotIn(b"mat-khau-p12", bytes(current_certificate(self.owner).key_blob))

    def test_failure_midway_leaves_document_exactly_as_it_was(self):
        before_files = self.media_files()
        before = list(self.document.versions.values_list("number", "sha256"))
        audit_count = AuditEvent.objects.filter(action__startswith="signing.").count()
        with mock.patch("signing.actions.documents.record_audit", side_effect=RuntimeError("disk full")):
            with self.assertRaises(RuntimeError):
                self.sign(self.document, self.owner)
        self.assertEqual(list(self.document.versions.values_list("number", "sha256")), before)
        self.assertEqual(self.media_files(), before_files)
        self.assertFalse(SignatureRecord.objects.filter(document=self.document).exists())
        self.assertEqual(AuditEvent.objects.filter(action__startswith="signing.").count(), audit_count)

    @override_settings(SIGNING_TSA_URL="http://127.0.0.1:9/tsa")
    def test_timestamp_server_down_refused_cleanly(self):
        before_files = self.media_files()
        self.assert_error(self.sign(self.document, self.owner), 400, "signing_failed")
        self.assertEqual(self.document.versions.count(), 1)
        self.assertEqual(self.media_files(), before_files)

    def test_corrupted_stored_file_is_not_signed(self):
        version = self.document.versions.get()
        with open(version.file.path, "ab") as fh:
            fh.write(b"%garbage")
        self.assert_error(self.sign(self.document, self.owner), 409, "file_changed")


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("owner.p12", data, content_type="application/x-pkcs12")


_ = do_issue_certificate
