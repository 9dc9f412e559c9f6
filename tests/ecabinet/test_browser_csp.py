"""Pages under the Content-Security-Policy in headless Chromium over daphne: their scripts run
(the room goes online over its websocket, the language switcher submits) and the browser
reports no policy violation on any of them, the admin included. Batch signing under the policy:
tests/signing/test_browser_signing.py."""

from __future__ import annotations

import pytest

from tests.kit.browser import new_context
from tests.kit.rooms import make_room
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

# Playwright's init scripts are injected by the browser itself, outside the page's policy.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class Visitor:
    def __init__(self, browser, server, user):
        self.context = new_context(browser, server.url, user)
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30000)
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))
        self.base = server.url

    def visit(self, path: str, ready: str = "body") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector(ready)
        self.assert_clean(path)

    def assert_clean(self, where: str) -> None:
        violations = self.page.evaluate("window.__cspViolations")
        reported = [text for text in self.console if "Content Security Policy" in text or "Content-Security-Policy" in text]
        assert violations == [] and reported == [], (where, violations, reported)


def test_pages_and_admin_run_without_a_policy_violation(app_server, browser):
    server = app_server
    room = make_room(prefix="csp")
    chair = Visitor(browser, server, room.chair)
    chair.visit(f"/meetings/{room.meeting.pk}/room/", "#conn[data-state=online]")  # the room modules + websocket
    chair.visit("/")
    # the language switcher (app.js, no onchange attribute) submits its form
    chair.page.select_option("select[name=language]", "en")
    chair.page.wait_for_selector("html[lang=en]")
    chair.assert_clean("language switch")
    chair.page.select_option("select[name=language]", "vi")
    chair.page.wait_for_selector("html[lang=vi]")

    owner = Visitor(browser, server, room.secretary)
    meeting = room.meeting
    for path in ("/meetings/", f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/documents/", "/meetings/calendar/",
                 "/opinions/", "/notes/", "/signing/", "/signing/verify/", "/account/tokens/"):
        owner.visit(path)
    admin = Visitor(browser, server, make_user("cspadmin", full_name="Quản Trị", is_superuser=True, is_staff=True))
    for path in ("/admin/", "/admin/ecabinet/user/", "/admin/ecabinet/user/add/"):
        admin.visit(path, "#content")
