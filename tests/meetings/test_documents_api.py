"""Documents over the API: upload, approval before release, confidential readers, versions,
watermarked file, withdraw/delete, folders and types; with every role, outsider and anonymous."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess

from django.test import Client
from pypdf import PdfReader

from ecabinet.models import AuditEvent
from meetings.models import Document, DocumentVersion, MeetingEvent
from tests.kit.cases import BaseTestCase
from tests.kit.files import make_pdf, media_files, pdf_upload
from tests.kit.meetings import make_documents_meeting


class DocumentsApiBase(BaseTestCase):
    def setUp(self) -> None:
        self.meeting = make_documents_meeting(self)

    def post_file(self, user, data=None, *, path=None, name="to-trinh.pdf", **fields):
        client = self.client_for(user) if user is not None else Client()
        body = {"file": pdf_upload(data, name=name), **fields}
        return client.post(path or f"/api/v1/meetings/{self.meeting.pk}/documents", body)

    def upload_as(self, user, **fields) -> dict:
        response = self.post_file(user, **fields)
        self.assertEqual(response.status_code, 201, response.content[:400])
        return response.json()


class UploadTests(DocumentsApiBase):
    def test_secretary_upload_is_released_with_hash_size_pages(self):
        data = make_pdf(3)
        doc = self.upload_as(self.owner, data=data, title="Tờ trình số 12")
        self.assertEqual(doc["status"], "released")
        self.assertEqual(doc["title"], "Tờ trình số 12")
        self.assertEqual(doc["pages"], 3)
        self.assertEqual(doc["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(doc["size"], len(data))
        version = DocumentVersion.objects.get(document_id=doc["id"])
        self.assertTrue(version.file.name.startswith(f"documents/{doc['sha256'][:2]}/{doc['sha256']}"))
        with version.file.open("rb") as fh:
            self.assertEqual(fh.read(), data)
        self.assertTrue(AuditEvent.objects.filter(action="document.upload").exists())
        event = MeetingEvent.objects.get(meeting=self.meeting, type="document.upserted")
        self.assertIsNone(event.audience)

    def test_member_uploads_only_to_items_of_their_unit_and_it_is_pending(self):
        doc = self.upload_as(self.member, agenda_item=self.item_mine.pk)
        self.assertEqual(doc["status"], "pending")
        event = MeetingEvent.objects.get(meeting=self.meeting, type="document.upserted")
        self.assertEqual(event.audience, {"roles": ["chair", "secretary"], "users": [self.member.pk]})
        self.assert_error(self.post_file(self.member, agenda_item=self.item_other.pk), 403, "forbidden")
        self.assert_error(self.post_file(self.member), 403, "forbidden")
        # The secretary is told a document waits for approval.
        self.assertTrue(self.owner.notifications.filter(kind="document.pending").exists())

    def test_chair_upload_is_released(self):
        self.assertEqual(self.upload_as(self.chair)["status"], "released")

    def test_outsider_gets_404_and_anonymous_401_and_nothing_is_written(self):
        error = self.assert_error(self.post_file(self.outsider), 404, "not_found")
        self.assertNotIn("tuyệt mật", error["message"])
        self.assert_error(self.post_file(None), 401)
        self.assertFalse(Document.objects.exists())
        self.assertEqual(media_files(), [])

    def test_agenda_item_of_another_meeting_is_400(self):
        self.assert_error(self.post_file(self.owner, agenda_item=999999), 400, "bad_agenda_item")
        self.assert_error(self.post_file(self.owner, agenda_item="abc"), 400, "bad_request")
        self.assertFalse(Document.objects.exists())

    def test_missing_file_is_400(self):
        response = self.client_for(self.owner).post(f"/api/v1/meetings/{self.meeting.pk}/documents", {})
        self.assert_error(response, 400, "no_file")

    def test_cancelled_meeting_refuses_uploads(self):
        self.meeting.status = "cancelled"
        self.meeting.save()
        self.assert_error(self.post_file(self.owner), 409, "meeting_closed")


class ApprovalAndVisibilityTests(DocumentsApiBase):
    def test_members_see_released_only_and_uploader_sees_own_pending(self):
        pending = self.upload_as(self.member, agenda_item=self.item_mine.pk)
        released = self.upload_as(self.owner)
        def ids(user):
            response = self.api("get", f"/api/v1/meetings/{self.meeting.pk}/documents", user=user)
            self.assertEqual(response.status_code, 200)
            return {d["id"] for d in response.json()["documents"]}
        self.assertEqual(ids(self.owner), {pending["id"], released["id"]})
        self.assertEqual(ids(self.chair), {pending["id"], released["id"]})
        self.assertEqual(ids(self.member), {pending["id"], released["id"]})
        self.assertEqual(ids(self.colleague), {released["id"]})
        self.assert_error(self.api("get", f"/api/v1/documents/{pending['id']}/file", user=self.colleague), 404)
        self.assert_error(self.api("get", f"/api/v1/meetings/{self.meeting.pk}/documents", user=self.outsider), 404)
        self.assert_error(self.api("get", f"/api/v1/meetings/{self.meeting.pk}/documents"), 401)

    def test_secretary_approves_and_sends_back_with_reason(self):
        doc = self.upload_as(self.member, agenda_item=self.item_mine.pk)
        url = f"/api/v1/documents/{doc['id']}"
        self.assert_error(self.api("post", f"{url}/approve", user=self.member), 403, "forbidden")
        self.assert_error(self.api("post", f"{url}/approve", user=self.colleague), 404)
        self.assert_error(self.api("post", f"{url}/approve", user=self.outsider), 404)
        self.assert_error(self.api("post", f"{url}/approve"), 401)
        self.assert_error(self.api("post", f"{url}/return", {"reason": "  "}, user=self.owner), 400, "reason_required")
        returned = self.api("post", f"{url}/return", {"reason": "Thiếu chữ ký"}, user=self.owner).json()
        self.assertEqual((returned["status"], returned["return_reason"]), ("returned", "Thiếu chữ ký"))
        self.assertTrue(self.member.notifications.filter(kind="document.reviewed").exists())
        self.assert_error(self.api("post", f"{url}/approve", user=self.owner), 409, "not_pending")
        # The unit replaces the file: a new version, pending again; then the secretary approves.
        response = self.post_file(self.member, path=f"{url}/versions", data=make_pdf(4), note="Đã bổ sung")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["number"], 2)
        self.assertEqual(Document.objects.get(pk=doc["id"]).status, "pending")
        approved = self.api("post", f"{url}/approve", user=self.owner).json()
        self.assertEqual(approved["status"], "released")
        self.assertEqual(approved["pages"], 4)
        self.assertIn(doc["id"], {d["id"] for d in self.api(
            "get", f"/api/v1/meetings/{self.meeting.pk}/documents", user=self.colleague).json()["documents"]})
        removed = MeetingEvent.objects.filter(meeting=self.meeting, type="document.upserted").last()
        self.assertIsNone(removed.audience)

    def test_confidential_documents_only_for_listed_readers(self):
        doc = self.upload_as(self.owner, confidential="true")
        url = f"/api/v1/documents/{doc['id']}"
        self.assert_error(self.api("get", url, user=self.member), 404)
        self.assert_error(self.api("put", f"{url}/readers", {"readers": ["member"]}, user=self.member), 404)
        self.assert_error(self.api("put", f"{url}/readers", {"readers": ["outsider"]}, user=self.owner), 400,
                          "not_participants")
        self.assert_error(self.api("put", f"{url}/readers", {"readers": ["ghost"]}, user=self.owner), 400,
                          "unknown_users")
        response = self.api("put", f"{url}/readers", {"readers": ["member"]}, user=self.owner)
        self.assertEqual(response.json()["readers"], ["member"])
        self.assertEqual(self.api("get", url, user=self.member).status_code, 200)
        self.assert_error(self.api("get", url, user=self.colleague), 404)
        event = MeetingEvent.objects.filter(type="document.upserted").last()
        self.assertEqual(event.audience["users"], sorted([self.owner.pk, self.member.pk]))
        # Taking the reader off sends them a document.removed.
        self.api("put", f"{url}/readers", {"readers": []}, user=self.owner)
        removed = MeetingEvent.objects.filter(type="document.removed").last()
        self.assertEqual(removed.audience, {"roles": [], "users": [self.member.pk]})
        self.assert_error(self.api("get", url, user=self.member), 404)


class FileAndWatermarkTests(DocumentsApiBase):
    def test_download_is_watermarked_with_vietnamese_name_and_original_untouched(self):
        data = make_pdf(3)
        doc = self.upload_as(self.owner, data=data)
        response = self.client_for(self.member).get(f"/api/v1/documents/{doc['id']}/file")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        body = b"".join(response.streaming_content)
        self.assertNotEqual(hashlib.sha256(body).hexdigest(), doc["sha256"])
        self.assertEqual(len(PdfReader(io.BytesIO(body)).pages), 3)
        version = DocumentVersion.objects.get(document_id=doc["id"])
        with version.file.open("rb") as fh:
            self.assertEqual(hashlib.sha256(fh.read()).hexdigest(), doc["sha256"])
        download = AuditEvent.objects.filter(action="document.download").last()
        self.assertEqual(download.actor_id, self.member.pk)
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True).stdout.decode()
            self.assertIn("Trần Thị Thành Viên", text)
            self.assertIn("Sở Tài chính", text)

    def test_versions_by_number_and_unknown_version_404(self):
        doc = self.upload_as(self.owner, data=make_pdf(1))
        self.post_file(self.owner, path=f"/api/v1/documents/{doc['id']}/versions", data=make_pdf(2))
        versions = self.api("get", f"/api/v1/documents/{doc['id']}/versions", user=self.member).json()["versions"]
        self.assertEqual([v["number"] for v in versions], [1, 2])
        self.assertNotEqual(versions[0]["sha256"], versions[1]["sha256"])
        old = self.client_for(self.member).get(f"/api/v1/documents/{doc['id']}/file?version=1")
        self.assertEqual(len(PdfReader(io.BytesIO(b"".join(old.streaming_content))).pages), 1)
        self.assert_error(self.api("get", f"/api/v1/documents/{doc['id']}/file?version=9", user=self.member), 404)
        # Both files are still on disk: a replacement never overwrites.
        self.assertEqual(len(media_files()), 2)

    def test_same_file_twice_gets_distinct_paths(self):
        data = make_pdf(1)
        first = self.upload_as(self.owner, data=data)
        self.post_file(self.owner, path=f"/api/v1/documents/{first['id']}/versions", data=data)
        names = list(DocumentVersion.objects.values_list("file", flat=True))
        self.assertEqual(len(set(names)), 2)

    def test_file_access_for_outsider_and_anonymous(self):
        doc = self.upload_as(self.owner)
        self.assert_error(self.api("get", f"/api/v1/documents/{doc['id']}/file", user=self.outsider), 404)
        self.assert_error(self.api("get", f"/api/v1/documents/{doc['id']}/file"), 401)
        self.assert_error(self.api("get", "/api/v1/documents/999999/file", user=self.owner), 404)

    def test_member_may_not_replace_others_document(self):
        doc = self.upload_as(self.owner)
        response = self.post_file(self.member, path=f"/api/v1/documents/{doc['id']}/versions")
        self.assert_error(response, 403, "forbidden")
        self.assertEqual(DocumentVersion.objects.count(), 1)


class WithdrawDeleteTests(DocumentsApiBase):
    def test_withdraw_hides_from_members_and_keeps_files(self):
        doc = self.upload_as(self.owner)
        self.assert_error(self.api("post", f"/api/v1/documents/{doc['id']}/withdraw", user=self.member), 403)
        self.assertEqual(self.api("post", f"/api/v1/documents/{doc['id']}/withdraw", user=self.owner)
                         .json()["status"], "withdrawn")
        self.assert_error(self.api("get", f"/api/v1/documents/{doc['id']}", user=self.member), 404)
        self.assertEqual(len(media_files()), 1)
        types = list(MeetingEvent.objects.filter(meeting=self.meeting).values_list("type", "audience"))
        self.assertEqual(types[-2], ("document.removed", None))

    def test_delete_removes_row_and_file_after_commit(self):
        doc = self.upload_as(self.member, agenda_item=self.item_mine.pk)
        self.assert_error(self.api("delete", f"/api/v1/documents/{doc['id']}", user=self.colleague), 404)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.api("delete", f"/api/v1/documents/{doc['id']}", user=self.member)
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Document.objects.exists())
        self.assertEqual(media_files(), [])

    def test_released_document_may_not_be_deleted_by_uploader_member(self):
        doc = self.upload_as(self.member, agenda_item=self.item_mine.pk)
        self.api("post", f"/api/v1/documents/{doc['id']}/approve", user=self.owner)
        self.assert_error(self.api("delete", f"/api/v1/documents/{doc['id']}", user=self.member), 403)


class FoldersAndTypesTests(DocumentsApiBase):
    def test_folders(self):
        url = f"/api/v1/meetings/{self.meeting.pk}/document-folders"
        self.assertEqual(self.api("post", url, {"name": "Tài liệu chung"}, user=self.owner).status_code, 201)
        self.assert_error(self.api("post", url, {"name": "Tài liệu chung"}, user=self.owner), 409)
        self.assert_error(self.api("post", url, {"name": "X"}, user=self.member), 403)
        self.assert_error(self.api("post", url, {"name": "X"}, user=self.outsider), 404)
        self.assert_error(self.api("post", url, {"name": "X"}), 401)
        folders = self.api("get", url, user=self.member).json()["folders"]
        self.assertEqual([f["name"] for f in folders], ["Tài liệu chung"])
        doc = self.upload_as(self.owner, folder=folders[0]["id"])
        self.assertEqual(doc["folder"], folders[0]["id"])

    def test_document_types_for_admins_only(self):
        self.assert_error(self.api("post", "/api/v1/document-types", {"name": "Tờ trình", "code": "to-trinh"},
                                   user=self.member), 403)
        self.assert_error(self.api("post", "/api/v1/document-types", {"name": "A", "code": "x"}), 401)
        created = self.api("post", "/api/v1/document-types", {"name": "Tờ trình", "code": "to-trinh"},
                           user=self.admin)
        self.assertEqual(created.status_code, 201)
        self.assert_error(self.api("post", "/api/v1/document-types", {"name": "Tờ trình", "code": "to trinh"},
                                   user=self.admin), 400, "bad_code")
        names = [t["name"] for t in self.api("get", "/api/v1/document-types", user=self.member).json()["document_types"]]
        self.assertEqual(names, ["Tờ trình"])

    def test_openapi_lists_the_endpoints(self):
        paths = self.api("get", "/api/v1/openapi.json", user=self.member).json()["paths"]
        for path in ("/api/v1/meetings/{meeting_id}/documents", "/api/v1/documents/{document_id}/file",
                     "/api/v1/documents/{document_id}/versions", "/api/v1/documents/{document_id}/approve",
                     "/api/v1/documents/{document_id}/readers", "/api/v1/notes", "/api/v1/opinions",
                     "/api/v1/opinions/{round_id}/answer", "/api/v1/opinions/{round_id}/export.csv"):
            self.assertIn(path, paths)
        body = paths["/api/v1/meetings/{meeting_id}/documents"]["post"]["requestBody"]
        self.assertIn("multipart/form-data", body["content"])
