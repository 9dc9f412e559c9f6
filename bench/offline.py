"""What offline reading and retries cost the server, in-process on a fresh SQLite database.

    .venv/bin/python bench/offline.py [--meetings 20] [--documents 10] [--notes 200]

1. GET /api/v1/me/offline-pack for a member of --meetings upcoming meetings with --documents
   released documents each (the service worker asks at most every 3 minutes per open page):
   time and SQL queries per call.
2. POST /api/v1/notes, --notes times each: without a key (the baseline), with a fresh
   Idempotency-Key (the key is reserved and the answer kept), and the same keys again (replays).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=20)
    parser.add_argument("--documents", type=int, default=10)
    parser.add_argument("--notes", type=int, default=200)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", ECABINET_TESTING="1", VAR_DIR=tmp,
                      DJANGO_SETTINGS_MODULE="ecabinet.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from ecabinet.models import IdempotencyKey
    from meetings.models import Document, DocumentVersion, Meeting, Participant, PersonalNote
    from tests.kit.users import make_people

    people = make_people()
    now = timezone.now()
    first = None
    for m in range(args.meetings):
        # ORM on purpose: the pack reads rows, not files; hundreds of uploads through the intake
        # would measure the PDF check instead.
        meeting = Meeting.objects.create(title=f"Phiên họp {m + 1}", starts_at=now + timedelta(days=m + 1),
                                         ends_at=now + timedelta(days=m + 1, hours=3), created_by=people.owner,
                                         status=Meeting.Status.SCHEDULED)
        first = first or meeting
        Participant.objects.create(meeting=meeting, user=people.owner, role=Participant.Role.SECRETARY)
        Participant.objects.create(meeting=meeting, user=people.member, role=Participant.Role.MEMBER)
        for d in range(args.documents):
            doc = Document.objects.create(meeting=meeting, title=f"Tài liệu {m + 1}.{d + 1}",
                                          status=Document.Status.RELEASED, uploaded_by=people.owner)
            DocumentVersion.objects.create(document=doc, number=1, file=f"bench/{doc.pk}.pdf", sha256="0" * 64,
                                           size=1000, pages=1, created_by=people.owner)
    client = Client()
    client.force_login(people.member)

    times, queries, entries = [], 0, 0
    for _ in range(20):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/api/v1/me/offline-pack")
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
        queries, entries = len(captured), len(response.json()["entries"])
    print(f"offline pack: {args.meetings} meetings x {args.documents} documents -> {entries} entries,"
          f" {len(response.content) / 1024:.1f} KiB, median {statistics.median(times) * 1000:.1f} ms,"
          f" {queries} SQL queries")

    assert first is not None
    body = json.dumps({"meeting": first.pk, "text": "Ghi chú"})

    def post(key: str | None) -> float:
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        started = time.perf_counter()
        response = client.post("/api/v1/notes", body, content_type="application/json", **headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.content[:300]
        return elapsed

    keys = [str(uuid.uuid4()) for _ in range(args.notes)]
    plain = [post(None) for _ in range(args.notes)]
    keyed = [post(key) for key in keys]
    replayed = [post(key) for key in keys]
    assert PersonalNote.objects.count() == 2 * args.notes and IdempotencyKey.objects.count() == args.notes
    for label, values in (("no key", plain), ("new key", keyed), ("replay", replayed)):
        print(f"POST /api/v1/notes {label:8} median {statistics.median(values) * 1000:6.2f} ms"
              f"  (n={len(values)})")


if __name__ == "__main__":
    main()
