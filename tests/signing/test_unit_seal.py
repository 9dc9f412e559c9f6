"""The organisation's signature (signing/unit_seal.py): a unit's certificate issued by the
installation CA, its key held encrypted by the server, and papers sealed in the unit's name."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields
from pypdf import PdfReader

from ecabinet.errors import ActionError
from ecabinet.models import AuditEvent, User
from ecabinet.roles import UNIT_ADMIN
from meetings.models import Meeting
from signing.actions.images import do_set_seal_image
from signing.actions.unit_certificates import do_issue_unit_certificate, do_revoke_unit_certificate
from signing.models import UnitCertificate
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import build_crl_der, installation_ca, trust_roots_pem
from signing.unit_seal import sign_as_unit, unwrap_unit_key
from tests.conftest import require_tool
from tests.kit import factories
from tests.kit.cases import BaseTestCase
from tests.kit.factories import give_unit_certificate
from tests.kit.files import image_upload, make_pdf, seal_png
from tests.kit.users import make_user


def appearance_xobjects(pdf: bytes) -> list:
    """The XObjects named in the resources of every signature widget's normal appearance."""
    found = []
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            widget = annot.get_object()
            if widget.get("/FT") != "/Sig":
                continue
            stack = [widget["/AP"]["/N"].get_object()]
            while stack:
                stream = stack.pop()
                for obj in (stream.get("/Resources") or {}).get("/XObject", {}).values():
                    obj = obj.get_object()
                    found.append(obj)
                    if obj.get("/Subtype") == "/Form":
                        stack.append(obj)
    return found


def image_xobjects(pdf: bytes) -> list:
    return [x for x in appearance_xobjects(pdf) if x.get("/Subtype") == "/Image"]


