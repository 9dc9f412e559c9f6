"""Meeting page and API detail latency for a big meeting (50 items, 200 documents, 80 people).

Standalone: makes a temporary SQLite database (or uses DATABASE_URL), migrates, seeds the meeting,
starts uvicorn as `make run` does on a free loopback port in a subprocess and measures p50/p95 of
  - GET /meetings/<id>/          (the page, as its secretary, then as a member)
  - GET /api/v1/meetings/<id>    (the JSON detail)
  - GET /api/v1/me               (baseline: a trivial signed-in JSON endpoint, same stack)
at 1 and 20 concurrent clients, in three rounds that take each endpoint in turn (a burst of load
from elsewhere on the machine falls on all of them alike). Prints a table; asserts nothing.

    .venv/bin/python bench/meeting_page.py [--requests 60]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


ROUNDS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configure(tmp: Path) -> dict[str, str]:
    env = {
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS_ONLY": "0", "VAR_DIR": str(tmp), "LOG_LEVEL": "ERROR",  # plain HTTP, like make run
        "DJANGO_SETTINGS_MODULE": "ecabinet.settings",
    }
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.update(env)
    return dict(os.environ)


def seed() -> tuple[int, str, str]:
    """The big meeting and signed-in sessions for its secretary and for a member."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import transaction
    from django.utils import timezone

    from ecabinet.models import Unit, User
    from ecabinet.roles import ORGANISER, assign_roles
    from meetings.actions.preparation import do_create_meeting, do_schedule_meeting
    from meetings.models import AgendaItem, Document, DocumentVersion, MeetingRoom, Participant

    unit = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code=f"bench-{secrets.token_hex(3)}", kind="committee")
    secretary = User.objects.create(username=f"thuky-{unit.code}", full_name="Trần Thị Thư Ký", unit=unit)
    assign_roles(secretary, ORGANISER)
    room = MeetingRoom.objects.create(name="Phòng họp lớn", capacity=100, seat_rows=10, seats_per_row=10)
    start = timezone.now() + timedelta(days=1)
    meeting = do_create_meeting(actor=secretary, title="Phiên họp thường kỳ (đo hiệu năng)", starts_at=start,
                                ends_at=start + timedelta(hours=8), unit=unit, room=room)
    with transaction.atomic():
        AgendaItem.objects.bulk_create([
            AgendaItem(meeting=meeting, position=n + 1, title=f"Báo cáo nội dung số {n + 1} về kinh tế - xã hội",
                       duration_minutes=15, presenter=secretary, presenting_unit=unit) for n in range(50)])
        items = list(meeting.agenda_items.all())
        docs = Document.objects.bulk_create([
            Document(meeting=meeting, agenda_item=items[n % 50], title=f"Tờ trình số {n + 1}/TTr-UBND",
                     status="released", uploaded_by=secretary) for n in range(200)])
        DocumentVersion.objects.bulk_create([
            DocumentVersion(document=d, number=1, file=f"documents/bench/{d.pk}.pdf", size=250_000, pages=40,
                            sha256=hashlib.sha256(str(d.pk).encode()).hexdigest(), created_by=secretary)
            for d in docs])
        people = User.objects.bulk_create([
            User(username=f"db{n}-{unit.code}", full_name=f"Đại biểu số {n}", unit=unit) for n in range(79)])
        Participant.objects.bulk_create([
            Participant(meeting=meeting, user=u, seat=f"{'ABCDEFGHIJ'[n // 10]}{n % 10 + 1}")
            for n, u in enumerate(people)])
    do_schedule_meeting(meeting, actor=secretary)
    keys = []
    for user in (secretary, people[0]):
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the one holding passwords and rights
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return meeting.pk, keys[0], keys[1]


def wait_for(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def measure(port: int, path: str, cookie: str, clients: int, per_client: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1", "Accept-Language": "vi"}
        mine = []
        for _ in range(per_client):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                errors.append(f"{path}: {response.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"errors: {errors[:3]}")
    return latencies, wall


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="requests per client at 1 client (20 clients: a quarter each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecabinet-bench-") as tmp:
        env = configure(Path(tmp))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        meeting_id, cookie, member_cookie = seed()
        from django.db import connections

        connections.close_all()
        port = free_port()
        # What `make run` starts (Makefile, `run`).
        proc = subprocess.Popen([str(ROOT / ".venv/bin/uvicorn"), "ecabinet.asgi:application", "--host", "127.0.0.1",
                                 "--port", str(port), "--ws", "websockets-sansio", "--ws-max-size", "65536",
                                 "--ws-per-message-deflate", "true", "--no-proxy-headers", "--log-level", "warning"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(port, proc)
            targets = [("baseline GET /api/v1/me", "/api/v1/me", cookie),
                       ("page /meetings/<id>/ secretary", f"/meetings/{meeting_id}/", cookie),
                       ("page /meetings/<id>/ member", f"/meetings/{meeting_id}/", member_cookie),
                       ("API /api/v1/meetings/<id>", f"/api/v1/meetings/{meeting_id}", cookie)]
            for _, path, who in targets:  # warm up: imports, template cache, DB connection
                measure(port, path, who, 1, 5)
            backend = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
            print(f"Meeting with 50 agenda items, 200 documents, 80 participants; uvicorn (make run), {backend}, DEBUG=0")
            print(f"{'endpoint':<34} {'clients':>7} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'p50/base':>9}")
            for clients in (1, 20):
                per_client = args.requests if clients == 1 else max(args.requests // 4, 5)
                latencies: dict[str, list[float]] = {label: [] for label, _, _ in targets}
                walls = dict.fromkeys(latencies, 0.0)
                # Round by round, every target in turn: this 2-core machine's load drifts, and a
                # burst must not land on one target only (the baseline's included).
                for _ in range(ROUNDS):
                    for label, path, who in targets:
                        lat, wall = measure(port, path, who, clients, max(per_client // ROUNDS, 2))
                        latencies[label] += lat
                        walls[label] += wall
                base_p50 = pct(latencies[targets[0][0]], 0.5)
                for label, lat in latencies.items():
                    p50 = pct(lat, 0.5)
                    print(f"{label:<34} {clients:>7} {len(lat):>5} {p50:>8.1f} {pct(lat, 0.95):>8.1f} "
                          f"{len(lat) / walls[label]:>7.0f} {p50 / base_p50:>8.1f}x")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
