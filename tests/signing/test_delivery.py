"""One delivery path (meetings/delivery.py): the signed original for signers, owners and runners,
a watermarked copy with the verification notice for everyone else, an audit row and no-store
headers on every PDF; outsider 404, anonymous 401 or login."""

from __future__ import annotations

import hashlib
import subprocess

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from ecabinet.models import AuditEvent
from meetings.access import may_receive_original
from meetings.actions.room import do_attach_conclusion_file
from meetings.delivery import DELIVERY_HEADER, SIGNED_ORIGINAL_HEADER
from meetings.models import Document, DocumentVersion
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots
from tests.conftest import require_tool
from tests.kit.cases import SigningTestCase
from tests.kit.files import make_pdf
from tests.kit.meetings import run_meeting

NOTICE = "bản gốc đã ký số được hệ thống xác minh"


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_text(data: bytes) -> str:
    require_tool("pdftotext", "poppler-utils")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def verify(data: bytes) -> dict:
    return verify_pdf_bytes(data, trust_roots=[*installation_trust_roots()])


class DeliveryTestCase(SigningTestCase):
    def get_file(self, user, document: Document, query: str = ""):
        return self.client_for(user).get(f"/api/v1/documents/{document.pk}/file{query}")

    def last_download(self) -> AuditEvent:
        return AuditEvent.objects.filter(action="document.download").order_by("seq").last()

    def assert_pdf_headers(self, response, mode: str) -> None:
        self.assertEqual(response.status_code, 200, getattr(response, "content", b"")[:300])
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response[DELIVERY_HEADER], mode)
        self.assertEqual(response["Cache-Control"], "no-store, private")
        self.assertEqual(response["Pragma"], "no-cache")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")

    def sign_requested(self, document: Document, signers: list) -> None:
        self.assertEqual(self.ask(document, signers, user=self.secretary).status_code, 201)
        for user in signers:
            self.assertEqual(self.sign(document, user).status_code, 201)