def signature_fields(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [name for name, f in (reader.get_fields() or {}).items() if f.get("/FT") == "/Sig"]


def with_empty_field(pdf: bytes, name: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=name, on_page=0,
                                                              box=(330, 80, 560, 160)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class UnitSealCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # a unit administrator of the department (issue_certificates and issue_documents there)
        cls.unit_admin = make_user("unitadmin", unit=cls.department, full_name="Phạm Quản Trị", roles=(UNIT_ADMIN,))
        cls.other_admin = make_user("otheradmin", unit=cls.other_unit, full_name="Đỗ Quản Trị", roles=(UNIT_ADMIN,))
        # an office clerk: the right to issue the unit's papers, nothing else
        cls.clerk = make_user("clerk", unit=cls.department, full_name="Văn Thư")
        cls.clerk.user_permissions.add(Permission.objects.get(codename="issue_documents"))
        cls.clerk = User.objects.get(pk=cls.clerk.pk)


class IssueAndRevokeTests(UnitSealCase):
    def test_admin_issues_from_the_page_with_the_unit_as_subject(self):
        response = self.client_for(self.admin).post(f"/signing/units/{self.department.pk}/issue/")
        self.assertRedirects(response, "/signing/units/", fetch_redirect_response=False)
        row = UnitCertificate.objects.get(unit=self.department)
        cert = row.certificate
        self.assertEqual(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value, "Sở Tài chính")
        self.assertEqual(cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value, "Sở Tài chính")
        self.assertEqual(cert.issuer, installation_ca().certificate.subject)
        self.assertTrue(row.is_active)
        self.assertTrue(AuditEvent.objects.filter(action="signing.unit_certificate_issue").exists())
        page = self.client_for(self.admin).get("/signing/units/")
        self.assertContains(page, row.serial)

    def test_unit_admin_issues_for_own_unit(self):
        response = self.client_for(self.unit_admin).post(f"/signing/units/{self.department.pk}/issue/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(UnitCertificate.objects.filter(unit=self.department).count(), 1)
        page = self.client_for(self.unit_admin).get("/signing/units/")
        self.assertContains(page, "Sở Tài chính")
        self.assertNotContains(page, "Sở Y tế")

    def test_others_are_refused_and_nothing_is_issued(self):
        for user in (self.other_admin, self.member, self.clerk, self.owner):
            response = self.client_for(user).post(f"/signing/units/{self.department.pk}/issue/")
            self.assertEqual(response.status_code, 404, user.username)
        for user in (self.member, self.clerk):
            self.assertEqual(self.client_for(user).get("/signing/units/").status_code, 403)
        anonymous = self.client.post(f"/signing/units/{self.department.pk}/issue/")
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/login", anonymous["Location"])
        self.assertEqual(self.client.get("/signing/units/").status_code, 302)
        with self.assertRaises(ActionError) as ctx:
            do_issue_unit_certificate(self.department, actor=self.other_admin)
        self.assertEqual(ctx.exception.status, 403)
        self.assertFalse(UnitCertificate.objects.exists())

    def test_a_new_certificate_replaces_the_old_which_goes_on_the_crl(self):
        first = give_unit_certificate(self.department, by=self.admin)
        second = give_unit_certificate(self.department, by=self.unit_admin)
        first.refresh_from_db()
        self.assertIsNotNone(first.replaced_at)
        self.assertEqual(first.revocation_reason, "superseded")
        self.assertTrue(second.is_active)
        crl = x509.load_der_x509_crl(build_crl_der())
        self.assertIsNotNone(crl.get_revoked_certificate_by_serial_number(int(first.serial, 16)))
        self.assertIsNone(crl.get_revoked_certificate_by_serial_number(int(second.serial, 16)))

    def test_two_first_issues_at_once_give_one_certificate(self):
        from unittest import mock

        give_unit_certificate(self.department, by=self.admin)
        # the other issue saw no current certificate to lock (it committed in between)
        with mock.patch("signing.actions.unit_certificates.lock_unit_certificates", return_value=[]), \
                self.assertRaises(ActionError) as ctx:
            do_issue_unit_certificate(self.department, actor=self.unit_admin)
        self.assertEqual((ctx.exception.status, ctx.exception.code), (409, "concurrent_issue"))
        self.assertEqual(UnitCertificate.objects.filter(unit=self.department).count(), 1)

    def test_revoke_then_sealing_is_refused(self):
        give_unit_certificate(self.department, by=self.admin)
        client = self.client_for(self.other_admin)
        self.assertEqual(client.post(f"/signing/units/{self.department.pk}/revoke/", {"reason": "x"}).status_code, 404)
        response = self.client_for(self.unit_admin).post(f"/signing/units/{self.department.pk}/revoke/",
                                                         {"reason": "Lộ khóa"})
        self.assertEqual(response.status_code, 302)
        row = UnitCertificate.objects.get(unit=self.department)
        self.assertEqual(row.revocation_reason, "Lộ khóa")
        again = self.client_for(self.unit_admin).post(f"/signing/units/{self.department.pk}/revoke/",
                                                      {"reason": "Lộ khóa"}, headers={"accept-language": "vi"})
        self.assertEqual(again.status_code, 409)
        self.assertContains(again, "đã bị thu hồi", status_code=409)
        with self.assertRaises(ActionError) as ctx:
            sign_as_unit(make_pdf(1), unit=self.department, actor=self.admin, field_name=None, reason="x")
        self.assertEqual(ctx.exception.code, "no_unit_certificate")

    def test_revoke_needs_a_reason(self):
        give_unit_certificate(self.department, by=self.admin)
        response = self.client_for(self.admin).post(f"/signing/units/{self.department.pk}/revoke/", {"reason": " "},
                                                    headers={"accept-language": "vi"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "lý do", status_code=400)
        self.assertIsNone(UnitCertificate.objects.get(unit=self.department).revoked_at)
        with self.assertRaises(ActionError):
            do_revoke_unit_certificate(UnitCertificate.objects.get(), actor=self.member, reason="x")


class SignAsUnitTests(UnitSealCase):
    def test_sealed_pdf_validates_and_names_the_unit(self):
        give_unit_certificate(self.department, by=self.admin)
        signed = sign_as_unit(make_pdf(1, "Thông báo kết luận"), unit=self.department, actor=self.clerk,
                              field_name=None, reason="Ban hành thông báo")
        report = verify_pdf_bytes(signed, trust_roots=[trust_roots_pem().encode()])
        self.assertEqual(report["status"], "valid", report)
        self.assertIn("Sở Tài chính", str(report["signatures"][0]))
        self.assertEqual(AuditEvent.objects.filter(action="signing.unit_seal").count(), 1)

    def test_pdfsig_accepts_the_seal_and_names_the_unit(self):
        require_tool("pdfsig", "poppler-utils")
        require_tool("certutil", "libnss3-tools")
        give_unit_certificate(self.department, by=self.admin)
        do_set_seal_image(self.department, actor=self.admin, upload=image_upload(seal_png(), "con-dau.png"))
        signed = sign_as_unit(make_pdf(1, "Giấy mời"), unit=self.department, actor=self.admin,
                              field_name=None, reason="Ban hành giấy mời")
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            pdf = Path(tmp) / "sealed.pdf"
            pdf.write_bytes(signed)
            nss = Path(tmp) / "nss"
            nss.mkdir()
            ca_pem = Path(tmp) / "ca.pem"
            ca_pem.write_bytes(installation_ca().certificate.public_bytes(serialization.Encoding.PEM))
            subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
            subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "ca", "-t", "CT,C,C", "-i", str(ca_pem)],
                           check=True)
            out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True,
                                 text=True).stdout
        self.assertIn("Signature is Valid.", out)
        self.assertIn("Certificate is Trusted.", out)
        self.assertIn("Sở Tài chính", out)

    def test_the_seal_image_is_in_the_appearance(self):
        give_unit_certificate(self.department, by=self.admin)
        plain = sign_as_unit(make_pdf(1), unit=self.department, actor=self.admin, field_name=None, reason="")
        self.assertEqual(image_xobjects(plain), [])
        do_set_seal_image(self.department, actor=self.admin, upload=image_upload(seal_png(), "con-dau.png"))
        signed = sign_as_unit(make_pdf(1, "Giấy mời"), unit=self.department, actor=self.admin,
                              field_name=None, reason="Ban hành giấy mời")
        images = image_xobjects(signed)
        self.assertEqual(len(images), 1)
        self.assertIsNotNone(images[0].get("/SMask"))  # the seal's transparency survives

    def test_into_an_existing_empty_field(self):
        give_unit_certificate(self.department, by=self.admin)
        pdf = with_empty_field(make_pdf(1), "CoQuan")
        signed = sign_as_unit(pdf, unit=self.department, actor=self.admin, field_name="CoQuan", reason="")
        self.assertEqual(signature_fields(signed), ["CoQuan"])
        report = verify_pdf_bytes(signed, trust_roots=[trust_roots_pem().encode()])
        self.assertEqual(report["status"], "valid", report)

    def test_the_seal_fits_existing_fields_of_any_size(self):
        give_unit_certificate(self.department, by=self.admin)
        do_set_seal_image(self.department, actor=self.admin, upload=image_upload(seal_png(), "con-dau.png"))
        for box in ((330, 80, 430, 110), (100, 300, 500, 500), (330, 80, 360, 90)):
            writer = IncrementalPdfFileWriter(io.BytesIO(make_pdf(1)))
            fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name="CoQuan", on_page=0, box=box))
            out = io.BytesIO()
            writer.write(out)
            signed = sign_as_unit(out.getvalue(), unit=self.department, actor=self.admin, field_name="CoQuan",
                                  reason="")
            self.assertEqual(len(image_xobjects(signed)), 1, box)

    def test_into_a_new_named_field(self):
        give_unit_certificate(self.department, by=self.admin)
        signed = sign_as_unit(make_pdf(1), unit=self.department, actor=self.admin, field_name="DonVi", reason="")
        self.assertEqual(signature_fields(signed), ["DonVi"])

    def test_no_certificate_is_refused_in_vietnamese(self):
        from django.utils import translation

        with translation.override("vi"), self.assertRaises(ActionError) as ctx:
            sign_as_unit(make_pdf(1), unit=self.other_unit, actor=self.admin, field_name=None, reason="x")
        self.assertEqual(ctx.exception.code, "no_unit_certificate")
        self.assertIn("chứng thư số của cơ quan", ctx.exception.message)
        self.assertIn("Sở Y tế", ctx.exception.message)

    def test_an_expired_certificate_does_not_seal(self):
        row = give_unit_certificate(self.department, by=self.admin)
        UnitCertificate.objects.filter(pk=row.pk).update(not_after=timezone.now() - timedelta(days=1))
        with self.assertRaises(ActionError) as ctx:
            sign_as_unit(make_pdf(1), unit=self.department, actor=self.admin, field_name=None, reason="x")
        self.assertEqual(ctx.exception.code, "no_unit_certificate")

    def test_who_may_seal(self):
        give_unit_certificate(self.department, by=self.admin)
        give_unit_certificate(self.other_unit, by=self.admin)
        for user in (self.clerk, self.unit_admin, self.admin):
            sign_as_unit(make_pdf(1), unit=self.department, actor=user, field_name=None, reason="")
        for user, unit in ((self.member, self.department), (self.owner, self.department),
                           (self.clerk, self.other_unit), (self.other_admin, self.department)):
            with self.assertRaises(ActionError) as ctx:
                sign_as_unit(make_pdf(1), unit=unit, actor=user, field_name=None, reason="")
            self.assertEqual(ctx.exception.status, 403, user.username)
        self.assertEqual(AuditEvent.objects.filter(action="signing.unit_seal").count(), 3)

    def test_the_people_who_run_a_meeting_seal_its_papers(self):
        give_unit_certificate(self.department, by=self.admin)
        give_unit_certificate(self.other_unit, by=self.admin)
        meeting = factories.make_meeting(by=self.owner, unit=self.department, chair=self.owner,
                                         members=[self.member], status=Meeting.Status.SCHEDULED)
        sign_as_unit(make_pdf(1), unit=self.department, actor=self.owner, field_name=None, reason="", meeting=meeting)
        for user, unit in ((self.member, self.department), (self.owner, self.other_unit)):
            with self.assertRaises(ActionError) as ctx:
                sign_as_unit(make_pdf(1), unit=unit, actor=user, field_name=None, reason="", meeting=meeting)
            self.assertEqual(ctx.exception.status, 403)
        # without naming the meeting, the organiser holds no right to issue the unit's papers
        with self.assertRaises(ActionError):
            sign_as_unit(make_pdf(1), unit=self.department, actor=self.owner, field_name=None, reason="")


