"""The PDF.js document viewer (templates/meetings/documents/_viewer.html, static/meetings/viewer.js)
in headless Chromium against a live server, at phone size (360 px, touch) and on a desktop, each in
a context of its own: a member reads a released document (the watermarked copy drawn on canvases),
goes to page 3, searches the text, and adds a note on page 2 that lands in the database; an
outsider gets the 404 page, anonymous the login page; a file the server refuses to deliver is said
so in the page. No page error and no console error on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from fpdf import FPDF

from meetings.actions.notes import do_add_note
from meetings.models import Document, Meeting, PersonalNote
from tests.kit.browser import new_context
from tests.kit.factories import make_meeting, upload_document, upload_own_document
from tests.kit.files import make_pdf
from tests.kit.pagewatch import Watch
from tests.kit.users import make_people

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Kế hoạch đầu tư công"
PAGES = 4
# How many pixels of a drawn page canvas are not white: text, the watermark.
INK = """(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) ink++;
  return ink;
}"""
# The box of a page inside the pages' scroll box: [top, bottom] relative to the box's top and
# the box's height.
PLACE = """([page, box]) => {
  const p = page.getBoundingClientRect(), b = box.getBoundingClientRect();
  return [p.top - b.top, p.bottom - b.top, b.height];
}"""


@pytest.fixture
def released(db):
    people = make_people()
    meeting = make_meeting(by=people.owner, title="Họp UBND tháng 5", unit=people.department, hours=2,
                           starts_at=timezone.now() + timedelta(days=1), members=[people.member],
                           status=Meeting.Status.SCHEDULED)
    document = upload_document(meeting, by=people.owner, title="Kế hoạch đầu tư công 2027",
                               data=make_pdf(PAGES, text=TEXT))
    assert document.status == Document.Status.RELEASED
    return people, document


def watch(page) -> list[str]:
    """Page errors and console errors (the kit's one watch: the browser's own network lines are
    not script errors)."""
    return Watch(page).errors


def open_viewer(browser, live_server, user, document, *, phone: bool):
    options = {"has_touch": True, "is_mobile": True, "device_scale_factor": 2} if phone else {}
    context = new_context(browser, live_server.url, user, phone=phone, locale="vi-VN", **options)
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{live_server.url}/documents/{document.pk}/")
    return context, page, problems


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_member_reads_searches_and_notes(released, browser, live_server, phone):
    people, document = released
    context, page, problems = open_viewer(browser, live_server, people.member, document, phone=phone)
    viewer = page.locator("[data-testid=viewer]")
    # The old direct link to the file stays, and the viewer draws the same URL.
    assert viewer.get_attribute("data-src") == f"/documents/{document.pk}/view/"
    assert page.locator("[data-testid=viewer-open]").get_attribute("href") == f"/documents/{document.pk}/view/"

    # Page 1 is drawn (a canvas with ink on it), the page count is read from the file.
    page.wait_for_selector('.pdfv-page[data-page="1"].drawn canvas')
    assert page.locator("[data-testid=viewer-page-count]").inner_text() == str(PAGES)
    assert viewer.get_attribute("data-build") == "modern"
    canvas = page.locator('.pdfv-page[data-page="1"] canvas')
    assert canvas.evaluate(INK) > 500
    # Fit to width: the page is as wide as the box allows, and the canvas is drawn for the
    # screen's pixel ratio (2 on the phone).
    box = page.locator("[data-pages]")
    page_width = page.locator('.pdfv-page[data-page="1"]').bounding_box()["width"]
    box_width = box.evaluate("(el) => el.clientWidth")
    assert box_width - 40 <= page_width <= box_width
    ratio = 2 if phone else 1
    assert canvas.evaluate("(c) => c.width") >= int(page_width * ratio) - 2
    # Nothing runs off the side of a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    # Go to page 3: it is drawn and at the top of the box; the notes follow it.
    page.fill("[data-testid=viewer-page]", "3")
    page.press("[data-testid=viewer-page]", "Enter")
    page.wait_for_selector('.pdfv-page[data-page="3"].drawn canvas')
    assert page.locator('.pdfv-page[data-page="3"] canvas').evaluate(INK) > 500
    top, bottom, height = page.evaluate(PLACE, [page.locator('.pdfv-page[data-page="3"]').element_handle(),
                                                 box.element_handle()])
    assert top < height and bottom > 0, (top, bottom, height)
    page.wait_for_selector('[data-testid=viewer-notes][data-page="3"]')
    assert "3" in page.locator("[data-notes-title]").inner_text()

    # Search: every page says the text once; accents are optional; the match is highlighted.
    page.fill("[data-testid=viewer-search]", "đầu tư")
    page.press("[data-testid=viewer-search]", "Enter")
    page.wait_for_selector(f'[data-testid=viewer][data-hits="{PAGES}"]')
    count = page.locator("[data-testid=viewer-search-count]")
    assert count.inner_text().endswith(str(PAGES)), count.inner_text()
    page.wait_for_selector(".pdfv-hit.selected")
    assert page.locator(".pdfv-hit.selected").first.inner_text().lower() in ("đầu tư", "đầu", "tư")
    page.fill("[data-testid=viewer-search]", "ke hoach")
    page.press("[data-testid=viewer-search]", "Enter")
    page.wait_for_selector(f'[data-testid=viewer][data-hits="{PAGES}"]')
    page.fill("[data-testid=viewer-search]", "không có trong tệp")
    page.press("[data-testid=viewer-search]", "Enter")
    page.wait_for_selector('[data-testid=viewer][data-hits="0"]')
    assert page.locator("[data-testid=viewer-search-count]").inner_text() == "Không tìm thấy"

    # A note on page 2: shown with page 2, stored with page=2, beside or under the pages.
    page.fill("[data-testid=viewer-page]", "2")
    page.press("[data-testid=viewer-page]", "Enter")
    page.wait_for_selector('[data-testid=viewer-notes][data-page="2"]')
    page.fill("#id_text", "Hỏi lại số liệu vốn đối ứng")
    page.click("[data-testid=note-form] button[type=submit]")
    note = page.locator("[data-testid=viewer-notes-list] .pdfv-note", has_text="Hỏi lại số liệu vốn đối ứng")
    note.wait_for()
    stored = PersonalNote.objects.get(user=people.member, document=document)
    assert stored.page == 2 and stored.text == "Hỏi lại số liệu vốn đối ứng"
    notes_box = page.locator("[data-testid=viewer-notes]").bounding_box()
    pages_box = box.bounding_box()
    if phone:
        assert notes_box["y"] >= pages_box["y"] + pages_box["height"] - 1  # under the pages
    else:
        assert notes_box["x"] >= pages_box["x"] + pages_box["width"] - 1  # beside them
    # Page 3 has no note; back on page 2 the note is there again.
    page.click("[data-act=next]")
    page.wait_for_selector('[data-testid=viewer-notes][data-page="3"]')
    assert note.count() == 0
    page.click("[data-act=prev]")
    page.wait_for_selector('[data-testid=viewer-notes][data-page="2"]')
    assert note.count() == 1

    # The thumbnails: a drawer on the phone (closed at first), a column on the desktop.
    thumbs = page.locator("#pdfv-thumbs")
    assert thumbs.is_visible() is (not phone)
    if phone:
        page.click("[data-testid=viewer-thumbs-toggle]")
    page.wait_for_selector('.pdfv-thumb[data-page="4"] canvas')
    page.click('.pdfv-thumb[data-page="4"]')
    page.wait_for_selector('[data-testid=viewer-notes][data-page="4"]')
    assert page.locator("[data-testid=viewer-page]").input_value() == "4"

    assert problems == []
    context.close()


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_zoom_buttons_and_fit(released, browser, live_server, phone):
    people, document = released
    context, page, problems = open_viewer(browser, live_server, people.member, document, phone=phone)
    page.wait_for_selector('.pdfv-page[data-page="1"].drawn canvas')
    first = page.locator('.pdfv-page[data-page="1"]')
    fitted = first.bounding_box()["width"]
    page.click("[data-act=zoom-in]")
    assert first.bounding_box()["width"] > fitted * 1.2
    assert page.locator("[data-act=fit]").get_attribute("aria-pressed") == "false"
    page.click("[data-act=fit]")
    assert abs(first.bounding_box()["width"] - fitted) < 2
    if not phone:
        # From the keyboard: in the pages, + zooms in and 0 fits the width again.
        page.focus("[data-pages]")
        page.keyboard.press("+")
        assert first.bounding_box()["width"] > fitted * 1.2
        page.keyboard.press("0")
        assert abs(first.bounding_box()["width"] - fitted) < 2
    if phone:
        # A double tap zooms in around the finger, another one fits the width again.
        spot = first.bounding_box()
        x, y = spot["x"] + spot["width"] / 2, spot["y"] + 100
        page.touchscreen.tap(x, y)
        page.touchscreen.tap(x, y)
        page.wait_for_function("(w) => document.querySelector('.pdfv-page').getBoundingClientRect().width > w * 1.5",
                               arg=fitted)
        page.touchscreen.tap(x, y)
        page.touchscreen.tap(x, y)
        page.wait_for_function("(w) => Math.abs(document.querySelector('.pdfv-page').getBoundingClientRect().width - w) < 2",
                               arg=fitted)
        # Two fingers moving apart zoom in (Chromium's touch events through the DevTools protocol).
        cdp = context.new_cdp_session(page)

        def touch(kind, points):
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
                {"x": px, "y": py, "id": n} for n, (px, py) in enumerate(points)]})

        touch("touchStart", [(x - 30, y), (x + 30, y)])
        for spread in range(40, 160, 20):
            touch("touchMove", [(x - spread, y), (x + spread, y)])
        touch("touchEnd", [])
        page.wait_for_function("(w) => document.querySelector('.pdfv-page').getBoundingClientRect().width > w * 2",
                               arg=fitted)
        assert page.locator("[data-act=fit]").get_attribute("aria-pressed") == "false"
        page.click("[data-act=fit]")
        # Turning the phone re-fits the page to the new width.
        page.set_viewport_size({"width": 800, "height": 360})
        page.wait_for_function("(w) => document.querySelector('.pdfv-page').getBoundingClientRect().width > w * 1.5",
                               arg=fitted)
    assert problems == []
    context.close()


def test_outsider_and_anonymous_see_no_viewer(released, browser, live_server):
    people, document = released
    context = new_context(browser, live_server.url, people.outsider, locale="vi-VN", phone=True)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/documents/{document.pk}/")
    assert response.status == 404
    assert page.locator("[data-testid=viewer]").count() == 0
    context.close()

    anonymous = new_context(browser, live_server.url, locale="vi-VN", phone=True)
    page = anonymous.new_page()
    page.goto(f"{live_server.url}/documents/{document.pk}/")
    assert page.url.startswith(f"{live_server.url}/login/")
    assert page.locator("[data-testid=viewer]").count() == 0
    anonymous.close()


def test_a_refused_file_is_said_in_the_page(released, browser, live_server):
    people, document = released
    # The stored file no longer matches its SHA-256: the one delivery path refuses it (409).
    version = document.versions.get()
    with version.file.open("wb") as handle:
        handle.write(make_pdf(1, text="Tệp đã bị sửa"))
    context, page, problems = open_viewer(browser, live_server, people.member, document, phone=False)
    error = page.locator("[data-testid=viewer-error]")
    error.wait_for()
    assert error.inner_text() == "Không hiển thị được tài liệu."
    assert page.locator(".pdfv-page").count() == 0
    # The browser reports the refused request itself; nothing else went wrong.
    assert all("409" in problem for problem in problems), problems
    context.close()


def test_the_signing_page_shows_the_document_in_the_viewer(released, browser, live_server):
    people, _ = released
    own = upload_own_document(by=people.member, title="Hợp đồng cần ký", data=make_pdf(2, text="Điều khoản thanh toán"))
    context = new_context(browser, live_server.url, people.member, locale="vi-VN", phone=True, has_touch=True,
                          is_mobile=True)
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{live_server.url}/signing/documents/{own.pk}/")
    viewer = page.locator("[data-testid=viewer]")
    assert viewer.get_attribute("data-src") == f"/signing/documents/{own.pk}/file"
    page.wait_for_selector('.pdfv-page[data-page="1"].drawn canvas')
    assert page.locator('.pdfv-page[data-page="1"] canvas').evaluate(INK) > 200
    assert page.locator("[data-testid=viewer-page-count]").inner_text() == "2"
    page.fill("[data-testid=viewer-search]", "thanh toan")
    page.press("[data-testid=viewer-search]", "Enter")
    page.wait_for_selector('[data-testid=viewer][data-hits="2"]')
    assert problems == []
    context.close()

    # Someone the document is not shared with gets the 404 page, without a viewer.
    context = new_context(browser, live_server.url, people.outsider, locale="vi-VN", phone=True)
    page = context.new_page()
    assert page.goto(f"{live_server.url}/signing/documents/{own.pk}/").status == 404
    assert page.locator("[data-testid=viewer]").count() == 0
    context.close()


def core_font_pdf() -> bytes:
    """A PDF whose font is not embedded (Helvetica, one of the 14 standard fonts): the viewer
    draws it with the standard font files served beside PDF.js."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=28)
    for n in (1, 2):
        pdf.add_page()
        pdf.cell(text=f"Quyet dinh so {n} - Helvetica")
    return bytes(pdf.output())


