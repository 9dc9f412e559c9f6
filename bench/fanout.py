"""Live-room fan-out benchmark: how long until every connected client sees a change.

For N clients (100, 500, 1000) on one meeting: start the app on loopback, connect N websockets
with `since` = the current revision, make 20 changes through the HTTP API and record, per
client, the time from sending the request to receiving the event. The floor, measured in the
same run from the same client process, alternating with the app round by round (this 2-core
machine's load drifts): a plain `websockets` server broadcasting a message of the same size
to N clients. Prints p50 / p99 / max and p99(app) / p99(floor), lost and
duplicated events. Then the same over Redis with two workers (half the clients on each).

    .venv/bin/python bench/fanout.py [--sizes 100,500,1000] [--changes 20] [--servers daphne,uvicorn]

Needs nothing but the venv; Redis runs are skipped (with a note) when REDIS_URL is unset or
unreachable. Set BENCH_DATABASE_URL (postgres://...) to run against PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TMP = Path(tempfile.mkdtemp(prefix="ecabinet-bench-"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP / 'bench.sqlite3'}"
REDIS_URL = os.environ.get("REDIS_URL")
os.environ.pop("REDIS_URL", None)  # this process only prepares data; servers get it per run
os.environ.update(DATABASE_URL=DATABASE_URL, ECABINET_TESTING="1", VAR_DIR=str(TMP), DJANGO_SETTINGS_MODULE="ecabinet.settings")
os.environ.pop("PYTEST_VERSION", None)

import websockets  # noqa: E402

from tests.meetings.room_server import AppServer  # noqa: E402


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def prepare(n_clients: int) -> dict:
    """A meeting with a chair and n members, each with an API token (bearer on the handshake)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from ecabinet.models import ApiToken, User, hash_token
    from meetings.models import Meeting, Participant

    call_command("migrate", verbosity=0)
    now = timezone.now()
    chair = User.objects.create(username=f"chair{time.time_ns()}", full_name="Chủ tịch", password="!")
    meeting = Meeting.objects.create(title="Bench", starts_at=now, ends_at=now + timezone.timedelta(hours=3),
                                     created_by=chair, status="in_progress", started_at=now)
    Participant.objects.create(meeting=meeting, user=chair, role="chair")
    stamp = time.time_ns()
    users = User.objects.bulk_create([User(username=f"b{stamp}-{i}", full_name=f"Đại biểu {i}", password="!")
                                      for i in range(n_clients)])
    users = list(User.objects.filter(username__startswith=f"b{stamp}-"))
    Participant.objects.bulk_create([Participant(meeting=meeting, user=u, role="member") for u in users])
    expires = now + timezone.timedelta(days=1)
    tokens = {}
    rows = []
    for user in [chair, *users]:
        raw = f"bench-{user.pk}-{stamp}"
        tokens[user.pk] = raw
        rows.append(ApiToken(user=user, token_hash=hash_token(raw), prefix=raw[:8], expires_at=expires))
    ApiToken.objects.bulk_create(rows)
    return {"meeting": meeting.pk, "chair_token": tokens[chair.pk],
            "tokens": [tokens[u.pk] for u in users], "revision": meeting.revision}


def current_revision(meeting_id: int) -> int:
    from meetings.models import Meeting

    return Meeting.objects.values_list("revision", flat=True).get(pk=meeting_id)


