"""Lighthouse (npm `lighthouse`, a devDependency) on the main pages, as a phone on a slow line.

Standalone, like `make run`: a temporary VAR_DIR, `migrate`, `init_ca`, `seed_demo`,
`collectstatic`, then uvicorn (`--ws websockets-sansio`, DEBUG off) on a free loopback port. One
released document is added to today's demo meeting and the meeting is started, so the room has
a live agenda. Each page gets a fresh Debian Chromium (CHROME_PATH, default /usr/bin/chromium;
`--headless=new --no-sandbox`, an empty profile: cold cache) that Lighthouse drives through its
DevTools port (`--port`, `--disable-storage-reset` so the cookie stays); signed-in pages carry a
real session cookie of a member of that meeting, set in the browser (a cookie passed with
`--extra-headers` never reaches the room's websocket nor the viewer's frame). Lighthouse uses the
mobile form factor and its default simulated throttling (Lighthouse 12's "mobileSlow4G":
150 ms RTT, 1.6 Mbit/s down, CPU slowed 4x; the report calls it "Slow 4G throttling", the
profile once named "Fast 3G").

Prints per page: performance, accessibility and best-practices scores, FCP, LCP, TTI, TBT, CLS
and the transferred bytes, plus a baseline measured in the same run: a trivial HTML file served
by the same server (WhiteNoise), the floor any page of ours stands on. Asserts nothing.

    .venv/bin/python bench/lighthouse.py [--pages login,home,meeting,document,room] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
PASSWORD = "ecabinet2026"
BASELINE = "bench-baseline.html"
BASELINE_HTML = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="Trang chuẩn để so sánh">
<title>Baseline</title></head>
<body><main><h1>eCabinet</h1><p>Trang tĩnh nhỏ nhất của máy chủ này.</p></main></body></html>
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(var_dir: Path) -> dict[str, str]:
    """`make run`'s environment in a fresh checkout: DEBUG off, plain HTTP, SQLite in VAR_DIR."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTEST_VERSION", "ECABINET_TESTING", "DEBUG", "DATABASE_URL", "REDIS_URL",
                        "SECRET_KEY", "MEDIA_ROOT"}}
    env.update({"DEBUG": "0", "HTTPS_ONLY": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "ecabinet.settings"})
    return env


