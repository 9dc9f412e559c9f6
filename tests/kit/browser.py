"""The one set of browser fixtures: headless Chromium (Debian's /usr/bin/chromium) through
Playwright, the real app in a server process (`app_server`) or pytest-django's `live_server`,
and signed-in phone (360 px) and desktop contexts.

Loaded for the whole suite by tests/conftest.py (`pytest_plugins`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ecabinet.models import User
from tests.kit.users import PASSWORD, session_cookie

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
# Generous: CI machines are shared and slow at times.
TIMEOUT_MS = 30000


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from tests.conftest import require_tool

    require_tool("chromium", "chromium")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls a test makes
    # between browser steps are still plain blocking calls, which is safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def own_connection() -> Iterator[None]:
    # Playwright's sync API runs the test in a greenlet with its own context, hence its own DB
    # connection: close it, or PostgreSQL refuses to drop the test database.
    yield
    from django.db import connections

    connections.close_all()


@pytest.fixture
def app_server(tmp_path, own_connection) -> Iterator[Any]:
    """The real ASGI app (daphne) in a subprocess on a free port, against this worker's test
    database and a media folder of its own."""
    from django.db import connection

    from tests.meetings.room_server import AppServer, database_url_of

    with AppServer(database_url=database_url_of(connection.settings_dict),
                   media_root=str(tmp_path / "server-media")) as app:
        yield app


def new_context(browser: Any, base_url: str, user: User | None = None, *, phone: bool = False,
                **options: Any) -> Any:
    """A browser context (phone: 360 px wide), signed in as `user` through a session cookie."""
    options.setdefault("viewport", PHONE if phone else DESKTOP)
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    if user is not None:
        context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": base_url}])
    return context


def login_page(browser: Any, base_url: str, username: str, *, phone: bool = False, tour: bool = False,
               **options: Any) -> Any:
    """A page signed in through the login form (the path a person takes). The first-time tour of
    the home page (help, issue 12) is marked seen first unless `tour`: a test of something else
    starts on a home page without its overlay."""
    if not tour:
        from ecabinet.actions_help import do_mark_tour_seen

        person = User.objects.filter(username=username).first()
        if person is not None:
            do_mark_tour_seen(actor=person, finished=False)
    options.setdefault("locale", "vi-VN")
    page = new_context(browser, base_url, phone=phone, **options).new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page