class Clients:
    """N websocket clients; arrivals[revision] = [perf_counter per client]."""

    def __init__(self) -> None:
        self.sockets: list = []
        self.tasks: list[asyncio.Task] = []
        self.arrivals: dict[int, list[float]] = {}
        self.per_client: list[dict[int, int]] = []
        self.sizes: list[int] = []

    async def open(self, urls_and_headers: list[tuple[str, dict]]) -> None:
        async def one(url, headers):
            for attempt in range(5):
                try:
                    return await websockets.connect(url, additional_headers=headers, max_size=None,
                                                    open_timeout=30, ping_interval=None, compression=None)
                except (OSError, websockets.InvalidStatus, TimeoutError):
                    await asyncio.sleep(0.2 * (attempt + 1))
            raise RuntimeError(f"could not connect {url}")

        for start in range(0, len(urls_and_headers), 100):
            batch = urls_and_headers[start:start + 100]
            self.sockets += await asyncio.gather(*(one(u, h) for u, h in batch))
        for index, ws in enumerate(self.sockets):
            self.per_client.append({})
            self.tasks.append(asyncio.create_task(self._read(index, ws)))

    async def _read(self, index: int, ws) -> None:
        seen = self.per_client[index]
        try:
            async for message in ws:
                at = time.perf_counter()
                frame = json.loads(message)
                revision = frame.get("revision")
                if frame.get("type") != "event" or revision is None:
                    continue
                seen[revision] = seen.get(revision, 0) + 1
                self.arrivals.setdefault(revision, []).append(at)
                self.sizes.append(len(message))
        except websockets.ConnectionClosed:
            pass

    async def wait_for(self, revision: int, count: int, timeout: float = 20) -> None:
        deadline = time.perf_counter() + timeout
        while len(self.arrivals.get(revision, ())) < count and time.perf_counter() < deadline:
            await asyncio.sleep(0.002)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


def post(url: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def summary(latencies_ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


FLOOR_SERVER = textwrap.dedent("""
    import asyncio, sys, websockets
    clients = set()
    async def handler(ws):
        if ws.request.path == "/trigger":
            async for message in ws:
                websockets.broadcast(clients, message)
                await ws.send("done")
            return
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)
    async def main():
        async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None, ping_interval=None):
            await asyncio.Future()
    asyncio.run(main())
""")


async def start_floor(n: int):
    """The floor: a plain `websockets` server in its own process, N clients, one trigger socket."""
    from tests.meetings.room_server import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(port)])
    for _ in range(100):
        try:
            (await websockets.connect(f"ws://127.0.0.1:{port}/probe")).transport.close()
            break
        except OSError:
            await asyncio.sleep(0.1)
    clients = Clients()
    await clients.open([(f"ws://127.0.0.1:{port}/c", {}) for _ in range(n)])
    trigger = await websockets.connect(f"ws://127.0.0.1:{port}/trigger", compression=None)
    return proc, clients, trigger


