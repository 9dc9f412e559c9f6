"""How fast the PDF.js document viewer opens a long document on a phone.

Standalone: makes a temporary SQLite database, migrates, uploads documents of --pages (default
10 and 200) pages through the actions, starts daphne (DEBUG=0) and opens each document's page as a
member (who gets the watermarked copy) in headless Chromium at phone size (360x800, pixel ratio 3,
touch), the CPU slowed --cpu times (Lighthouse's mobile setting is 4). For each document it prints
  - baseline: the same watermarked PDF fetched by the same browser page (the bytes alone),
  - first page: navigation start to page 1 drawn on its canvas,
  - last page: "go to page N" to page N drawn,
  - search: the whole text searched for a word every page has, until the count is known,
  - canvases: pages still drawn after reading every page from the first to the last (the rest
    are dropped to keep a phone's memory bounded).
Asserts nothing.

    .venv/bin/python bench/viewer.py [--pages 10,200] [--cpu 4]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"


def configure(tmp: Path) -> dict[str, str]:
    env = {
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS_ONLY": "0", "VAR_DIR": str(tmp), "LOG_LEVEL": "ERROR", "MEDIA_ROOT": str(tmp / "media"),
        "DJANGO_SETTINGS_MODULE": "ecabinet.settings", "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
    }
    os.environ.update(env)
    return dict(os.environ)


def seed(page_counts: list[int]) -> tuple[list[tuple[int, int]], str]:
    """One meeting with a document of each size, and a member's session."""
    from django.utils import timezone

    from meetings.models import Meeting
    from tests.kit.factories import make_meeting, upload_document
    from tests.kit.files import make_pdf
    from tests.kit.users import make_people, session_cookie

    people = make_people("bench")
    meeting = make_meeting(by=people.owner, title="Họp đo hiệu năng", unit=people.department,
                           starts_at=timezone.now() + timedelta(days=1), members=[people.member],
                           status=Meeting.Status.SCHEDULED)
    documents = [(count, upload_document(meeting, by=people.owner, title=f"Tài liệu {count} trang",
                                         data=make_pdf(count, text="Báo cáo kinh tế - xã hội")).pk)
                 for count in page_counts]
    return documents, session_cookie(people.member)


def measure(browser, base: str, cookie: str, document_id: int, pages: int, cpu: float) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 360, "height": 800}, device_scale_factor=3, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    context.set_default_timeout(120_000)
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    page.goto(f"{base}/notes/")  # same origin, for the baseline fetch
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    baseline = page.evaluate("""async (url) => {
        const t = performance.now();
        const body = await (await fetch(url, {credentials: "same-origin"})).arrayBuffer();
        return [performance.now() - t, body.byteLength];
    }""", f"/documents/{document_id}/view/")
    page.goto(f"{base}/documents/{document_id}/")
    page.wait_for_selector('.pdfv-page[data-page="1"].drawn canvas')
    first = page.evaluate("performance.now()")
    marks = page.evaluate("""() => Object.fromEntries(["pdfv-module", "pdfv-document", "pdfv-first-page"]
        .map((name) => [name, (performance.getEntriesByName(name)[0] || {startTime: -1}).startTime]))""")
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    started = page.evaluate("performance.now()")
    page.fill("[data-testid=viewer-page]", str(pages))
    page.press("[data-testid=viewer-page]", "Enter")
    page.wait_for_selector(f'.pdfv-page[data-page="{pages}"].drawn canvas')
    last = page.evaluate("performance.now()") - started
    started = page.evaluate("performance.now()")
    page.fill("[data-testid=viewer-search]", "kinh te")
    page.press("[data-testid=viewer-search]", "Enter")
    page.wait_for_selector('[data-testid=viewer][data-hits]:not([data-hits=""])')
    search = page.evaluate("performance.now()") - started
    hits = int(page.get_attribute("[data-testid=viewer]", "data-hits") or 0)
    page.evaluate("() => { const b = document.querySelector('[data-pages]'); b.scrollTop = 0; }")
    for n in range(1, pages + 1, 2):
        page.evaluate("(n) => { const b = document.querySelector('[data-pages]'); "
                      "b.scrollTop = document.querySelector(`.pdfv-page[data-page=\"${n}\"]`).offsetTop; }", n)
        page.wait_for_timeout(30)
    page.wait_for_timeout(500)
    canvases = page.evaluate("document.querySelectorAll('.pdfv-page canvas').length")
    context.close()
    return {"bytes": baseline[1], "baseline": baseline[0], "first": first, "dom": loaded,
            "module": marks["pdfv-module"], "document": marks["pdfv-document"], "last": last, "search": search,
            "hits": hits, "canvases": canvases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="10,200", help="page counts, comma separated")
    parser.add_argument("--cpu", type=float, default=4, help="CPU slow-down factor (Chromium's throttling)")
    args = parser.parse_args()
    counts = [int(c) for c in args.pages.split(",")]
    with tempfile.TemporaryDirectory(prefix="ecabinet-bench-") as tmp:
        env = configure(Path(tmp))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from django.conf import settings

        if getattr(settings, "STATIC_COLLECTED", False):  # DEBUG off serves collected, hashed files
            call_command("collectstatic", interactive=False, verbosity=0)
        documents, cookie = seed(counts)
        from django.db import connections

        connections.close_all()
        from playwright.sync_api import sync_playwright

        from tests.meetings.room_server import AppServer

        with AppServer(database_url=env["DATABASE_URL"], media_root=env["MEDIA_ROOT"],
                       extra_env={"DEBUG": "0"}) as app, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            print(f"Phone 360x800 @3x, CPU slowed {args.cpu:g}x, daphne DEBUG=0, SQLite; watermarked copies")
            print(f"{'pages':>5} {'KB':>7} {'baseline ms':>12} {'first page ms':>14} {'last page ms':>13}"
                  f" {'search ms':>10} {'hits':>5} {'canvases':>9}   first page: page ready, PDF.js loaded, file opened")
            for count, document_id in documents:
                measure(browser, app.url, cookie, document_id, count, args.cpu)  # warm-up: caches, imports
                t0 = time.perf_counter()
                r = measure(browser, app.url, cookie, document_id, count, args.cpu)
                print(f"{count:>5} {r['bytes'] / 1024:>7.0f} {r['baseline']:>12.0f} {r['first']:>14.0f}"
                      f" {r['last']:>13.0f} {r['search']:>10.0f} {r['hits']:>5} {r['canvases']:>9}"
                      f"   {r['dom']:.0f}, {r['module']:.0f}, {r['document']:.0f} ms ({time.perf_counter() - t0:.0f} s)")
            browser.close()


if __name__ == "__main__":
    main()
