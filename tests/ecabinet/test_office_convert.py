"""Office documents (.docx, .doc, .odt, .rtf, .xlsx, .pptx) through the one intake: converted by
LibreOffice headless in the sandbox, the PDF checked like any upload and stored, the source kept
beside it and delivered to the document's readers; bad ones refused in Vietnamese, leaving no
row, no file in MEDIA_ROOT, no temporary folder and no process behind."""

from __future__ import annotations

import glob
import os
import struct
import subprocess
import tempfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ecabinet import office
from ecabinet.errors import ActionError
from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import AuditEvent
from ecabinet.sandbox import network_isolated, run_sandboxed
from meetings.actions import documents as document_actions
from meetings.actions import opinions as opinion_actions
from meetings.models import ConclusionAttachment, Document, DocumentVersion
from tests.conftest import require_tool
from tests.ecabinet.test_intake import client_for, post, snapshot
from tests.kit import files as kit_files
from tests.kit.cases import BaseTestCase
from tests.kit.meetings import make_documents_meeting
from tests.kit.office import (
    VIETNAMESE,
    cfb_bytes,
    doc_bytes,
    docm_bytes,
    docx_bytes,
    odt_bytes,
    odt_encrypted_bytes,
    odt_with_basic_bytes,
    pptx_bytes,
    rtf_bytes,
    xlsx_bytes,
)

OFFICE_PATHS = ["meeting_document", "document_version", "conclusion_attachment", "opinion_draft",
                "opinion_attachment", "signing_upload"]
SOFFICE_PACKAGE = "libreoffice-writer-nogui, libreoffice-calc-nogui, libreoffice-impress-nogui"


@pytest.fixture
def world(db, settings):
    """The world of tests/ecabinet/test_intake.py (a meeting with a document, an opinion round,
    the owner's and the member's clients; MAX_UPLOAD_MB = 1)."""
    settings.MAX_UPLOAD_MB = 1
    case = SimpleNamespace()
    BaseTestCase.setUpTestData.__func__(case)
    case.meeting = make_documents_meeting(case)
    case.document = document_actions.do_add_meeting_document(
        case.meeting, actor=case.owner, upload=SimpleUploadedFile("to-trinh.pdf", kit_files.make_pdf(1)))
    case.round = opinion_actions.do_create_round(
        actor=case.owner, title="Dự thảo Quy chế", question="Ý kiến về dự thảo?",
        deadline=timezone.now() + timedelta(days=3), usernames=[case.member.username],
        upload=SimpleUploadedFile("du-thao.pdf", kit_files.make_pdf(1)), meeting=case.meeting)
    case.as_owner, case.as_member = client_for(case.owner), client_for(case.member)
    return case


@pytest.fixture(autouse=True)
def _soffice():
    require_tool("soffice", SOFFICE_PACKAGE)
    require_tool("pdftotext", "poppler-utils")


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", fh.name, "-"], capture_output=True, check=True).stdout
    return " ".join(text.decode("utf-8").split())


def leftovers() -> list[str]:
    """Temporary folders of conversions, and processes still running in one."""
    # Only this process's conversions: other test workers convert at the same time.
    mine = f"ecb-convert-{os.getpid()}-"
    folders = glob.glob(os.path.join(tempfile.gettempdir(), mine + "*"))
    running = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as fh:
                if mine.encode() in fh.read():
                    running.append(cmdline)
        except OSError:
            continue
    return folders + running


def stored_version(response) -> DocumentVersion:
    body = response.json()
    if "versions" in body:
        return DocumentVersion.objects.get(pk=body["versions"][-1]["id"])
    return DocumentVersion.objects.get(pk=body["id"])


# ---- good files ------------------------------------------------------------------------------

