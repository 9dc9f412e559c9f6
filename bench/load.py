"""A committee's load on one machine (issue 13): 90 people in a big meeting, each holding its socket.

Standalone. Makes a temporary VAR_DIR (SQLite there, unless DATABASE_URL is set), migrates,
collects the static files and seeds a big meeting (50 agenda items, 200 released documents — the
same real 10-page PDF stored once — and --users participants, the first its secretary), then
starts the app the way `make run` does (uvicorn, one process, the in-memory layer) on a free
loopback port, or measures a server already running (--url, same DATABASE_URL/REDIS_URL so the
seed is the server's).

Every user signs in through the login form, opens the meeting's live socket and, for --duration
seconds, opens a page every 2–6 s (a random kind each time):
  home /, meeting /meetings/<id>/, document (the watermarked PDF /documents/<id>/view/),
  room /meetings/<id>/room/, api /api/v1/meetings/<id>, search /meetings/?q=…
The secretary moves the current agenda item every --move-every seconds through the API, so live
events flow; every socket checks it gets every revision (no gap) up to the last one. One more
client asks the trivial signed-in endpoint /api/v1/me twice a second (the baseline) in the same
run. Prints p50/p95/p99 per page kind, errors, live events lost, the server's CPU (% of one core,
its whole process tree) and peak RSS (the tree's summed RSS, sampled). Asserts nothing.

    .venv/bin/python bench/load.py [--users 90] [--duration 60]
    .venv/bin/python bench/load.py --server-cmd "uvicorn ecabinet.asgi:application --workers 3 ..."
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --pid <server pid>   # a running server
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-load-2026"
KINDS = ("home", "meeting", "document", "room", "api", "search")
# What `make run` starts (Makefile, `run`), on a port of ours.
MAKE_RUN = ("{bin}/uvicorn ecabinet.asgi:application --host 127.0.0.1 --port {port} --ws websockets-sansio "
            "--ws-max-size 65536 --ws-per-message-deflate true --no-proxy-headers")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configure(tmp: Path) -> dict[str, str]:
    env = {
        "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "HTTPS_ONLY": "0", "VAR_DIR": str(tmp), "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "ecabinet.settings",
    }
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.update(env)
    os.environ.pop("PYTEST_VERSION", None)
    return dict(os.environ)


# --- the seed ------------------------------------------------------------------------------------

def seed(n_users: int) -> dict:
    """The big meeting, in progress, with n_users participants who can sign in with PASSWORD."""
    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.utils import timezone

    from ecabinet.models import ApiToken, Unit, User, hash_token
    from ecabinet.roles import ORGANISER, assign_roles
    from meetings.actions.preparation import do_create_meeting, do_schedule_meeting
    from meetings.actions.room import do_start_meeting
    from meetings.models import AgendaItem, Document, DocumentVersion, MeetingRoom, Participant
    from tests.kit.files import make_pdf

    tag = secrets.token_hex(3)
    unit = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code=f"load-{tag}", kind="committee")
    hashed = make_password(PASSWORD)  # one hash for all: seeding is not what is measured
    secretary = User.objects.create(username=f"thuky-{tag}", full_name="Trần Thị Thư Ký", unit=unit, password=hashed)
    assign_roles(secretary, ORGANISER)
    room = MeetingRoom.objects.create(name=f"Phòng họp lớn {tag}", capacity=100, seat_rows=10, seats_per_row=10)
    start = timezone.now() - timedelta(minutes=5)
    meeting = do_create_meeting(actor=secretary, title="Phiên họp thường kỳ về ngân sách (đo tải)", starts_at=start,
                                ends_at=start + timedelta(hours=8), unit=unit, room=room)
    data = make_pdf(10, text="Báo cáo tình hình kinh tế - xã hội và ngân sách")
    name = default_storage.save(f"documents/bench/load-{tag}.pdf", ContentFile(data))
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        AgendaItem.objects.bulk_create([
            AgendaItem(meeting=meeting, position=n + 1, title=f"Báo cáo nội dung số {n + 1} về kinh tế - xã hội",
                       duration_minutes=15, presenter=secretary, presenting_unit=unit) for n in range(50)])
        items = list(meeting.agenda_items.order_by("position"))
        docs = Document.objects.bulk_create([
            Document(meeting=meeting, agenda_item=items[n % 50], title=f"Tờ trình số {n + 1}/TTr-UBND về ngân sách",
                     status="released", uploaded_by=secretary) for n in range(200)])
        DocumentVersion.objects.bulk_create([
            DocumentVersion(document=d, number=1, file=name, size=len(data), pages=10, sha256=digest,
                            created_by=secretary) for d in docs])
        people = User.objects.bulk_create([
            User(username=f"db{n}-{tag}", full_name=f"Đại biểu số {n}", unit=unit, password=hashed)
            for n in range(n_users - 1)])
        Participant.objects.bulk_create([
            Participant(meeting=meeting, user=u, seat=f"{'ABCDEFGHIJKLMNOPQRST'[n // 10 % 20]}{n % 10 + 1}")
            for n, u in enumerate(people)])
    do_schedule_meeting(meeting, actor=secretary)
    do_start_meeting(meeting, actor=secretary)
    raw = f"load-{secrets.token_urlsafe(24)}"
    ApiToken.objects.create(user=secretary, token_hash=hash_token(raw), prefix=raw[:8],
                            expires_at=timezone.now() + timedelta(days=1))
    return {"meeting": meeting.pk, "items": [i.pk for i in items], "documents": [d.pk for d in docs],
            "usernames": [secretary.username, *(u.username for u in people)], "token": raw}


# --- the server's process tree: CPU and memory from /proc -----------------------------------------

def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            children = []
        todo += [int(c) for c in children]
    return pids


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return total


def rss_bytes(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


# --- the clients ------------------------------------------------------------------------------

class Run:
    def __init__(self, url: str, data: dict, args: argparse.Namespace) -> None:
        self.url, self.data, self.args = url.rstrip("/"), data, args
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.sockets: list[dict] = []
        self.last_revision = 0
        self.moves = 0
        self.stop = asyncio.Event()
        self.final = asyncio.Event()  # set once the last revision is known

    def paths(self) -> dict[str, str]:
        m = self.data["meeting"]
        return {"home": "/", "meeting": f"/meetings/{m}/", "room": f"/meetings/{m}/room/",
                "api": f"/api/v1/meetings/{m}", "search": "/meetings/?scope=all&when=any&q=ng%C3%A2n+s%C3%A1ch"}

    def fail(self, kind: str, text: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 8:
            self.error_samples.append(f"{kind}: {text}")

    async def sign_in(self, session, username: str) -> None:
        async with session.get(f"{self.url}/login/") as response:
            page = await response.text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
        async with session.post(f"{self.url}/login/", data=form, allow_redirects=False,
                                headers={"Referer": f"{self.url}/login/", "Origin": self.url}) as response:
            if response.status != 302:
                raise RuntimeError(f"sign-in of {username}: HTTP {response.status}")

    async def get(self, session, kind: str, path: str) -> None:
        import aiohttp

        t0 = time.perf_counter()
        try:
            async with session.get(self.url + path, allow_redirects=False,
                                   timeout=aiohttp.ClientTimeout(total=self.args.timeout)) as response:
                await response.read()
                if response.status != 200:
                    self.fail(kind, f"HTTP {response.status} {path}")
                    return
        except (TimeoutError, aiohttp.ClientError) as exc:
            self.fail(kind, f"{type(exc).__name__} {path}")
            return
        self.latencies[kind].append(time.perf_counter() - t0)

    async def hold_socket(self, session, state: dict) -> None:
        import aiohttp

        ws_url = self.url.replace("http", "ws", 1) + f"/ws/meetings/{self.data['meeting']}/"
        try:
            async with session.ws_connect(ws_url, headers={"Origin": self.url}, heartbeat=None,
                                          max_msg_size=0) as ws:
                state["open"] = True
                async for message in ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    frame = json.loads(message.data)
                    if frame.get("type") == "snapshot":
                        state["last"] = frame["revision"]
                    elif frame.get("type") == "event":
                        revision = frame["revision"]
                        if state["last"] is not None and revision > state["last"] + 1:
                            state["lost"] += revision - state["last"] - 1
                        if state["last"] is None or revision > state["last"]:
                            state["last"] = revision
                        state["events"] += 1
        except (TimeoutError, aiohttp.ClientError) as exc:
            state["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            state["open"] = False

    async def user(self, index: int, username: str, ready: asyncio.Semaphore, started: asyncio.Event) -> None:
        import aiohttp

        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                         headers={"Accept-Language": "vi"}) as session:
            async with ready:
                await self.sign_in(session, username)
            state = {"last": None, "lost": 0, "events": 0, "open": False, "error": None, "user": username}
            self.sockets.append(state)
            reader = asyncio.create_task(self.hold_socket(session, state))
            await started.wait()
            paths = self.paths()
            rnd = random.Random(index)
            await asyncio.sleep(rnd.uniform(0, self.args.max_gap))  # not all at once
            while not self.stop.is_set():
                kind = rnd.choice(KINDS)
                path = f"/documents/{rnd.choice(self.data['documents'])}/view/" if kind == "document" else paths[kind]
                await self.get(session, kind, path)
                try:
                    await asyncio.wait_for(self.stop.wait(), rnd.uniform(self.args.min_gap, self.args.max_gap))
                except TimeoutError:
                    pass
            # Every socket must reach the last revision the secretary made.
            await self.final.wait()
            deadline = time.monotonic() + 20
            while (state["last"] or 0) < self.last_revision and time.monotonic() < deadline and state["open"]:
                await asyncio.sleep(0.05)
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def baseline(self, username: str, started: asyncio.Event) -> None:
        import aiohttp

        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            await self.sign_in(session, username)
            await started.wait()
            while not self.stop.is_set():
                await self.get(session, "baseline", "/api/v1/me")
                try:
                    await asyncio.wait_for(self.stop.wait(), 0.5)
                except TimeoutError:
                    pass

    async def secretary(self, started: asyncio.Event) -> None:
        import aiohttp

        headers = {"Authorization": f"Bearer {self.data['token']}", "Content-Type": "application/json"}
        rnd = random.Random(7)
        # A new connection for each move: one kept alive between moves may be closed by the server
        # (uvicorn's keep-alive is 5 s) just as the next move goes out, and a POST is not retried.
        async with aiohttp.ClientSession(headers=headers, connector=aiohttp.TCPConnector(force_close=True)) as session:
            await started.wait()
            while not self.stop.is_set():
                try:
                    await asyncio.wait_for(self.stop.wait(), self.args.move_every)
                    break
                except TimeoutError:
                    pass
                body = json.dumps({"item": rnd.choice(self.data["items"])})
                t0 = time.perf_counter()
                try:
                    async with session.post(f"{self.url}/api/v1/meetings/{self.data['meeting']}/current",
                                            data=body, timeout=aiohttp.ClientTimeout(total=self.args.timeout)) as r:
                        answer = await r.json(content_type=None)
                        if r.status != 200:
                            self.fail("move", f"HTTP {r.status} {answer}")
                            continue
                except (TimeoutError, aiohttp.ClientError) as exc:
                    self.fail("move", type(exc).__name__)
                    continue
                self.latencies["move"].append(time.perf_counter() - t0)
                self.moves += 1
            try:  # the revision the sockets must all reach
                async with session.get(f"{self.url}/api/v1/meetings/{self.data['meeting']}",
                                       timeout=aiohttp.ClientTimeout(total=self.args.timeout)) as r:
                    self.last_revision = int((await r.json(content_type=None))["revision"])
            finally:
                self.final.set()

    async def go(self, pid: int | None) -> dict:
        users = self.data["usernames"][: self.args.users]
        ready = asyncio.Semaphore(8)  # sign in a few at a time (each one is an Argon2 check)
        started = asyncio.Event()
        t_sign = time.perf_counter()
        tasks = [asyncio.create_task(self.user(i, name, ready, started)) for i, name in enumerate(users)]
        tasks.append(asyncio.create_task(self.baseline(users[0], started)))
        tasks.append(asyncio.create_task(self.secretary(started)))
        while len(self.sockets) < len(users) or not all(s["open"] or s["error"] for s in self.sockets):
            for task in tasks:
                if task.done() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            await asyncio.sleep(0.1)
        signed_in = time.perf_counter() - t_sign
        cpu0, wall0, peak = (cpu_seconds(pid) if pid else 0.0), time.perf_counter(), 0
        started.set()
        end = wall0 + self.args.duration
        while time.perf_counter() < end:
            if pid:
                peak = max(peak, rss_bytes(pid))
            await asyncio.sleep(0.5)
        self.stop.set()
        cpu1, wall1 = (cpu_seconds(pid) if pid else 0.0), time.perf_counter()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.moves and self.last_revision:
            for s in self.sockets:  # a socket that never reached the last revision lost the rest
                s["lost"] += max(0, self.last_revision - (s["last"] or 0))
        return {"signed_in_s": signed_in, "cpu_pct": 100 * (cpu1 - cpu0) / (wall1 - wall0) if pid else None,
                "cpu_s": cpu1 - cpu0 if pid else None,
                "peak_rss": peak if pid else None, "wall": wall1 - wall0}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def report(run: Run, figures: dict, label: str) -> None:
    print(f"\n{label}: {run.args.users} users, {figures['wall']:.0f} s measured (signed in and connected in "
          f"{figures['signed_in_s']:.1f} s), a page every {run.args.min_gap:g}–{run.args.max_gap:g} s each, "
          f"the current item moved every {run.args.move_every:g} s")
    print(f"{'kind':<10} {'n':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9} {'errors':>7}")
    for kind in ("baseline", *KINDS, "move"):
        lat = run.latencies.get(kind, [])
        if not lat:
            print(f"{kind:<10} {0:>6} {'-':>9} {'-':>9} {'-':>9} {'-':>9} {run.errors.get(kind, 0):>7}")
            continue
        print(f"{kind:<10} {len(lat):>6} {pct(lat, .5):>9.0f} {pct(lat, .95):>9.0f} {pct(lat, .99):>9.0f} "
              f"{max(lat) * 1000:>9.0f} {run.errors.get(kind, 0):>7}")
    pages = [v for k in KINDS for v in run.latencies.get(k, [])]
    if pages:
        print(f"{'all pages':<10} {len(pages):>6} {pct(pages, .5):>9.0f} {pct(pages, .95):>9.0f} "
              f"{pct(pages, .99):>9.0f} {max(pages) * 1000:>9.0f} {sum(run.errors[k] for k in KINDS):>7}")
    lost = sum(s["lost"] for s in run.sockets)
    broken = [s for s in run.sockets if s["error"]]
    print(f"errors: {sum(run.errors.values())}" + (f" (e.g. {'; '.join(run.error_samples[:4])})" if run.error_samples else ""))
    print(f"live: {run.moves} moves, last revision {run.last_revision}, {len(run.sockets)} sockets, "
          f"{sum(s['events'] for s in run.sockets)} events received, {lost} lost, {len(broken)} sockets failed"
          + (f" ({broken[0]['error']})" if broken else ""))
    if figures["cpu_pct"] is not None:
        served = sum(len(v) for v in run.latencies.values())
        # CPU per request: what the pages cost, whatever else the machine was doing meanwhile.
        print(f"server: CPU {figures['cpu_pct']:.0f}% of one core, peak RSS {figures['peak_rss'] / 2**20:.0f} MiB "
              f"(its process tree); {1000 * figures['cpu_s'] / max(served, 1):.0f} ms CPU per request served "
              f"({served} requests, sockets included in the CPU)")
        print(f"machine: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")


def wait_for(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited early: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=90)
    parser.add_argument("--duration", type=float, default=60, help="seconds measured")
    parser.add_argument("--min-gap", type=float, default=2)
    parser.add_argument("--max-gap", type=float, default=6)
    parser.add_argument("--move-every", type=float, default=5, help="seconds between the secretary's moves")
    parser.add_argument("--timeout", type=float, default=30, help="a request slower than this is an error")
    parser.add_argument("--server-cmd", help="the server to start ({port} and {bin} are filled in); default: "
                                             "what `make run` starts")
    parser.add_argument("--url", help="measure a server already running at this address instead")
    parser.add_argument("--pid", type=int, help="with --url: the server's process, for CPU and memory")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory(prefix="ecabinet-load-") as tmp:
        env = configure(Path(tmp))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        proc = None
        if not args.url:
            call_command("collectstatic", interactive=False, verbosity=0)
        data = seed(args.users)
        connections.close_all()
        try:
            if args.url:
                url, pid = args.url, args.pid
            else:
                port = free_port()
                command = (args.server_cmd or MAKE_RUN).format(port=port, bin=ROOT / ".venv/bin")
                if "{port}" not in (args.server_cmd or MAKE_RUN) and args.server_cmd:
                    command += f" --port {port}"
                log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed with the directory
                proc = subprocess.Popen(shlex.split(command), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=log, start_new_session=True)
                wait_for(port, proc, Path(tmp) / "server.log")
                url, pid = f"http://127.0.0.1:{port}", proc.pid
            backend = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
            layer = "Redis" if env.get("REDIS_URL") else "in-memory layer"
            run = Run(url, data, args)
            figures = asyncio.run(run.go(pid))
            report(run, figures, args.label or f"{args.server_cmd or 'make run (uvicorn, one process)'}, {backend}, {layer}")
            log = Path(tmp) / "server.log"
            if run.errors and log.exists():  # what the server said about them
                lines = [line for line in log.read_text(errors="replace").splitlines() if "Error" in line]
                print("server log:", *lines[-5:], sep="\n  ")
        finally:
            if proc is not None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