class SignedMinutesTests(DeliveryTestCase):
    """The issue's case: the minutes frozen by the secretary, signed by the secretary then the chair."""

    def setUp(self) -> None:
        rec = run_meeting(self)
        url = f"/api/v1/meetings/{rec.meeting.pk}/minutes"
        self.assertEqual(self.api("post", url, user=self.secretary).status_code, 201)
        frozen = self.api("post", f"{url}/freeze", user=self.secretary)
        self.assertEqual(frozen.status_code, 200, frozen.content[:300])
        self.document = Document.objects.get(pk=frozen.json()["document"])
        self.assertEqual(self.sign(self.document, self.secretary).status_code, 201)
        self.assertEqual(self.sign(self.document, self.chair).status_code, 201)
        self.latest = self.document.versions.order_by("-number").first()
        self.assertEqual(self.latest.number, 3)

    def test_secretary_and_chair_get_the_signed_original_and_both_signatures_verify(self) -> None:
        for user in (self.secretary, self.chair):
            response = self.get_file(user, self.document)
            self.assert_pdf_headers(response, "original")
            data = body_of(response)
            self.assertEqual(hashlib.sha256(data).hexdigest(), self.latest.sha256)
            self.assertNotIn(SIGNED_ORIGINAL_HEADER, response)
            report = verify(data)
            self.assertEqual(report["status"], "valid", report)
            self.assertEqual([s["status"] for s in report["signatures"]], ["valid", "valid"])
            row = self.last_download()
            self.assertEqual((row.actor_id, row.object_id), (user.pk, str(self.document.pk)))
            self.assertEqual(row.details["version"], 3)
            self.assertEqual(row.details["sha256"], self.latest.sha256)
            self.assertEqual(row.details["delivered_sha256"], self.latest.sha256)
            self.assertIs(row.details["watermarked"], False)
            self.assertIs(row.details["signed"], True)

    def test_member_gets_a_watermarked_copy_that_says_where_the_original_is_verified(self) -> None:
        before = AuditEvent.objects.filter(action="document.download").count()
        response = self.get_file(self.member, self.document)
        self.assert_pdf_headers(response, "watermarked")
        data = body_of(response)
        sent = hashlib.sha256(data).hexdigest()
        self.assertNotEqual(sent, self.latest.sha256)
        self.assertEqual(response[SIGNED_ORIGINAL_HEADER], self.latest.sha256)
        self.assertIn("attachment", response["Content-Disposition"])
        # the stamp breaks the signatures: exactly why the copy must say so
        self.assertNotEqual(verify(data)["status"], "valid")
        text = pdf_text(data)
        self.assertIn(self.member.full_name, text)
        self.assertIn(NOTICE, text)
        self.assertIn("/verify/", text)
        self.assertIn(self.latest.sha256, text.replace(" ", ""))
        self.assertEqual(AuditEvent.objects.filter(action="document.download").count(), before + 1)
        row = self.last_download()
        self.assertEqual(row.actor_id, self.member.pk)
        self.assertEqual((row.details["sha256"], row.details["delivered_sha256"]), (self.latest.sha256, sent))
        self.assertIs(row.details["watermarked"], True)
        # the stored original is untouched
        with self.latest.file.open("rb") as fh:
            self.assertEqual(hashlib.sha256(fh.read()).hexdigest(), self.latest.sha256)

    def test_old_versions_are_watermarked_and_audited_too(self) -> None:
        unsigned = self.get_file(self.member, self.document, "?version=1")
        self.assert_pdf_headers(unsigned, "watermarked")
        self.assertNotIn(SIGNED_ORIGINAL_HEADER, unsigned)  # v1 carries no signature: no notice
        self.assertNotIn(NOTICE, pdf_text(body_of(unsigned)))
        self.assertEqual(self.last_download().details["version"], 1)
        first_signature = self.get_file(self.member, self.document, "?version=2")
        self.assert_pdf_headers(first_signature, "watermarked")
        v2 = self.document.versions.get(number=2)
        self.assertEqual(first_signature[SIGNED_ORIGINAL_HEADER], v2.sha256)
        self.assertEqual((self.last_download().details["version"], self.last_download().details["sha256"]),
                         (2, v2.sha256))
        original_v2 = self.get_file(self.secretary, self.document, "?version=2")
        self.assert_pdf_headers(original_v2, "original")
        self.assertEqual(hashlib.sha256(body_of(original_v2)).hexdigest(), v2.sha256)
        for bad in ("?version=9", "?version=0", "?version=-1"):
            self.assert_error(self.get_file(self.member, self.document, bad), 404)
        # Not a version number at all (past 64 bits, not a number): the API's input layer refuses it.
        for bad in ("?version=x", "?version=99999999999999999999999"):
            self.assert_error(self.get_file(self.member, self.document, bad), 400)

    def test_outsider_and_anonymous(self) -> None:
        before = AuditEvent.objects.filter(action="document.download").count()
        self.assert_error(self.get_file(self.outsider, self.document), 404)
        self.assert_error(self.api("get", f"/api/v1/documents/{self.document.pk}/file"), 401)
        self.assert_error(self.api("get", f"/api/v1/documents/{self.document.pk}/file",
                                   token="forged-token-0000"), 401)
        for path in (f"/signing/documents/{self.document.pk}/file", f"/documents/{self.document.pk}/view/",
                     f"/documents/{self.document.pk}/download/"):
            self.assertEqual(self.client_for(self.outsider).get(path).status_code, 404, path)
            self.assertIn("/login/", self.client.get(path)["Location"])
        self.assertEqual(AuditEvent.objects.filter(action="document.download").count(), before)

    def test_signing_file_url_no_longer_hands_out_the_original(self) -> None:
        url = f"/signing/documents/{self.document.pk}/file"
        copy = self.client_for(self.member).get(url)
        self.assert_pdf_headers(copy, "watermarked")
        self.assertNotEqual(hashlib.sha256(body_of(copy)).hexdigest(), self.latest.sha256)
        self.assertEqual(copy[SIGNED_ORIGINAL_HEADER], self.latest.sha256)
        self.assertEqual(self.last_download().details["path"], url)
        original = self.client_for(self.chair).get(f"{url}?version=3")
        self.assert_pdf_headers(original, "original")
        self.assertEqual(hashlib.sha256(body_of(original)).hexdigest(), self.latest.sha256)
        self.assertEqual(self.client_for(self.member).get(f"{url}?version=abc").status_code, 404)
        self.assertEqual(self.client_for(self.member).get(f"{url}?version=123456789012345678901").status_code, 404)

    def test_document_pages_tell_the_reader_in_vietnamese(self) -> None:
        for path in (f"/documents/{self.document.pk}/", f"/signing/documents/{self.document.pk}/"):
            member_page = self.client_for(self.member).get(path)
            self.assertContains(member_page, 'data-testid="copy-notice"')
            self.assertContains(member_page, "Bản gốc đã ký số được hệ thống lưu giữ và xác minh")
            self.assertContains(member_page, self.latest.sha256)
            self.assertContains(member_page, "/verify/")
            secretary_page = self.client_for(self.secretary).get(path)
            self.assertNotContains(secretary_page, 'data-testid="copy-notice"')
        self.assertContains(self.client_for(self.member).get(f"/documents/{self.document.pk}/"),
                            "Tải về (có dấu định danh người xem)")
        self.assertContains(self.client_for(self.secretary).get(f"/documents/{self.document.pk}/"), "Tải bản gốc")

    def test_verify_page_shows_the_sha256_to_compare(self) -> None:
        with self.latest.file.open("rb") as fh:
            data = fh.read()
        page = self.client.post("/verify/", {"file": SimpleUploadedFile("bien-ban.pdf", data, "application/pdf")})
        self.assertContains(page, 'data-testid="verify-sha256"')
        self.assertContains(page, self.latest.sha256)
        self.assertContains(page, "Mã SHA-256 của tệp này")