def test_a_font_the_file_does_not_embed_is_drawn(released, browser, live_server):
    people, _ = released
    own = upload_own_document(by=people.member, title="Quyết định", data=core_font_pdf())
    context = new_context(browser, live_server.url, people.member, locale="vi-VN")
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{live_server.url}/signing/documents/{own.pk}/")
    page.wait_for_selector('.pdfv-page[data-page="1"].drawn canvas')
    assert page.locator('.pdfv-page[data-page="1"] canvas').evaluate(INK) > 500
    # What PDF.js falls back to for such fonts (and for CJK-encoded text) is served beside it.
    for path in ("pdfjs/standard_fonts/LiberationSans-Regular.ttf", "pdfjs/standard_fonts/FoxitSerif.pfb",
                 "pdfjs/cmaps/UniGB-UCS2-H.bcmap", "pdfjs/pdf.worker.min.mjs", "pdfjs/wasm/openjpeg_nowasm_fallback.js"):
        assert context.request.get(f"{live_server.url}/static/{path}").status == 200, path
    page.fill("[data-testid=viewer-search]", "quyet dinh")
    page.press("[data-testid=viewer-search]", "Enter")
    page.wait_for_selector('[data-testid=viewer][data-hits="2"]')
    assert problems == []
    context.close()


def test_notes_are_edited_and_deleted_in_the_viewer_and_seen_by_their_author_only(released, browser, live_server):
    people, document = released
    first = do_add_note(actor=people.member, document=document, page=1, text="Số liệu quý 3 cần kiểm tra")
    do_add_note(actor=people.member, document=document, text="Cả tài liệu: đối chiếu với kế hoạch năm")
    context, page, problems = open_viewer(browser, live_server, people.member, document, phone=True)
    notes = page.locator("[data-testid=viewer-notes-list]")
    note = notes.locator(f'.pdfv-note[data-note="{first.pk}"]')
    note.wait_for()
    assert note.inner_text().startswith("Số liệu quý 3 cần kiểm tra")
    assert "Cả tài liệu: đối chiếu với kế hoạch năm" in notes.inner_text()
    # The thumbnail of page 1 counts its note.
    assert page.locator('.pdfv-thumb[data-page="1"] .pdfv-thumb-notes').inner_text() == "1"

    note.get_by_role("button", name="Sửa").click()
    note.locator("textarea").fill("Số liệu quý 3 đã khớp")
    note.get_by_role("button", name="Lưu").click()
    edited = notes.locator(".pdfv-note", has_text="Số liệu quý 3 đã khớp")
    edited.wait_for()
    stored = PersonalNote.objects.get(user=people.member, page=1)
    assert stored.text == "Số liệu quý 3 đã khớp"

    # Deleting asks first; going back keeps the note, confirming deletes it.
    edited.get_by_role("button", name="Xóa").click()
    page.click("[data-testid=confirm-dialog-back]")
    assert PersonalNote.objects.filter(pk=stored.pk).exists()
    edited.get_by_role("button", name="Xóa").click()
    page.click("[data-testid=confirm-dialog-ok]")
    edited.wait_for(state="detached")
    assert not PersonalNote.objects.filter(pk=stored.pk).exists()
    assert PersonalNote.objects.filter(user=people.member).count() == 1

    # A note for another page than the one in view: the viewer goes to that page, where it is.
    assert page.locator("#id_page").input_value() == "1"
    page.fill("#id_page", "3")
    page.fill("#id_text", "Trang 3: bảng tổng hợp")
    page.click("[data-testid=note-form] button[type=submit]")
    page.wait_for_selector('[data-testid=viewer-notes][data-page="3"]')
    notes.locator(".pdfv-note", has_text="Trang 3: bảng tổng hợp").wait_for()
    assert PersonalNote.objects.get(user=people.member, text="Trang 3: bảng tổng hợp").page == 3
    assert page.locator("[data-testid=viewer-page]").input_value() == "3"
    assert page.locator("#id_page").input_value() == "3"
    assert problems == []
    context.close()

    # The meeting's owner reads the same document: none of the member's notes.
    context, page, problems = open_viewer(browser, live_server, people.owner, document, phone=False)
    page.wait_for_selector('.pdfv-page[data-page="1"].drawn canvas')
    page.wait_for_load_state("networkidle")
    text = page.locator("[data-testid=viewer-notes-list]").inner_text()
    assert "đối chiếu" not in text and "Trang này chưa có ghi chú." in text
    assert problems == []
    context.close()


