"""Documents pages: the meeting's documents page, one document with its in-browser view,
download, approve/return/readers/withdraw/replace forms; every role, outsider, anonymous."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from pypdf import PdfReader

from meetings.access import documents_visible_to, meeting_access
from meetings.models import Document, DocumentFolder
from tests.kit.cases import BaseTestCase
from tests.kit.files import make_pdf, pdf_upload
from tests.kit.meetings import make_documents_meeting


class DocumentPagesTests(BaseTestCase):
    def setUp(self) -> None:
        self.meeting = make_documents_meeting(self)
        self.url = f"/meetings/{self.meeting.pk}/documents/"

    def page_upload(self, user, **fields):
        return self.client_for(user).post(self.url, {"file": pdf_upload(), **fields}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    def test_documents_page_for_each_role(self):
        self.assertEqual(self.page_upload(self.owner, title="Báo cáo chung").status_code, 201)
        pending = self.page_upload(self.member, title="Tờ trình của Sở", agenda_item=self.item_mine.pk)
        self.assertEqual(pending.status_code, 201)
        self.assertEqual(pending.json()["status"], "pending")
        owner_page = self.client_for(self.owner).get(self.url)
        self.assertContains(owner_page, "Tờ trình của Sở")
        self.assertContains(owner_page, 'data-testid="approve"')
        self.assertContains(owner_page, 'data-upload-form')
        member_page = self.client_for(self.member).get(self.url)
        self.assertContains(member_page, "Tờ trình của Sở")  # their own, pending
        self.assertNotContains(member_page, 'data-testid="approve"')
        colleague_page = self.client_for(self.colleague).get(self.url)
        self.assertContains(colleague_page, "Báo cáo chung")
        self.assertNotContains(colleague_page, "Tờ trình của Sở")
        # The colleague's unit presents item 2 only: that is the one item offered for upload.
        self.assertContains(colleague_page, f'<option value="{self.item_other.pk}">')
        self.assertNotContains(colleague_page, f'<option value="{self.item_mine.pk}">')
        self.assertNotContains(colleague_page, "General document")
        outsider = self.client_for(self.outsider).get(self.url)
        self.assertEqual(outsider.status_code, 404)
        self.assertNotContains(outsider, "tuyệt mật", status_code=404)
        self.assertIn("/login/", self.client.get(self.url)["Location"])

    def test_member_without_right_cannot_upload_on_page(self):
        response = self.page_upload(self.colleague, agenda_item=self.item_mine.pk)
        self.assert_error(response, 403, "forbidden")
        self.assertEqual(self.page_upload(self.outsider).status_code, 404)
        self.assertEqual(self.client.post(self.url, {"file": pdf_upload()}).status_code, 302)
        self.assertFalse(Document.objects.exists())

    def test_approve_return_readers_withdraw_forms(self):
        self.page_upload(self.member, agenda_item=self.item_mine.pk)
        doc = Document.objects.get()
        base = f"/documents/{doc.pk}"
        # refused (the member does not run the meeting): the refusal handler's 403 page
        self.assertEqual(self.client_for(self.member).post(f"{base}/approve/").status_code, 403)
        self.assertEqual(Document.objects.get().status, "pending")
        self.assertEqual(self.client_for(self.outsider).post(f"{base}/approve/").status_code, 404)
        self.assertEqual(self.client_for(self.colleague).post(f"{base}/approve/").status_code, 404)
        self.assertIn("/login/", self.client.post(f"{base}/approve/")["Location"])
        self.client_for(self.owner).post(f"{base}/return/", {"reason": "Thiếu phụ lục"})
        self.assertEqual(Document.objects.get().return_reason, "Thiếu phụ lục")
        replaced = self.client_for(self.member).post(f"{base}/replace/", {"file": pdf_upload(make_pdf(5))},
                                                     HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        self.assertEqual(replaced.status_code, 201, replaced.content)
        self.client_for(self.owner).post(f"{base}/approve/")
        self.assertEqual(Document.objects.get().status, "released")
        self.client_for(self.owner).post(f"{base}/readers/", {"confidential": "1", "readers": ["member"]})
        self.assertEqual(list(Document.objects.get().readers.values_list("username", flat=True)), ["member"])
        self.assertEqual(self.client_for(self.colleague).get(f"{base}/").status_code, 404)
        self.client_for(self.owner).post(f"{base}/withdraw/")
        self.assertEqual(Document.objects.get().status, "withdrawn")
        self.assertEqual(self.client_for(self.member).get(f"{base}/").status_code, 404)
        self.assertEqual(self.client_for(self.owner).post(f"{base}/unknown/").status_code, 404)

    def test_document_page_view_and_download_are_watermarked(self):
        self.page_upload(self.owner, title="Kế hoạch")
        doc = Document.objects.get()
        page = self.client_for(self.member).get(f"/documents/{doc.pk}/")
        self.assertContains(page, f'src="/documents/{doc.pk}/view/"')
        view = self.client_for(self.member).get(f"/documents/{doc.pk}/view/")
        self.assertEqual(view.status_code, 200)
        self.assertEqual(view["X-Frame-Options"], "SAMEORIGIN")
        self.assertIn("inline", view["Content-Disposition"])
        body = b"".join(view.streaming_content)
        self.assertEqual(len(PdfReader(io.BytesIO(body)).pages), 2)
        download = self.client_for(self.member).get(f"/documents/{doc.pk}/download/?version=1")
        self.assertIn("attachment", download["Content-Disposition"])
        self.assertEqual(self.client_for(self.member).get(f"/documents/{doc.pk}/download/?version=x").status_code, 404)
        for path in (f"/documents/{doc.pk}/", f"/documents/{doc.pk}/view/", f"/documents/{doc.pk}/download/"):
            self.assertEqual(self.client_for(self.outsider).get(path).status_code, 404)
            self.assertIn("/login/", self.client.get(path)["Location"])

    def test_folder_form(self):
        self.client_for(self.owner).post(f"/meetings/{self.meeting.pk}/documents/folders/", {"name": "Tài liệu mật"})
        self.assertTrue(DocumentFolder.objects.filter(name="Tài liệu mật").exists())
        self.client_for(self.member).post(f"/meetings/{self.meeting.pk}/documents/folders/", {"name": "X"})
        self.assertFalse(DocumentFolder.objects.filter(name="X").exists())
        self.assertEqual(self.client_for(self.outsider).post(
            f"/meetings/{self.meeting.pk}/documents/folders/", {"name": "Y"}).status_code, 404)

    def test_meeting_partial_renders_visible_documents(self):
        self.page_upload(self.owner, title="Tài liệu công khai")
        self.page_upload(self.member, title="Đang chờ duyệt", agenda_item=self.item_mine.pk)
        access = meeting_access(self.colleague, self.meeting.pk)
        html = render_to_string("meetings/documents/_meeting_documents.html", {
            "meeting": self.meeting, "documents": documents_visible_to(access), "access": access})
        self.assertIn("Tài liệu công khai", html)
        self.assertNotIn("Đang chờ duyệt", html)

    def test_nav_has_written_opinions_link(self):
        self.assertContains(self.client_for(self.member).get("/notes/"), 'href="/opinions/"')
