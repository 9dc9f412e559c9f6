"""Minutes (biên bản): the draft written from the live record, access, editing with the optimistic
version check, freezing into a PDF with a sequential request secretary -> chair, and both
signatures valid."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

from meetings.models import Document, Meeting, Participant
from signing.models import Minutes, SigningRequest
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots
from tests.kit.cases import SigningTestCase
from tests.kit.meetings import ITEM1_CONCLUSION, ITEM2_CONCLUSION, MEETING_CONCLUSION, run_meeting


def pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
        text = out.stdout.decode()
    else:
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def url(meeting: Meeting, tail: str = "") -> str:
    return f"/api/v1/meetings/{meeting.pk}/minutes{tail}"


class MinutesTestCase(SigningTestCase):
    def generate(self, meeting: Meeting, user=None):
        return self.api("post", url(meeting), user=user or self.secretary)

    def section(self, text: str, start: str, end: str) -> str:
        return text[text.index(start):text.index(end, text.index(start))]


class GenerateTests(MinutesTestCase):
    def test_draft_is_written_from_the_live_record(self) -> None:
        rec = run_meeting(self)
        response = self.generate(rec.meeting)
        self.assertEqual(response.status_code, 201, response.content[:500])
        data = response.json()
        self.assertEqual((data["status"], data["version"], data["document"]), ("draft", 1, None))
        text = data["text"]
        for expected in (
            rec.meeting.title, "Phòng họp số 1, Trụ sở UBND tỉnh", "https://hop.example.gov.vn/ubnd-11",
            f"Chủ trì: {self.chair.full_name}, Chủ tịch UBND tỉnh", f"Thư ký: {self.secretary.full_name}",
            MEETING_CONCLUSION, f"**Kết luận:** {ITEM1_CONCLUSION}", f"**Kết luận:** {ITEM2_CONCLUSION}",
        ):
            self.assertIn(expected, text)
        # attendance: present members (remote noted, the deputy in place of the absent member), guests
        present = self.section(text, "### Đại biểu có mặt", "### Khách mời")
        for name in (self.chair.full_name, self.secretary.full_name, self.member.full_name, "Đỗ Minh Thay"):
            self.assertIn(name, present)
        self.assertIn(f"{self.owner.full_name}, Sở Tài chính (tham dự trực tuyến)", present)
        self.assertIn("Đỗ Minh Thay, Sở Tài chính (dự thay Hoàng Văn Ủy)", present)
        guests = self.section(text, "### Khách mời", "### Đại biểu vắng mặt")
        self.assertIn(self.guest.full_name, guests)
        absent = self.section(text, "### Đại biểu vắng mặt (2)", "## II.")
        self.assertIn("Phạm Thị Vắng, Sở Tài chính: vắng có lý do (Đi công tác tại Hà Nội).", absent)
        self.assertIn("Hoàng Văn Ủy, Sở Tài chính: ủy quyền cho Đỗ Minh Thay dự thay.", absent)
        # agenda in order, speakers with their lengths
        item1 = self.section(text, "### 1. Phân bổ vốn đầu tư công năm 2027", "### 2. ")
        self.assertLess(text.index("### 1. Phân bổ"), text.index("### 2. Đề án phát triển y tế cơ sở"))
        self.assertIn("Trình bày: Nguyễn Văn Chủ, Sở Tài chính.", item1)
        self.assertRegex(item1, rf"{self.member.full_name}, Sở Tài chính: phát biểu lúc .*thời lượng 3 phút 20 giây")
        self.assertRegex(item1, rf"{self.guest.full_name}, .*: đặt câu hỏi lúc .*thời lượng 45 giây")
        item2 = self.section(text, "### 2. ", "## III.")
        self.assertIn("thời lượng 1 giờ 02 phút", item2)
        # the open poll names the voters, the secret poll gives counts only
        open_block = self.section(item1, "Thông qua phương án phân bổ vốn", "**Biểu quyết** (bỏ phiếu kín)")
        # names in the order of the participant list (the voting order is not kept)
        self.assertIn(f"- Đồng ý: 2 phiếu ({self.chair.full_name}, {self.member.full_name}).", open_block)
        self.assertIn(f"- Không đồng ý: 1 phiếu ({self.owner.full_name}).", open_block)
        self.assertIn("- **Kết quả:** Thông qua.", open_block)
        secret_block = self.section(item1, "**Biểu quyết** (bỏ phiếu kín)", "**Kết luận:**")
        self.assertIn("- Đồng ý: 2 phiếu.", secret_block)
        self.assertIn("- Không đồng ý: 1 phiếu.", secret_block)
        self.assertIn("- Số phiếu biểu quyết: 3/", secret_block)
        for person in (self.member, self.chair, self.owner):
            self.assertNotIn(person.full_name, secret_block)
        self.assertNotIn("Thay", secret_block)

        got = self.api("get", url(rec.meeting), user=self.chair)
        self.assertEqual(got.status_code, 200)
        self.assertEqual((got.json()["text"], got.json()["version"]), (text, 1))
        self.assert_error(self.generate(rec.meeting), 409, "minutes_exist")

    def test_regenerate_needs_the_current_version(self) -> None:
        rec = run_meeting(self)
        self.generate(rec.meeting)
        self.api("put", url(rec.meeting), {"text": "Sửa tay", "version": 1}, user=self.secretary)
        self.assert_error(self.api("post", url(rec.meeting), {"regenerate": True, "version": 1}, user=self.secretary),
                          409, "stale")
        again = self.api("post", url(rec.meeting), {"regenerate": True, "version": 2}, user=self.secretary)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["version"], 3)
        self.assertIn(ITEM1_CONCLUSION, again.json()["text"])

    def test_a_meeting_that_has_not_ended_has_no_minutes(self) -> None:
        rec = run_meeting(self, end=False)
        self.assert_error(self.generate(rec.meeting), 409, "not_ended")
        self.assert_error(self.api("get", url(rec.meeting), user=self.secretary), 409, "not_ended")
        self.assert_error(self.api("post", url(rec.meeting, "/freeze"), user=self.secretary), 409, "not_ended")
        page = self.client_for(self.secretary).get(f"/meetings/{rec.meeting.pk}/minutes/")
        self.assertEqual(page.status_code, 409)
        self.assertFalse(Minutes.objects.exists())

    def test_minutes_not_written_yet(self) -> None:
        rec = run_meeting(self)
        self.assert_error(self.api("get", url(rec.meeting), user=self.secretary), 404, "no_minutes")
        self.assert_error(self.api("put", url(rec.meeting), {"text": "x", "version": 1}, user=self.secretary),
                          404, "no_minutes")


class AccessTests(MinutesTestCase):
    def test_member_outsider_anonymous(self) -> None:
        rec = run_meeting(self)
        meeting = rec.meeting
        calls = [("get", url(meeting), None), ("post", url(meeting), None),
                 ("put", url(meeting), {"text": "x", "version": 1}), ("post", url(meeting, "/freeze"), None)]
        for method, path, body in calls:
            with self.subTest(method=method, path=path):
                self.assert_error(self.api(method, path, body, user=self.member), 403)
                self.assert_error(self.api(method, path, body, user=self.guest), 403)
                response = self.api(method, path, body, user=self.outsider)
                self.assert_error(response, 404)
                self.assertNotIn(meeting.title, response.content.decode())
                self.assert_error(self.api(method, path, body), 401)
        self.assertFalse(Minutes.objects.exists())
        self.assertEqual(self.generate(meeting, user=self.chair).status_code, 201)  # the chair runs it too

    def test_pages(self) -> None:
        rec = run_meeting(self)
        page = f"/meetings/{rec.meeting.pk}/minutes/"
        self.assertEqual(self.client_for(self.member).get(page).status_code, 403)
        outsider = self.client_for(self.outsider).get(page)
        self.assertEqual(outsider.status_code, 404)
        self.assertNotIn(rec.meeting.title, outsider.content.decode())
        anonymous = self.client.get(page)
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/login/", anonymous["Location"])
        self.assertEqual(self.client.post(page + "generate/").status_code, 302)
        self.assertEqual(self.client_for(self.member).post(page + "generate/").status_code, 403)
        self.assertFalse(Minutes.objects.exists())

        client = self.client_for(self.secretary)
        empty = client.get(page)
        self.assertContains(empty, 'data-testid="minutes-generate"')
        self.assertRedirects(client.post(page + "generate/"), page)
        draft = client.get(page)
        self.assertContains(draft, ITEM1_CONCLUSION)
        saved = client.post(page + "save/", {"text": "## I. Nội dung\nĐã sửa", "version": "1", "number": "12"})
        self.assertRedirects(saved, page)
        stale = client.post(page + "save/", {"text": "Bản sửa cũ của tôi", "version": "1"})
        self.assertEqual(stale.status_code, 409)
        self.assertContains(stale, "Bản sửa cũ của tôi", status_code=409)  # what was typed is not lost
        preview = client.get(page + "preview.pdf")
        self.assertEqual(preview["Content-Type"], "application/pdf")
        self.assertIn("Đã sửa", pdf_text(preview.content))
        self.assertIn("Số: 12/BB-UBND", pdf_text(preview.content))
        self.assertEqual(self.client_for(self.member).get(page + "preview.pdf").status_code, 403)
        self.assertRedirects(client.post(page + "freeze/", {"version": "2"}), page)
        frozen = client.get(page)
        self.assertContains(frozen, 'data-testid="minutes-frozen"')
        self.assertNotContains(frozen, 'data-testid="minutes-save"')

    def test_link_on_the_meeting_page_for_runners_of_an_ended_meeting(self) -> None:
        rec = run_meeting(self)
        detail = f"/meetings/{rec.meeting.pk}/"
        self.assertContains(self.client_for(self.secretary).get(detail), 'data-testid="minutes-link"')
        self.assertNotContains(self.client_for(self.member).get(detail), 'data-testid="minutes-link"')
        Meeting.objects.filter(pk=rec.meeting.pk).update(status=Meeting.Status.IN_PROGRESS)
        self.assertNotContains(self.client_for(self.secretary).get(detail), 'data-testid="minutes-link"')


class EditTests(MinutesTestCase):
    def test_edit_and_stale_edit(self) -> None:
        rec = run_meeting(self)
        self.generate(rec.meeting)
        first = self.api("put", url(rec.meeting), {"text": "Bản của thư ký", "version": 1}, user=self.secretary)
        self.assertEqual(first.status_code, 200, first.content)
        # stored as the editor's HTML: plain text becomes a paragraph
        self.assertEqual((first.json()["version"], first.json()["text"]), (2, "<p>Bản của thư ký</p>"))
        stale = self.assert_error(
            self.api("put", url(rec.meeting), {"text": "Bản của chủ trì", "version": 1}, user=self.chair), 409, "stale")
        self.assertEqual(stale["version"], 2)
        self.assertEqual(Minutes.objects.get().text, "<p>Bản của thư ký</p>")
        by_header = self.api("put", url(rec.meeting), {"text": "Qua If-Match"}, user=self.chair, HTTP_IF_MATCH='"2"')
        self.assertEqual(by_header.json()["version"], 3)

    def test_bad_edits(self) -> None:
        rec = run_meeting(self)
        self.generate(rec.meeting)
        self.assert_error(self.api("put", url(rec.meeting), {"text": "x"}, user=self.secretary), 400, "version_required")
        self.assert_error(self.api("put", url(rec.meeting), {"text": "  \n ", "version": 1}, user=self.secretary),
                          400, "empty")
        self.assert_error(self.api("put", url(rec.meeting), {"text": "x" * 200_001, "version": 1},
                                   user=self.secretary), 400, "too_long")
        self.assert_error(self.api("put", url(rec.meeting), {"text": "x", "version": 1, "number": "9" * 40},
                                   user=self.secretary), 400, "bad_number")
        self.assert_error(self.api("put", url(rec.meeting), {"version": 1}, user=self.secretary), 400)
        self.assert_error(self.api("put", url(rec.meeting), "{not json", user=self.secretary), 400)
        self.assertEqual(Minutes.objects.get().version, 1)


class FreezeTests(MinutesTestCase):
    def test_freeze_then_secretary_and_chair_sign(self) -> None:
        rec = run_meeting(self)
        meeting = rec.meeting
        text = self.generate(meeting).json()["text"] + "\nÝ kiến bổ sung của thư ký: đã rà soát số liệu.\n"
        self.api("put", url(meeting), {"text": text, "version": 1}, user=self.secretary)
        self.assert_error(self.api("post", url(meeting, "/freeze"), {"version": 1}, user=self.secretary), 409, "stale")
        frozen = self.api("post", url(meeting, "/freeze"), {"version": 2}, user=self.secretary)
        self.assertEqual(frozen.status_code, 200, frozen.content[:500])
        data = frozen.json()
        self.assertEqual(data["status"], "frozen")
        document = Document.objects.get(pk=data["document"])
        self.assertEqual((document.meeting_id, document.status), (meeting.pk, Document.Status.RELEASED))
        self.assertTrue(document.title.startswith("Biên bản "))
        self.assertEqual(list(document.versions.values_list("number", flat=True)), [1])
        pdf = pdf_text(self.latest_bytes(document))
        for expected in ("BIÊN BẢN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "/BB-UBND",
                         "THƯ KÝ", "CHỦ TRÌ", self.chair.full_name, self.secretary.full_name, ITEM1_CONCLUSION,
                         "ỦY BAN NHÂN DÂN", "TỈNH THỬ", "Thử, ngày", "đã rà soát số liệu"):
            self.assertIn(expected, pdf)
        self.assertNotIn("**", pdf)
        # the request: sequential, secretary first, then the chair
        signing_request = SigningRequest.objects.get(pk=data["signing_request"]["id"])
        self.assertTrue(signing_request.sequential)
        self.assertEqual(list(signing_request.signers.order_by("order").values_list("user__username", flat=True)),
                         [self.secretary.username, self.chair.username])
        # frozen: no more edits
        self.assert_error(self.api("put", url(meeting), {"text": "muộn", "version": 2}, user=self.secretary),
                          409, "frozen")
        self.assert_error(self.api("post", url(meeting, "/freeze"), user=self.secretary), 409, "frozen")
        self.assert_error(self.api("post", url(meeting), {"regenerate": True, "version": 2}, user=self.secretary),
                          409, "frozen")
        # the chair cannot sign before the secretary
        self.assert_error(self.sign(document, self.chair), 409, "not_your_turn")
        self.assertEqual(document.versions.count(), 1)
        self.assert_error(self.sign(document, self.member), 403)
        self.assertEqual(self.sign(document, self.secretary).status_code, 201)
        self.assertEqual(self.sign(document, self.chair).status_code, 201)
        signing_request.refresh_from_db()
        self.assertEqual(signing_request.status, SigningRequest.Status.COMPLETED)
        report = verify_pdf_bytes(self.latest_bytes(document), trust_roots=[*installation_trust_roots()])
        self.assertEqual(report["status"], "valid", report)
        self.assertEqual([s["status"] for s in report["signatures"]], ["valid", "valid"])
        self.assertEqual([s["signer"] for s in report["signatures"]], [self.secretary.full_name, self.chair.full_name])

    def test_freeze_needs_a_chair_and_leaves_nothing_behind_when_refused(self) -> None:
        rec = run_meeting(self)
        self.generate(rec.meeting)
        Participant.objects.filter(meeting=rec.meeting, role=Participant.Role.CHAIR).update(
            role=Participant.Role.MEMBER)
        files_before = self.media_files()
        self.assert_error(self.api("post", url(rec.meeting, "/freeze"), user=self.secretary), 409, "no_chair")
        self.assertEqual(self.media_files(), files_before)
        self.assertFalse(Document.objects.filter(meeting=rec.meeting, title__startswith="Biên bản").exists())
        self.assertEqual(Minutes.objects.get().status, Minutes.Status.DRAFT)

    def test_markers_in_user_text_do_not_break_the_pdf(self) -> None:
        rec = run_meeting(self)
        self.generate(rec.meeting)
        weird = ("## Tiêu đề\n- mục __a__ -- b ~~c~~ \\ **đậm** và ** lẻ\n# Một dòng #\n\nChữ **đậm** ở đây\n"
                 + "Đoạn dài. " * 400)
        self.api("put", url(rec.meeting), {"text": weird, "version": 1}, user=self.secretary)
        frozen = self.api("post", url(rec.meeting, "/freeze"), user=self.secretary)
        self.assertEqual(frozen.status_code, 200, frozen.content[:500])
        pdf = pdf_text(self.latest_bytes(Document.objects.get(pk=frozen.json()["document"])))
        self.assertIn("__a__ -- b ~~c~~", pdf)
        self.assertIn("**đậm** và ** lẻ", pdf)  # an odd number of marks: all literal
        self.assertIn("Chữ đậm ở đây", pdf)
        self.assertTrue(re.search(r"CHỦ TRÌ", pdf))
