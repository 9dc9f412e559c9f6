"""End to end: 200 MB bodies against the server `make run` starts; its peak memory stays flat.

Memory growth is asserted (not time). The server's command line is read from the Makefile, so this
checks whatever `make run` really serves.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.utils import timezone

from tests.ecabinet.bigbody import MB, MakeRunServer, peak_rss_mb, post_huge
from tests.meetings.room_server import database_url_of

pytestmark = pytest.mark.django_db(transaction=True)

GROWTH_BOUND_MB = 64


def test_huge_bodies_never_reach_the_servers_memory(tmp_path, capsys):
    server = MakeRunServer(database_url=database_url_of(connection.settings_dict), media_root=str(tmp_path),
                           extra_env={"MAX_UPLOAD_MB": "200", "MAX_FORM_BODY_KB": "2048"})
    with server:
        # Warm up the paths the big requests take (templates, the API, a refused upload).
        post_huge(server.port, "/login/", 3 * MB, chunked=True)
        post_huge(server.port, "/api/v1/verify", 300 * MB, chunked=False)
        baseline = peak_rss_mb(server.proc.pid)

        outcomes = {}
        for path in ["/login/", "/api/v1/verify"]:
            for chunked in (False, True):
                outcomes[path, chunked] = post_huge(server.port, path, 200 * MB, chunked=chunked)
        # Past the upload bound too, declared and streamed.
        outcomes["/api/v1/verify", "over"] = post_huge(server.port, "/api/v1/verify", 260 * MB, chunked=False)
        outcomes["/api/v1/verify", "over-chunked"] = post_huge(server.port, "/api/v1/verify", 260 * MB,
                                                                chunked=True)
        peak = peak_rss_mb(server.proc.pid)

    growth = peak - baseline
    with capsys.disabled():
        print(f"\n[bodylimit] make run server: peak RSS {baseline:.0f} MB -> {peak:.0f} MB "
              f"(+{growth:.1f} MB) over six 200-260 MB multipart POSTs")
    assert growth < GROWTH_BOUND_MB

    for chunked in (False, True):
        login = outcomes["/login/", chunked]
        assert login.status == 413
        assert "Yêu cầu quá lớn" in login.body.decode()
        assert login.sent_bytes < 40 * MB  # what the socket buffers took before the server hung up

    # Within the upload bound the body streams to disk and the one PDF intake judges it: the
    # junk bytes are refused as a damaged PDF; a chunked multipart body has no length for
    # Django's parser and is refused as a bad request. Neither is a server error.
    declared = outcomes["/api/v1/verify", False]
    assert declared.status == 400
    assert json.loads(declared.body)["error"]["code"] == "pdf_damaged"
    assert outcomes["/api/v1/verify", True].status in {400, 413}

    for key in ["over", "over-chunked"]:
        refused = outcomes["/api/v1/verify", key]
        assert refused.status == 413, key
        error = json.loads(refused.body)["error"]
        assert error["code"] == "too_large"
        assert "giới hạn là 200 MB" in error["message"]
    assert outcomes["/api/v1/verify", "over"].sent_bytes < 40 * MB  # refused by its declared size


def test_slowed_logins_wait_while_others_are_served(tmp_path):
    """The address slowdown sleeps in the event loop: while twenty slowed sign-ins wait, other
    requests are answered, and the sign-ins are then answered (refused, not locked)."""
    AccessAttempt.objects.create(username="ke-la-khac", ip_address="127.0.0.1", user_agent="x",
                                 failures_since_start=40, attempt_time=timezone.now(),
                                 get_data="", post_data="", http_accept="", path_info="/login/")
    server = MakeRunServer(database_url=database_url_of(connection.settings_dict), media_root=str(tmp_path),
                           extra_env={"LOGIN_SLOWDOWN_MAX_SECONDS": "3"})
    events: list[str] = []
    with server:
        def slowed_login(n: int):
            request = urllib.request.Request(
                server.url + "/api/v1/auth/token", data=f'{{"username": "ke-la-{n}", "password": "sai"}}'.encode(),
                headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=60).read()
            except urllib.error.HTTPError as exc:
                events.append(f"login {exc.code}")

        waiting = [threading.Thread(target=slowed_login, args=(n,)) for n in range(20)]
        for thread in waiting:
            thread.start()
        time.sleep(1)  # a head start into their 3 s wait (the order of answers is asserted, not time)
        for _ in range(3):
            urllib.request.urlopen(server.url + "/login/", timeout=30).read()
            events.append("page")
        for thread in waiting:
            thread.join(60)
    assert events == ["page"] * 3 + ["login 401"] * 20
