"""The minutes in a real browser: the secretary of an ended meeting opens "Biên bản cuộc họp"
from the meeting page, writes the draft from the record, edits, saves and freezes it; the
secretary then the chair sign with their PIN; the public /verify/ page shows both signatures
valid for the downloaded PDF."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import pytest

from ecabinet.models import Position, Unit
from ecabinet.roles import ORGANISER
from signing.actions.certificates import issue_certificate_for
from signing.models import Minutes, SigningRequest
from signing.pdf import pki
from signing.trust import ensure_installation_ca
from tests.kit.browser import login_page as login
from tests.kit.cases import PIN
from tests.kit.meetings import ITEM1_CONCLUSION, run_meeting
from tests.kit.users import make_user

EXTRA = "Ý kiến bổ sung của thư ký: số liệu đã được đối chiếu với Sở Tài chính."


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Argon2id at full cost would dominate the run; the key blob records its own parameters.
    with mock.patch.multiple(pki, _ARGON2_ITERATIONS=1, _ARGON2_MEMORY_KIB=1024, _ARGON2_LANES=1):
        yield


def ended_meeting() -> SimpleNamespace:
    committee = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code="ubnd-thu", kind="committee")
    department = Unit.objects.create(name="Sở Tài chính", code="so-tc", kind="department", parent=committee)
    chair_position = Position.objects.create(name="Chủ tịch UBND tỉnh", rank=10)
    case = SimpleNamespace(
        committee=committee, department=department,
        secretary=make_user("secretary", unit=committee, full_name="Trần Thị Hồng Nhung", roles=(ORGANISER,)),
        chair=make_user("chair", unit=committee, full_name="Nguyễn Văn Thành", position=chair_position),
        member=make_user("member", unit=department, full_name="Trần Thị Thành Viên"),
        owner=make_user("owner", unit=department, full_name="Nguyễn Văn Chủ"),
        guest=make_user("guest", unit=committee, full_name="Trịnh Minh Đức"),
    )
    for user in (case.secretary, case.chair):
        issue_certificate_for(user, PIN)
    case.rec = run_meeting(case)
    return case


def sign_on_document_page(page, base: str, document_id: int, signed_before: int) -> None:
    page.goto(f"{base}/signing/documents/{document_id}/")
    assert page.locator("[data-testid=signature]").count() == signed_before
    page.fill("#pin", PIN)
    page.click("[data-testid=sign-button]")
    page.wait_for_url(f"{base}/signing/documents/{document_id}/")
    page.locator("[data-testid=signature]").nth(signed_before).wait_for()


@pytest.mark.django_db(transaction=True)
def test_minutes_from_meeting_page_to_public_verification(live_server, media, browser, tmp_path):
    ensure_installation_ca()
    case = ended_meeting()
    meeting = case.rec.meeting
    base = live_server.url

    page = login(browser, base, "secretary")
    page.goto(f"{base}/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Biên bản cuộc họp").click()
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/minutes/")
    page.click("[data-testid=minutes-generate]")
    page.wait_for_selector("html[data-minutes-editor=ready]")  # the rich-text editor
    editor = page.locator("[data-testid=minutes-editor]")
    assert ITEM1_CONCLUSION in editor.inner_text()
    last = editor.locator(":scope > *").last  # the end of the last paragraph
    box = last.bounding_box()
    last.click(position={"x": box["width"] - 2, "y": box["height"] - 4})
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type(EXTRA)
    page.click("[data-testid=minutes-save]")
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/minutes/")
    page.wait_for_selector("html[data-minutes-editor=ready]")
    assert EXTRA in page.locator("[data-testid=minutes-editor]").inner_text()
    assert Minutes.objects.get().version == 2
    page.click("[data-testid=minutes-freeze]")
    page.click("[data-testid=confirm-dialog-ok]")  # freezing asks first
    page.locator("[data-testid=minutes-frozen]").wait_for()

    minutes = Minutes.objects.select_related("signing_request").get()
    assert minutes.status == Minutes.Status.FROZEN and EXTRA in minutes.text
    frozen = page.locator("[data-testid=minutes-frozen]").inner_text()
    assert frozen.index(f"1. {case.secretary.full_name}") < frozen.index(f"2. {case.chair.full_name}"), frozen
    assert "đang chờ ký" in page.locator("[data-testid=minutes-request]").inner_text()

    # the secretary signs first, from the minutes page's link to the document
    page.click("[data-testid=minutes-document]")
    document_id = minutes.document_id
    page.wait_for_url(f"{base}/signing/documents/{document_id}/")
    sign_on_document_page(page, base, document_id, 0)

    chair = login(browser, base, "chair")
    sign_on_document_page(chair, base, document_id, 1)
    minutes.signing_request.refresh_from_db()
    assert minutes.signing_request.status == SigningRequest.Status.COMPLETED

    download = chair.request.get(f"{base}/signing/documents/{document_id}/file")
    assert download.ok and download.headers["content-type"] == "application/pdf"
    signed = tmp_path / "bien-ban.pdf"
    signed.write_bytes(download.body())

    visitor = browser.new_page(locale="vi-VN")
    visitor.goto(f"{base}/verify/")
    visitor.set_input_files("#file", str(signed))
    visitor.click("[data-testid=verify-button]")
    report = visitor.locator("[data-testid=verify-report]")
    assert report.get_attribute("data-status") == "valid"
    signatures = visitor.locator("[data-testid=verify-signature]")
    assert signatures.count() == 2
    assert visitor.locator("[data-testid=verify-signature] .status.valid").count() == 2
    names = signatures.all_inner_texts()
    assert case.secretary.full_name in names[0] and case.chair.full_name in names[1], names
