"""JITSI_URL (issue 11): read strictly in ecabinet/settings.py; when set, the CSP lets that
origin's script and frame in and the Permissions-Policy its camera, microphone, screen sharing
and full screen — and nothing changes for anyone when it is empty."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.ecabinet.test_settings import ROOT, run_check

PROBE = """
import json
from django.test import Client
r = Client().get("/login/")
print(json.dumps({"status": r.status_code, "csp": r["Content-Security-Policy"],
                  "policy": r["Permissions-Policy"]}))
"""


def headers_with(env: dict[str, str]) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "JITSI_URL"}}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", PROBE], cwd=ROOT,
                            env={**base, "ECABINET_TESTING": "1", **env}, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def directive(csp: str, name: str) -> list[str]:
    for part in csp.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"{name} missing from {csp!r}")


def feature(policy: str, name: str) -> str:
    for part in policy.split(", "):
        if part.startswith(name + "="):
            return part[len(name) + 1:]
    raise AssertionError(f"{name} missing from {policy!r}")


@pytest.mark.parametrize("value", [
    "http://meet.example.gov.vn",          # not https
    "meet.example.gov.vn",                 # no scheme
    "https://meet.example.gov.vn/room",    # a path: the room's name is the app's to make
    "https://user:pw@meet.example.gov.vn",  # credentials
    "https://meet.example.gov.vn?x=1",     # a query
    "https://meet.example.gov.vn:99999",   # a port out of range
])
def test_a_bad_jitsi_url_is_refused_by_name(value):
    result = run_check({"DEBUG": "1", "JITSI_URL": value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "JITSI_URL must be the https address" in result.stderr


def test_the_jitsi_origin_is_let_in_only_when_set():
    plain = headers_with({})
    assert plain["status"] == 200
    assert "meet.example.gov.vn" not in plain["csp"] + plain["policy"]
    assert feature(plain["policy"], "camera") == "()"
    assert feature(plain["policy"], "microphone") == "()"

    origin = "https://meet.example.gov.vn:8443"
    jitsi = headers_with({"JITSI_URL": origin + "/"})  # a trailing slash is dropped
    assert origin in directive(jitsi["csp"], "script-src")
    assert origin in directive(jitsi["csp"], "frame-src")
    # Only there: nothing else (connections, images, styles) is opened to it.
    for name in ("default-src", "connect-src", "img-src", "style-src", "frame-ancestors"):
        assert origin not in directive(jitsi["csp"], name), name
    for name in ("camera", "microphone", "display-capture", "fullscreen"):
        assert feature(jitsi["policy"], name) == f'(self "{origin}")', name
    assert feature(jitsi["policy"], "geolocation") == "()"
