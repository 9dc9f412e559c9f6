"""Every page fits a phone (issue 11 part 1): no page scrolls sideways at 360 px, for any role.

The walk builds the page world of tests/kit/pages.py (the same pages and roles as the Vietnamese
walk), commits it, serves it with the real app (daphne) and visits every page with one phone-sized
page per role (anonymous, guest, member, secretary, chair, admin; the admin's pages included). A
page fails when `document.documentElement.scrollWidth > innerWidth`; the message names the widest
elements that stick out (the outermost one of each branch and the innermost one, which is usually
the word or the table that does not break), so a developer knows what to fix. Uncaught errors in
a page (`pageerror`) fail it too.

The main pages (MAIN) are also measured at 430 px and on a tablet (768×1024), and screenshotted at
360 px and on the tablet for every role that may open them: one PNG per page/size/role in
$TEST_ARTIFACTS/layout/ (default var/test-artifacts/, ignored by git), with timing.txt beside them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import connection

from signing.pdf import pki
from tests.kit.browser import PHONE, new_context
from tests.kit.pages import ROLES, PageWorld, committed_page_world
from tests.meetings.room_server import AppServer, database_url_of

pytestmark = pytest.mark.django_db(transaction=True)

WIDE_PHONE = {"width": 430, "height": 932}
TABLET = {"width": 768, "height": 1024}

# Finds what sticks out past the viewport's right edge. Elements inside a box that scrolls or
# clips (overflow-x other than visible) or that is fixed to the viewport do not widen the page.
OVERFLOW_JS = """() => {
  // A phone browser zooms out to show a page wider than the screen, and innerWidth grows with
  // it: the layout viewport's width (clientWidth, the width the page was told) is the limit.
  const root = document.documentElement;
  const limit = Math.min(window.innerWidth, root.clientWidth);
  if (root.scrollWidth <= limit) return null;
  const contained = (el) => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.position === "fixed") return true;
      if (a !== el && style.overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += "#" + el.id;
    const classes = [...el.classList].slice(0, 3);
    if (classes.length) text += "." + classes.join(".");
    const testid = el.getAttribute("data-testid");
    if (testid) text += "[data-testid=" + testid + "]";
    return text;
  };
  const describe = (el) => {
    const rect = el.getBoundingClientRect();
    const path = [];
    for (let a = el; a && a !== document.body && path.length < 4; a = a.parentElement) path.unshift(name(a));
    const words = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 50);
    return path.join(" > ") + " (right " + Math.round(right(el)) + ", width " + Math.round(rect.width) + ")"
      + (words ? " \\"" + words + "\\"" : "");
  };
  // An element's right edge, or its content's when that spills out of it (a long word in a box).
  const right = (el) => {
    const rect = el.getBoundingClientRect();
    const spills = getComputedStyle(el).overflowX === "visible" && el.scrollWidth > el.clientWidth + 1;
    return spills ? Math.max(rect.right, rect.left + el.scrollWidth) : rect.right;
  };
  const past = (el) => {
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0 && right(el) > limit + 0.5;
  };
  const all = [...document.body.querySelectorAll("*")].filter(past);
  let sticking = all.filter((el) => !contained(el));
  if (!sticking.length) sticking = all;  // what widens the page scrolls in a box past the edge
  const set = new Set(sticking);
  const outermost = sticking.filter((el) => !set.has(el.parentElement));
  const innermost = sticking.filter((el) => !sticking.some((other) => other !== el && el.contains(other)));
  const widest = (list) => list.sort((a, b) => right(b) - right(a));
  return {scrollWidth: root.scrollWidth, innerWidth: limit,
          outermost: widest(outermost).slice(0, 3).map(describe),
          innermost: widest(innermost).slice(0, 3).map(describe)};
}"""


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("TEST_ARTIFACTS") or Path(django_settings.BASE_DIR) / "var" / "test-artifacts")
    folder = folder / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def main_pages(world: PageWorld) -> dict[str, str]:
    """The pages a person opens most, by name (the screenshots' file names)."""
    meeting = world.objects["run_meeting"].pk
    return {
        "login": "/login/", "home": "/", "meetings": "/meetings/", "meeting": f"/meetings/{meeting}/",
        "meeting-scheduled": f"/meetings/{world.objects['waiting_meeting'].pk}/",
        "document": f"/documents/{world.objects['minutes_document']}/", "room": f"/meetings/{meeting}/room/",
        "signing": "/signing/", "signing-document": f"/signing/documents/{world.objects['own_document']}/",
        "certificate": "/signing/certificate/", "notifications": "/notifications/",
    }


class Walk:
    """One browser page per role and size, reused for every URL; what failed, collected."""

    def __init__(self, browser: Any, server: AppServer, world: PageWorld):
        self.browser, self.server, self.world = browser, server, world
        self.overflows: list[str] = []
        self.errors: list[str] = []
        self.server_errors: list[str] = []
        self.measured = 0
        self.screenshots: list[Path] = []
        self.seconds = {"probe": 0.0, "page": 0.0}
        self.files: set[str] = set()

    def open(self, role: str, viewport: dict) -> Any:
        context = new_context(self.browser, self.server.url, self.world.roles[role], viewport=viewport,
                              locale="vi-VN", is_mobile=viewport["width"] < 700, has_touch=True)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url} ({role}): {error}"))
        return page

    def visit(self, page: Any, url: str, role: str, size: str, screenshot: str | None = None) -> None:
        # Asked first without the page (same cookies, redirects not followed): a download, a
        # refusal without a body or a redirect is no page of this role's, and Chromium, sent there,
        # would show its own error page or a file.
        # A file for one role is a file for all (its watermarked copy is made once, not per role).
        if url in self.files:
            return
        started = time.monotonic()
        probe = page.request.get(self.server.url + url, max_redirects=0)
        status, kind = probe.status, probe.headers.get("content-type") or ""
        probe.dispose()
        self.seconds["probe"] += time.monotonic() - started
        if status >= 500:
            self.server_errors.append(f"{url} ({role}): {status}")
        if status == 200 and not kind.startswith("text/html"):
            self.files.add(url)
        if status != 200 or not kind.startswith("text/html"):
            return
        started = time.monotonic()
        try:
            page.goto(self.server.url + url)
        except Exception as exc:
            raise AssertionError(f"{url} ({role}, {size}): {exc}") from exc
        if page.locator("#conn").count():  # the room draws itself once its socket is open
            page.wait_for_selector("#conn[data-state=online]")
        page.evaluate("() => document.fonts.ready.then(() => true)")  # icon fonts change widths
        self.measured += 1
        found = page.evaluate(OVERFLOW_JS)
        if found:
            self.overflows.append(
                f"{url} ({role}, {size}): scrollWidth {found['scrollWidth']} > innerWidth {found['innerWidth']}\n"
                + "".join(f"    sticks out: {line}\n" for line in found["outermost"])
                + "".join(f"    innermost: {line}\n" for line in found["innermost"]))
        self.seconds["page"] += time.monotonic() - started
        if screenshot is not None:
            path = artifacts_dir() / f"{screenshot}-{size}-{role}.png"
            page.screenshot(path=str(path), full_page=True)
            self.screenshots.append(path)


