"""The minutes' rich-text editor in a real browser, on a phone (360 px): the secretary of an ended
meeting writes the draft, types Vietnamese in bold and a list with the toolbar, saves, reloads:
the text is there with its diacritics (stored as sanitized HTML), the preview shows it in the
paper's font (Tinos, never monospace), nothing overflows the screen, and the freeze works. The
page runs under the CSP (no inline script): a CSP violation fails the test."""

from __future__ import annotations

import pytest

from signing.models import Minutes
from signing.trust import ensure_installation_ca
from tests.kit.browser import login_page as login
from tests.signing.test_browser_minutes import ended_meeting, media  # noqa: F401 - fixture

BOLD = "Ý kiến bổ sung: chuyển đổi số"
ITEMS = ("Mục thứ nhất: kiểm tra ể ỗ ự", "Mục thứ hai: đối chiếu số liệu")


@pytest.mark.django_db(transaction=True)
def test_secretary_edits_minutes_with_the_rich_text_editor(live_server, media, browser):  # noqa: F811
    ensure_installation_ca()
    case = ended_meeting()
    meeting = case.rec.meeting
    base = live_server.url
    page = login(browser, base, "secretary", phone=True)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base}/meetings/{meeting.pk}/minutes/")
    page.click("[data-testid=minutes-generate]")
    page.wait_for_selector("html[data-minutes-editor=ready]")
    editor = page.locator("[data-testid=minutes-editor]")
    assert editor.is_visible()
    font = editor.evaluate("e => getComputedStyle(e).fontFamily")
    assert "Tinos" in font and "mono" not in font.lower(), font
    # the toolbar speaks Vietnamese
    bold_button = page.locator(".prose-editor [title='Chữ đậm']")
    assert bold_button.count() == 1
    assert page.locator(".prose-editor [title='bold'], .prose-editor [title='italic']").count() == 0

    # The caret to the end of the text ("End" alone ends the visual line of a paragraph wrapped
    # on a phone), and wait until it is there. ProseMirror, 20 ms after it gains focus, puts back
    # its own selection (the start) if it has not yet seen the page's: on a loaded machine that
    # came after "Control+End" and the text went to the top. So wait for the focus, then for a
    # timer queued after ProseMirror's, and only then move the caret.
    editor.focus()
    page.wait_for_selector("[data-testid=minutes-editor].ProseMirror-focused")
    page.evaluate("() => new Promise(done => setTimeout(done, 100))")
    page.keyboard.press("Control+End")
    page.wait_for_function("""() => {
        const editor = document.querySelector("[data-testid=minutes-editor]");
        const at = window.getSelection();
        if (!at.anchorNode || !editor.contains(at.anchorNode)) return false;
        const rest = document.createRange();
        rest.setStart(at.anchorNode, at.anchorOffset);
        rest.setEnd(editor, editor.childNodes.length);
        return rest.toString() === "";
    }""")
    page.keyboard.press("Enter")
    bold_button.click()
    page.keyboard.type(BOLD)
    bold_button.click()
    page.keyboard.press("Enter")
    page.locator(".prose-editor [title='Danh sách gạch đầu dòng']").click()
    page.keyboard.type(ITEMS[0])
    page.keyboard.press("Enter")
    page.keyboard.type(ITEMS[1])
    page.click("[data-testid=minutes-save]")
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/minutes/")

    minutes = Minutes.objects.get()
    assert minutes.version == 2
    assert f"<strong>{BOLD}</strong>" in minutes.text, minutes.text[-600:]
    assert f"<ul><li><p>{ITEMS[0]}</p></li><li><p>{ITEMS[1]}</p></li></ul>" in minutes.text

    page.reload()
    page.wait_for_selector("html[data-minutes-editor=ready]")
    editor = page.locator("[data-testid=minutes-editor]")
    assert BOLD in editor.inner_text() and ITEMS[0] in editor.inner_text()
    assert editor.locator("strong", has_text=BOLD).count() == 1
    assert editor.locator("li", has_text=ITEMS[1]).count() == 1
    preview = page.locator("[data-testid=minutes-paper-preview] .paper")
    assert BOLD in preview.inner_text() and ITEMS[1] in preview.inner_text()
    assert preview.locator("strong", has_text=BOLD).count() == 1
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in preview.inner_text()
    assert "Tinos" in preview.evaluate("e => getComputedStyle(e).fontFamily")
    assert page.evaluate("document.fonts.load('14pt Tinos').then(() => document.fonts.check('14pt Tinos'))")
    # 360 px: the page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 362

    page.click("[data-testid=minutes-freeze]")
    page.click("[data-testid=confirm-dialog-ok]")
    page.locator("[data-testid=minutes-frozen]").wait_for()
    assert Minutes.objects.get().status == Minutes.Status.FROZEN
    assert BOLD in page.locator("[data-testid=minutes-frozen] .paper").inner_text()
    assert not violations, violations
