"""Personal notes: per meeting and per document page, never visible to anyone else."""

from __future__ import annotations

from ecabinet.models import AuditEvent
from meetings.models import PersonalNote
from tests.kit.cases import BaseTestCase
from tests.kit.files import pdf_upload
from tests.kit.meetings import make_documents_meeting


class NotesTests(BaseTestCase):
    def setUp(self) -> None:
        self.meeting = make_documents_meeting(self)
        response = self.client_for(self.owner).post(f"/api/v1/meetings/{self.meeting.pk}/documents",
                                                    {"file": pdf_upload()})
        self.doc_id = response.json()["id"]

    def add(self, user, **data):
        return self.api("post", "/api/v1/notes", data, user=user)

    def test_notes_on_meeting_and_page_are_private(self):
        a = self.add(self.member, meeting=self.meeting.pk, text="Hỏi về dự toán")
        b = self.add(self.member, document=self.doc_id, page=2, text="Trang 2: số liệu chưa khớp")
        self.assertEqual((a.status_code, b.status_code), (201, 201))
        self.assertEqual(b.json()["page"], 2)
        self.assertEqual(b.json()["meeting"], self.meeting.pk)
        self.add(self.owner, meeting=self.meeting.pk, text="Ghi chú của thư ký")
        mine = self.api("get", "/api/v1/notes", user=self.member).json()["notes"]
        self.assertEqual({n["text"] for n in mine}, {"Hỏi về dự toán", "Trang 2: số liệu chưa khớp"})
        theirs = self.api("get", "/api/v1/notes", user=self.owner).json()["notes"]
        self.assertEqual([n["text"] for n in theirs], ["Ghi chú của thư ký"])
        # Not even the secretary or an admin can read, edit or delete another person's note.
        note_id = a.json()["id"]
        for user in (self.owner, self.admin, self.outsider):
            self.assert_error(self.api("patch", f"/api/v1/notes/{note_id}", {"text": "x"}, user=user), 404)
            self.assert_error(self.api("delete", f"/api/v1/notes/{note_id}", user=user), 404)
        self.assertEqual(PersonalNote.objects.get(pk=note_id).text, "Hỏi về dự toán")
        # The audit log records that a note changed, never its text.
        self.assertFalse(any("Hỏi về" in str(e.details) for e in AuditEvent.objects.filter(action__startswith="note")))
        # Pages: the member's "My notes" lists theirs; the secretary's does not show them.
        self.assertContains(self.client_for(self.member).get("/notes/"), "Trang 2: số liệu chưa khớp")
        self.assertNotContains(self.client_for(self.owner).get("/notes/"), "Trang 2")
        self.assertNotContains(self.client_for(self.owner).get(f"/documents/{self.doc_id}/"), "Trang 2: số liệu")

    def test_edit_and_delete_own_note(self):
        note = self.add(self.member, document=self.doc_id, page=1, text="Cũ").json()
        updated = self.api("patch", f"/api/v1/notes/{note['id']}", {"text": "Mới"}, user=self.member).json()
        self.assertEqual(updated["text"], "Mới")
        self.assertEqual(self.api("delete", f"/api/v1/notes/{note['id']}", user=self.member).status_code, 204)
        self.assertFalse(PersonalNote.objects.exists())

    def test_bad_input(self):
        self.assert_error(self.add(self.member, meeting=self.meeting.pk, text="  "), 400, "empty_note")
        self.assert_error(self.add(self.member, document=self.doc_id, page=99, text="x"), 400, "bad_page")
        self.assert_error(self.add(self.member, page=1, text="x"), 400, "bad_page")
        self.assert_error(self.add(self.member, text="x"), 400, "bad_request")
        self.assert_error(self.add(self.member, meeting=self.meeting.pk, text="x" * 20001), 400, "note_too_long")

    def test_outsider_and_anonymous(self):
        self.assert_error(self.add(self.outsider, meeting=self.meeting.pk, text="x"), 404)
        self.assert_error(self.add(self.outsider, document=self.doc_id, text="x"), 404)
        self.assert_error(self.add(None, meeting=self.meeting.pk, text="x"), 401)
        self.assert_error(self.api("get", "/api/v1/notes"), 401)
        response = self.client.get("/notes/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
        self.assertFalse(PersonalNote.objects.exists())

    def test_note_page_form(self):
        client = self.client_for(self.member)
        response = client.post("/notes/", {"document": self.doc_id, "page": 1, "text": "Ghi chú trang 1",
                                           "next": f"/documents/{self.doc_id}/"})
        self.assertEqual(response.status_code, 302)
        # the document page hands the viewer its notes (static/meetings/viewer.js shows them by page)
        shown = client.get(f"/documents/{self.doc_id}/").context["notes"]
        self.assertEqual([(n["page"], n["text"]) for n in shown], [(1, "Ghi chú trang 1")])
        note = PersonalNote.objects.get()
        client.post("/notes/", {"note": note.pk, "text": "Đã sửa"})
        self.assertEqual(PersonalNote.objects.get().text, "Đã sửa")
        self.client_for(self.owner).post("/notes/", {"delete": note.pk})
        self.assertTrue(PersonalNote.objects.exists())
        client.post("/notes/", {"delete": note.pk})
        self.assertFalse(PersonalNote.objects.exists())
