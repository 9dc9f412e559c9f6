"""The first-time tour of the home page in a real browser at phone size (help, issue 12): it appears
on the first home page after signing in, goes through its steps (the folded menu's steps point at
the menu button), can be finished or skipped, and is not shown again; the help index shows it
again on request. Every step's text is Vietnamese, from the server."""

from __future__ import annotations

import pytest

from ecabinet.models import TourSeen
from tests.kit.browser import login_page
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_the_tour_is_shown_once_and_can_be_finished(live_server, browser, own_connection):
    member = make_user("daibieu", full_name="Lê Văn Đại Biểu")
    page = login_page(browser, live_server.url, "daibieu", phone=True, tour=True)
    errors = watch(page)
    popover = page.locator("[data-testid=tour-popover]")
    popover.wait_for()
    assert "Chào mừng đồng chí đến với eCabinet" in popover.inner_text()
    titles = []
    for _step in range(5):
        titles.append(page.locator(".driver-popover-title").inner_text())
        box = popover.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
        page.click("[data-testid=tour-next]")
    assert titles == ["Chào mừng đồng chí đến với eCabinet", "Thanh điều hướng", "Cuộc họp của đồng chí",
                      "Thông báo", "Trợ giúp"]
    page.wait_for_selector("html[data-tour=finished]")
    page.wait_for_function("!document.querySelector('.driver-popover')")
    for _ in range(50):
        if TourSeen.objects.filter(user=member).exists():
            break
        page.wait_for_timeout(100)
    assert TourSeen.objects.get(user=member).finished
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # not again
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=tour-popover]").count() == 0
    assert page.locator("#help-tour-steps").count() == 0
    # the menu still opens and leads to the help index, which shows the tour again on request
    page.click("label.nav-toggle-label")
    page.click("[data-testid=help-link]")
    page.wait_for_url(f"{live_server.url}/help/**")
    page.goto(f"{live_server.url}/help/")
    page.click("[data-testid=tour-again]")
    popover.wait_for()
    assert errors == []


def test_the_tour_can_be_skipped(live_server, browser, own_connection):
    member = make_user("khach", full_name="Trịnh Minh Khách")
    page = login_page(browser, live_server.url, "khach", phone=True, tour=True)
    errors = watch(page)
    page.locator("[data-testid=tour-popover]").wait_for()
    assert page.locator("[data-testid=tour-skip]").inner_text() == "Bỏ qua"
    page.click("[data-testid=tour-skip]")
    page.wait_for_selector("html[data-tour=skipped]")
    for _ in range(50):
        if TourSeen.objects.filter(user=member).exists():
            break
        page.wait_for_timeout(100)
    assert not TourSeen.objects.get(user=member).finished
    # the page is usable at once: the menu opens under a finger
    page.click("label.nav-toggle-label")
    assert page.locator("[data-testid=help-link]").is_visible()
    page.reload()
    assert page.locator("[data-testid=tour-popover]").count() == 0
    assert errors == []
