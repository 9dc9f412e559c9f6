"""Peak memory of the server while it refuses huge request bodies: the `make run` server (uvicorn)
against daphne, same application, same requests.

    .venv/bin/python bench/bodylimit.py [--mb 200] [--servers make-run,daphne]

Each server starts on a fresh SQLite database; after a warm-up, multipart POSTs of --mb MB go to
/login/ (bound: MAX_FORM_BODY_KB) and /api/v1/verify (bound: MAX_UPLOAD_MB, here 50), each once
with Content-Length and once chunked. Prints the growth of the process's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ecabinet.bigbody import MB, MakeRunServer, peak_rss_mb, post_huge  # noqa: E402
from tests.meetings.room_server import AppServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--servers", default="make-run,daphne")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
        env = dict(os.environ, DATABASE_URL=database_url, ECABINET_TESTING="1", VAR_DIR=tmp)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        extra = {"VAR_DIR": tmp, "MAX_UPLOAD_MB": "50", "MAX_FORM_BODY_KB": "2048"}
        print(f"{args.mb} MB multipart POSTs; bounds: /login/ 2048 KB, /api/v1/verify 50 MB")
        for name in args.servers.split(","):
            server = (MakeRunServer(database_url=database_url, extra_env=extra, media_root=tmp)
                      if name == "make-run"
                      else AppServer(database_url=database_url, server=name, extra_env=extra, media_root=tmp))
            with server:
                post_huge(server.port, "/login/", 3 * MB, chunked=True)
                baseline = peak_rss_mb(server.proc.pid)
                for path in ["/login/", "/api/v1/verify"]:
                    for chunked in (False, True):
                        started = time.monotonic()
                        outcome = post_huge(server.port, path, args.mb * MB, chunked=chunked)
                        peak = peak_rss_mb(server.proc.pid)
                        print(f"{name:9} {path:15} {'chunked' if chunked else 'length ':7} -> {outcome.status}"
                              f"  client sent {outcome.sent_bytes / MB:6.1f} MB"
                              f"  in {time.monotonic() - started:5.1f} s"
                              f"  peak RSS +{peak - baseline:7.1f} MB (from {baseline:.0f} MB)")


if __name__ == "__main__":
    main()