class KeyAtRestTests(UnitSealCase):
    def test_the_key_blob_is_not_the_raw_key_and_is_bound_to_its_certificate(self):
        row = give_unit_certificate(self.department, by=self.admin)
        other = give_unit_certificate(self.other_unit, by=self.admin)
        key = unwrap_unit_key(bytes(row.key_blob), row.certificate)
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        raw = key.private_numbers().private_value.to_bytes(32, "big")  # type: ignore[union-attr]
        blob = bytes(row.key_blob)
        self.assertNotIn(der, blob)
        self.assertNotIn(raw, blob)
        self.assertNotIn(b"PRIVATE KEY", blob)
        self.assertEqual(key.public_key().public_numbers(), row.certificate.public_key().public_numbers())
        # moved onto another unit's certificate, the blob does not open
        with self.assertRaises(ValueError):
            unwrap_unit_key(blob, other.certificate)
        # nor under another key-encryption key
        with override_settings(UNIT_KEY_SECRET="x" * 64), self.assertRaises(ValueError):
            unwrap_unit_key(blob, row.certificate)

    def test_the_key_is_never_shown(self):
        row = give_unit_certificate(self.department, by=self.admin)
        for url in ("/signing/units/", f"/admin/signing/unitcertificate/{row.pk}/change/",
                    "/admin/signing/unitcertificate/"):
            response = self.client_for(self.admin).get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertNotContains(response, "key_blob")
            self.assertNotContains(response, bytes(row.key_blob).hex()[:32])
        # a unit administrator lists their unit's certificates in the admin, not others'
        give_unit_certificate(self.other_unit, by=self.admin)
        User.objects.filter(pk=self.unit_admin.pk).update(is_staff=True)
        listing = self.client_for(self.unit_admin).get("/admin/signing/unitcertificate/")
        self.assertContains(listing, "Sở Tài chính")
        self.assertNotContains(listing, "Sở Y tế")


