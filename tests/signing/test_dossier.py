"""A meeting's dossier for the archive (fn107): content, offline verification, tampering, who may.

One real ended meeting (tests/kit/meetings.py run_meeting: attendance, an open and a secret poll,
conclusions), with its invitation sealed by the unit, minutes signed by secretary and chair,
the conclusion notice issued and sealed, a confidential document and a conclusion attachment.
The ZIP is checked by scripts/verify_export.py run as a separate process, as an archive would.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.test import Client

from ecabinet.models import AuditEvent
from ecabinet.roles import UNIT_ADMIN
from meetings.actions.room import do_attach_conclusion_file
from meetings.models import Document, Meeting
from signing.actions.documents import do_sign_document, store_version
from signing.actions.dossier import do_export_dossier
from signing.actions.minutes import do_freeze_minutes, do_generate_minutes
from signing.actions.notices import (
    do_approve_notice,
    do_draft_notice,
    do_issue_notice,
    do_submit_notice,
)
from signing.models import Invitation
from tests.kit.cases import PIN, SigningTestCase
from tests.kit.factories import give_unit_certificate
from tests.kit.files import make_pdf
from tests.kit.meetings import ITEM1_CONCLUSION, MEETING_CONCLUSION, run_meeting
from tests.kit.users import make_user

VERIFIER = Path(__file__).resolve().parents[2] / "scripts" / "verify_export.py"


def verify(path: Path) -> tuple[int, str]:
    """The standalone script in a clean interpreter: isolated (-I: no project on the path, no
    user site) and without site-packages (-S), as on an archivist's machine."""
    done = subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), str(path)], capture_output=True,
                          text=True, timeout=120, check=False)
    return done.returncode, done.stdout + done.stderr


