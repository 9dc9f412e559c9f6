"""Helpers for the signing workflow tests: a CA, people with certificates, PDFs, a meeting."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.test import override_settings
from django.utils import timezone
from fpdf import FPDF

from ecabinet.models import Position
from ecabinet.roles import ORGANISER
from meetings.models import Document, Meeting
from signing.actions.certificates import issue_certificate_for
from signing.actions.documents import store_version
from signing.pdf import pki
from signing.pdf.stamp import roboto_path
from signing.trust import ensure_installation_ca
from tests.base import BaseTestCase, make_user
from tests.kit import factories

PIN = "pin-đúng-2026"
OTHER_PIN = "pin-khác-2026"


def make_pdf(pages: int = 2, text: str = "Biên bản họp UBND tỉnh") -> bytes:
    pdf = FPDF()
    pdf.add_font("Roboto", fname=roboto_path())
    pdf.set_font("Roboto", size=12)
    for i in range(pages):
        pdf.add_page()
        pdf.cell(text=f"{text} — trang {i + 1}")
    return bytes(pdf.output())


class SigningTestCase(BaseTestCase):
    """owner uploads/requests; member and chair sign; secretary runs the meeting."""

    @classmethod
    def setUpClass(cls) -> None:
        # The signing/ conftest turns off the per-test media folder; use one per class instead.
        cls._media_dir = tempfile.mkdtemp(prefix="signflow-media-")
        cls._media_settings = override_settings(MEDIA_ROOT=cls._media_dir)
        cls._media_settings.enable()
        # Argon2id at full cost (~0.5 s per unlock) would dominate the suite; the blob records
        # its own parameters, so cheaper ones change nothing else.
        cls._argon = mock.patch.multiple(pki, _ARGON2_ITERATIONS=1, _ARGON2_MEMORY_KIB=1024, _ARGON2_LANES=1)
        cls._argon.start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._argon.stop()
        cls._media_settings.disable()
        shutil.rmtree(cls._media_dir, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        ensure_installation_ca()
        chair_position = Position.objects.create(name="Chủ tịch UBND tỉnh", rank=10)
        cls.chair = make_user("chair", unit=cls.committee, full_name="Nguyễn Văn Thành",
                              position=chair_position)
        cls.secretary = make_user("secretary", unit=cls.committee, full_name="Trần Thị Hồng Nhung",
                                  roles=(ORGANISER,))
        for user in (cls.owner, cls.member, cls.chair, cls.secretary, cls.outsider, cls.guest):
            issue_certificate_for(user, PIN)
        now = timezone.now()
        cls.meeting = factories.make_meeting(
            by=cls.secretary, title="Họp UBND tỉnh tháng 6", starts_at=now - timedelta(hours=2), hours=1,
            unit=cls.committee, chair=cls.chair, members=[cls.member, cls.owner], guests=[cls.guest],
            status=Meeting.Status.SCHEDULED,
        )
        for user in (cls.chair, cls.member, cls.guest, cls.owner):
            factories.answer_invitation(cls.meeting, by=user, response="attend")
        cls.meeting = factories.bring_to(cls.meeting, Meeting.Status.ENDED, by=cls.secretary)
        cls.minutes = cls.make_meeting_document("Biên bản cuộc họp", uploaded_by=cls.secretary)

    @classmethod
    def make_meeting_document(cls, title: str, *, uploaded_by, confidential: bool = False) -> Document:
        # ORM on purpose: the meeting has ended, and no action uploads to an ended meeting (the
        # minutes action does, but only for the minutes: see tests/signing/minutes_kit.py).
        document = Document.objects.create(meeting=cls.meeting, title=title, uploaded_by=uploaded_by,
                                           status=Document.Status.RELEASED, confidential=confidential)
        store_version(document, make_pdf(), actor=uploaded_by, note="upload", original_name="bien-ban.pdf")
        return document

    @classmethod
    def make_own_document(cls, user, title: str = "Tờ trình") -> Document:
        document = Document.objects.create(title=title, uploaded_by=user, status=Document.Status.RELEASED)
        store_version(document, make_pdf(1, title), actor=user, note="upload", original_name="to-trinh.pdf")
        return document

    def media_files(self) -> list[str]:
        root = Path(self._media_dir)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    def latest_bytes(self, document: Document) -> bytes:
        version = document.versions.order_by("-number").first()
        with version.file.open("rb") as fh:
            return fh.read()

    def sign(self, document: Document, user, pin: str = PIN, **extra):
        return self.api("post", f"/api/v1/documents/{document.pk}/signatures", {"pin": pin, **extra}, user=user)

    def ask(self, document: Document, signers: list, *, user, sequential: bool = True, **extra):
        return self.api("post", "/api/v1/signing/requests",
                        {"document": document.pk, "signers": [u.username for u in signers],
                         "sequential": sequential, **extra}, user=user)


def nss_dir_with(ca_pem: bytes, where: Path) -> Path:
    import subprocess

    nss = where / "nss"
    nss.mkdir()
    (where / "ca.pem").write_bytes(ca_pem)
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-n", "ca", "-t", "CT,C,C", "-i", str(where / "ca.pem"),
                    "-d", f"sql:{nss}"], check=True, capture_output=True)
    return nss


