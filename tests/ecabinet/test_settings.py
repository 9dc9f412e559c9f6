from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
        ({"DEBUG": "0"}, "SECRET_KEY must be set"),
        ({"DEBUG": "0", "SECRET_KEY": "short"}, "at least 50 characters"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a URL"),
        ({"DEBUG": "1", "MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB must be an integer"),
        ({"DEBUG": "1", "PDF_MAX_PAGES": "5k"}, "PDF_MAX_PAGES must be an integer"),
        ({"DEBUG": "1", "PDF_MAX_INFLATED_MB": "0"}, "PDF_MAX_INFLATED_MB must be at least 1"),
        ({"DEBUG": "1", "PDF_CHECK_MEMORY_MB": "64"}, "PDF_CHECK_MEMORY_MB must be at least 256"),
        ({"DEBUG": "1", "MAX_FORM_BODY_KB": "16"}, "MAX_FORM_BODY_KB must be at least 64"),
        ({"DEBUG": "1", "TRUSTED_PROXIES": "10.0.0.1,nginx"}, "TRUSTED_PROXIES must be a comma-separated"),
        ({"DEBUG": "1", "LOGIN_SLOWDOWN_MAX_SECONDS": "-1"}, "LOGIN_SLOWDOWN_MAX_SECONDS must be at least 0"),
        ({"DEBUG": "0", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
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