async def run_pair(servers: list[AppServer], data: dict, n: int, changes: int) -> tuple[dict, dict]:
    """App and floor measured in alternation, round by round, so both see the same machine load."""
    meeting, tokens = data["meeting"], data["tokens"][:n]
    since = await asyncio.to_thread(current_revision, meeting)
    targets = []
    for i, token in enumerate(tokens):
        server = servers[i % len(servers)]
        targets.append((f"ws://127.0.0.1:{server.port}/ws/meetings/{meeting}/?since={since}",
                        {"Authorization": f"Bearer {token}", "Origin": server.url}))
    clients = Clients()
    await clients.open(targets)
    proc, floor_clients, trigger = await start_floor(n)
    await asyncio.sleep(0.5)
    api = servers[0].url + "/api/v1"
    latencies: list[float] = []
    floor: list[float] = []
    spreads: list[float] = []
    floor_spreads: list[float] = []
    http: list[float] = []
    request_id = None
    loop = asyncio.get_running_loop()
    warmup = 2  # the first requests of a fresh worker import and connect: not measured
    try:
        for change in range(-warmup, changes):
            t0 = time.perf_counter()
            # One event per change: the chair raises a hand, then withdraws it.
            if request_id is None:
                answer = await loop.run_in_executor(None, post, f"{api}/meetings/{meeting}/speakers",
                                                    data["chair_token"], {"kind": "speak"})
                request_id = answer["id"]
            else:
                await loop.run_in_executor(None, post, f"{api}/speakers/{request_id}/withdraw", data["chair_token"])
                request_id = None
            answered = time.perf_counter()
            revision = since + warmup + change + 1
            await clients.wait_for(revision, n)
            arrivals = clients.arrivals.get(revision, [])
            if change >= 0:
                http.append((answered - t0) * 1000)
                latencies += [(at - t0) * 1000 for at in arrivals]
                if arrivals:
                    spreads.append((max(arrivals) - min(arrivals)) * 1000)
            await asyncio.sleep(0.05)
            # the floor, same message size, right after
            size = int(statistics.mean(clients.sizes)) if clients.sizes else 250
            number = change + warmup + 1
            body = json.dumps({"type": "event", "revision": number, "event": "speaker.upserted", "data": {}})
            message = body[:-1] + ',"pad":"' + "x" * max(0, size - len(body) - 9) + '"}'
            t0 = time.perf_counter()
            await trigger.send(message)
            await floor_clients.wait_for(number, n)
            if change >= 0:
                got = floor_clients.arrivals.get(number, [])
                floor += [(at - t0) * 1000 for at in got]
                if got:
                    floor_spreads.append((max(got) - min(got)) * 1000)
            await trigger.recv()
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        lost = sum(1 for seen in clients.per_client for r in range(since + 1, since + warmup + changes + 1)
                   if r not in seen)
        dup = sum(c - 1 for seen in clients.per_client for c in seen.values() if c > 1)
        size = int(statistics.mean(clients.sizes)) if clients.sizes else 0
    finally:
        await trigger.close()
        await floor_clients.close()
        await clients.close()
        proc.terminate()
        proc.wait()
    app = {"lat": latencies, "lost": lost, "dup": dup, "size": size, "http": statistics.median(http),
           "spread": statistics.median(spreads) if spreads else 0}
    return app, {"lat": floor, "spread": statistics.median(floor_spreads) if floor_spreads else 0}


def redis_reachable() -> bool:
    if not REDIS_URL:
        return False
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except Exception:
        return False


def line(label: str, app: dict, floor: dict) -> str:
    a50, a99, amax = summary(app["lat"])
    f50, f99, fmax = summary(floor["lat"])
    return (f"{label:<34} app p50 {a50:7.1f} p99 {a99:7.1f} max {amax:7.1f} ms | floor p50 {f50:6.1f} "
            f"p99 {f99:6.1f} ms | p99 ratio {a99 / f99:5.2f}x | lost {app['lost']} dup {app['dup']} | "
            f"HTTP answer {app['http']:.0f} ms | first-to-last arrival app {app['spread']:.0f} / floor "
            f"{floor['spread']:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,500,1000")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--servers", default="daphne,uvicorn")
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args()
    raise_fd_limit()
    sizes = [int(s) for s in args.sizes.split(",")]
    data = prepare(max(sizes))
    asyncio.run(run_all(args, sizes, data))


async def run_all(args, sizes: list[int], data: dict) -> None:
    print(f"database {DATABASE_URL.split('@')[-1]}, {args.changes} changes per run, CPUs {os.cpu_count()}")
    modes = [("memory", None, 1)]
    if not args.no_redis:
        if redis_reachable():
            modes.append(("redis x2", REDIS_URL, 2))
        else:
            print("Redis: skipped (REDIS_URL unset or unreachable)")
    for mode, redis_url, workers in modes:
        for server_name in args.servers.split(","):
            extra = {"REDIS_URL": redis_url, "REDIS_PREFIX": f"bench{os.getpid()}"} if redis_url else {}
            servers = [AppServer(database_url=DATABASE_URL, server=server_name, extra_env=extra,
                                 media_root=str(TMP / "media")) for _ in range(workers)]
            for server in servers:
                server.start()
            try:
                for n in sizes:
                    app, floor = await run_pair(servers, data, n, args.changes)
                    print(line(f"{server_name} {mode} N={n} ({app['size']} B)", app, floor), flush=True)
            finally:
                for server in servers:
                    server.stop()


if __name__ == "__main__":
    main()
