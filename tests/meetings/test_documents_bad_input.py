"""Bad uploads: each gets a clear error (Vietnamese by default), quickly, and leaves no file and no row."""

from __future__ import annotations

import time

from django.test import override_settings

from ecabinet.models import AuditEvent
from meetings.models import Document, DocumentVersion, MeetingEvent
from tests.kit.cases import BaseTestCase
from tests.kit.files import (
    deflate_bomb,
    docx_bytes,
    encrypted_pdf,
    make_pdf,
    media_files,
    page_count_bomb,
    pdf_upload,
)
from tests.kit.meetings import make_documents_meeting


class BadUploadTests(BaseTestCase):
    def setUp(self) -> None:
        self.meeting = make_documents_meeting(self)
        self.client_owner = self.client_for(self.owner)

    def refuse(self, data: bytes, name: str, status: int, code: str, **extra) -> dict:
        started = time.monotonic()
        response = self.client_owner.post(f"/api/v1/meetings/{self.meeting.pk}/documents",
                                          {"file": pdf_upload(data, name=name)}, **extra)
        elapsed = time.monotonic() - started
        print(f"refusal {code} ({name}, {len(data)} bytes): {elapsed:.2f}s")
        error = self.assert_error(response, status, code)
        self.assertFalse(Document.objects.exists())
        self.assertFalse(DocumentVersion.objects.exists())
        self.assertFalse(MeetingEvent.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="document.upload").exists())
        self.assertEqual(media_files(), [])
        return error

    def test_plain_text_is_415(self):
        self.refuse(b"Day khong phai PDF", "ghi-chu.pdf", 415, "unsupported_type")

    def test_office_files_that_cannot_be_converted_are_refused(self):
        # Office documents are converted (tests/ecabinet/test_office_convert.py); a zip with no
        # Word document in it is refused before LibreOffice sees it.
        self.refuse(docx_bytes(), "to-trinh.docx", 400, "office_damaged")
        # The same .docx renamed .pdf is still refused by its content.
        self.refuse(docx_bytes(), "to-trinh.pdf", 415, "unsupported_type")
        # A real PDF with an office extension: the content does not match the name.
        self.refuse(make_pdf(1), "to-trinh.doc", 415, "unsupported_type")
        # Formats outside Circular 39's list are not converted.
        self.refuse(docx_bytes(), "bang-tinh.xls", 415, "unsupported_type")

    def test_truncated_pdf_is_400(self):
        data = make_pdf(3)
        self.refuse(data[: len(data) // 2], "cut.pdf", 400, "pdf_damaged")
        self.refuse(data[:200] + b"\n%%EOF\n", "cut2.pdf", 400, "pdf_damaged")

    def test_empty_file_is_400(self):
        self.refuse(b"", "empty.pdf", 400, "pdf_empty")

    def test_encrypted_pdf_is_400(self):
        self.refuse(encrypted_pdf(), "mat.pdf", 400, "pdf_encrypted")

    def test_too_large_is_413_with_the_limit(self):
        with override_settings(MAX_UPLOAD_MB=1):
            big = make_pdf(1) + b"%" + b"x" * (1024 * 1024) + b"\n%%EOF\n"
            error = self.refuse(big, "big.pdf", 413, "too_large")
            self.assertIn("1 MB", error["message"])

    def test_content_length_is_checked_before_parsing(self):
        with override_settings(MAX_UPLOAD_MB=1):
            error = self.refuse(make_pdf(1), "ok.pdf", 413, "too_large", CONTENT_LENGTH=str(50 * 1024 * 1024))
            self.assertIn("1 MB", error["message"])

    def test_page_count_bomb_is_413(self):
        with override_settings(PDF_MAX_PAGES=5000):
            error = self.refuse(page_count_bomb(200_000), "pages.pdf", 413, "pdf_too_many_pages")
            self.assertIn("5000", error["message"])

    def test_lying_page_count_is_still_bounded(self):
        # /Count says 1 but the tree holds 20,000 pages: the real count is checked too.
        data = page_count_bomb(20_000).replace(b"/Count 20000", b"/Count 1    ")
        with override_settings(PDF_MAX_PAGES=5000):
            self.refuse(data, "liar.pdf", 413, "pdf_too_many_pages")

    def test_deflate_bomb_is_413(self):
        self.refuse(deflate_bomb(200), "bomb.pdf", 413, "pdf_bomb")

    def test_slow_file_hits_the_time_limit(self):
        with override_settings(PDF_CHECK_SECONDS=1, PDF_MAX_STREAM_MB=4096, PDF_MAX_INFLATED_MB=1_000_000,
                               PDF_CHECK_MEMORY_MB=4096):
            # With the stream limits lifted, inflating ~3 GB of zeros takes longer than 1 second.
            self.refuse(deflate_bomb(3000), "slow.pdf", 413, "pdf_timeout")

    def test_errors_are_in_vietnamese_by_default_and_english_on_request(self):
        vi = self.client_owner.post(f"/api/v1/meetings/{self.meeting.pk}/documents",
                                    {"file": pdf_upload(b"xx", name="a.pdf")}).json()["error"]["message"]
        en = self.client_owner.post(f"/api/v1/meetings/{self.meeting.pk}/documents",
                                    {"file": pdf_upload(b"xx", name="a.pdf")},
                                    HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
        self.assertTrue(vi and en)
        self.assertIn("PDF", en)

    def test_page_refusal_shows_the_message_and_leaves_nothing(self):
        response = self.client_owner.post(f"/meetings/{self.meeting.pk}/documents/",
                                          {"file": pdf_upload(b"not a pdf", name="x.pdf")},
                                          HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        self.assert_error(response, 415, "unsupported_type")
        response = self.client_owner.post(f"/meetings/{self.meeting.pk}/documents/",
                                          {"file": pdf_upload(encrypted_pdf(), name="x.pdf")}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "class=\"error\"")
        self.assertFalse(Document.objects.exists())
        self.assertEqual(media_files(), [])


class RollbackCleanupTests(BaseTestCase):
    def test_a_failure_after_the_file_is_written_removes_the_file(self):
        from unittest import mock

        meeting = make_documents_meeting(self)
        # Fault injection: the audit write fails after the version file was stored.
        with mock.patch("meetings.actions.documents.record_audit", side_effect=RuntimeError("disk full")):
            with self.assertRaises(RuntimeError):
                self.client_for(self.owner).post(f"/api/v1/meetings/{meeting.pk}/documents",
                                                 {"file": pdf_upload(make_pdf(1))})
        self.assertFalse(Document.objects.exists())
        self.assertEqual(media_files(), [])