class DeliveryRuleTests(DeliveryTestCase):
    def test_who_receives_the_original(self) -> None:
        document = self.minutes  # uploaded by the secretary to the ended meeting
        self.assertEqual(self.ask(document, [self.owner], user=self.secretary).status_code, 201)
        allowed = {self.secretary: True, self.chair: True, self.admin: True, self.owner: True,
                   self.member: False, self.guest: False, self.outsider: False}
        for user, expected in allowed.items():
            self.assertIs(may_receive_original(user, document), expected, user.username)
        from django.contrib.auth.models import AnonymousUser

        self.assertIs(may_receive_original(AnonymousUser(), document), False)
        # the owner (asked to sign, a plain member otherwise) gets the exact bytes
        response = self.get_file(self.owner, document)
        self.assert_pdf_headers(response, "original")
        self.assertEqual(hashlib.sha256(body_of(response)).hexdigest(), document.versions.get().sha256)

    def test_own_document_outside_meetings(self) -> None:
        document = self.make_own_document(self.member, "Tờ trình riêng")
        self.assertEqual(self.client_for(self.member).get(f"/signing/documents/{document.pk}/file")[DELIVERY_HEADER],
                         "original")
        self.assertEqual(self.client_for(self.chair).get(f"/signing/documents/{document.pk}/file").status_code, 404)

    def test_vietnamese_file_name_is_sent_as_rfc5987(self) -> None:
        Document.objects.filter(pk=self.minutes.pk).update(title='Biên bản họp "tháng 6"/2026\r\nX-Evil: 1')
        response = self.client_for(self.member).get(f"/documents/{self.minutes.pk}/download/")
        disposition = response["Content-Disposition"]
        self.assertTrue(disposition.startswith("attachment; filename*=utf-8''Bi%C3%AAn%20b%E1%BA%A3n"), disposition)
        self.assertNotIn("\n", disposition)
        self.assertNotIn("%2F", disposition)
        self.assertNotIn("%22", disposition)
        self.assertTrue(disposition.endswith("-v1.pdf"), disposition)
        inline = self.client_for(self.member).get(f"/documents/{self.minutes.pk}/view/")
        self.assertTrue(inline["Content-Disposition"].startswith("inline;"))

    def test_a_changed_stored_file_is_refused_and_nothing_is_audited(self) -> None:
        document = self.make_meeting_document("Tờ trình bị sửa trên đĩa", uploaded_by=self.secretary)
        version = DocumentVersion.objects.get(document=document)
        with open(version.file.path, "ab") as fh:
            fh.write(b"\n% tampered\n")
        before = AuditEvent.objects.filter(action="document.download").count()
        for user in (self.secretary, self.member):
            self.assert_error(self.get_file(user, document), 409, "file_changed")
        page = self.client_for(self.member).get(f"/documents/{document.pk}/view/")
        self.assertContains(page, "không khớp với mã băm", status_code=409)
        self.assertEqual(AuditEvent.objects.filter(action="document.download").count(), before)

    def test_conclusion_attachment_watermarked_for_members_original_for_runners(self) -> None:
        data = make_pdf(1, "Phụ lục kết luận")
        attachment = do_attach_conclusion_file(self.meeting, actor=self.secretary, upload=ContentFile(data, name="pl.pdf"),
                                               title="Phụ lục kết luận.pdf")
        url = f"/meetings/{self.meeting.pk}/room/attachments/{attachment.pk}/"
        copy = self.client_for(self.member).get(url)
        self.assert_pdf_headers(copy, "watermarked")
        self.assertNotEqual(hashlib.sha256(body_of(copy)).hexdigest(), attachment.sha256)
        original = self.client_for(self.chair).get(url)
        self.assert_pdf_headers(original, "original")
        self.assertEqual(body_of(original), data)
        row = AuditEvent.objects.filter(action="conclusion_attachment.download").order_by("seq").last()
        self.assertEqual((row.actor_id, row.details["watermarked"]), (self.chair.pk, False))
        self.assertEqual(self.client_for(self.outsider).get(url).status_code, 404)
        self.assertIn("/login/", self.client.get(url)["Location"])

    def test_opinion_draft_link_says_which_copy(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from meetings.actions.opinions import do_create_round

        rnd = do_create_round(
            actor=self.secretary, title="Dự thảo", question="Đồng ý không?", usernames=[self.member.username],
            deadline=timezone.now() + timedelta(days=2), meeting=self.meeting,
            upload=SimpleUploadedFile("du-thao.pdf", make_pdf(1, "Dự thảo"), content_type="application/pdf"),
        )
        page = f"/opinions/{rnd.pk}/"
        self.assertContains(self.client_for(self.secretary).get(page), "Tải bản gốc")
        self.assertContains(self.client_for(self.member).get(page), "Tải về (có dấu định danh người xem)")
        draft = f"/api/v1/documents/{rnd.draft_id}/file"
        self.assertEqual(self.client_for(self.secretary).get(draft)[DELIVERY_HEADER], "original")
        self.assertEqual(self.client_for(self.member).get(draft)[DELIVERY_HEADER], "watermarked")
        self.assert_error(self.api("get", draft, user=self.outsider), 404)
