"""The signing workflow end to end: a two-person sequential request on meeting minutes, checked
by poppler's pdfsig and by verify_pdf; out-of-turn, not asked, tampering."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from ecabinet.models import Notification
from meetings.models import MeetingEvent
from signing.models import SignatureRecord, SigningRequest
from signing.trust import installation_ca
from tests.conftest import require_tool
from tests.kit.cases import SigningTestCase


def verify_json(pdf: Path) -> dict:
    """`manage.py verify_pdf FILE --json` in this process (it sees the test database's roots)."""
    out = StringIO()
    try:
        call_command("verify_pdf", str(pdf), "--json", stdout=out)
    except SystemExit:
        pass
    return json.loads(out.getvalue())


def nss_dir_with(ca_pem: bytes, where: Path) -> Path:
    nss = where / "nss"
    nss.mkdir()
    (where / "ca.pem").write_bytes(ca_pem)
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-n", "ca", "-t", "CT,C,C", "-i", str(where / "ca.pem"),
                    "-d", f"sql:{nss}"], check=True, capture_output=True)
    return nss


class SequentialRequestTests(SigningTestCase):
    def test_two_person_sequential_request_signed_valid_everywhere(self):
        response = self.ask(self.minutes, [self.member, self.chair], user=self.secretary)
        self.assertEqual(response.status_code, 201, response.content)
        request_id = response.json()["id"]
        self.assertEqual([s["turn"] for s in response.json()["signers"]], [True, False])
        # only the first signer is told now
        self.assertTrue(Notification.objects.filter(user=self.member, kind="signing.request").exists())
        self.assertFalse(Notification.objects.filter(user=self.chair, kind="signing.request").exists())

        self.assert_error(self.sign(self.minutes, self.chair), 409, "not_your_turn")
        revision = self.meeting_revision()
        first = self.sign(self.minutes, self.member, reason="Đã kiểm tra nội dung")
        self.assertEqual(first.status_code, 201, first.content)
        self.assertEqual(first.json()["version"], 2)
        self.assertEqual(first.json()["field"], "Sig1")
        # the live room hears about the new version
        event = MeetingEvent.objects.get(meeting=self.meeting, revision=revision + 1)
        self.assertEqual(event.type, "document.upserted")
        self.assertEqual(event.data["document"]["version"], 2)
        self.assertTrue(Notification.objects.filter(user=self.chair, kind="signing.request").exists())

        second = self.sign(self.minutes, self.chair, reason="Phê duyệt")
        self.assertEqual(second.status_code, 201, second.content)
        self.assertEqual(second.json()["version"], 3)
        signing_request = SigningRequest.objects.get(pk=request_id)
        self.assertEqual(signing_request.status, "completed")
        self.assertTrue(Notification.objects.filter(user=self.secretary, kind="signing.completed").exists())
        self.assert_error(self.sign(self.minutes, self.chair), 403, "not_asked")

        versions = list(self.minutes.versions.order_by("number"))
        self.assertEqual([v.number for v in versions], [1, 2, 3])
        for version in versions:  # every version kept, content-addressed, checksummed
            with version.file.open("rb") as fh:
                data = fh.read()
            self.assertEqual(hashlib.sha256(data).hexdigest(), version.sha256)
            self.assertEqual(len(data), version.size)
            self.assertIn(version.sha256, version.file.name)
        v1, v2, v3 = (self.read(v) for v in versions)
        self.assertTrue(v2.startswith(v1) and v3.startswith(v2))  # incremental updates
        self.assertEqual(SignatureRecord.objects.filter(document=self.minutes).count(), 2)

        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            pdf = tmp / "bien-ban.pdf"
            pdf.write_bytes(v3)
            require_tool("pdfsig", "poppler-utils")
            require_tool("certutil", "libnss3-tools")
            nss = nss_dir_with(installation_ca().cert_pem.encode(), tmp)
            out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)],
                                 capture_output=True, text=True).stdout
            self.assertEqual(out.count("Signature is Valid."), 2, out)
            self.assertEqual(out.count("Certificate is Trusted."), 2, out)
            self.assertIn("Trần Thị Thành Viên", out)
            self.assertIn("Nguyễn Văn Thành", out)

            report = verify_json(pdf)
            self.assertEqual(report["status"], "valid", report)
            self.assertEqual([s["signer"] for s in report["signatures"]],
                             ["Trần Thị Thành Viên", "Nguyễn Văn Thành"])

            # tampering after signing: an incremental update the signers did not allow
            tampered = tmp / "tampered.pdf"
            tampered.write_bytes(self.append_page_change(v3))
            self.assertIn(verify_json(tampered)["status"], ("modified", "invalid"))
            # and flipping bytes inside the signed range breaks the signature outright
            broken = bytearray(v3)
            i = v3.index(b"/MediaBox [0 0 595.28")
            broken[i:i + 21] = b"/MediaBox [0 0 999.28"
            broken_pdf = tmp / "broken.pdf"
            broken_pdf.write_bytes(bytes(broken))
            self.assertIn(verify_json(broken_pdf)["status"], ("modified", "invalid"))

    def meeting_revision(self) -> int:
        self.meeting.refresh_from_db()
        return self.meeting.revision

    @staticmethod
    def read(version) -> bytes:
        with version.file.open("rb") as fh:
            return fh.read()

    @staticmethod
    def append_page_change(data: bytes) -> bytes:
        from io import BytesIO

        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

        writer = IncrementalPdfFileWriter(BytesIO(data))
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (FORGED) Tj ET")
        ref = writer.add_object(stream)
        contents = page["/Contents"]
        arr = generic.ArrayObject(list(contents) if isinstance(contents, generic.ArrayObject) else [contents])
        arr.append(ref)
        page["/Contents"] = arr
        writer.update_container(page)
        out = BytesIO()
        writer.write(out)
        return out.getvalue()

    def test_not_asked_participant_gets_403_and_outsider_404(self):
        self.assertEqual(self.ask(self.minutes, [self.member], user=self.secretary).status_code, 201)
        self.assert_error(self.sign(self.minutes, self.guest), 403, "not_asked")
        self.assert_error(self.sign(self.minutes, self.outsider), 404, "not_found")
        self.assert_error(self.api("post", f"/api/v1/documents/{self.minutes.pk}/signatures", {"pin": "x"}), 401)

    def test_parallel_request_any_order(self):
        self.assertEqual(self.ask(self.minutes, [self.member, self.chair], user=self.secretary,
                                  sequential=False).status_code, 201)
        self.assertEqual(self.sign(self.minutes, self.chair).status_code, 201)
        self.assertEqual(self.sign(self.minutes, self.member).status_code, 201)
        self.assertEqual(SigningRequest.objects.get(document=self.minutes).status, "completed")

    def test_own_document_signed_without_request(self):
        document = self.make_own_document(self.owner)
        response = self.sign(document, self.owner, reason="Ký tờ trình", page=1)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertIsNone(response.json()["request"])
        self.assert_error(self.sign(document, self.member), 404)

    def test_page_out_of_range_is_refused_cleanly(self):
        document = self.make_own_document(self.owner)
        self.assert_error(self.sign(document, self.owner, page=9), 400, "page_out_of_range")
        self.assertEqual(document.versions.count(), 1)
