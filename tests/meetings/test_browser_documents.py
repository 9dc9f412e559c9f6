"""Headless Chromium against a live server: upload with progress, approval before release,
reading the watermarked document, and a written-opinion round from send to exported CSV."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from fpdf import FPDF
from PIL import Image

from ecabinet.models import Unit
from ecabinet.roles import ORGANISER
from meetings.models import Document, Meeting, OpinionAnswer
from tests.kit.browser import new_context
from tests.kit.factories import make_meeting
from tests.kit.files import make_pdf
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

PROGRESS_SPY = """
document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('[data-progress]').forEach((bar) => {
    new MutationObserver(() => window.ecbProgress(bar.hidden ? -1 : Number(bar.value)))
      .observe(bar, {attributes: true});
  });
});
"""


def signed_in(browser, live_server, user):
    return new_context(browser, live_server.url, user, accept_downloads=True, locale="vi-VN")


def big_pdf(path: str) -> str:
    """A ~4 MB PDF (a noise image), so the upload reports progress more than once."""
    image = Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3))
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    pdf.output(path)
    return path


def people():
    committee = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code="ubnd", kind="committee")
    finance = Unit.objects.create(name="Sở Tài chính", code="so-tc", kind="department", parent=committee)
    secretary = make_user("thuky", unit=committee, full_name="Nguyễn Thư Ký", roles=(ORGANISER,))
    member = make_user("thanhvien", unit=finance, full_name="Trần Thị Thành Viên")
    return committee, finance, secretary, member


def test_upload_approve_and_read_watermarked(browser, live_server, tmp_path):
    committee, finance, secretary, member = people()
    meeting = make_meeting(by=secretary, title="Họp UBND tháng 3", unit=committee, hours=2,
                           starts_at=timezone.now() + timedelta(days=1), members=[member],
                           items=[{"title": "Dự toán ngân sách", "presenting_unit": finance}],
                           status=Meeting.Status.SCHEDULED)
    item = meeting.agenda_items.get()
    url = f"{live_server.url}/meetings/{meeting.pk}/documents/"

    # The secretary uploads a 4 MB PDF: the progress bar shows and the document is released.
    ctx = signed_in(browser, live_server, secretary)
    page = ctx.new_page()
    seen: list[float] = []
    page.expose_function("ecbProgress", lambda value: seen.append(value))
    page.add_init_script(PROGRESS_SPY)
    page.goto(url)
    page.set_input_files("#id_file", big_pdf(str(tmp_path / "ke-hoach.pdf")))
    page.fill("#id_title", "Kế hoạch đầu tư công")
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("text=Kế hoạch đầu tư công")
    print("progress values seen:", seen)
    assert any(0 <= value <= 100 for value in seen), seen
    assert Document.objects.get(title="Kế hoạch đầu tư công").status == "released"

    # A member uploads to their unit's item: pending until the secretary approves.
    mctx = signed_in(browser, live_server, member)
    mpage = mctx.new_page()
    mpage.goto(url)
    (tmp_path / "to-trinh.pdf").write_bytes(make_pdf(3))
    mpage.set_input_files("#id_file", str(tmp_path / "to-trinh.pdf"))
    mpage.fill("#id_title", "Tờ trình dự toán")
    mpage.select_option("#id_agenda_item", str(item.pk))
    mpage.click("[data-testid=upload-form] button[type=submit]")
    row = mpage.locator("tr", has_text="Tờ trình dự toán")
    row.wait_for()
    assert row.locator("[data-testid=status]").get_attribute("class").endswith("pending")

    page.reload()
    page.locator("tr", has_text="Tờ trình dự toán").locator("[data-testid=approve]").click()
    page.wait_for_load_state()
    assert Document.objects.get(title="Tờ trình dự toán").status == "released"

    # The member opens their own document: the stored original (meetings/delivery.py) ...
    mpage.goto(url)
    mpage.click("text=Tờ trình dự toán")
    own = mctx.request.get(f"{live_server.url}{mpage.locator('[data-testid=viewer]').get_attribute('data-src')}")
    assert own.status == 200 and own.headers["x-ecabinet-delivery"] == "original"
    # ... and the secretary's: the in-page viewer (PDF.js) of the PDF watermarked with the member's name.
    mpage.goto(url)
    mpage.click("text=Kế hoạch đầu tư công")
    viewer = mpage.locator("[data-testid=viewer]")
    viewer.wait_for()
    src = viewer.get_attribute("data-src")
    response = mctx.request.get(f"{live_server.url}{src}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["x-ecabinet-delivery"] == "watermarked"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.body(), capture_output=True).stdout.decode()
        assert "Trần Thị Thành Viên" in text
    ctx.close()
    mctx.close()


def test_opinion_round_from_send_to_csv(browser, live_server, tmp_path):
    committee, finance, secretary, member = people()
    meeting = make_meeting(by=secretary, title="Họp UBND tháng 4", unit=committee, hours=2,
                           starts_at=timezone.now() + timedelta(days=1), status=Meeting.Status.SCHEDULED)
    ctx = signed_in(browser, live_server, secretary)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/opinions/")
    page.click("a[href='/opinions/new/']")
    page.fill("#id_title", "Dự thảo Nghị quyết về phí")
    page.fill("#id_question", "Đề nghị cho ý kiến về mức phí")
    (tmp_path / "du-thao.pdf").write_bytes(make_pdf(2))
    page.set_input_files("#id_file", str(tmp_path / "du-thao.pdf"))
    deadline = timezone.localtime() + timedelta(days=2)
    page.fill("#id_deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_asked", "thanhvien")
    page.select_option("#id_meeting", str(meeting.pk))
    page.click("[data-testid=round-form] button[type=submit]")
    page.wait_for_selector("[data-testid=tally]")
    round_url = page.url

    mctx = signed_in(browser, live_server, member)
    mpage = mctx.new_page()
    mpage.goto(f"{live_server.url}/opinions/")
    mpage.click("text=Dự thảo Nghị quyết về phí")
    mpage.check("input[name=choice][value=other]")
    mpage.fill("#id_comment", "Đề nghị giảm mức phí cho hộ nghèo")
    mpage.click("[data-testid=answer-form] button[type=submit]")
    mpage.wait_for_selector("[data-testid=my-answer]")
    assert OpinionAnswer.objects.get().choice == "other"

    page.goto(round_url)
    assert "Đề nghị giảm mức phí cho hộ nghèo" in page.locator("[data-testid=answers]").inner_text()
    with page.expect_download() as info:
        page.click("[data-testid=export-csv]")
    content = open(info.value.path(), "rb").read()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert "Trần Thị Thành Viên" in text and "Đề nghị giảm mức phí cho hộ nghèo" in text
    ctx.close()
    mctx.close()