def test_a_docx_keeps_its_vietnamese_text_and_its_source(world):
    data = docx_bytes()
    before_files = len(snapshot()["files"])
    response = post(world, "meeting_document", data, name="to-trinh-du-toan.docx")
    assert response.status_code == 201, response.content[:300]
    version = stored_version(response)
    with version.file.open("rb") as fh:
        pdf = fh.read()
    assert pdf.startswith(b"%PDF-") and version.pages == 1 and version.size == len(pdf)
    assert VIETNAMESE in pdf_text(pdf)
    assert version.source_type == "docx" and version.source_name == "to-trinh-du-toan.docx"
    with version.source_file.open("rb") as fh:
        assert fh.read() == data
    assert version.source_file.name.endswith("-source.docx")
    assert len(snapshot()["files"]) == before_files + 2  # the PDF and its source
    assert version.document.title == "to-trinh-du-toan"
    audit = AuditEvent.objects.filter(action="document.upload").latest("pk")
    assert audit.details["sha256"] == version.sha256
    assert leftovers() == []


@pytest.mark.parametrize("path", [p for p in OFFICE_PATHS if p != "meeting_document"])
def test_every_upload_path_converts(world, path):
    before = snapshot()
    response = post(world, path, docx_bytes("Báo cáo kết quả thực hiện nhiệm vụ năm 2026"), name="bao-cao.docx")
    assert response.status_code in (200, 201), (path, response.content[:300])
    if path == "conclusion_attachment":
        attachment = ConclusionAttachment.objects.latest("pk")
        with attachment.file.open("rb") as fh:
            pdf = fh.read()
        assert len(snapshot()["files"]) == len(before["files"]) + 1  # the PDF only
    else:
        version = DocumentVersion.objects.latest("pk")
        with version.file.open("rb") as fh:
            pdf = fh.read()
        assert version.source_type == "docx" and version.source_sha256
        assert len(snapshot()["files"]) == len(before["files"]) + 2
    assert "Báo cáo kết quả thực hiện nhiệm vụ năm 2026" in pdf_text(pdf)


@pytest.mark.parametrize("name,make,expect", [
    ("to-trinh.odt", odt_bytes, VIETNAMESE),
    ("to-trinh.rtf", rtf_bytes, VIETNAMESE),
    ("du-toan.xlsx", xlsx_bytes, "Thu ngân sách (triệu đồng)"),
    ("trinh-chieu.pptx", pptx_bytes, "Tờ trình về dự toán ngân sách năm 2027"),
    ("to-trinh.doc", doc_bytes, VIETNAMESE),
])
def test_each_format_converts_with_its_text(db, name, make, expect):
    data = make()
    checked = intake_pdf(SimpleUploadedFile(name, data), name=name, purpose=Purpose.MEETING_DOCUMENT)
    assert checked.source is not None and checked.source.extension == os.path.splitext(name)[1]
    assert checked.pages >= 1 and checked.size == len(checked.source.pdf)
    assert checked.source.size == len(data)
    assert expect in pdf_text(checked.source.pdf)
    assert leftovers() == []


def test_minutes_and_verification_take_pdf_only(world):
    before = snapshot()
    for path in ("verify_api",):
        response = post(world, path, docx_bytes(), name="to-trinh.docx")
        assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_type"
    with pytest.raises(ActionError) as refused:
        intake_pdf(SimpleUploadedFile("bien-ban.docx", docx_bytes()), name="bien-ban.docx", purpose=Purpose.MINUTES)
    assert refused.value.code == "unsupported_type"
    assert snapshot() == before


# ---- refusals --------------------------------------------------------------------------------

def encrypted_doc() -> bytes:
    """A real .doc whose FIB says fEncrypted (what Word writes for a password-protected file)."""
    data = bytearray(doc_bytes())
    start = next(start for name, start, _size in office._cfb_directory(bytes(data)) if name == "WordDocument")
    offset = (start + 1) * 512 + 0x0A
    flags = struct.unpack_from("<H", data, offset)[0]
    struct.pack_into("<H", data, offset, flags | 0x0100)
    return bytes(data)


