"""The menu's to-do counts on every page (fn49): what one page pays for them, at a province's size.

Standalone: makes a temporary SQLite database (or uses DATABASE_URL: then run it on an empty
scratch database), migrates, and generates directly with bulk_create 500 people, 2,000 meetings
(half ahead, a tenth cancelled) with 40 invited each (80,000 invitations, a third unanswered),
300 opinion rounds asking 30 each (a half answered), 1,000 signing requests of 3 signers (in order
and in parallel), 3,000 follow-up tasks. Then, for 100 people, times `todo_counts` (the four kinds
in one query: what every page's menu costs) against the baseline measured in the same run: the
menu's former count of open tasks alone (one query); then each kind alone and the one query's SQL
executed without the ORM (the rest is Python building the query). Prints p50/p95 and the queries
of each; asserts nothing.

    .venv/bin/python bench/todo.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(tmp: Path) -> None:
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1", "HTTPS_ONLY": "0",
        "VAR_DIR": str(tmp), "LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "ecabinet.settings",
    })
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"


def generate(rng: random.Random, tag: str) -> list:
    from django.utils import timezone

    from ecabinet.models import Unit, User
    from meetings.models import (
        Document,
        FollowUpTask,
        Meeting,
        OpinionAnswer,
        OpinionRecipient,
        OpinionRound,
        Participant,
    )
    from signing.models import SigningRequest, SigningRequestSigner

    now = timezone.now()
    unit = Unit.objects.create(name=f"Ủy ban {tag}", code=f"ubnd-{tag}", kind="committee")
    users = User.objects.bulk_create([User(username=f"{tag}-u{i}", full_name=f"Người {i}", unit=unit)
                                      for i in range(500)])
    creator = users[0]
    meetings = Meeting.objects.bulk_create([Meeting(
        title=f"Họp {i}", unit=unit, created_by=creator,
        starts_at=now + timedelta(hours=rng.randint(-24 * 180, 24 * 180)), ends_at=now,
        status=rng.choice(["scheduled"] * 8 + ["cancelled", "ended"])) for i in range(2000)])
    for m in meetings:
        m.ends_at = m.starts_at + timedelta(hours=2)
    Meeting.objects.bulk_update(meetings, ["ends_at"])
    Participant.objects.bulk_create([Participant(meeting=m, user=u, response=rng.choice(["pending", "attend", "attend"]))
                                     for m in meetings for u in rng.sample(users, 40)], batch_size=5000)
    docs = Document.objects.bulk_create([Document(title=f"Dự thảo {i}", uploaded_by=creator, status="released")
                                         for i in range(1300)])
    rounds = OpinionRound.objects.bulk_create([OpinionRound(
        title=f"Lấy ý kiến {i}", question="Đồng ý?", draft=docs[i], created_by=creator,
        deadline=now + timedelta(days=rng.randint(-10, 20))) for i in range(300)])
    recipients, answers = [], []
    for rnd in rounds:
        for u in rng.sample(users, 30):
            recipients.append(OpinionRecipient(round=rnd, user=u))
            if rng.random() < .5:
                answers.append(OpinionAnswer(round=rnd, user=u, choice="agree"))
    OpinionRecipient.objects.bulk_create(recipients, batch_size=5000)
    OpinionAnswer.objects.bulk_create(answers, batch_size=5000)
    requests = SigningRequest.objects.bulk_create([SigningRequest(
        document=docs[300 + i], requester=creator, sequential=rng.random() < .5,
        status=rng.choice(["open", "open", "completed"])) for i in range(1000)])
    SigningRequestSigner.objects.bulk_create([SigningRequestSigner(
        request=r, order=n, user=u, status=rng.choice(["pending", "pending", "signed"]))
        for r in requests for n, u in enumerate(rng.sample(users, 3))], batch_size=5000)
    FollowUpTask.objects.bulk_create([FollowUpTask(
        meeting=rng.choice(meetings), title=f"Nhiệm vụ {i}", assignee=rng.choice(users), created_by=creator,
        deadline=(now + timedelta(days=rng.randint(-30, 60))).date(), status=rng.choice(["open", "open", "done"]))
        for i in range(3000)])
    return users


def timed(fn, people: list, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    with CaptureQueriesContext(connection) as captured:
        fn(people[0])
        queries = len(captured.captured_queries)
    for _ in range(runs):
        for person in people:
            start = time.perf_counter()
            fn(person)
            times.append((time.perf_counter() - start) * 1000)
    ordered = sorted(times)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))], queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecabinet-bench-todo-") as tmp:
        configure(Path(tmp))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        from ecabinet.access import global_permissions
        from meetings.access import tasks_assigned_to
        from meetings.selectors_todo import kinds, todo_counts

        rng = random.Random(49)
        started = time.perf_counter()
        users = generate(rng, secrets.token_hex(2))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"database: {connection.vendor}; generated in {time.perf_counter() - started:.0f} s")
        people = users[1:101]
        for person in people:
            global_permissions(person)  # every page reads the person's rights first (the menu's `can`)
        example = todo_counts(people[0])
        rows = [
            ("baseline: open tasks only (the former menu count)",
             timed(lambda u: tasks_assigned_to(u).filter(status="open").count(), people, args.runs)),
            ("todo_counts: invitations, signing, opinions, tasks", timed(todo_counts, people, args.runs)),
            *[(f"  of which {kind.key} alone", timed(lambda u, k=kind: k.pending(u).count(), people, args.runs))
              for kind in kinds()],
        ]
        # the same one query without the ORM building it: what the database itself spends
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            todo_counts(people[0])
        sql = captured.captured_queries[0]["sql"]
        with connection.cursor() as cursor:
            rows.append(("  of which the SQL alone (executed raw)",
                         timed(lambda u: cursor.execute(sql).fetchall(), people, args.runs)))
        print(f"{len(people)} people × {args.runs} runs; one person's counts: {example}")
        print(f"{'what':<55}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
        for name, (p50, p95, queries) in rows:
            print(f"{name:<55}{p50:>9.2f}{p95:>9.2f}{queries:>9}")


if __name__ == "__main__":
    main()
