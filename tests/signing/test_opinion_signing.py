"""Written opinions signed by the person answering: a one-page PDF of the answer, signed through
the same signing path as any document, shown as signed in the round's summary and exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.utils import timezone
from pypdf import PdfReader

from ecabinet.models import AuditEvent
from meetings.models import OpinionAnswer
from signing.actions import current_certificate
from signing.models import SignatureRecord
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots
from tests.kit.cases import PIN, SigningTestCase
from tests.kit.files import make_pdf, pdf_upload


class OpinionSigningTests(SigningTestCase):
    def setUp(self) -> None:
        response = self.client_for(self.secretary).post("/api/v1/opinions", {
            "file": pdf_upload(make_pdf(1, "Dự thảo Quyết định"), name="du-thao.pdf"),
            "title": "Dự thảo Quyết định phê duyệt quy hoạch",
            "question": "Đồng chí có đồng ý với dự thảo Quyết định không?",
            "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
            "asked": "member,chair", "meeting": self.meeting.pk,
        })
        self.assertEqual(response.status_code, 201, response.content)
        self.round_id = response.json()["id"]

    def answer(self, user, choice="disagree", comment="Cần bổ sung số liệu quý IV về giải phóng mặt bằng"):
        response = self.api("post", f"/api/v1/opinions/{self.round_id}/answer",
                            {"choice": choice, "comment": comment}, user=user)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def sign_answer(self, user=None, pin=PIN, **extra):
        return self.api("post", f"/api/v1/opinions/{self.round_id}/answer/sign", {"pin": pin, **extra}, user=user)

    def pdf_text(self, data: bytes) -> str:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)

    def test_signed_answer_verifies_and_shows_in_summary_and_exports(self):
        self.answer(self.member)
        response = self.sign_answer(self.member)
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        answer = OpinionAnswer.objects.get(round_id=self.round_id, user=self.member)
        self.assertEqual(body["answer"], answer.pk)
        self.assertEqual(body["version"], 1)  # one version per signature
        self.assertIsNotNone(answer.signed_at)
        document = answer.signed_document
        self.assertIsNone(document.meeting_id)
        self.assertEqual(document.uploaded_by, self.member)
        self.assertEqual(SignatureRecord.objects.get(document=document).certificate,
                         current_certificate(self.member))
        self.assertTrue(AuditEvent.objects.filter(action="opinion.answer_sign").exists())

        signed = self.latest_bytes(document)
        report = verify_pdf_bytes(signed, trust_roots=installation_trust_roots())
        self.assertEqual(report["status"], "valid", report)
        self.assertEqual(report["signatures"][0]["signer"], "Trần Thị Thành Viên")
        self.assertEqual(len(PdfReader(io.BytesIO(signed)).pages), 1)
        text = self.pdf_text(signed)
        for expected in ("PHIẾU Ý KIẾN BẰNG VĂN BẢN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Dự thảo Quyết định phê duyệt quy hoạch", "Đồng chí có đồng ý với dự thảo",
                         "Trần Thị Thành Viên", "Sở Tài chính", "KHÔNG ĐỒNG Ý", "giải phóng mặt bằng"):
            self.assertIn(expected, text)

        # the secretary's summary: signed per answer, with the signed PDF
        summary = self.api("get", f"/api/v1/opinions/{self.round_id}", user=self.secretary).json()
        rows = {r["username"]: r["answer"] for r in summary["recipients"]}
        self.assertTrue(rows["member"]["signed"])
        self.assertIsNone(rows["chair"])
        url = rows["member"]["signed_pdf"]
        pdf = self.client_for(self.secretary).get(url)
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(b"".join(pdf.streaming_content), signed)  # as signed, never watermarked
        self.assertEqual(self.client_for(self.member).get(url).status_code, 200)
        self.assertEqual(self.client_for(self.chair).get(url).status_code, 200)  # chairs the meeting: runs it
        self.assertEqual(self.client_for(self.guest).get(url).status_code, 404)  # in the meeting, not the round
        self.assertEqual(self.client_for(self.outsider).get(url).status_code, 404)
        self.assertEqual(self.client.get(url).status_code, 302)
        page = self.client_for(self.secretary).get(f"/opinions/{self.round_id}/")
        self.assertContains(page, url)
        self.assertContains(page, 'data-testid="answer-signed"')

        exported = self.client_for(self.secretary).get(f"/api/v1/opinions/{self.round_id}/export.csv")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        header = rows[5]
        by_name = {row[1]: dict(zip(header, row, strict=False)) for row in rows[6:]}
        signed_column = header[-1]
        self.assertTrue(by_name["Trần Thị Thành Viên"][signed_column])
        self.assertEqual(by_name["Nguyễn Văn Thành"][signed_column], "")
        report_pdf = self.client_for(self.secretary).get(f"/api/v1/opinions/{self.round_id}/report.pdf")
        self.assertIn("Đã ký", self.pdf_text(report_pdf.content))

    def test_only_the_answerer_signs(self):
        self.answer(self.member)
        self.assert_error(self.sign_answer(self.chair), 404)  # asked, but has not answered
        self.assert_error(self.sign_answer(self.secretary), 404)  # runs the round, has no answer
        error = self.assert_error(self.sign_answer(self.outsider), 404)
        self.assertNotIn("quy hoạch", error["message"])
        self.assert_error(self.sign_answer(None), 401)
        self.assertFalse(OpinionAnswer.objects.filter(signed_at__isnull=False).exists())
        # a page POST from someone else is a 404 as well
        response = self.client_for(self.chair).post(f"/signing/opinions/{self.round_id}/sign/", {"pin": PIN})
        self.assertEqual(response.status_code, 404)

    def test_wrong_pin_counted_and_nothing_written(self):
        self.answer(self.member)
        files = self.media_files()
        error = self.assert_error(self.sign_answer(self.member, pin="sai-pin-123"), 400, "wrong_pin")
        self.assertEqual(error["remaining_attempts"], 4)
        self.assertEqual(current_certificate(self.member).wrong_pin_count, 1)
        answer = OpinionAnswer.objects.get(round_id=self.round_id, user=self.member)
        self.assertIsNone(answer.signed_document_id)
        self.assertEqual(self.media_files(), files)

    def test_closed_round_refuses_with_409(self):
        self.answer(self.member)
        closed = self.api("post", f"/api/v1/opinions/{self.round_id}/close", user=self.secretary)
        self.assertEqual(closed.status_code, 200, closed.content)
        self.assert_error(self.sign_answer(self.member), 409, "round_closed")
        # others still get 404, not a hint that the round is closed
        self.assert_error(self.sign_answer(self.chair), 404)

    def test_changed_answer_must_be_signed_again_new_version(self):
        self.answer(self.member, choice="agree", comment="")
        self.assertEqual(self.sign_answer(self.member).status_code, 201)
        self.answer(self.member, choice="other", comment="Đề nghị lùi thời hạn")
        answer = OpinionAnswer.objects.get(round_id=self.round_id, user=self.member)
        self.assertIsNone(answer.signed_at)  # the signature covered the earlier answer
        self.assertFalse(self.api("get", f"/api/v1/opinions/{self.round_id}", user=self.member)
                         .json()["my_answer"]["signed"])
        second = self.sign_answer(self.member)
        self.assertEqual(second.status_code, 201, second.content)
        self.assertEqual(second.json()["version"], 2)
        answer.refresh_from_db()
        self.assertEqual(answer.signed_document.versions.count(), 2)
        self.assertIn("Đề nghị lùi thời hạn", self.pdf_text(self.latest_bytes(answer.signed_document)))

    def test_sign_from_the_round_page(self):
        self.answer(self.member)
        client = self.client_for(self.member)
        page = client.get(f"/opinions/{self.round_id}/")
        self.assertContains(page, 'data-testid="sign-answer-form"')
        response = client.post(f"/signing/opinions/{self.round_id}/sign/", {"pin": "sai-pin-123"}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "PIN")
        response = client.post(f"/signing/opinions/{self.round_id}/sign/", {"pin": PIN})
        self.assertRedirects(response, f"/opinions/{self.round_id}/", fetch_redirect_response=False)
        answer = OpinionAnswer.objects.get(round_id=self.round_id, user=self.member)
        self.assertIsNotNone(answer.signed_at)
        self.assertContains(client.get(f"/opinions/{self.round_id}/"), f"/signing/answers/{answer.pk}/signed.pdf")
