"""A big meeting's dossier (fn107): export time, memory, size, and the offline verification time.

Standalone: a temporary SQLite database (or DATABASE_URL) and media folder; an ended meeting
with --documents released documents of --size-mb each (incompressible bytes after a PDF header,
so the ZIP cannot shrink them), 80 participants and 50 agenda items; then the export through
the action (`do_export_dossier`, spooled), and scripts/verify_export.py on the result in a
clean interpreter. Prints the figures; asserts nothing.

    .venv/bin/python bench/dossier.py [--documents 200] [--size-mb 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(tmp: Path) -> None:
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS_ONLY": "0", "VAR_DIR": str(tmp), "LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "ecabinet.settings",
    })
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"


def seed(documents: int, size: int):
    from django.utils import timezone

    from ecabinet.models import Unit, User
    from meetings.models import AgendaItem, Document, Meeting, Participant
    from signing.actions.documents import store_version

    unit = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code=f"b{secrets.token_hex(3)}", kind="committee")
    secretary = User.objects.create(username=f"thuky{secrets.token_hex(3)}", full_name="Trần Thị Thư Ký", unit=unit)
    now = timezone.now()
    meeting = Meeting.objects.create(title="Phiên họp lớn", unit=unit, starts_at=now - timedelta(hours=3),
                                     ends_at=now - timedelta(hours=1), ended_at=now - timedelta(hours=1),
                                     status=Meeting.Status.ENDED, created_by=secretary)
    Participant.objects.create(meeting=meeting, user=secretary, role=Participant.Role.SECRETARY)
    people = User.objects.bulk_create(User(username=f"tv{secrets.token_hex(4)}", full_name=f"Thành viên {i}", unit=unit)
                                      for i in range(79))
    Participant.objects.bulk_create(Participant(meeting=meeting, user=u) for u in people)
    AgendaItem.objects.bulk_create(AgendaItem(meeting=meeting, position=i, title=f"Nội dung {i}",
                                              conclusion="Thống nhất thông qua.") for i in range(50))
    for i in range(documents):
        document = Document.objects.create(meeting=meeting, title=f"Tài liệu {i}", uploaded_by=secretary,
                                           status=Document.Status.RELEASED, confidential=i % 10 == 0)
        data = b"%PDF-1.7\n%" + os.urandom(size) + b"\n%%EOF\n"
        store_version(document, data, actor=secretary, note="upload", pages=1)
    return meeting, secretary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--size-mb", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp_name:
        tmp = Path(tmp_name)
        configure(tmp)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from signing.actions.dossier import do_export_dossier

        size = int(args.size_mb * 1024 * 1024)
        started = time.perf_counter()
        meeting, secretary = seed(args.documents, size)
        seeded = time.perf_counter() - started
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        started = time.perf_counter()
        exported = do_export_dossier(meeting, actor=secretary)
        export_s = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = tmp / "dossier.zip"
        with open(out, "wb") as fh:
            while chunk := exported.file.read(1 << 20):
                fh.write(chunk)
        exported.file.close()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-I", "-S", str(ROOT / "scripts" / "verify_export.py"), str(out)],
                              capture_output=True, text=True, check=False)
        verify_s = time.perf_counter() - started
        total = args.documents * size
        print(f"dossier bench: {args.documents} documents x {args.size_mb:g} MB = {total / 2**20:.0f} MB stored, "
              f"80 participants, 50 items (seeded in {seeded:.1f} s)")
        print(f"  export (do_export_dossier):  {export_s:6.2f} s   {total / 2**20 / export_s:7.1f} MB/s")
        print(f"  ZIP: {exported.size / 2**20:.1f} MB; Python heap peak during export: {peak / 2**20:.1f} MB; "
              f"process max RSS grew by {(rss_after - rss_before) / 1024:.1f} MB")
        print(f"  verify_export.py:           {verify_s:6.2f} s   exit {done.returncode}: "
              f"{done.stdout.strip().splitlines()[0] if done.stdout.strip() else done.stderr.strip()[:200]}")


if __name__ == "__main__":
    main()
