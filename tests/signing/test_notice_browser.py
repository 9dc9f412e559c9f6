"""The conclusion notice in a real browser, on a phone (360 px): the secretary sees the deadline on
her home page, opens the notice from the meeting page, drafts it from the conclusions, edits,
saves and sends it for approval; the chair approves; the office clerk issues it; the signed,
numbered notice is listed with the meeting and opens as a PDF sealed by the unit."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.models import Permission

from signing.models import ConclusionNotice
from signing.pdf import pki
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import ensure_installation_ca, installation_trust_roots
from tests.kit import factories as f
from tests.kit.browser import login_page as login
from tests.kit.meetings import ITEM2_CONCLUSION
from tests.kit.users import make_user
from tests.signing.test_browser_minutes import ended_meeting

EXTRA = "Giao Văn phòng theo dõi, đôn đốc việc thực hiện."


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with mock.patch.multiple(pki, _ARGON2_ITERATIONS=1, _ARGON2_MEMORY_KIB=1024, _ARGON2_LANES=1):
        yield


def no_horizontal_scroll(page) -> None:  # noqa: ANN001
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_secretary_path_from_editor_to_the_signed_notice(live_server, media, browser, own_connection):
    ensure_installation_ca()
    case = ended_meeting()
    meeting = case.rec.meeting
    admin = make_user("admin", unit=case.committee, full_name="Quản Trị", is_superuser=True, is_staff=True)
    f.give_unit_certificate(case.committee, by=admin)
    clerk = make_user("clerk", unit=case.committee, full_name="Văn Thư Phát Hành")
    clerk.user_permissions.add(Permission.objects.get(codename="issue_documents"))
    base = live_server.url

    page = login(browser, base, "secretary", phone=True)
    assert page.locator(f"[data-testid=notice-due-{meeting.pk}]").is_visible()
    page.goto(f"{base}/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Thông báo kết luận").click()
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/notice/")
    no_horizontal_scroll(page)
    # the item's conclusion assigns Sở Tài chính
    form = page.locator(f"[data-testid=notice-item-{case.rec.item2.pk}]")
    form.get_by_label("Sở Tài chính").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/notice/")
    page.click("[data-testid=notice-draft]")
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/notice/")
    # the draft opens in the same rich-text editor as the minutes (no markup shown)
    page.wait_for_selector("html[data-minutes-editor=ready]")
    editor = page.locator("[data-testid=notice-editor-text]")
    assert ITEM2_CONCLUSION in editor.inner_text()
    assert "Đơn vị thực hiện: Sở Tài chính." in editor.inner_text()
    assert "<p>" not in editor.inner_text()
    last = editor.locator(":scope > *").last
    box = last.bounding_box()
    last.click(position={"x": box["width"] - 2, "y": box["height"] - 4})
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type(EXTRA)
    page.click("[data-testid=notice-save]")
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/notice/")
    assert EXTRA in page.locator("[data-testid=notice-paper]").inner_text()
    no_horizontal_scroll(page)
    page.click("[data-testid=notice-submit]")
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/notice/")
    assert page.locator("[data-testid=notice-status]").inner_text() == "chờ duyệt"

    chair = login(browser, base, "chair", phone=True)
    chair.goto(f"{base}/meetings/{meeting.pk}/notice/")
    chair.click("[data-testid=notice-approve]")
    chair.wait_for_url(f"{base}/meetings/{meeting.pk}/notice/")
    assert chair.locator("[data-testid=notice-status]").inner_text() == "đã duyệt"

    office = login(browser, base, "clerk", phone=True)
    office.locator(f"[data-testid=notice-issue-{meeting.pk}] a").click()
    office.wait_for_url(f"{base}/meetings/{meeting.pk}/notice/")
    office.click("[data-testid=notice-issue]")
    office.click("[data-testid=confirm-dialog-ok]")
    office.locator("[data-testid=notice-number]").wait_for()
    assert office.locator("[data-testid=notice-number]").inner_text() == "01/TB-UBND"

    # the secretary finds the signed notice with the meeting's documents
    page.goto(f"{base}/meetings/{meeting.pk}/")
    link = page.get_by_role("link", name="Thông báo số 01/TB-UBND", exact=False).first
    assert link.is_visible()
    notice = ConclusionNotice.objects.get(meeting=meeting)
    with page.expect_download() as download:
        page.evaluate(f"window.location.href = '{base}/meetings/{meeting.pk}/notice/notice.pdf'")
    data = open(download.value.path(), "rb").read()
    report = verify_pdf_bytes(data, trust_roots=[*installation_trust_roots()])
    assert report["status"] == "valid", report
    assert [s["signer"] for s in report["signatures"]] == [case.committee.name]
    assert notice.number == "01/TB-UBND"
