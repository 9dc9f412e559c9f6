"""What one Web Push costs the server, and what a request that pushes waits for.

    .venv/bin/python bench/push.py [--devices 50]

A push service of the tests' own runs on loopback (tests/kit/push.py); for `--devices` devices the
bench times ecabinet.push.post (payload encryption, RFC 8291, + VAPID signature + the HTTP POST)
one after the other, as PUSH_WORKERS=0 does in the committing request, and the time to hand the
same deliveries to the thread pool (PUSH_WORKERS=2, what a request waits for in production), then
until the pool has posted them all. Baseline: the same POSTs without encryption or signature.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")
os.environ.setdefault("ECABINET_TESTING", "1")  # loopback endpoints allowed

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402

from ecabinet import push  # noqa: E402
from tests.kit.push import Device, PushService  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=50)
    args = parser.parse_args()
    with PushService() as service:
        devices = [Device(service.endpoint(f"d{i}")) for i in range(args.devices)]
        payload = push.payload_for(
            push.User(username="bench", full_name="Bench", preferred_language="vi"),
            title="Đã mở biểu quyết: Phiên họp thường kỳ tháng 11", body="Thông qua dự thảo nghị quyết?",
            url="/meetings/1/room/", tag="poll:1")
        deliveries = [push.Delivery(i, d.endpoint, d.p256dh, d.subscription()["keys"]["auth"], payload, 600, "high")
                      for i, d in enumerate(devices)]
        push.post(deliveries[0])  # warm-up: the key is loaded once per process

        with requests.Session() as session:
            plain = []
            for d in deliveries:
                start = time.perf_counter()
                session.post(d.endpoint, data=payload, timeout=5)
                plain.append(time.perf_counter() - start)

        inline = []
        for d in deliveries:
            start = time.perf_counter()
            status = push.post(d)
            inline.append(time.perf_counter() - start)
            assert 200 <= status < 300, status

        settings.PUSH_WORKERS = 2
        service.received.clear()
        start = time.perf_counter()
        future = push._executor().submit(lambda: [push.post(d) for d in deliveries])
        handed = time.perf_counter() - start
        future.result(timeout=120)
        done = time.perf_counter() - start
        assert len(service.received) == len(deliveries)

    ms = 1000
    print(f"payload {len(payload)} bytes JSON, {len(service.received[0].body)} bytes encrypted")
    print(f"baseline plain POST: median {statistics.median(plain) * ms:.2f} ms")
    print(f"one push (encrypt + sign + POST): median {statistics.median(inline) * ms:.2f} ms, "
          f"max {max(inline) * ms:.2f} ms; {args.devices} devices inline: {sum(inline) * ms:.0f} ms")
    print(f"thread pool: the request waits {handed * ms:.3f} ms; {args.devices} devices posted after "
          f"{done * ms:.0f} ms")


if __name__ == "__main__":
    main()