def prepare() -> None:
    """Run inside the bench's environment (a child process): the demo data the pages need, printed
    as JSON (ids and a session cookie)."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.files.uploadedfile import SimpleUploadedFile
    from fpdf import FPDF

    from ecabinet.models import User
    from meetings.actions.documents import do_add_meeting_document
    from meetings.actions.room import do_set_current_item, do_start_meeting
    from meetings.models import Meeting

    meeting = Meeting.objects.filter(status=Meeting.Status.SCHEDULED).order_by("starts_at").first()
    assert meeting is not None, "seed_demo made no scheduled meeting"
    secretary, chair = User.objects.get(username="secretary"), User.objects.get(username="chair")
    member = User.objects.get(username="member1")
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for number in range(1, 6):
        pdf.add_page()
        pdf.multi_cell(0, 8, f"Report page {number}. " + "Budget estimate and allocation. " * 40)
    document = do_add_meeting_document(
        meeting, actor=secretary, title="Tờ trình dự toán ngân sách năm 2027",
        upload=SimpleUploadedFile("to-trinh.pdf", bytes(pdf.output()), content_type="application/pdf"))
    do_start_meeting(meeting, actor=chair)
    do_set_current_item(meeting, meeting.agenda_items.order_by("position").first(), actor=chair)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(member.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the one holding passwords and rights
    store[HASH_SESSION_KEY] = member.get_session_auth_hash()
    store.create()
    print(json.dumps({"meeting": meeting.pk, "document": document.pk, "session": store.session_key}))


def manage(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("uvicorn exited early")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("uvicorn did not start")


def start_chromium(profile: Path, base: str, session: str | None) -> tuple[subprocess.Popen, int]:
    """A fresh headless Chromium (empty profile: cold cache, no service worker) on a DevTools port,
    signed in by a real session cookie when `session` is given. A cookie set in the browser reaches
    every request of the page, the document viewer's frame and the room's websocket included;
    Lighthouse's --extra-headers reaches only requests the page's own frame makes."""
    proc = subprocess.Popen([CHROME, *CHROME_FLAGS.split(), "--remote-debugging-port=0",
                             f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 60
    while not (port_file.exists() and port_file.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("chromium did not start")
        time.sleep(0.1)
    port = int(port_file.read_text().split()[0])
    if session:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
            browser.contexts[0].add_cookies([{"name": "sessionid", "value": session, "url": base}])
    return proc, port


def lighthouse(url: str, base: str, session: str | None, out: Path) -> dict:
    profile = out.parent / f"profile-{out.stem}"
    profile.mkdir()
    chromium, port = start_chromium(profile, base, session)
    command = [str(LIGHTHOUSE), url, f"--port={port}", "--disable-storage-reset",
               "--form-factor=mobile", "--throttling-method=simulate",
               "--only-categories=performance,accessibility,best-practices,seo",
               "--output=json", f"--output-path={out}", "--quiet", "--locale=en-US",
               "--max-wait-for-load=60000", f"--extra-headers={json.dumps({'Accept-Language': 'vi'})}"]
    env = dict(os.environ, CHROME_PATH=CHROME)
    try:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    finally:
        os.killpg(chromium.pid, 15)
        chromium.wait(timeout=20)
    if result.returncode != 0 or not out.exists():
        raise SystemExit(f"lighthouse failed on {url}:\n{result.stderr[-3000:]}")
    return json.loads(out.read_text())


def figures(report: dict) -> dict:
    audits, categories = report["audits"], report["categories"]

    def score(name: str) -> str:
        value = categories.get(name, {}).get("score")
        return "-" if value is None else f"{round(value * 100)}"

    def ms(name: str) -> str:
        value = audits.get(name, {}).get("numericValue")
        return "-" if value is None else f"{value / 1000:.2f}s"

    cls = audits.get("cumulative-layout-shift", {}).get("numericValue")
    tbt = audits.get("total-blocking-time", {}).get("numericValue")
    weight = audits.get("total-byte-weight", {}).get("numericValue")
    return {"perf": score("performance"), "a11y": score("accessibility"), "bp": score("best-practices"),
            "seo": score("seo"),
            "FCP": ms("first-contentful-paint"), "LCP": ms("largest-contentful-paint"),
            "TTI": ms("interactive"), "TBT": "-" if tbt is None else f"{tbt:.0f}ms",
            "CLS": "-" if cls is None else f"{cls:.3f}",
            "KiB": "-" if weight is None else f"{weight / 1024:.0f}"}


def failing(report: dict) -> list[str]:
    """The audits Lighthouse marks failed in the accessibility and best-practices categories, and
    the performance opportunities that would save time."""
    out = []
    for name in ("accessibility", "best-practices", "seo"):
        for ref in report["categories"].get(name, {}).get("auditRefs", []):
            audit = report["audits"][ref["id"]]
            if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") in {"binary", "numeric"}:
                out.append(f"{name}: {ref['id']} ({audit['title']})")
    for ref in report["categories"].get("performance", {}).get("auditRefs", []):
        audit = report["audits"][ref["id"]]
        savings = (audit.get("metricSavings") or {})
        if audit.get("score") is not None and audit["score"] < 0.9 and any(savings.values()):
            out.append(f"performance: {ref['id']} ({audit['title']}) {audit.get('displayValue', '')}")
    return out


def main() -> None:
    if sys.argv[1:] == ["--prepare"]:
        prepare()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="login,home,meeting,document,room")
    parser.add_argument("--keep", help="keep the Lighthouse JSON reports in this folder")
    parser.add_argument("--findings", action="store_true", help="list the failed audits per page")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("node_modules/.bin/lighthouse is missing: run `make install`")
    with tempfile.TemporaryDirectory(prefix="ecabinet-lighthouse-") as tmp:
        var_dir = Path(tmp) / "var"
        env = environment(var_dir)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "init_ca")
        manage(env, "seed_demo", "--password", PASSWORD)
        collect = manage(env, "collectstatic", "--noinput", "-v", "0")
        prepared = subprocess.run([sys.executable, __file__, "--prepare"], cwd=ROOT, env=env, check=True,
                                  capture_output=True, text=True)
        data = json.loads(prepared.stdout.strip().splitlines()[-1])
        static_root = var_dir / "static"
        if not static_root.is_dir():  # before the collected storage moved to VAR_DIR/static
            static_root = var_dir / "staticfiles"
        (static_root / BASELINE).write_text(BASELINE_HTML)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "ecabinet.asgi:application", "--host", "127.0.0.1",
             "--port", str(port), "--ws", "websockets-sansio", "--ws-max-size", "65536",
             "--no-proxy-headers", "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        cookie = data["session"]
        pages = {
            "baseline": (f"/static/{BASELINE}", None),
            "login": ("/login/", None),
            "home": ("/", cookie),
            "meeting": (f"/meetings/{data['meeting']}/", cookie),
            "document": (f"/documents/{data['document']}/", cookie),
            "room": (f"/meetings/{data['meeting']}/room/", cookie),
        }
        wanted = ["baseline", *[p for p in args.pages.split(",") if p in pages]]
        rows, findings = [], {}
        try:
            wait_for(base + "/login/", server)
            for name in wanted:
                path, session = pages[name]
                report = lighthouse(base + path, base, session, Path(tmp) / f"{name}.json")
                if args.keep:
                    Path(args.keep).mkdir(parents=True, exist_ok=True)
                    shutil.copy(Path(tmp) / f"{name}.json", Path(args.keep) / f"{name}.json")
                final = report.get("finalDisplayedUrl") or report.get("finalUrl", "")
                if name not in {"baseline", "login"} and "/login/" in final:
                    raise SystemExit(f"{name}: redirected to the login page (the session was not accepted)")
                rows.append((name, path, figures(report)))
                findings[name] = failing(report)
                throttling = report["configSettings"]["throttling"]
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=20)
    print(f"Lighthouse {report['lighthouseVersion']}, {report['environment'].get('hostUserAgent', '').split(' ')[-2]}"
          f", form factor {report['configSettings']['formFactor']}, throttling "
          f"{report['configSettings']['throttlingMethod']} (RTT {throttling['rttMs']:.0f} ms, "
          f"{throttling['throughputKbps']:.0f} kbit/s, CPU x{throttling['cpuSlowdownMultiplier']:.0f})")
    print(f"uvicorn, DEBUG=0, SQLite, collectstatic {collect:.1f}s; signed in as member1 (a session "
          "cookie); baseline: a trivial HTML file served by the same server")
    columns = ["perf", "a11y", "bp", "seo", "FCP", "LCP", "TTI", "TBT", "CLS", "KiB"]
    print(f"{'page':<10} {'path':<26} " + " ".join(f"{c:>7}" for c in columns))
    for name, path, values in rows:
        print(f"{name:<10} {path[:26]:<26} " + " ".join(f"{values[c]:>7}" for c in columns))
    if args.findings:
        for name, items in findings.items():
            for item in items:
                print(f"  {name}: {item}")


if __name__ == "__main__":
    main()
