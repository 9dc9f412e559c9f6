"""Feedback to the operator (issue 12, part 6; tender fn134): every signed-in person sends a message
with the page it came from and a screenshot or a PDF; the operator is mailed, system administrators
notified; administrators list, read and mark handled; the sender sees their own and its state."""

from __future__ import annotations

import io

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ecabinet.models import AuditEvent, Feedback, Notification
from tests.kit.cases import BaseTestCase
from tests.kit.files import make_pdf, png_bytes
from tests.kit.users import make_user


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def message(**over) -> dict:
    data = {"subject": "Không mở được tài liệu", "text": "Bấm vào tài liệu thì trang trắng.\nMáy: điện thoại.",
            "page": "/documents/12/"}
    data.update(over)
    return data


@override_settings(OPERATOR_EMAIL="vanhanh@example.gov.vn")
class FeedbackTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit_admin = make_user("unitadmin", unit=cls.department, full_name="Đỗ Quản Lý", is_unit_admin=True)
        cls.admin2 = make_user("admin2", unit=cls.committee, full_name="Quản Trị Hai", is_superuser=True)

    def send(self, user, upload=None, **over):
        data = message(**over)
        if upload is not None:
            data["file"] = upload
        with self.captureOnCommitCallbacks(execute=True):
            return self.client_for(user).post("/feedback/", data)

    def test_a_member_sends_a_screenshot(self):
        response = self.send(self.member, SimpleUploadedFile("man-hinh.png", png_bytes(mode="RGB")))
        row = Feedback.objects.get()
        self.assertRedirects(response, f"/feedback/{row.pk}/", fetch_redirect_response=False)
        self.assertEqual((row.sender, row.subject, row.page, row.status), (self.member, "Không mở được tài liệu",
                                                                         "/documents/12/", "new"))
        self.assertEqual((row.file_kind, row.file_type), ("image", "image/png"))
        self.assertTrue(bytes(row.file_data).startswith(b"\x89PNG"))
        # the operator by e-mail, with the screenshot; the system administrators in the app
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["vanhanh@example.gov.vn"])
        self.assertIn("Không mở được tài liệu", mail.outbox[0].subject)
        self.assertIn("/documents/12/", mail.outbox[0].body)
        self.assertEqual(mail.outbox[0].attachments[0][2], "image/png")
        self.assertEqual(set(Notification.objects.filter(kind="feedback.new").values_list("user__username", flat=True)),
                         {"admin", "admin2"})
        audit = AuditEvent.objects.get(action="feedback.send")
        self.assertEqual((audit.actor, audit.details["file"]), (self.member, "image"))
        # the sender sees it and its state
        page = self.client_for(self.member).get("/feedback/")
        self.assertContains(page, "Không mở được tài liệu")
        self.assertContains(page, "mới")
        image = self.client_for(self.member).get(f"/feedback/{row.pk}/file/")
        self.assertEqual((image.status_code, image["Content-Type"]), (200, "image/png"))

    def test_a_jpeg_and_a_pdf(self):
        self.send(self.guest, SimpleUploadedFile("anh.jpg", jpeg_bytes()))
        self.send(self.owner, SimpleUploadedFile("bien-ban.pdf", make_pdf(1, "Lỗi")), subject="Biên bản lỗi phông")
        jpg, pdf = Feedback.objects.order_by("pk")
        self.assertEqual((jpg.file_kind, jpg.file_type), ("image", "image/jpeg"))
        self.assertEqual((pdf.file_kind, pdf.file_name), ("pdf", "bien-ban.pdf"))
        served = self.client_for(self.owner).get(f"/feedback/{pdf.pk}/file/")
        self.assertEqual(served["Content-Type"], "application/pdf")
        self.assertEqual(served["X-Ecabinet-Delivery"], "original")
        self.assertTrue(AuditEvent.objects.filter(action="feedback.download", actor=self.owner).exists())
        self.assertEqual(self.client_for(self.admin).get(f"/feedback/{pdf.pk}/file/").status_code, 200)
        for user in (self.member, self.outsider, self.unit_admin, self.guest):
            self.assertEqual(self.client_for(user).get(f"/feedback/{pdf.pk}/file/").status_code, 404)
            self.assertEqual(self.client_for(user).get(f"/feedback/{pdf.pk}/").status_code, 404)
        self.assertEqual(Client().get(f"/feedback/{pdf.pk}/file/").status_code, 302)

    def test_bad_files_and_input_write_nothing(self):
        cases = (
            (SimpleUploadedFile("virus.exe", b"MZ\x90\x00 binary"), {}, 415, "ảnh chụp màn hình (PNG hoặc JPEG) hoặc tệp PDF"),
            (SimpleUploadedFile("hong.png", b"\x89PNG\r\n\x1a\n" + b"\x01" * 40), {}, 400, "Hình ảnh bị hỏng"),
            (SimpleUploadedFile("hong.pdf", b"%PDF-1.4 not really"), {}, 400, "bị hỏng"),
            (SimpleUploadedFile("to.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1)), {}, 413, "tối đa 10 MB"),
            (SimpleUploadedFile("to.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024 + 1)), {}, 413, "Ảnh quá lớn"),
            (None, {"subject": ""}, 400, "Trường này là bắt buộc."),
            (None, {"text": ""}, 400, "Trường này là bắt buộc."),
            (None, {"subject": "x" * 201}, 400, "200"),
        )
        for upload, over, status, text in cases:
            response = self.send(self.member, upload, **over)
            self.assertEqual(response.status_code, status, (upload, over))
            self.assertContains(response, text, status_code=status)
        self.assertFalse(Feedback.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="feedback.send").exists())
        self.assertFalse(Notification.objects.filter(kind="feedback.new").exists())
        self.assertEqual(mail.outbox, [])
        anonymous = Client().post("/feedback/", message())
        self.assertEqual(anonymous.status_code, 302)
        self.assertFalse(Feedback.objects.exists())

    def test_only_a_page_of_this_site_is_kept(self):
        self.send(self.member, page="https://evil.example.com/")
        self.assertEqual(Feedback.objects.get().page, "")
        form = self.client_for(self.member).get("/feedback/?from=//evil.example.com/")
        self.assertContains(form, '<input type="hidden" name="page" value="">')
        form = self.client_for(self.member).get("/feedback/?from=/meetings/3/")
        self.assertContains(form, 'value="/meetings/3/"')

    def test_administrators_handle_it_and_the_sender_is_told(self):
        self.send(self.member)
        row = Feedback.objects.get()
        listing = self.client_for(self.admin).get("/feedback/all/")
        self.assertContains(listing, "Không mở được tài liệu")
        for user in (self.member, self.owner, self.unit_admin, self.guest):
            self.assertEqual(self.client_for(user).get("/feedback/all/").status_code, 403)
            response = self.client_for(user).post(f"/feedback/{row.pk}/handle/", {"reply": "x"})
            self.assertEqual(response.status_code, 403)
        row.refresh_from_db()
        self.assertEqual(row.status, "new")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client_for(self.admin).post(f"/feedback/{row.pk}/handle/",
                                                        {"reply": "Đã sửa, đồng chí tải lại trang."})
        self.assertEqual(response.status_code, 302)
        row.refresh_from_db()
        self.assertEqual((row.status, row.handled_by, row.reply), ("handled", self.admin, "Đã sửa, đồng chí tải lại trang."))
        self.assertTrue(Notification.objects.filter(user=self.member, kind="feedback.handled").exists())
        self.assertTrue(AuditEvent.objects.filter(action="feedback.handle", actor=self.admin).exists())
        again = self.client_for(self.admin).post(f"/feedback/{row.pk}/handle/", {"reply": ""})
        self.assertEqual(again.status_code, 302)  # refused (409) and shown as a message on the page it came from
        self.assertEqual(AuditEvent.objects.filter(action="feedback.handle").count(), 1)
        detail = self.client_for(self.member).get(f"/feedback/{row.pk}/")
        self.assertContains(detail, "Đã sửa, đồng chí tải lại trang.")
        self.assertContains(detail, "đã xử lý")
        self.assertContains(self.client_for(self.admin).get("/feedback/all/?status=handled"), f'data-feedback="{row.pk}"')
        self.assertNotContains(self.client_for(self.admin).get("/feedback/all/"), f'data-feedback="{row.pk}"')

    def test_the_list_runs_a_fixed_number_of_queries(self):
        for n in range(3):
            self.send(self.member, subject=f"Góp ý {n}")
        client = self.client_for(self.admin)
        client.get("/feedback/all/")
        with self.assertNumQueries(3):  # the menu's to-do and unread counts kept from the first view, the session cached
            client.get("/feedback/all/")
        for n in range(3):
            self.send(self.owner, subject=f"Thêm {n}")
        with self.assertNumQueries(5):
            response = client.get("/feedback/all/")
        self.assertContains(response, "Thêm 2")

    @override_settings(OPERATOR_EMAIL="")
    def test_without_an_operator_address_only_the_administrators_are_told(self):
        self.send(self.member)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(Notification.objects.filter(kind="feedback.new").count(), 2)
