"""Signing API extras: trust roots, public verification, upload, certificate endpoints, access."""

from __future__ import annotations

from cryptography import x509
from django.core.files.uploadedfile import SimpleUploadedFile

from signing.actions import do_add_trust_root
from signing.pdf import pki
from signing.trust import installation_ca
from tests.kit.cases import SigningTestCase
from tests.kit.files import make_pdf


class TrustRootApiTests(SigningTestCase):
    def test_installation_ca_first_then_imported(self):
        _key, national = pki.create_ca("Root CA Quốc gia", "Bộ TT&TT")
        from cryptography.hazmat.primitives import serialization

        do_add_trust_root(actor=self.admin, pem=national.public_bytes(serialization.Encoding.PEM), name="Quốc gia")
        response = self.client.get("/api/v1/signing/trust-roots")
        self.assertEqual(response.status_code, 200)
        certs = x509.load_pem_x509_certificates(response.content)
        self.assertEqual(certs[0], installation_ca().certificate)
        self.assertEqual(certs[1], national)

    def test_only_admins_add_roots_and_only_cas(self):
        from ecabinet.errors import ActionError

        _key, root = pki.create_ca("X", "Y")
        from cryptography.hazmat.primitives import serialization

        pem = root.public_bytes(serialization.Encoding.PEM)
        with self.assertRaises(ActionError):
            do_add_trust_root(actor=self.owner, pem=pem)
        with self.assertRaises(ActionError):
            do_add_trust_root(actor=self.admin, pem=b"garbage")
        do_add_trust_root(actor=self.admin, pem=pem)
        with self.assertRaises(ActionError) as ctx:
            do_add_trust_root(actor=self.admin, pem=pem)
        self.assertEqual(ctx.exception.status, 409)


class VerifyApiTests(SigningTestCase):
    def post_file(self, data: bytes, name: str = "x.pdf"):
        return self.client.post("/api/v1/verify", {"file": SimpleUploadedFile(name, data)})

    def test_signed_document_valid_without_login(self):
        document = self.make_own_document(self.owner)
        self.assertEqual(self.sign(document, self.owner).status_code, 201)
        response = self.post_file(self.latest_bytes(document), "to-trinh.pdf")
        self.assertEqual(response.status_code, 200, response.content)
        report = response.json()
        self.assertEqual(report["status"], "valid")
        self.assertEqual(report["file"], "to-trinh.pdf")
        # The stable fields, and the reader's (fn146) beside them.
        self.assertLessEqual({"field", "signer", "signed_at", "intact", "trusted", "modified_after", "coverage",
                              "timestamped", "status", "issuer", "signed_at_local", "details"},
                             set(report["signatures"][0]))

    def test_garbage_is_refused_by_the_intake_like_any_upload(self):
        # The same refusals as every other upload (ecabinet/intake.py), not a 200 report.
        cases = [(b"", 400, "pdf_empty"), (b"garbage", 415, "unsupported_type"),
                 (b"%PDF-1.7\n" + b"\x00" * 1000, 400, "pdf_damaged"), (make_pdf(1)[:300], 400, "pdf_damaged"),
                 (b"%PDF-1.4\n%%EOF", 400, "pdf_damaged")]
        for data, status, code in cases:
            self.assert_error(self.post_file(data), status, code)
        self.assertEqual(self.post_file(make_pdf(1)).json()["status"], "unsigned")

    def test_missing_file_is_400(self):
        self.assert_error(self.client.post("/api/v1/verify", {}), 400)
        self.assert_error(self.client.post("/api/v1/verify", "junk", content_type="application/json"), 400)


class UploadAndCertificateApiTests(SigningTestCase):
    def test_upload_own_document(self):
        client = self.client_for(self.owner)
        response = client.post("/api/v1/signing/documents", {"file": SimpleUploadedFile("a.pdf", make_pdf(1)),
                                                             "title": "Báo cáo"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assert_error(client.post("/api/v1/signing/documents", {"file": SimpleUploadedFile("a.pdf", b"zip")}),
                          415, "unsupported_type")
        self.assert_error(self.client.post("/api/v1/signing/documents",
                                           {"file": SimpleUploadedFile("a.pdf", make_pdf(1))}), 401)

    def test_my_certificate(self):
        response = self.api("get", "/api/v1/signing/certificate", user=self.owner)
        self.assertEqual(response.json()["certificate"]["issued_here"], True)
        self.assertNotIn("key_blob", response.content.decode())
        self.assert_error(self.api("get", "/api/v1/signing/certificate"), 401)
        self.assert_error(self.api("post", "/api/v1/signing/certificate", {"pin": "abcdefgh"}), 401)

    def test_signatures_list_access(self):
        self.ask(self.minutes, [self.member], user=self.secretary)
        self.assertEqual(self.sign(self.minutes, self.member).status_code, 201)
        listing = self.api("get", f"/api/v1/documents/{self.minutes.pk}/signatures", user=self.guest)
        self.assertEqual([s["signer"]["username"] for s in listing.json()], ["member"])
        self.assert_error(self.api("get", f"/api/v1/documents/{self.minutes.pk}/signatures", user=self.outsider), 404)
        self.assert_error(self.api("get", f"/api/v1/documents/{self.minutes.pk}/signatures"), 401)

    def test_confidential_document_hidden_from_members_not_readers(self):
        secret = self.make_meeting_document("Tài liệu mật", uploaded_by=self.secretary, confidential=True)
        self.assert_error(self.api("get", f"/api/v1/documents/{secret.pk}/signatures", user=self.member), 404)
        self.assertEqual(self.ask(secret, [self.chair], user=self.secretary).status_code, 201)
        self.assertEqual(self.sign(secret, self.chair).status_code, 201)
        event = self.meeting.events.order_by("-revision").first()
        self.assertEqual(event.type, "document.upserted")
        self.assertIsNotNone(event.audience)  # not broadcast to every participant