BAD = {
    # name: (file name, bytes maker, status, code, a piece of the Vietnamese message)
    "cut_docx": ("to-trinh.docx", lambda: docx_bytes()[:400], 400, "office_damaged", "bị hỏng"),
    "not_a_zip": ("to-trinh.docx", lambda: b"Day khong phai tep Word" * 10, 400, "office_damaged", "bị hỏng"),
    "no_main_part": ("to-trinh.docx", kit_files.docx_bytes, 400, "office_damaged", "bị hỏng"),
    "xls_named_doc": ("to-trinh.doc", lambda: cfb_bytes(["Workbook"]), 400, "office_damaged", "bị hỏng"),
    "encrypted_docx": ("to-trinh.docx", lambda: cfb_bytes(["EncryptionInfo", "EncryptedPackage"]), 400,
                       "office_encrypted", "mật khẩu"),
    "encrypted_odt": ("to-trinh.odt", odt_encrypted_bytes, 400, "office_encrypted", "mật khẩu"),
    "encrypted_doc": ("to-trinh.doc", encrypted_doc, 400, "office_encrypted", "mật khẩu"),
    "vba_in_docx": ("to-trinh.docx", docm_bytes, 400, "office_macros", "macro"),
    "docm": ("to-trinh.docm", docm_bytes, 400, "office_macros", "macro"),
    "basic_in_odt": ("to-trinh.odt", odt_with_basic_bytes, 400, "office_macros", "macro"),
    "vba_in_doc": ("to-trinh.doc", lambda: cfb_bytes(["WordDocument", "Macros"]), 400, "office_macros", "macro"),
    "xls": ("bang-tinh.xls", lambda: cfb_bytes(["Workbook"]), 415, "unsupported_type", ".docx"),
    "pdf_named_docx": ("to-trinh.docx", lambda: kit_files.make_pdf(1), 415, "unsupported_type", "không khớp"),
    "too_large": ("to-trinh.docx", lambda: docx_bytes() + b"\0" * (1024 * 1024), 413, "too_large", "1 MB"),
}


@pytest.mark.parametrize("bad", list(BAD))
def test_a_bad_office_file_is_refused_in_vietnamese_and_leaves_nothing(world, bad):
    name, make, status, code, vietnamese = BAD[bad]
    data = make()
    before = snapshot()
    for path in ("meeting_document", "signing_upload"):
        response = post(world, path, data, name=name)
        assert response.status_code == status, (path, response.content[:300])
        error = response.json()["error"]
        assert error["code"] == code and vietnamese in error["message"], error
        assert snapshot() == before, path
    assert leftovers() == []


def test_a_conversion_that_runs_too_long_is_stopped(world, settings):
    settings.OFFICE_CONVERT_SECONDS = 1  # LibreOffice needs more than a second to start
    before = snapshot()
    # 120 pages: more than a second of work even when LibreOffice starts warm on a quiet machine
    response = post(world, "meeting_document", docx_bytes(pages=120), name="dai.docx")
    assert response.status_code == 413, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "office_timeout" and "quá lâu" in error["message"], error
    assert snapshot() == before
    assert leftovers() == []


def test_without_libreoffice_the_refusal_says_so(world, settings):
    settings.OFFICE_SOFFICE = "/nonexistent/soffice"
    before = snapshot()
    response = post(world, "meeting_document", docx_bytes(), name="to-trinh.docx")
    assert response.status_code == 503, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "office_unavailable"
    assert "máy chủ chưa cài bộ chuyển đổi" in error["message"].lower(), error
    assert snapshot() == before
    # A PDF still goes through.
    assert post(world, "meeting_document", kit_files.make_pdf(1), name="a.pdf").status_code == 201


def test_the_page_shows_the_refusal(world):
    before = snapshot()
    response = world.as_owner.post(f"/meetings/{world.meeting.pk}/documents/",
                                   {"file": SimpleUploadedFile("m.docm", docm_bytes())}, follow=True)
    assert response.status_code == 200
    assert "macro" in response.content.decode() and 'class="error"' in response.content.decode()
    assert snapshot() == before


# ---- the sandbox -------------------------------------------------------------------------------

def test_sandboxed_programs_have_no_network():
    if not network_isolated():
        # Like the other system requirements: CI must have it; elsewhere the skip is reported.
        if os.environ.get("CI"):
            pytest.fail("CI must isolate conversions from the network (unshare -n)")
        pytest.skip("no network namespace on this machine (unshare missing or user namespaces disabled)")
    outcome = run_sandboxed(["cat", "/proc/net/dev"], seconds=5, memory=256 * 1024 * 1024,
                            env={"PATH": "/usr/bin:/bin", "http_proxy": "http://proxy.invalid:3128"})
    interfaces = [line.split(":")[0].strip() for line in outcome.stdout.decode().splitlines() if ":" in line]
    assert interfaces == ["lo"], interfaces
    env = run_sandboxed(["env"], seconds=5, memory=256 * 1024 * 1024,
                        env={"PATH": "/usr/bin:/bin", "http_proxy": "http://proxy.invalid:3128"})
    assert b"proxy" not in env.stdout.lower()


