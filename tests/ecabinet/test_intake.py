"""One intake for every uploaded PDF (ecabinet/intake.py): each bad file gets the same code,
status and message on every path that accepts a PDF, and leaves no row and no file; a good PDF
goes through on each."""

from __future__ import annotations

import html
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import AuditEvent
from meetings.actions import documents as document_actions
from meetings.actions import opinions as opinion_actions
from meetings.models import (
    ConclusionAttachment,
    Document,
    DocumentVersion,
    MeetingEvent,
    OpinionAnswer,
)
from tests.kit.cases import BaseTestCase
from tests.kit.files import (
    deflate_bomb,
    encrypted_pdf,
    make_pdf,
    media_files,
    page_count_bomb,
    require_attack_samples,
)
from tests.kit.meetings import make_documents_meeting

# name -> (bytes maker, status, code, a piece of the Vietnamese message)
BAD_FILES = {
    "truncated": (lambda: make_pdf(3)[: len(make_pdf(3)) // 2], 400, "pdf_damaged", "bị hỏng"),
    "encrypted": (encrypted_pdf, 400, "pdf_encrypted", "mật khẩu"),
    "deflate_bomb": (lambda: deflate_bomb(200), 413, "pdf_bomb", "giải nén"),
    "5001_pages": (lambda: page_count_bomb(5001), 413, "pdf_too_many_pages", "5000 trang"),
    "not_a_pdf": (lambda: b"Day khong phai PDF, chi la van ban.", 415, "unsupported_type", "không phải PDF"),
    "empty": (lambda: b"", 400, "pdf_empty", "rỗng"),
    "too_large": (lambda: make_pdf(1) + b"%" + b"x" * (1024 * 1024) + b"\n%%EOF\n", 413, "too_large", "1 MB"),
}
PATHS = ["meeting_document", "document_version", "conclusion_attachment", "opinion_draft",
         "opinion_attachment", "signing_upload", "verify_api", "verify_page"]


@pytest.fixture
def world(db, settings):
    settings.MAX_UPLOAD_MB = 1  # makes "too_large" cheap; every good and bad file but that one is far below
    settings.PDF_MAX_PAGES = 5000
    case = SimpleNamespace()
    BaseTestCase.setUpTestData.__func__(case)
    case.meeting = make_documents_meeting(case)
    case.document = document_actions.do_add_meeting_document(
        case.meeting, actor=case.owner, upload=SimpleUploadedFile("to-trinh.pdf", make_pdf(1)))
    case.round = opinion_actions.do_create_round(
        actor=case.owner, title="Dự thảo Quy chế", question="Ý kiến về dự thảo?",
        deadline=timezone.now() + timedelta(days=3), usernames=[case.member.username],
        upload=SimpleUploadedFile("du-thao.pdf", make_pdf(1)), meeting=case.meeting)
    # Signed in before any snapshot: a login writes its own audit row.
    case.as_owner, case.as_member = client_for(case.owner), client_for(case.member)
    return case


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(world, path: str, data: bytes, name: str = "tep.pdf", *, as_client: Client | None = None):
    """POST the file to `path` as the person allowed to (or as `as_client`)."""
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    meeting = world.meeting.pk
    if as_client is not None:
        world = SimpleNamespace(**{**vars(world), "as_owner": as_client, "as_member": as_client})
    if path == "meeting_document":
        return world.as_owner.post(f"/api/v1/meetings/{meeting}/documents", {"file": upload})
    if path == "document_version":
        return world.as_owner.post(f"/api/v1/documents/{world.document.pk}/versions", {"file": upload})
    if path == "conclusion_attachment":
        return world.as_owner.post(f"/api/v1/meetings/{meeting}/conclusion/attachments",
                                            {"file": upload, "title": "Phụ lục kết luận"})
    if path == "opinion_draft":
        return world.as_owner.post("/api/v1/opinions", {
            "file": upload, "title": "Dự thảo 2", "question": "Ý kiến?", "asked": world.member.username,
            "deadline": (timezone.now() + timedelta(days=2)).isoformat(), "meeting": meeting})
    if path == "opinion_attachment":
        return world.as_member.post(f"/api/v1/opinions/{world.round.pk}/answer",
                                             {"file": upload, "choice": "agree"})
    if path == "signing_upload":
        return world.as_member.post("/api/v1/signing/documents", {"file": upload, "title": "Công văn"})
    if path == "verify_api":
        return Client().post("/api/v1/verify", {"file": upload})
    if path == "verify_page":
        return Client().post("/verify/", {"file": upload})
    raise AssertionError(path)


def snapshot() -> dict:
    return {
        "documents": Document.objects.count(), "versions": DocumentVersion.objects.count(),
        "attachments": ConclusionAttachment.objects.count(), "answers": OpinionAnswer.objects.count(),
        "audit": AuditEvent.objects.count(), "events": MeetingEvent.objects.count(),
        "files": media_files(),
    }


@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_every_path_refuses_a_bad_file_alike_and_keeps_nothing(world, bad):
    make, status, code, vietnamese = BAD_FILES[bad]
    data = make()
    before = snapshot()
    api_messages = set()
    for path in PATHS:
        response = post(world, path, data)
        if bad == "encrypted" and path.startswith("verify"):
            # The documented exception: the verifier reports an encrypted file as its verdict.
            assert response.status_code == 200, (path, response.content[:300])
            text = response.content.decode()
            if path == "verify_api":
                report = response.json()
                assert report["status"] == "error" and "encrypted" in report["error"], report
            else:
                assert 'data-status="error"' in text and "mật khẩu" in text
            continue
        assert response.status_code == status, (path, response.status_code, response.content[:300])
        if path == "verify_page":
            assert html.escape(next(iter(api_messages))) in response.content.decode(), path
            assert "data-status=" not in response.content.decode()
        else:
            error = response.json()["error"]
            assert error["code"] == code, (path, error)
            assert vietnamese in error["message"], (path, error)
            api_messages.add(error["message"])
        assert snapshot() == before, path
    assert len(api_messages) == 1, api_messages  # word for word the same message everywhere


@pytest.mark.parametrize("path", PATHS)
def test_a_good_pdf_goes_through_every_path(world, path):
    before = snapshot()
    response = post(world, path, make_pdf(2), name="bao-cao.pdf")
    assert response.status_code in (200, 201), (path, response.content[:300])
    after = snapshot()
    if path.startswith("verify"):
        assert after == before  # verification keeps nothing
        text = response.content.decode()
        assert ('"status": "unsigned"' in text) if path == "verify_api" else ('data-status="unsigned"' in text)
    else:
        assert len(after["files"]) == len(before["files"]) + 1, path
        assert after["audit"] > before["audit"], path


def test_the_verifier_still_verifies_a_signed_pdf_encrypted_without_a_user_password(db, tmp_path):
    """Permissions-only encryption (an owner password, no user password) opens without a
    password: the intake lets it through for verification (with the same page and inflate
    limits), and refuses it for storage, where watermarking and signing need a plain file."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(2))))
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    permissions_only = out.getvalue()
    checked = intake_pdf(io.BytesIO(permissions_only), name="a.pdf", purpose=Purpose.VERIFY)
    assert checked.encrypted and checked.pages == 2
    from ecabinet.errors import ActionError

    with pytest.raises(ActionError) as refused:
        intake_pdf(io.BytesIO(permissions_only), name="a.pdf", purpose=Purpose.SIGNING_UPLOAD)
    assert refused.value.code == "pdf_encrypted"
    report = Client().post("/api/v1/verify", {"file": SimpleUploadedFile("a.pdf", permissions_only)}).json()
    assert report["status"] == "unsigned", report


FAULT_AFTER_WRITE = {
    "meeting_document": "meetings.actions.documents.record_audit",
    "document_version": "meetings.actions.documents.record_audit",
    "conclusion_attachment": "meetings.actions.room.record_audit",
    "opinion_draft": "meetings.actions.opinions.record_audit",
    "opinion_attachment": "meetings.actions.opinions.record_audit",
    "signing_upload": "signing.actions.documents.record_audit",
}


@pytest.mark.parametrize("path", list(FAULT_AFTER_WRITE))
def test_a_failure_after_the_file_is_written_leaves_no_row_and_no_file(world, path):
    from unittest import mock

    before = snapshot()
    # Fault injection: the audit write fails after the file was stored and the rows written.
    with mock.patch(FAULT_AFTER_WRITE[path], side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            post(world, path, make_pdf(1), name="sau-khi-ghi.pdf")
    assert snapshot() == before


def test_the_intake_lets_every_attack_sample_through_to_the_verifier(db):
    """The signed-PDF attack samples are odd but well-formed: the verifier, not the intake,
    must give them their verdict."""
    import io

    samples = sorted(require_attack_samples().glob("*.pdf"))
    for sample in samples:
        checked = intake_pdf(io.BytesIO(sample.read_bytes()), name=sample.name, purpose=Purpose.VERIFY)
        assert checked.pages >= 1 and not checked.encrypted, sample.name
    manipulated = next(s for s in samples if "_4_" in s.name)
    report = Client().post("/api/v1/verify", {"file": SimpleUploadedFile(manipulated.name,
                                                                         manipulated.read_bytes())}).json()
    assert report["status"] in ("modified", "invalid", "untrusted"), report


# Who may not use a path: refused before the file is even checked, and nothing is kept.
REFUSED = {
    "meeting_document": {"anonymous": 401, "outsider": 404},
    "document_version": {"anonymous": 401, "outsider": 404, "member": 403},
    "conclusion_attachment": {"anonymous": 401, "outsider": 404, "member": 403},
    "opinion_draft": {"anonymous": 401, "outsider": 404, "member": 403},
    "opinion_attachment": {"anonymous": 401, "outsider": 404, "owner": 403},
    "signing_upload": {"anonymous": 401},
}


@pytest.mark.parametrize("path", list(REFUSED))
def test_who_may_not_upload_is_refused_first_and_nothing_is_kept(world, path):
    clients = {"anonymous": Client(), "outsider": client_for(world.outsider), "member": world.as_member,
               "owner": world.as_owner}
    before = snapshot()
    for role, status in REFUSED[path].items():
        for data in (make_pdf(1), deflate_bomb(200)):  # a good file, and one the intake would refuse
            response = post(world, path, data, as_client=clients[role])
            assert response.status_code == status, (role, data[:8], response.content[:300])
            assert "error" in response.json()
            assert snapshot() == before, role