def test_a_long_document_keeps_few_pages_drawn(released, browser, live_server):
    people, document = released
    long = upload_document(document.meeting, by=people.owner, title="Báo cáo dài", data=make_pdf(40, text=TEXT))
    context, page, problems = open_viewer(browser, live_server, people.member, long, phone=True)
    page.wait_for_selector('.pdfv-page[data-page="1"].drawn canvas')
    page.wait_for_selector("[data-testid=viewer]:not([data-busy])")
    # Only the pages near the visible one are drawn ...
    assert 1 <= page.locator(".pdfv-page.drawn").count() <= 6
    # ... and reading on, the pages left far behind are dropped again.
    for number in (10, 20, 30, 40):
        page.fill("[data-testid=viewer-page]", str(number))
        page.press("[data-testid=viewer-page]", "Enter")
        page.wait_for_selector(f'.pdfv-page[data-page="{number}"].drawn canvas')
        page.wait_for_selector("[data-testid=viewer]:not([data-busy])")
    drawn = page.locator(".pdfv-page canvas").count()
    assert drawn <= 14, drawn
    assert page.locator('.pdfv-page[data-page="1"] canvas').count() == 0
    assert problems == []
    context.close()


def test_an_older_browser_gets_the_legacy_build(released, browser, live_server):
    """Safari before iOS 18.2 has neither Promise.try nor URL.parse: the legacy build is loaded."""
    people, document = released
    context = new_context(browser, live_server.url, people.member, locale="vi-VN", phone=True, has_touch=True,
                          is_mobile=True)
    context.add_init_script("delete Promise.try; delete URL.parse;")
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{live_server.url}/documents/{document.pk}/")
    page.wait_for_selector('.pdfv-page[data-page="1"].drawn canvas')
    assert page.get_attribute("[data-testid=viewer]", "data-build") == "legacy"
    assert page.locator('.pdfv-page[data-page="1"] canvas').evaluate(INK) > 100
    page.fill("[data-testid=viewer-search]", "đầu tư")
    page.press("[data-testid=viewer-search]", "Enter")
    page.wait_for_selector(f'[data-testid=viewer][data-hits="{PAGES}"]')
    assert problems == []
    context.close()


