"""``manage.py verify_pdf FILE --json --trust CA.pem``: the DESIGN.md report and exit codes,
run for real (a subprocess on its own migrated SQLite database) and through call_command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from signing.pdf import pades
from tests.kit.files import make_pdf

# Runs the same whatever DATABASE_URL and REDIS_URL say (ecabinet/settings.py's checks, subprocesses
# with their own SQLite, the static files): CI runs it in the embedded pass only (.ci/run).
pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parents[2]
REPORT_KEYS = ["file", "status", "error", "signatures"]
SIGNATURE_KEYS = [
    "field", "signer", "signed_at", "intact", "trusted", "modified_after", "coverage",
    "timestamped", "status",
]
EXIT = {"valid": 0, "invalid": 1, "modified": 1, "untrusted": 1, "unsigned": 1, "error": 2}


@pytest.fixture(scope="module")
def files(tmp_path_factory, ca, signer):
    d = tmp_path_factory.mktemp("verify-cli")
    signed = pades.sign_pdf(make_pdf(2), signer, reason="Ban hành")
    tampered = bytearray(signed)
    pos = tampered.index(b"/MediaBox")
    tampered[pos + 2] ^= 0x20  # "/MeDiaBox": still a PDF, the signed bytes changed
    paths = {
        "valid": d / "bien-ban.pdf",
        "tampered": d / "bien-ban-sua.pdf",
        "unsigned": d / "chua-ky.pdf",
        "not_pdf": d / "anh.pdf",
        "ca": d / "ca.pem",
    }
    paths["valid"].write_bytes(signed)
    paths["tampered"].write_bytes(bytes(tampered))
    paths["unsigned"].write_bytes(make_pdf(1))
    paths["not_pdf"].write_bytes(b"\x89PNG\r\n\x1a\n not a pdf at all")
    paths["ca"].write_bytes(ca[1].public_bytes(serialization.Encoding.PEM))
    return paths


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """The command runs against a database of its own (migrated here), as on a server."""
    var = tmp_path_factory.mktemp("var")
    env = dict(os.environ)
    env.update(DEBUG="1", VAR_DIR=str(var), DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )
    return env


def _run_cli(env, path: Path, ca_pem: Path) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "manage.py", "verify_pdf", str(path), "--json", "--trust", str(ca_pem)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _check_shape(report: dict, path: Path) -> None:
    # The stable keys first, in their order; the reader's fields (fn146) come after them.
    assert list(report)[:len(REPORT_KEYS)] == REPORT_KEYS
    assert {"verdict", "error_message"} <= set(report)
    assert report["file"] == path.name
    for sig in report["signatures"]:
        assert list(sig)[:len(SIGNATURE_KEYS)] == SIGNATURE_KEYS
        assert {"issuer", "certificate_at_signing", "signed_at_local", "details"} <= set(sig)


CASES = [
    ("valid", "valid", 1),
    ("tampered", "invalid", 1),
    ("unsigned", "unsigned", 0),
    ("not_pdf", "error", 0),
]


@pytest.mark.parametrize(("name", "status", "n_sigs"), CASES)
def test_subprocess(cli_env, files, name, status, n_sigs):
    code, report = _run_cli(cli_env, files[name], files["ca"])
    _check_shape(report, files[name])
    assert report["status"] == status, report
    assert code == EXIT[status]
    assert len(report["signatures"]) == n_sigs
    if status == "valid":
        sig = report["signatures"][0]
        assert {key: sig[key] for key in SIGNATURE_KEYS} == {
            "field": "Sig1",
            "signer": "Nguyễn Văn Ánh",
            "signed_at": sig["signed_at"],
            "intact": True,
            "trusted": True,
            "modified_after": False,
            "coverage": "entire_file",
            "timestamped": False,
            "status": "valid",
        }
        assert sig["signed_at"].endswith("+00:00")
        assert sig["signed_at_local"].endswith("+07:00")
        assert sig["certificate_at_signing"] == "valid" and sig["chain_trusted"] is True
    if status == "invalid":
        assert report["signatures"][0]["intact"] is False
    if status == "error":
        assert "không phải PDF" in report["error"]  # the intake's refusal, as on every upload
    else:
        assert report["error"] is None


def test_subprocess_without_the_root_is_untrusted(cli_env, files, tmp_path):
    other = tmp_path / "other.pem"
    from signing.pdf import pki

    other.write_bytes(pki.create_ca("Other CA", "X")[1].public_bytes(serialization.Encoding.PEM))
    code, report = _run_cli(cli_env, files["valid"], other)
    assert (code, report["status"]) == (1, "untrusted")
    assert report["signatures"][0]["intact"] is True


def _call(path: Path, ca_pem: Path, *extra: str) -> tuple[int, str]:
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("verify_pdf", str(path), "--trust", str(ca_pem), *extra, stdout=out)
    return exc.value.code, out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "status", "n_sigs"), CASES)
def test_call_command(files, name, status, n_sigs):
    code, out = _call(files[name], files["ca"], "--json")
    report = json.loads(out)
    _check_shape(report, files[name])
    assert (report["status"], code, len(report["signatures"])) == (status, EXIT[status], n_sigs)


@pytest.mark.django_db
def test_call_command_missing_file_is_an_error(files, tmp_path):
    code, out = _call(tmp_path / "khong-co.pdf", files["ca"], "--json")
    report = json.loads(out)
    assert (report["status"], code, report["signatures"]) == ("error", 2, [])


@pytest.mark.django_db
def test_call_command_text_summary_in_vietnamese(files):
    code, out = _call(files["valid"], files["ca"])
    assert code == 0
    assert "bien-ban.pdf: hợp lệ" in out and "Nguyễn Văn Ánh" in out
    code, out = _call(files["tampered"], files["ca"])
    assert code == 1 and "chữ ký không hợp lệ" in out
