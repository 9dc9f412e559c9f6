"""Statistics reports over a year of a province (issue 12 part 5, tender fn48/52/53/119/138).

Standalone: makes a temporary SQLite database (or uses DATABASE_URL: then run it on an empty
scratch database, it adds two provinces), migrates, and generates directly with bulk_create
  - a province at scale 1: 3,000 meetings in one year, 200 members in 20 departments,
    66,000 seats and about 60,000 check-ins, 24,000 requests to speak, 6,000 votes with 90,000 ballots,
    300 opinion rounds (6,000 people asked, their answers and draft views), 12,000 documents with
    15,000 versions and page counts, 1,000 signatures, 6,000 follow-up tasks;
  - the same province at scale 0.1 (a tenth of everything but the people), in the same database.
Then times every report (members, rounds, types, speaking, paper, tasks) over the whole year for
each province: p50/p95 of N runs and the number of queries (the same at both scales: fixed,
whatever the size of the data), against a baseline measured in the same run (one trivial query).
The chart (SVG) and the XLSX export of each report are timed once, for information.
Prints a table; asserts nothing. Target: p95 < 2 s at scale 1.

    .venv/bin/python bench/reports.py [--runs 10]
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
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
YEAR = 2025


def configure(tmp: Path) -> None:
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1", "HTTPS_ONLY": "0",
        "VAR_DIR": str(tmp), "LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "ecabinet.settings",
    })
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"


def generate(scale: float, tag: str, rng: random.Random) -> int:
    """One province; returns its committee's id. `scale` multiplies everything but the people."""
    from django.db import transaction
    from django.utils import timezone

    from ecabinet.models import AuditEvent, Unit, User
    from meetings.models import (
        Attendance,
        Document,
        DocumentVersion,
        FollowUpTask,
        Meeting,
        MeetingType,
        OpinionAnswer,
        OpinionRecipient,
        OpinionRound,
        Participant,
        Poll,
        PollVoter,
        SpeakerRequest,
    )
    from signing.models import SignatureRecord, SigningCertificate

    def n(count: int) -> int:
        return max(1, round(count * scale))

    def local(day: date, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))

    with transaction.atomic():
        province = Unit.objects.create(name=f"Ủy ban nhân dân tỉnh {tag}", code=f"tinh-{tag}", kind="committee")
        departments = Unit.objects.bulk_create([
            Unit(name=f"Sở số {i + 1} ({tag})", code=f"so-{tag}-{i}", kind="department", parent=province)
            for i in range(20)])
        members = User.objects.bulk_create([
            User(username=f"cb-{tag}-{i}", full_name=f"Cán bộ số {i + 1} tỉnh {tag}", unit=departments[i % 20],
                 password="!") for i in range(200)])
        types = MeetingType.objects.bulk_create([
            MeetingType(name=name) for name in ("Thường kỳ", "Chuyên đề", "Đột xuất", "Giao ban")])
        first = date(YEAR, 1, 1)
        meetings = []
        for i in range(n(3000)):
            day = first + timedelta(days=rng.randrange(365))
            start = local(day, rng.choice((8, 14)))
            status = rng.choices(("ended", "cancelled", "scheduled"), (0.96, 0.02, 0.02))[0]
            ended = status == "ended"
            meetings.append(Meeting(
                title=f"Cuộc họp {i + 1} ({tag})", unit=rng.choice(departments), starts_at=start,
                ends_at=start + timedelta(hours=3), status=status, meeting_type=rng.choice(types),
                created_by=members[0], started_at=start if ended else None,
                ended_at=start + timedelta(minutes=rng.randrange(60, 240)) if ended else None))
        meetings = Meeting.objects.bulk_create(meetings, batch_size=2000)
        seats = []
        for meeting in meetings:
            for user in rng.sample(members, 22):
                response = rng.choices(("attend", "decline", "delegate", "pending"), (0.85, 0.08, 0.02, 0.05))[0]
                seats.append(Participant(meeting=meeting, user=user, response=response,
                                         response_reason="Đi công tác" if response == "decline" and rng.random() < .7
                                         else ""))
        seats = Participant.objects.bulk_create(seats, batch_size=5000)
        by_meeting: dict[int, list[Participant]] = {}
        for seat in seats:
            by_meeting.setdefault(seat.meeting_id, []).append(seat)
        attendances, requests, polls, ballots = [], [], [], []
        for meeting in meetings:
            people = by_meeting[meeting.pk]
            if meeting.status != "ended":
                continue
            here = people[:21]
            for seat in here:
                attendances.append(Attendance(meeting=meeting, participant=seat, remote=rng.random() < .15,
                                              checked_in_at=meeting.starts_at))
            for k in range(8):
                speaker = rng.choice(here)
                start = meeting.starts_at + timedelta(minutes=10 * k)
                requests.append(SpeakerRequest(meeting=meeting, participant=speaker, status="done",
                                               started_at=start, ended_at=start + timedelta(minutes=rng.randrange(1, 9))))
            for q in range(2):
                polls.append(Poll(meeting=meeting, question=f"Biểu quyết {q + 1}", created_by=members[0],
                                  status="closed"))
        Attendance.objects.bulk_create(attendances, batch_size=5000)
        SpeakerRequest.objects.bulk_create(requests, batch_size=5000)
        polls = Poll.objects.bulk_create(polls, batch_size=5000)
        for poll in polls:
            for seat in by_meeting[poll.meeting_id][:15]:
                ballots.append(PollVoter(poll=poll, seat=seat, cast_by_id=seat.user_id))
        PollVoter.objects.bulk_create(ballots, batch_size=5000)
        documents = Document.objects.bulk_create([
            Document(meeting=meeting, title=f"Tờ trình {k + 1}", status="released" if k < 3 else "pending",
                     uploaded_by=members[0]) for meeting in meetings for k in range(4)], batch_size=5000)
        versions = []
        for doc in documents:
            for number in range(1, 2 + (rng.random() < .3)):
                versions.append(DocumentVersion(document=doc, number=number, file=f"b/{doc.pk}-{number}.pdf",
                                                sha256="0" * 64, size=1, pages=rng.randrange(1, 40),
                                                created_by=members[0]))
        versions = DocumentVersion.objects.bulk_create(versions, batch_size=5000)
        now = timezone.now()
        certificate = SigningCertificate.objects.create(
            user=members[0], cert_pem="-", serial=tag, subject="CN=bench", issuer="CN=bench",
            not_before=now - timedelta(days=800), not_after=now + timedelta(days=800))
        SignatureRecord.objects.bulk_create([
            SignatureRecord(document_id=version.document_id, version=version, signer=rng.choice(members),
                            certificate=certificate, field_name=f"s{i}", signed_at=local(first, 9)
                            + timedelta(days=rng.randrange(365)))
            for i, version in enumerate(rng.sample(versions, n(1000)))], batch_size=5000)
        drafts = Document.objects.bulk_create([
            Document(title=f"Dự thảo {i + 1}", status="released", uploaded_by=members[0]) for i in range(n(300))])
        sent = [local(first + timedelta(days=rng.randrange(350)), 8) for _draft in drafts]
        rounds = OpinionRound.objects.bulk_create([
            OpinionRound(title=f"Lấy ý kiến dự thảo {i + 1}", question="Ý kiến?", unit=rng.choice(departments),
                         draft=draft, created_by=members[0], created_at=sent[i], deadline=sent[i] + timedelta(days=7))
            for i, draft in enumerate(drafts)])
        recipients, answers, views = [], [], []
        seq = (AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
        for rnd in rounds:
            for user in rng.sample(members, 20):
                recipients.append(OpinionRecipient(round=rnd, user=user))
                if rng.random() < .8:
                    views.append(AuditEvent(seq=seq, at=rnd.created_at, actor=user, action="document.download",
                                            object_type="meetings.document", object_id=str(rnd.draft_id),
                                            prev_hash="0" * 64, row_hash="0" * 64))
                    seq += 1
                if rng.random() < .75:
                    answers.append(OpinionAnswer(round=rnd, user=user, choice=rng.choice(("agree", "disagree", "other")),
                                                 answered_at=rnd.created_at + timedelta(days=rng.randrange(9))))
        OpinionRecipient.objects.bulk_create(recipients, batch_size=5000)
        OpinionAnswer.objects.bulk_create(answers, batch_size=5000)
        AuditEvent.objects.bulk_create(views, batch_size=5000)
        tasks = []
        for meeting in meetings:
            for _k in range(2):
                deadline = timezone.localdate(meeting.starts_at) + timedelta(days=rng.randrange(5, 60))
                status = rng.choices(("open", "done", "cancelled"), (0.3, 0.65, 0.05))[0]
                done = (local(deadline, 10) + timedelta(days=rng.randrange(-10, 5))) if status == "done" else None
                unit = rng.choice(departments)
                tasks.append(FollowUpTask(meeting=meeting, title="Nhiệm vụ", assignee_unit=unit, deadline=deadline,
                                          status=status, completed_at=done, created_by=members[0],
                                          created_at=meeting.starts_at))
        FollowUpTask.objects.bulk_create(tasks, batch_size=5000)
    print(f"  province {tag} (scale {scale}): {len(meetings)} meetings, {len(seats)} seats, "
          f"{len(attendances)} check-ins, {len(requests)} requests to speak, {len(ballots)} ballots, "
          f"{len(rounds)} rounds, {len(documents)} documents, {len(versions)} versions, {len(tasks)} tasks")
    return province.pk


def measure(fn, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(captured.captured_queries)
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecabinet-bench-reports-") as tmp:
        configure(Path(tmp))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        from ecabinet.access import StatisticsScope
        from ecabinet.models import Unit, User
        from meetings.statistics import charts, exports
        from meetings.statistics.period import Period, build_filters
        from meetings.statistics.reports import REPORTS, build_report

        rng = random.Random(12)
        tag = secrets.token_hex(2)
        print(f"database: {connection.vendor}; generating…")
        started = time.perf_counter()
        small = generate(0.1, f"nho-{tag}", rng)
        big = generate(1.0, f"lon-{tag}", rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"  generated in {time.perf_counter() - started:.0f} s")
        scope = StatisticsScope(user_id=0, unit_ids=frozenset(Unit.objects.values_list("pk", flat=True)),
                                own_only=False)
        period = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
        someone = User.objects.values_list("pk", flat=True).first()
        assert someone is not None
        base50, base95, base_q = measure(lambda: User.objects.filter(pk=someone).exists(), args.runs * 5)
        ms = 1000
        print(f"\nbaseline (one trivial query): p50 {base50 * ms:.2f} ms, p95 {base95 * ms:.2f} ms, {base_q} query")
        print(f"\n{'report':10} {'scale':>5} {'p50 ms':>9} {'p95 ms':>9} {'× base':>8} {'queries':>8}"
              f" {'chart ms':>9} {'xlsx ms':>8}")
        worst = 0.0
        for key in REPORTS:
            counts = []
            for label, province in (("0.1", small), ("1", big)):
                unit = Unit.objects.get(pk=province)
                # the unit filter's subtree is read once per report, like the page does
                p50, p95, queries = measure(lambda unit=unit, key=key: build_report(key, build_filters(scope, unit, period)),
                                            args.runs)
                report = build_report(key, build_filters(scope, unit, period))
                start = time.perf_counter()
                charts.render_svg(report)
                chart = time.perf_counter() - start
                start = time.perf_counter()
                exports.to_xlsx(report, period=period.label(), unit=unit.name)
                xlsx = time.perf_counter() - start
                counts.append(queries)
                if label == "1":
                    worst = max(worst, p95)
                print(f"{key:10} {label:>5} {p50 * ms:9.1f} {p95 * ms:9.1f} {p50 / base50:8.0f} {queries:8d}"
                      f" {chart * ms:9.0f} {xlsx * ms:8.0f}")
            print(f"{'':10} queries {'fixed' if len(set(counts)) == 1 else 'DIFFER'} ({counts[0]} at 0.1, "
                  f"{counts[1]} at 1)")
        print(f"\nworst p95 at scale 1: {worst * ms:.0f} ms (target < 2000 ms): {'met' if worst < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
