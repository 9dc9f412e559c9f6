"""Pages under the Content-Security-Policy in headless Chromium over daphne: their scripts run
(the room goes online over its websocket, the language switcher submits) and the browser
reports no policy violation on any of them, the admin included. Batch signing under the policy:
tests/signing/test_browser_signing.py."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.base import make_user
from tests.conftest import require_tool
from tests.meetings.room_server import AppServer, database_url_of
from tests.meetings.roomkit import make_room, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
# Playwright's init scripts are injected by the browser itself, outside the page's policy.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def server(tmp_path):
    with AppServer(database_url=database_url_of(connection.settings_dict), media_root=str(tmp_path)) as app:
        yield app


@pytest.fixture
def browser(monkeypatch):
    require_tool("chromium", "chromium")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def own_connection():
    # Playwright's sync API runs the test in a greenlet with its own context, hence its own DB
    # connection: close it, or PostgreSQL refuses to drop the test database.
    yield
    from django.db import connections

    connections.close_all()


class Visitor:
    def __init__(self, browser, server, user):
        self.context = browser.new_context()
        self.context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": server.url}])
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


def test_pages_and_admin_run_without_a_policy_violation(server, browser, own_connection):
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
