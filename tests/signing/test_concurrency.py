"""Two people sign the same document at the same moment (a parallel request), each in its own
thread with its own database connection: the second signature builds on the first one's version.

Runs on SQLite (BEGIN IMMEDIATE queues the writers) and on PostgreSQL when DATABASE_URL is set
(SELECT ... FOR UPDATE on the document row)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from io import BytesIO
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from ecabinet.models import Unit
from ecabinet.roles import ORGANISER
from meetings.models import Document, Meeting, MeetingEvent
from signing.actions import do_create_request, do_sign_document
from signing.actions import documents as document_actions
from signing.actions.certificates import issue_certificate_for
from signing.actions.documents import store_version
from signing.models import SignatureRecord, SigningRequest
from signing.pdf import pki
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import ensure_installation_ca, installation_trust_roots
from tests.kit import factories
from tests.kit.cases import PIN
from tests.kit.files import make_pdf
from tests.kit.users import make_user

# long enough that the other signer is surely waiting for the document lock meanwhile
HOLD_LOCK_S = 0.4


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(pki, "_ARGON2_ITERATIONS", 1)
    monkeypatch.setattr(pki, "_ARGON2_MEMORY_KIB", 1024)
    monkeypatch.setattr(pki, "_ARGON2_LANES", 1)
    ensure_installation_ca()
    unit = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code="ubnd-thu", kind="committee")
    secretary = make_user("secretary", unit=unit, full_name="Trần Thị Hồng Nhung", roles=(ORGANISER,))
    signers = [make_user(name, unit=unit, full_name=full) for name, full in
               (("chair", "Nguyễn Văn Thành"), ("vice", "Lê Thị Phó"))]
    for user in signers:
        issue_certificate_for(user, PIN)
    now = timezone.now()
    meeting = factories.make_meeting(by=secretary, title="Họp UBND tỉnh", starts_at=now - timedelta(hours=2),
                                     hours=1, unit=unit, members=signers, status=Meeting.Status.SCHEDULED)
    for user in signers:
        factories.answer_invitation(meeting, by=user, response="attend")
    factories.bring_to(meeting, Meeting.Status.ENDED, by=secretary)
    # ORM on purpose: no action uploads to an ended meeting.
    document = Document.objects.create(meeting=meeting, title="Kết luận cuộc họp", uploaded_by=secretary,
                                       status=Document.Status.RELEASED)
    store_version(document, make_pdf(2), actor=secretary, note="upload", original_name="ket-luan.pdf")
    do_create_request(document, actor=secretary, signers=[u.username for u in signers],
                      sequential=False)
    return document, signers


@pytest.mark.django_db(transaction=True)
def test_two_signers_at_once_both_end_up_in_the_final_version(world):
    document, signers = world
    revision_before = Meeting.objects.get(pk=document.meeting_id).revision
    barrier = threading.Barrier(len(signers))
    results: dict[str, object] = {}
    inside = threading.Semaphore(1)  # proves the lock: never two signers inside at once
    overlaps: list[bool] = []
    real_sign_bytes = document_actions._sign_bytes

    def slow_sign_bytes(*args, **kwargs):
        got = inside.acquire(blocking=False)
        overlaps.append(not got)
        try:
            out = real_sign_bytes(*args, **kwargs)
            time.sleep(HOLD_LOCK_S)
            return out
        finally:
            if got:
                inside.release()

    def sign(user) -> None:
        try:
            barrier.wait(timeout=10)
            record = do_sign_document(Document.objects.get(pk=document.pk), actor=user, pin=PIN)
            results[user.username] = record.version.number
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[user.username] = exc
        finally:
            connection.close()  # each thread had its own connection

    with mock.patch.object(document_actions, "_sign_bytes", slow_sign_bytes):
        threads = [threading.Thread(target=sign, args=(user,)) for user in signers]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started

    assert sorted(results.values(), key=str) == [2, 3], results
    assert overlaps == [False, False]
    assert elapsed >= 2 * HOLD_LOCK_S  # the second waited for the first
    versions = list(document.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    data = [v.file.open("rb").read() for v in versions]
    assert data[1].startswith(data[0]) and data[2].startswith(data[1])  # v3 builds on v2
    records = list(SignatureRecord.objects.filter(document=document).order_by("version__number"))
    assert [r.version.number for r in records] == [2, 3]
    assert sorted(r.field_name for r in records) == ["Sig1", "Sig2"]
    assert SigningRequest.objects.get(document=document).status == "completed"
    # one live event per signature, consecutive revisions
    events = list(MeetingEvent.objects.filter(meeting_id=document.meeting_id, revision__gt=revision_before)
                  .order_by("revision").values_list("revision", "type"))
    assert [t for _r, t in events].count("document.upserted") == 2
    assert [r for r, _t in events] == list(range(revision_before + 1, revision_before + 1 + len(events)))

    report = verify_pdf_bytes(data[2], trust_roots=installation_trust_roots())
    assert report["status"] == "valid", report
    assert [s["status"] for s in report["signatures"]] == ["valid", "valid"]
    assert {s["signer"] for s in report["signatures"]} == {"Nguyễn Văn Thành", "Lê Thị Phó"}
    assert len(PdfReader(BytesIO(data[2])).pages) == 2