class PagesTests(UnitSealCase):
    def test_units_page_at_360_px_has_no_table_and_shows_seal(self):
        give_unit_certificate(self.department, by=self.admin)
        do_set_seal_image(self.department, actor=self.admin, upload=image_upload(seal_png(), "con-dau.png"))
        page = self.client_for(self.unit_admin).get("/signing/units/", headers={"accept-language": "vi"})
        self.assertContains(page, "Chứng thư số và con dấu của cơ quan")
        self.assertContains(page, f"/signing/units/{self.department.pk}/seal.png")
        seal = self.client_for(self.unit_admin).get(f"/signing/units/{self.department.pk}/seal.png")
        self.assertEqual(seal["Content-Type"], "image/png")
        self.assertTrue(seal.content.startswith(b"\x89PNG"))
        self.assertEqual(self.client_for(self.other_admin).get(
            f"/signing/units/{self.department.pk}/seal.png").status_code, 404)
        self.assertEqual(self.client_for(self.member).get(
            f"/signing/units/{self.department.pk}/seal.png").status_code, 404)

    def test_unknown_verb_and_get_are_refused(self):
        self.assertEqual(self.client_for(self.admin).post(f"/signing/units/{self.department.pk}/explode/").status_code,
                         404)
        self.assertEqual(self.client_for(self.admin).get(f"/signing/units/{self.department.pk}/issue/").status_code,
                         405)
        self.assertEqual(self.client_for(self.admin).post("/signing/units/999999/issue/").status_code, 404)

    def test_the_signing_home_links_the_page_for_administrators_only(self):
        self.assertContains(self.client_for(self.unit_admin).get("/signing/"), 'data-testid="units-link"')
        self.assertNotContains(self.client_for(self.member).get("/signing/"), 'data-testid="units-link"')