@pytest.fixture
def world_and_server(settings, tmp_path, own_connection):
    media = tmp_path / "server-media"
    settings.MEDIA_ROOT = media
    # Argon2id at full cost for six people's keys would dominate the test (as in SigningTestCase).
    with mock.patch.multiple(pki, _ARGON2_ITERATIONS=1, _ARGON2_MEMORY_KIB=1024, _ARGON2_LANES=1):
        world = committed_page_world()
    with AppServer(database_url=database_url_of(connection.settings_dict), media_root=str(media)) as server:
        yield world, server


def test_every_page_fits_a_phone_for_every_role(world_and_server, browser):
    world, server = world_and_server
    urls = world.page_urls()
    admin_urls = world.admin_urls()
    main = main_pages(world)
    assert set(main.values()) - {"/login/"} <= set(urls)
    walk = Walk(browser, server, world)
    timings: dict[str, float] = {}

    started = time.monotonic()
    for role in ROLES:
        page = walk.open(role, PHONE)
        shots = {url: name for name, url in main.items()}
        for url in urls + (admin_urls if role == "admin" else []):
            walk.visit(page, url, role, "360", screenshot=shots.get(url))
        page.context.close()
    timings["360 px, every page × role"] = time.monotonic() - started
    measured_at_360 = walk.measured

    # The top navigation at 360 px: folded behind its button, unfolded every link fits and is
    # reached by a tap.
    page = walk.open("secretary", PHONE)
    page.goto(server.url + "/")
    links = page.locator(".mainnav a")
    assert links.count() >= 4 and not links.first.is_visible()
    page.click(".nav-toggle-label")
    for link in links.all():
        box = link.bounding_box()
        assert link.is_visible() and box is not None, link
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 40, (link, box)
    page.screenshot(path=str(artifacts_dir() / "nav-open-360-secretary.png"))
    page.click(".mainnav a[href='/notifications/']")
    page.wait_for_url(server.url + "/notifications/")
    page.context.close()

    for size, viewport, keep in (("430", WIDE_PHONE, False), ("tablet", TABLET, True)):
        started = time.monotonic()
        for role in ROLES:
            page = walk.open(role, viewport)
            for name, url in main.items():
                walk.visit(page, url, role, size, screenshot=name if keep else None)
            page.context.close()
        timings[f"{size}, main pages × role"] = time.monotonic() - started

    report = "".join(f"{what}: {seconds:.1f} s\n" for what, seconds in timings.items())
    report += f"of which asking first: {walk.seconds['probe']:.1f} s; opening and measuring pages: {walk.seconds['page']:.1f} s\n"
    report += f"pages measured: {walk.measured} ({measured_at_360} at 360 px); screenshots: {len(walk.screenshots)}\n"
    (artifacts_dir() / "timing.txt").write_text(report)
    print(report)

    assert measured_at_360 > 150, report  # the walk saw the app, not a wall of refusals
    assert any(path.name == "meeting-360-member.png" for path in walk.screenshots)
    (artifacts_dir() / "overflow.txt").write_text("".join(walk.overflows))
    assert not walk.server_errors, "server errors:\n" + "\n".join(walk.server_errors)
    assert not walk.errors, "uncaught errors in pages:\n" + "\n".join(walk.errors)
    assert not walk.overflows, f"{len(walk.overflows)} pages scroll sideways:\n" + "".join(walk.overflows)