def rewrite(source: bytes, name: str, change) -> bytes:
    """The ZIP again with one member's bytes changed (a valid ZIP: CRCs recomputed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, change(data) if info.filename == name else data)
    return out.getvalue()


def flip(data: bytes, at: int | None = None) -> bytes:
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


class DossierTests(SigningTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.archivist = make_user("archivist", unit=cls.committee, full_name="Lưu Thị Trữ", roles=(UNIT_ADMIN,))
        # The unit's certificate first: scheduling then seals the invitation at once.
        give_unit_certificate(cls.committee, by=cls.admin)
        rec = run_meeting(cls)
        cls.rec = rec
        cls.ended = rec.meeting
        do_generate_minutes(cls.ended, actor=cls.secretary)
        cls.minutes = do_freeze_minutes(cls.ended, actor=cls.secretary)
        for signer in (cls.secretary, cls.chair):
            do_sign_document(cls.minutes.document, actor=signer, pin=PIN)
        notice, _ = do_draft_notice(cls.ended, actor=cls.secretary)
        do_submit_notice(cls.ended, actor=cls.secretary, version=notice.version)
        do_approve_notice(cls.ended, actor=cls.chair)
        cls.notice = do_issue_notice(cls.ended, actor=cls.admin)
        cls.attachment = do_attach_conclusion_file(cls.ended, actor=cls.secretary, title="Phụ lục kết luận",
                                                   upload=ContentFile(make_pdf(1, "Phụ lục"), name="pl.pdf"))
        # ORM on purpose (no action uploads to an ended meeting): a confidential report, and one
        # withdrawn document that is not part of the record.
        cls.secret = Document.objects.create(meeting=cls.ended, title="Báo cáo mật về nhân sự", confidential=True,
                                             uploaded_by=cls.secretary, status=Document.Status.RELEASED)
        store_version(cls.secret, make_pdf(2, "Báo cáo mật"), actor=cls.secretary, note="upload")
        cls.withdrawn = Document.objects.create(meeting=cls.ended, title="Dự thảo đã rút", uploaded_by=cls.secretary,
                                                status=Document.Status.WITHDRAWN)
        store_version(cls.withdrawn, make_pdf(1, "Rút"), actor=cls.secretary, note="upload")

    def export(self, user=None) -> bytes:
        response = self.client_for(user or self.secretary).get(f"/meetings/{self.ended.pk}/dossier.zip")
        self.assertEqual(response["Content-Type"], "application/zip",
                         response.content[:300] if not response.streaming else "")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store, private")
        self.assertEqual(response["X-Ecabinet-Delivery"], "archive")
        body = b"".join(response.streaming_content)
        self.assertEqual(response["X-Content-SHA256"], hashlib.sha256(body).hexdigest())
        return body

    def write(self, data: bytes, name: str = "dossier.zip") -> Path:
        path = Path(self._media_dir) / name
        path.write_bytes(data)
        return path

    def stored(self, document) -> bytes:
        return self.latest_bytes(document)

    # --- content -------------------------------------------------------------------------------

    def test_the_dossier_holds_the_record_and_verifies_offline(self) -> None:
        data = self.export()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            meta = json.loads(archive.read("metadata.json"))
            manifest_raw = archive.read("manifest.json")
            manifest = json.loads(manifest_raw)
            # The signed papers, byte for byte as stored (signatures intact).
            self.assertEqual(archive.read("papers/minutes.pdf"), self.stored(self.minutes.document))
            self.assertEqual(archive.read("papers/notice.pdf"), self.stored(self.notice.document))
            invitation = Invitation.objects.get(meeting=self.ended, document__isnull=False)
            self.assertEqual(archive.read(f"papers/invitation-{invitation.pk}.pdf"), self.stored(invitation.document))
            self.assertEqual(archive.read(f"documents/document-{self.secret.pk}-v1.pdf"), self.stored(self.secret))
            self.assertEqual(archive.read(f"conclusions/attachment-{self.attachment.pk}.pdf"),
                             self.attachment.file.open("rb").read())
            attendance = json.loads(archive.read("attendance.json"))
            votes = json.loads(archive.read("votes.json"))
            csv_text = archive.read("attendance.csv").decode("utf-8-sig")
            self.assertEqual(archive.read("manifest.sha256").decode(),
                             f"{hashlib.sha256(manifest_raw).hexdigest()}  manifest.json\n")
        # Two signatures in the minutes: secretary and chair.
        self.assertGreaterEqual(self.stored(self.minutes.document).count(b"/ByteRange"), 2)
        self.assertNotIn(f"documents/document-{self.withdrawn.pk}-v1.pdf", names)
        self.assertEqual(names[0], "metadata.json")
        self.assertEqual(names[-2:], ["manifest.json", "manifest.sha256"])
        self.assertEqual({f["path"] for f in manifest["files"]}, set(names) - {"manifest.json", "manifest.sha256"})
        self.assertEqual(manifest["kind"], "meeting-dossier")
        # Metadata: the meeting, its people, agenda with conclusions, the papers' numbers.
        self.assertEqual(meta["meeting"]["title"], self.ended.title)
        self.assertEqual(meta["meeting"]["unit"]["name"], self.committee.name)
        self.assertEqual(meta["meeting"]["conclusion"], MEETING_CONCLUSION)
        self.assertEqual([p["username"] for p in meta["meeting"]["chair"]], ["chair"])
        self.assertEqual([p["username"] for p in meta["meeting"]["secretaries"]], ["secretary"])
        self.assertEqual(meta["agenda"][0]["conclusion"], ITEM1_CONCLUSION)
        self.assertEqual(meta["papers"]["minutes"]["number"], self.minutes.number)
        self.assertEqual(meta["papers"]["minutes"]["file"], "papers/minutes.pdf")
        secret = next(d for d in meta["documents"] if d["id"] == self.secret.pk)
        self.assertTrue(secret["confidential"])
        # Attendance: everyone invited, the absent one with their reason, the remote check-in.
        by_user = {row["user_id"]: row for row in attendance}
        self.assertEqual(len(attendance), self.ended.participants.count())
        self.assertFalse(by_user[self.rec.absent1.pk]["present"])
        self.assertEqual(by_user[self.rec.absent1.pk]["reason"], "Đi công tác tại Hà Nội")
        self.assertTrue(by_user[self.owner.pk]["remote"])
        self.assertIn("Phạm Thị Vắng", csv_text)
        # Votes: both polls; the open one's counts.
        self.assertEqual({p["id"] for p in votes["polls"]}, {self.rec.open_poll.pk, self.rec.secret_poll.pk})
        # The standalone verifier agrees.
        code, out = verify(self.write(data))
        self.assertEqual(code, 0, out)
        self.assertIn("OK", out)
        self.assertIn(f"{len(manifest['files'])} files", out)

    def test_the_export_is_audited_and_deterministic(self) -> None:
        first = self.export()
        row = AuditEvent.objects.filter(action="meeting.dossier_export").order_by("-seq").first()
        self.assertEqual(row.actor, self.secretary)
        self.assertEqual(row.object_id, str(self.ended.pk))
        self.assertEqual(row.details["sha256"], hashlib.sha256(first).hexdigest())
        self.assertEqual(row.details["size"], len(first))
        # Nothing changed: the same bytes again (order and timestamps fixed).
        self.assertEqual(self.export(), first)

    # --- tampering ------------------------------------------------------------------------------

    def assert_broken(self, data: bytes, name: str) -> str:
        code, out = verify(self.write(data, "tampered.zip"))
        self.assertEqual(code, 1, out)
        self.assertIn("BROKEN", out)
        self.assertIn(f"{name}: changed", out)
        return out

    def test_a_changed_byte_in_a_document_is_named(self) -> None:
        data = self.export()
        name = f"documents/document-{self.secret.pk}-v1.pdf"
        self.assert_broken(rewrite(data, name, flip), name)
        # A byte flipped in the ZIP file itself (the member's CRC then fails): named too.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(name)
        offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
        self.assert_broken(flip(data, offset), name)

    def test_a_changed_byte_in_a_signed_paper_is_named(self) -> None:
        self.assert_broken(rewrite(self.export(), "papers/minutes.pdf", flip), "papers/minutes.pdf")

    def test_a_changed_byte_in_the_metadata_is_named(self) -> None:
        data = rewrite(self.export(), "metadata.json", lambda raw: raw.replace("Phòng họp".encode(), "Phòng hợp".encode(), 1))
        self.assert_broken(data, "metadata.json")

    def test_a_changed_manifest_is_named(self) -> None:
        def forge(raw: bytes) -> bytes:
            # Claim another size for one file: the manifest no longer matches manifest.sha256.
            return raw.replace(b'"size": ', b'"size": 1', 1)

        out = self.assert_broken(rewrite(self.export(), "manifest.json", forge), "manifest.json")
        self.assertIn("manifest.sha256", out)

    def test_missing_and_extra_files_are_named(self) -> None:
        data = self.export()
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
            for info in old.infolist():
                if info.filename != "votes.json":
                    new.writestr(info, old.read(info))
            new.writestr("documents/planted.pdf", make_pdf(1, "Giả mạo"))
        code, text = verify(self.write(out.getvalue(), "gaps.zip"))
        self.assertEqual(code, 1, text)
        self.assertIn("votes.json: missing", text)
        self.assertIn("documents/planted.pdf: extra", text)

    def test_not_an_export_is_unreadable(self) -> None:
        code, out = verify(self.write(b"PK not really a zip", "junk.zip"))
        self.assertEqual(code, 2, out)
        code, out = verify(self.write(make_pdf(1, "x"), "x.pdf"))
        self.assertEqual(code, 2, out)

    # --- who may ----------------------------------------------------------------------------------

    def test_those_running_the_meeting_may_export(self) -> None:
        for user in (self.secretary, self.chair, self.archivist, self.admin):
            with self.subTest(user=user.username):
                code, out = verify(self.write(self.export(user)))
                self.assertEqual(code, 0, out)
                response = self.api("get", f"/api/v1/meetings/{self.ended.pk}/dossier", user=user)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "application/zip")

    def test_others_may_not(self) -> None:
        before = AuditEvent.objects.filter(action="meeting.dossier_export").count()
        page, api = f"/meetings/{self.ended.pk}/dossier.zip", f"/api/v1/meetings/{self.ended.pk}/dossier"
        # A member sees the meeting but may not export it: 403; an outsider does not see it: 404.
        for user, status in ((self.member, 403), (self.guest, 403), (self.outsider, 404)):
            with self.subTest(user=user.username):
                self.assertEqual(self.client_for(user).get(page).status_code, status)
                self.assert_error(self.api("get", api, user=user), status)
        response = Client().get(page)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
        self.assertEqual(self.api("get", api).status_code, 401)
        self.assertEqual(AuditEvent.objects.filter(action="meeting.dossier_export").count(), before)

    def test_the_api_exports_the_same_dossier(self) -> None:
        response = self.api("get", f"/api/v1/meetings/{self.ended.pk}/dossier", user=self.secretary)
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content)
        self.assertEqual(body, self.export())

    def test_only_an_ended_meeting_has_a_dossier(self) -> None:
        running = Meeting.objects.get(pk=self.meeting.pk)
        Meeting.objects.filter(pk=running.pk).update(status=Meeting.Status.IN_PROGRESS)
        self.assert_error(self.api("get", f"/api/v1/meetings/{running.pk}/dossier", user=self.secretary), 409,
                          "bad_status")
        self.assertEqual(self.client_for(self.secretary).get(f"/meetings/{running.pk}/dossier.zip").status_code, 409)

    def test_the_meeting_page_offers_the_dossier_to_its_runners_only(self) -> None:
        page = f"/meetings/{self.ended.pk}/"
        self.assertContains(self.client_for(self.secretary).get(page), 'data-testid="dossier-link"')
        self.assertContains(self.client_for(self.secretary).get(page), "Hồ sơ lưu trữ")
        self.assertNotContains(self.client_for(self.member).get(page), 'data-testid="dossier-link"')

    def test_a_changed_stored_file_is_refused(self) -> None:
        # A document of this test only (the media folder is the class's; the row rolls back).
        changed = Document.objects.create(meeting=self.ended, title="Tờ trình bị sửa", uploaded_by=self.secretary,
                                          status=Document.Status.RELEASED)
        store_version(changed, make_pdf(1, "Tờ trình"), actor=self.secretary, note="upload")
        version = changed.versions.get()
        with open(version.file.path, "r+b") as fh:
            fh.write(b"%PDF-9.9")
        self.assert_error(self.api("get", f"/api/v1/meetings/{self.ended.pk}/dossier", user=self.secretary), 409,
                          "file_changed")

    def test_a_meeting_over_the_bound_is_refused(self) -> None:
        with self.settings(DOSSIER_MAX_BYTES=1000):
            self.assert_error(self.api("get", f"/api/v1/meetings/{self.ended.pk}/dossier", user=self.secretary), 413,
                              "too_large")

    def test_the_action_checks_the_right_itself(self) -> None:
        from ecabinet.errors import PermissionDeniedError

        with self.assertRaises(PermissionDeniedError):
            do_export_dossier(self.ended, actor=self.member)