def test_a_fresh_profile_with_macros_off_per_conversion(tmp_path, monkeypatch):
    seen: list[list[str]] = []
    real = office.run_sandboxed

    def spy(args, **kwargs):
        seen.append(list(args))
        profile = next(a for a in args if a.startswith("-env:UserInstallation=")).split("file://", 1)[1]
        settings_file = os.path.join(profile, "user", "registrymodifications.xcu")
        with open(settings_file, encoding="utf-8") as fh:
            text = fh.read()
        assert "DisableMacrosExecution" in text and "MacroSecurityLevel" in text
        return real(args, **kwargs)

    monkeypatch.setattr(office, "run_sandboxed", spy)
    for _ in range(2):
        intake_pdf(SimpleUploadedFile("a.rtf", rtf_bytes()), name="a.rtf", purpose=Purpose.SIGNING_UPLOAD)
    profiles = [next(a for a in args if a.startswith("-env:UserInstallation=")) for args in seen]
    assert len(set(profiles)) == 2
    assert leftovers() == []


# ---- the source, to readers --------------------------------------------------------------------

@pytest.fixture
def converted(world):
    world.docx = docx_bytes()  # zip entries carry the time: keep the very bytes uploaded
    document = document_actions.do_add_meeting_document(
        world.meeting, actor=world.owner, upload=SimpleUploadedFile("to-trinh.docx", world.docx))
    return document


def test_readers_download_the_source_others_do_not(world, converted):
    version = converted.versions.get()
    url = f"/documents/{converted.pk}/source/"
    for client in (world.as_member, world.as_owner):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == world.docx
        assert response["Content-Type"] == office.SOURCE_TYPES[".docx"]
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Cache-Control"] == "no-store, private"
        assert response["X-Content-Type-Options"] == "nosniff"
    audit = AuditEvent.objects.filter(action="document.source_download").latest("pk")
    assert audit.details["sha256"] == version.source_sha256 and audit.details["version"] == 1
    assert client_for(world.outsider).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    # the API, by the same rule
    api = world.as_member.get(f"/api/v1/documents/{converted.pk}/source?version=1")
    assert api.status_code == 200 and b"".join(api.streaming_content) == world.docx
    assert client_for(world.outsider).get(f"/api/v1/documents/{converted.pk}/source").status_code == 404
    assert Client().get(f"/api/v1/documents/{converted.pk}/source").status_code == 401
    listed = world.as_member.get(f"/api/v1/documents/{converted.pk}/versions").json()["versions"]
    assert listed[0]["source_type"] == "docx" and listed[0]["source_name"] == "to-trinh.docx"
    # the document page offers it
    page = world.as_member.get(f"/documents/{converted.pk}/")
    assert f"/documents/{converted.pk}/source/?version=1" in page.content.decode()


def test_a_version_without_source_has_none_to_give(world, converted):
    # a PDF version on top: it has no source; the first still has
    document_actions.do_replace_document(converted, actor=world.owner,
                                         upload=SimpleUploadedFile("v2.pdf", kit_files.make_pdf(1)))
    assert world.as_member.get(f"/documents/{converted.pk}/source/").status_code == 404
    assert world.as_member.get(f"/documents/{converted.pk}/source/?version=1").status_code == 200
    assert world.as_member.get(f"/documents/{converted.pk}/source/?version=9").status_code == 404
    assert world.as_member.get(f"/documents/{converted.pk}/source/?version=x").status_code == 404
    plain = Document.objects.exclude(pk=converted.pk).filter(meeting=world.meeting).first()
    assert plain is not None
    assert world.as_member.get(f"/documents/{plain.pk}/source/").status_code == 404


def test_a_changed_source_is_not_sent(world, converted):
    version = converted.versions.get()
    with open(version.source_file.path, "ab") as fh:
        fh.write(b"x")
    response = world.as_member.get(f"/documents/{converted.pk}/source/")
    assert response.status_code == 409