def test_a_file_gone_or_out_of_reach_is_said_in_the_page(released, browser, live_server):
    """What the reader is told when the file's answer is a 404 (access withdrawn since the page
    was loaded), and when the device went offline before the file came (and none was kept)."""
    people, document = released
    # No service worker: its fetches of the file would pass by page.route (Playwright's rule).
    context = new_context(browser, live_server.url, people.member, locale="vi-VN", phone=True,
                          service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/documents/*/view/", lambda route: route.fulfill(status=404, body="Không tìm thấy"))
    page.goto(f"{live_server.url}/documents/{document.pk}/")
    error = page.locator("[data-testid=viewer-error]")
    error.wait_for()
    assert error.inner_text() == "Bạn không được đọc tài liệu này, hoặc tài liệu không còn nữa."

    def offline(route):
        context.set_offline(True)
        route.abort("internetdisconnected")

    page.unroute("**/documents/*/view/")
    page.route("**/documents/*/view/", offline)
    page.goto(f"{live_server.url}/documents/{document.pk}/")
    error.wait_for()
    assert error.inner_text() == "Không tải được tài liệu: hãy kiểm tra kết nối rồi thử lại."
    # The link to the file stays, for when the connection is back.
    assert page.locator("[data-testid=viewer-open]").is_visible()
    assert errors == []
    context.close()
