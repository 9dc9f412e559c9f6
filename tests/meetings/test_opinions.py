"""Written opinions (lấy ý kiến bằng văn bản): send, answer, change, remind, close, export."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from ecabinet.models import AuditEvent
from meetings.models import Document, OpinionAnswer, OpinionRound
from tests.kit.cases import BaseTestCase
from tests.kit.files import encrypted_pdf, media_files, pdf_upload
from tests.kit.meetings import make_documents_meeting
from tests.kit.users import make_user


class OpinionTests(BaseTestCase):
    def setUp(self) -> None:
        self.meeting = make_documents_meeting(self)
        self.unit_admin = make_user("unitadmin", unit=self.department, full_name="Hoàng Quản Lý",
                                    is_unit_admin=True)

    def create(self, user, *, data=None, **fields):
        body = {"file": pdf_upload(data, name="du-thao.pdf"), "title": "Dự thảo Quyết định phê duyệt",
                "question": "Đồng chí có đồng ý với dự thảo không?",
                "deadline": (timezone.now() + timedelta(days=3)).isoformat(), "asked": "member,colleague",
                **fields}
        client = self.client_for(user) if user else Client()
        return client.post("/api/v1/opinions", body)

    def make_round(self, **fields) -> dict:
        response = self.create(self.owner, meeting=self.meeting.pk, **fields)
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def answer(self, user, round_id, **data):
        return self.api("post", f"/api/v1/opinions/{round_id}/answer", data, user=user)

    def test_who_may_send(self):
        self.assertEqual(self.make_round()["asked"], False)
        # A unit admin for their own unit, without a meeting.
        response = self.create(self.unit_admin, asked="member")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["unit"], self.department.pk)
        # A plain member neither runs the meeting nor administers a unit.
        self.assert_error(self.create(self.member, meeting=self.meeting.pk), 403)
        self.assert_error(self.create(self.member), 403)
        self.assert_error(self.create(self.outsider, meeting=self.meeting.pk), 404)
        self.assert_error(self.create(None), 401)
        self.assertEqual(OpinionRound.objects.count(), 2)

    def test_bad_input_leaves_nothing(self):
        self.assert_error(self.create(self.owner, meeting=self.meeting.pk, asked=""), 400, "no_recipients")
        self.assert_error(self.create(self.owner, meeting=self.meeting.pk, asked="ghost"), 400, "unknown_users")
        self.assert_error(self.create(self.owner, meeting=self.meeting.pk,
                                      deadline=(timezone.now() - timedelta(hours=1)).isoformat()), 400, "bad_deadline")
        self.assert_error(self.create(self.owner, meeting=self.meeting.pk, deadline="mai"), 400, "bad_deadline")
        self.assert_error(self.create(self.owner, meeting=self.meeting.pk, data=encrypted_pdf()), 400, "pdf_encrypted")
        self.assert_error(self.create(self.owner, meeting=self.meeting.pk, data=b"PK\x03\x04xx"), 415)
        self.assertFalse(OpinionRound.objects.exists())
        self.assertFalse(Document.objects.exists())
        self.assertEqual(media_files(), [])

    def test_answers_tally_changes_and_privacy(self):
        rnd = self.make_round()
        rid = rnd["id"]
        self.assertTrue(self.member.notifications.filter(kind="opinion.asked").exists())
        # People not asked see nothing, not even the title.
        for user in (self.outsider, self.unit_admin):
            error = self.assert_error(self.api("get", f"/api/v1/opinions/{rid}", user=user), 404)
            self.assertNotIn("Dự thảo", error["message"])
            self.assert_error(self.answer(user, rid, choice="agree"), 404)
        self.assert_error(self.api("get", f"/api/v1/opinions/{rid}"), 401)
        self.assert_error(self.answer(None, rid, choice="agree"), 401)
        # The asked member sees the question and own answer but not the others'.
        view = self.api("get", f"/api/v1/opinions/{rid}", user=self.member).json()
        self.assertTrue(view["asked"])
        self.assertNotIn("recipients", view)
        self.assert_error(self.answer(self.member, rid, choice="maybe"), 400, "bad_choice")
        self.assert_error(self.answer(self.member, rid, choice="other"), 400, "comment_required")
        self.assertEqual(self.answer(self.member, rid, choice="disagree", comment="Chưa rõ").status_code, 200)
        changed = self.answer(self.member, rid, choice="agree", comment="Đồng ý sau khi xem lại").json()
        self.assertEqual((changed["choice"], changed["changes"]), ("agree", 1))
        # The secretary (not asked) may not answer; sees tally and comments.
        self.assert_error(self.answer(self.owner, rid, choice="agree"), 403)
        summary = self.api("get", f"/api/v1/opinions/{rid}", user=self.owner).json()
        self.assertEqual(summary["tally"], {"agree": 1, "disagree": 0, "other": 0})
        self.assertEqual(summary["not_answered"], 1)
        member_row = next(r for r in summary["recipients"] if r["username"] == "member")
        self.assertEqual(member_row["answer"]["comment"], "Đồng ý sau khi xem lại")
        # The chair (runs the meeting) manages the round too; the draft is readable by the asked.
        self.assertIn("tally", self.api("get", f"/api/v1/opinions/{rid}", user=self.chair).json())
        self.assertEqual(self.client_for(self.colleague).get(f"/api/v1/documents/{rnd['draft']}/file").status_code, 200)
        self.assert_error(self.api("get", f"/api/v1/documents/{rnd['draft']}/file", user=self.outsider), 404)
        # Exports are for the secretary only.
        self.assert_error(self.api("get", f"/api/v1/opinions/{rid}/export.csv", user=self.member), 403)
        self.assert_error(self.api("get", f"/api/v1/opinions/{rid}/export.csv", user=self.outsider), 404)

    def test_attachment_with_the_same_checks(self):
        rid = self.make_round()["id"]
        client = self.client_for(self.member)
        bad = client.post(f"/api/v1/opinions/{rid}/answer", {"choice": "other", "comment": "Xem tệp",
                                                            "file": pdf_upload(b"hello", name="y-kien.pdf")})
        self.assert_error(bad, 415)
        self.assertFalse(OpinionAnswer.objects.exists())
        good = client.post(f"/api/v1/opinions/{rid}/answer", {"choice": "other", "comment": "Xem tệp",
                                                             "file": pdf_upload(name="y-kien.pdf")})
        self.assertEqual(good.status_code, 200, good.content)
        attachment = good.json()["attachment"]
        self.assertEqual(self.client_for(self.owner).get(f"/api/v1/documents/{attachment}/file").status_code, 200)
        self.assertEqual(client.get(f"/api/v1/documents/{attachment}/file").status_code, 200)
        self.assert_error(self.api("get", f"/api/v1/documents/{attachment}/file", user=self.colleague), 404)

    def test_remind_close_and_late_answers(self):
        rid = self.make_round()["id"]
        self.answer(self.member, rid, choice="agree")
        self.assert_error(self.api("post", f"/api/v1/opinions/{rid}/remind", user=self.member), 403)
        self.assertEqual(self.api("post", f"/api/v1/opinions/{rid}/remind", user=self.owner).json(), {"reminded": 1})
        self.assertTrue(self.colleague.notifications.filter(kind="opinion.reminder").exists())
        self.assertFalse(self.member.notifications.filter(kind="opinion.reminder").exists())
        self.assert_error(self.api("post", f"/api/v1/opinions/{rid}/close", user=self.member), 403)
        self.assertEqual(self.api("post", f"/api/v1/opinions/{rid}/close", user=self.owner).json()["status"], "closed")
        self.assert_error(self.api("post", f"/api/v1/opinions/{rid}/close", user=self.owner), 409)
        self.assert_error(self.answer(self.colleague, rid, choice="agree"), 409, "round_closed")
        self.assert_error(self.answer(self.member, rid, choice="disagree"), 409, "round_closed")
        self.assert_error(self.api("post", f"/api/v1/opinions/{rid}/remind", user=self.owner), 409)

    def test_answer_after_deadline_is_409(self):
        rid = self.make_round()["id"]
        OpinionRound.objects.filter(pk=rid).update(deadline=timezone.now() - timedelta(minutes=1))
        self.assert_error(self.answer(self.member, rid, choice="agree"), 409, "round_closed")

    def test_csv_and_pdf_exports(self):
        rid = self.make_round()["id"]
        self.answer(self.member, rid, choice="disagree", comment="Cần bổ sung số liệu quý IV")
        response = self.client_for(self.owner).get(f"/api/v1/opinions/{rid}/export.csv")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][1], "Dự thảo Quyết định phê duyệt")
        names = {row[1]: row for row in rows[6:]}
        self.assertIn("Cần bổ sung số liệu quý IV", names["Trần Thị Thành Viên"])
        self.assertIn("Đỗ Đồng Nghiệp", names)
        pdf = self.client_for(self.owner).get(f"/api/v1/opinions/{rid}/report.pdf")
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertGreaterEqual(len(PdfReader(io.BytesIO(pdf.content)).pages), 1)
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True).stdout.decode()
            for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                             "Trần Thị Thành Viên", "Không đồng ý", "Cần bổ sung số liệu quý IV"):
                self.assertIn(expected, text)
        self.assertEqual(AuditEvent.objects.filter(action="opinion.export").count(), 2)

    def test_csv_export_does_not_run_formulas(self):
        rid = self.make_round()["id"]
        self.answer(self.member, rid, choice="disagree", comment="-2+3+cmd|' /C calc'!A0")
        rows = list(csv.reader(io.StringIO(
            self.client_for(self.owner).get(f"/api/v1/opinions/{rid}/export.csv").content.decode("utf-8-sig"))))
        self.assertIn("'-2+3+cmd|' /C calc'!A0", rows[6 + [r[1] for r in rows[6:]].index("Trần Thị Thành Viên")])
        self.assertFalse([c for row in rows for c in row if c[:1] in ("=", "+", "-", "@")])

    def test_pages(self):
        rid = self.make_round()["id"]
        member = self.client_for(self.member)
        self.assertContains(member.get("/opinions/"), "Dự thảo Quyết định phê duyệt")
        page = member.get(f"/opinions/{rid}/")
        self.assertContains(page, 'data-testid="answer-form"')
        self.assertNotContains(page, 'data-testid="answers"')
        response = member.post(f"/opinions/{rid}/answer/", {"choice": "agree", "comment": "Nhất trí"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(OpinionAnswer.objects.get().comment, "Nhất trí")
        owner_page = self.client_for(self.owner).get(f"/opinions/{rid}/")
        self.assertContains(owner_page, "Nhất trí")
        self.assertContains(owner_page, 'data-testid="export-csv"')
        self.assertEqual(self.client_for(self.owner).get(f"/opinions/{rid}/export.csv").status_code, 200)
        self.assertEqual(member.get(f"/opinions/{rid}/export.csv").status_code, 403)
        outsider = self.client_for(self.outsider)
        response = outsider.get(f"/opinions/{rid}/")
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "Dự thảo", status_code=404)
        self.assertNotContains(outsider.get("/opinions/"), "Dự thảo")
        self.assertEqual(outsider.post(f"/opinions/{rid}/answer/", {"choice": "agree"}).status_code, 404)
        self.assertEqual(outsider.get(f"/opinions/{rid}/export.csv").status_code, 404)
        self.assertIn("/login/", self.client.get(f"/opinions/{rid}/")["Location"])
        self.assertIn("/login/", self.client.get("/opinions/")["Location"])
        self.assertEqual(self.client_for(self.owner).get("/opinions/new/").status_code, 200)
        bad = self.client_for(self.owner).post("/opinions/new/", {"title": "x", "question": "y", "asked": "member",
                                                                  "deadline": "2020-01-01T10:00", "meeting": self.meeting.pk,
                                                                  "file": pdf_upload()})
        self.assertEqual(bad.status_code, 400)
        self.assertContains(bad, 'class="error"', status_code=400)
