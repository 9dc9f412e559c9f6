from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

# Runs the same whatever DATABASE_URL and REDIS_URL say (ecabinet/settings.py's checks, subprocesses
# with their own SQLite, the static files): CI runs it in the embedded pass only (.ci/run).
pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parents[2]


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"DEBUG": "0", "HTTPS_ONLY": "perhaps"}, "HTTPS_ONLY must be a boolean"),
        ({"DEBUG": "0", "SECRET_KEY": "short"}, "at least 50 characters"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a URL"),
        ({"DEBUG": "1", "MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB must be an integer"),
        ({"DEBUG": "1", "PDF_MAX_PAGES": "5k"}, "PDF_MAX_PAGES must be an integer"),
        ({"DEBUG": "1", "PDF_MAX_INFLATED_MB": "0"}, "PDF_MAX_INFLATED_MB must be at least 1"),
        ({"DEBUG": "1", "PDF_CHECK_MEMORY_MB": "64"}, "PDF_CHECK_MEMORY_MB must be at least 256"),
        ({"DEBUG": "1", "MAX_FORM_BODY_KB": "16"}, "MAX_FORM_BODY_KB must be at least 64"),
        ({"DEBUG": "1", "TRUSTED_PROXIES": "10.0.0.1,nginx"}, "TRUSTED_PROXIES must be a comma-separated"),
        ({"DEBUG": "1", "LOGIN_SLOWDOWN_MAX_SECONDS": "-1"}, "LOGIN_SLOWDOWN_MAX_SECONDS must be at least 0"),
        ({"DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1/x", "DATABASE_POOL_SIZE": "0"},
         "DATABASE_POOL_SIZE must be at least 1"),
        ({"DEBUG": "1", "REQUEST_SLOTS": "0"}, "REQUEST_SLOTS must be at least 1"),
        ({"DEBUG": "1", "REQUEST_SLOTS": "many"}, "REQUEST_SLOTS must be an integer"),
    ],
)
def test_bad_environment_is_refused(env, message):
    result = run_check(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_pass_deploy_check(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x8#kq2!vZp0LmN4rT7wY1bC5dF9gH3jK6sQ0uE2iO8aR4tY7nM1vB5cX9zL3pW",
        "ALLOWED_HOSTS": "ecabinet.example.gov.vn",
        "CSRF_TRUSTED_ORIGINS": "https://ecabinet.example.gov.vn",
        "VAR_DIR": str(tmp_path),
    }
    result = run_check(env, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_trusted_proxies_accept_addresses_and_networks():
    result = run_check({"DEBUG": "1", "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1 ,fd00::/8"})
    assert result.returncode == 0, result.stderr


# ---- a fresh checkout: no environment at all -------------------------------------------------

def bare_environment(var_dir: Path) -> dict[str, str]:
    """What a fresh shell has: no DEBUG, no SECRET_KEY, no database or Redis, not under pytest.
    Only VAR_DIR is set, to keep the checkout's own var/ out of the test."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "VAR_DIR": str(var_dir)}


def manage(var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=bare_environment(var_dir),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def fresh_var(tmp_path_factory) -> Path:
    """A var/ that does not exist yet, migrated by `manage.py migrate` with no environment."""
    var_dir = tmp_path_factory.mktemp("checkout") / "var"
    result = manage(var_dir, "migrate", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    return var_dir


def test_manage_commands_work_in_a_fresh_checkout(fresh_var, tmp_path):
    key_file = fresh_var / "secret_key"
    key = key_file.read_text()
    assert len(key.strip()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600

    check = manage(fresh_var, "check")
    assert check.returncode == 0, check.stderr
    audit = manage(fresh_var, "verify_audit")
    assert audit.returncode == 0, audit.stderr
    assert "audit chain intact" in audit.stdout

    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    sample = tmp_path / "unsigned.pdf"
    pdf.output(str(sample))
    verified = manage(fresh_var, "verify_pdf", str(sample), "--json")
    assert "Traceback" not in verified.stderr, verified.stderr
    assert json.loads(verified.stdout)["status"] == "unsigned"
    assert verified.returncode == 1  # "not signed" is the command's answer, not a crash

    assert key_file.read_text() == key  # generated once, never rewritten


def test_generated_secret_key_is_made_once_and_kept(tmp_path):
    from ecabinet.settings import _generated_secret_key

    key_file = tmp_path / "secret_key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: _generated_secret_key(key_file), range(16)))
    assert len(keys) == 1  # processes starting together agree on one key
    assert keys == {key_file.read_text()}
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left behind

    key_file.write_text("x" * 64)  # an operator's own key file is used as it is
    assert _generated_secret_key(key_file) == "x" * 64


def test_a_damaged_secret_key_file_is_refused(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / "secret_key").write_text("short")
    result = manage(var_dir, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "secret_key must hold a key of at least 50 characters" in result.stderr
    assert (var_dir / "secret_key").read_text() == "short"  # never overwritten


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_make_run_serves_with_debug_off(fresh_var):
    """`make run` itself (its prerequisites taken as built: nothing is installed), in a fresh var/
    and a bare environment: DEBUG off, so a wrong address gets our Vietnamese 404 page and never
    Django's technical page; static files are served; an unknown Host is refused."""
    port = free_port()
    server = subprocess.Popen(
        ["make", "--no-print-directory", "-o", "messages", "run", f"PORT={port}", f"VAR_DIR={fresh_var}",
         f"BIN={Path(sys.executable).parent}"],
        cwd=ROOT, env=bare_environment(fresh_var), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,  # make and its uvicorn child are stopped together below
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                status, _ = fetch(f"{base}/login/")
                break
            except OSError:
                assert time.monotonic() < deadline, "make run did not start serving"
                time.sleep(0.5)
        assert status == 200

        status, body = fetch(f"{base}/khong-co-trang-nay/")
        assert status == 404
        assert "Không tìm thấy trang" in body
        assert "URLconf" not in body and "DEBUG = True" not in body

        status, body = fetch(f"{base}/static/ecabinet/app.css")
        assert status == 200 and body
        # collected by `make run`: pages link the hashed name (tests/ecabinet/test_static_files.py)
        status, page = fetch(f"{base}/login/")
        stylesheet = re.search(r'href="(/static/ecabinet/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, page[:2000]
        assert fetch(base + stylesheet.group(1)) == (200, body)

        status, _ = fetch(f"{base}/login/", host="attacker.example")
        assert status == 400
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()
    assert (fresh_var / ".demo-seeded").exists()  # the demo body was loaded into this var/


def test_the_server_collects_garbage_less_often_and_leaves_its_start_out(tmp_path):
    # ecabinet/asgi.py: the collector's thresholds and the objects frozen at start.
    code = ("import gc, ecabinet.asgi, ecabinet.collector as c; "
            "print(gc.get_threshold() == c.COLLECTOR_THRESHOLDS, gc.get_freeze_count() > 10000)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**bare_environment(tmp_path), "DEBUG": "1"},
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["True", "True"], result.stderr[-2000:]
