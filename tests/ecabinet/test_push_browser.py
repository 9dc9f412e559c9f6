"""In headless Chromium over daphne: the unread badge changes live (no reload) when the server
creates a notification and when the person marks them read in another tab; the notification
settings page at phone size."""

from __future__ import annotations

import pytest

from meetings.models import Meeting
from tests.kit.browser import new_context
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)

POST_FROM_PAGE = """async (url) => {
  const token = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)[1];
  const response = await fetch(url, {method: "POST", headers: {"X-CSRFToken": token, "Accept": "application/json"}});
  return response.status;
}"""


def test_the_unread_badge_updates_live(app_server, browser):
    server = app_server
    room = make_room(Meeting.Status.DRAFT, prefix="badge")
    member = new_context(browser, server.url, room.member, phone=True, locale="vi-VN").new_page()
    member.goto(f"{server.url}/")
    member.wait_for_selector("html[data-me-socket=open]")
    badge = member.locator("[data-testid=unread-count]")  # beside "Notifications", in the folded menu
    menu_badge = member.locator("[data-testid=unread-count-menu]")  # on the menu button, in sight
    assert badge.is_hidden() and menu_badge.is_hidden()
    member.evaluate("window.notReloaded = true")

    # the secretary schedules the meeting: the invitation is a notification made by the server
    secretary = new_context(browser, server.url, room.secretary, phone=True).new_page()
    secretary.goto(f"{server.url}/")
    assert secretary.evaluate(POST_FROM_PAGE, f"/api/v1/meetings/{room.meeting.pk}/schedule") == 200
    member.wait_for_selector("[data-testid=unread-count-menu]:visible")
    assert menu_badge.inner_text() == "1"
    member.click("label.nav-toggle-label")
    assert badge.is_visible() and badge.inner_text() == "1"
    assert member.evaluate("window.notReloaded") is True

    # read in another tab: the first one's badge goes away, still without a reload
    other_tab = member.context.new_page()
    other_tab.goto(f"{server.url}/notifications/")
    other_tab.click("main.content form button[type=submit]")
    member.wait_for_selector("[data-testid=unread-count]", state="hidden")
    assert menu_badge.is_hidden()
    assert member.evaluate("window.notReloaded") is True
    assert member.evaluate("document.documentElement.dataset.unread") == "0"


def test_the_settings_page_on_a_phone(app_server, browser):
    server = app_server
    room = make_room(Meeting.Status.DRAFT, prefix="prefs")
    context = new_context(browser, server.url, room.member, phone=True, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/")
    page.click("label.nav-toggle-label")
    page.click("nav.mainnav a[href='/profile/notifications/']")
    page.wait_for_url(f"{server.url}/profile/notifications/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.uncheck("[data-testid=push-category-vote_opened]")
    page.click("form[data-testid=push-preferences] button[type=submit]")
    page.wait_for_selector(".messages li")
    assert not page.is_checked("[data-testid=push-category-vote_opened]")
    assert page.is_checked("[data-testid=push-category-signing]")
    room.member.refresh_from_db()
    assert room.member.push_muted == ["vote_opened"]
    assert errors == []