def test_the_walk_names_what_sticks_out(browser):
    """The measure itself: a table wider than the phone and an unbreakable word (a hash) are named; the
    same content scrolling inside its own box, or fixed to the screen, widens nothing."""
    page = browser.new_page(viewport=PHONE, is_mobile=True)
    page.set_content("""<meta name="viewport" content="width=device-width, initial-scale=1">
        <body><main class="content">
        <div style="overflow-x: auto"><table class="boxed"><tr><td style="min-width: 900px">ô</td></tr></table></div>
        <div style="position: fixed; left: 0; width: 800px">banner</div>
        <p>fits</p></main></body>""")
    assert page.evaluate(OVERFLOW_JS) is None
    page.set_content(f"""<meta name="viewport" content="width=device-width, initial-scale=1">
        <body><main class="content">
        <table class="table" data-testid="wide"><tr><td style="min-width: 500px">Họ và tên</td></tr></table>
        <p id="address">SHA256:{"3a4dec9f" * 12}</p>
        </main></body>""")
    found = page.evaluate(OVERFLOW_JS)
    assert found is not None and found["innerWidth"] == PHONE["width"] and found["scrollWidth"] > PHONE["width"]
    named = "\n".join(found["outermost"] + found["innermost"])
    assert "table.table[data-testid=wide]" in named and "p#address" in named, named
    page.close()
