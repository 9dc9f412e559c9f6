"""The task queue for real (ecabinet/tasks.py): `manage.py run_huey` runs as a subprocess on the
test database against a real queue (a SqliteHuey file; RedisHuey too when REDIS_URL is set), is
killed with SIGKILL while it works and again after it sent the reminder, and started again: a
meeting reminder goes out exactly once (one in-app notification and one e-mail per person), the
queued jobs survive the killed worker, and a lock a killed worker left behind is cleared when the
next one starts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from huey import RedisHuey, SqliteHuey
from huey.api import TaskLock

from ecabinet.models import Notification, OutgoingMail, ReminderSent
from ecabinet.reminders import collectors
from ecabinet.tasks import lock_name
from meetings.models import Meeting, Participant
from tests.kit import factories
from tests.kit.users import make_people
from tests.meetings.room_server import database_url_of

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)

ENGINES = ["sqlite", pytest.param("redis", marks=pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="RedisHuey needs REDIS_URL (the PostgreSQL + Redis pass)"))]


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60, log: Callable[[], str] = str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n{log()[-4000:]}")


class Worker:
    """One `manage.py run_huey` process; its output (the consumer's log, and the mail it sends
    through the console backend) goes to a file the test reads."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        # --no-periodic: the test enqueues what the minute's scheduler would, so it can count
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "run_huey", "--no-periodic", "--workers", "2"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: "consumer started" in self.text().lower() or self.proc.poll() is not None,
                   "the consumer to start")
        assert self.proc.poll() is None, self.text()[-3000:]
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def executed(self) -> int:
        """How many tasks this worker finished (a line may be logged by two handlers)."""
        return len(set(re.findall(r"run_collector: ([0-9a-f-]{36}) .* executed in ", self.text())))

    def idle(self) -> bool:
        """Every task this worker started has finished. A worker also takes what a killed one left
        queued, so "as many finished as were queued" can hold while one is still sending its mail."""
        text = self.text()
        started = set(re.findall(r"Executing ecabinet\.[\w.]+: ([0-9a-f-]{36}) ", text))
        return started <= set(re.findall(r"ecabinet\.[\w.]+: ([0-9a-f-]{36}) .* executed in ", text))

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
        self.proc = None


@pytest.fixture
def queue_env(request, tmp_path):
    engine = request.param
    env = dict(os.environ, DATABASE_URL=database_url_of(connection.settings_dict), ECABINET_TESTING="1",
               PYTHONUNBUFFERED="1", TASK_QUEUE_IMMEDIATE="0", TASK_QUEUE_FILE=str(tmp_path / "tasks.sqlite3"),
               EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend", MEDIA_ROOT=str(tmp_path),
               EMAIL_TIMEOUT="1",  # an outbox row a killed worker held is free again after 10 s
               REDIS_PREFIX=f"{os.environ.get('REDIS_PREFIX', 'ecabinet')}-q{uuid.uuid4().hex[:8]}")
    name = env["REDIS_PREFIX"] + "-tasks"  # settings.HUEY["name"]
    if engine == "redis":
        queue = RedisHuey(name, url=env["REDIS_URL"])
    else:
        env.pop("REDIS_URL", None)
        queue = SqliteHuey(name, filename=env["TASK_QUEUE_FILE"])
    workers: list[Worker] = []
    yield env, queue, workers, tmp_path
    for worker in workers:
        worker.kill()
    queue.flush()


def message_ids_to(console: str, address: str) -> set[str]:
    """The Message-IDs of the mails to `address` that the console backend printed."""
    ids = set()
    for message in console.split("-" * 79):
        if re.search(rf"^To: {re.escape(address)}$", message, re.M):
            ids.update(re.findall(r"^Message-ID: (<[^>]+>)$", message, re.M))
    return ids


def enqueue(env: dict[str, str]) -> None:
    """What the scheduler does every minute: one task per collector (send_reminders --queue)."""
    subprocess.run([sys.executable, "manage.py", "send_reminders", "--queue"], cwd=ROOT, env=env, check=True,
                   timeout=120, capture_output=True)


def meeting_in_twenty_minutes():
    people = make_people()
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=20)
    meeting = factories.make_meeting(by=people.owner, title="Họp giao ban tuần", starts_at=start, hours=1,
                                     unit=people.department, members=[people.member], location="Phòng 301",
                                     status=Meeting.Status.SCHEDULED)
    # scheduled last week: everyone knew of it before the 30-minute reminder fell due
    week_ago = timezone.now() - timedelta(days=7)
    Participant.objects.filter(meeting=meeting).update(invited_at=week_ago, added_at=week_ago)
    return people, meeting


@pytest.mark.parametrize("queue_env", ENGINES, indirect=True)
def test_a_reminder_goes_out_once_across_killed_and_restarted_workers(queue_env):
    env, queue, workers, tmp_path = queue_env
    people, meeting = meeting_in_twenty_minutes()
    count = len(collectors())

    def new_worker(n: int) -> Worker:
        worker = Worker(env, tmp_path / f"worker-{n}.log")
        workers.append(worker)
        return worker

    # 1. Jobs queued while no worker runs are kept (the queue is a file, or Redis).
    enqueue(env)
    assert queue.pending_count() == count + 1  # and the outbox's sweep
    # 2. A worker picks them up and is killed (SIGKILL) while it works on them.
    first = new_worker(1).start()
    wait_until(lambda: "Executing ecabinet.tasks.run_collector" in first.text(), "the first task to start")
    first.kill()
    # A worker killed mid-way may leave a collector's lock behind: make sure the meeting one is.
    stale = TaskLock(queue, lock_name("meeting-reminders"))
    if not stale.is_locked():
        stale.acquire()
    # 3. The minute's job again; a new worker clears the stale lock, and the reminder goes out.
    enqueue(env)
    second = new_worker(2).start()
    wait_until(lambda: ReminderSent.objects.filter(key__startswith=f"meeting-reminder:{meeting.pk}:").exists(),
               "the meeting reminder", log=second.text)
    wait_until(lambda: second.executed() >= count and queue.pending_count() == 0 and second.idle(), "the worker to finish",
               log=second.text)
    second.kill()
    # 4. Queued again while no worker runs, then a third worker: nothing more is reminded; a mail
    # the first worker held when it was killed is sent once its hold has lapsed.
    wait_until(lambda: not OutgoingMail.objects.filter(claimed_until__gt=timezone.now()).exists(),
               "the killed worker's hold on a mail to lapse", timeout=30)
    enqueue(env)
    third = new_worker(3).start()
    wait_until(lambda: third.executed() >= count and queue.pending_count() == 0 and third.idle(),
               "the third worker to finish", log=third.text)
    third.kill()

    reminders = Notification.objects.filter(kind="meeting.reminder")
    assert sorted(reminders.values_list("user__username", flat=True)) == ["member", "owner"]
    note = reminders.get(user=people.member)
    assert note.title.startswith("Nhắc lịch họp: “Họp giao ban tuần” lúc ")
    assert "Phòng 301" in note.body
    assert ReminderSent.objects.filter(key__startswith=f"meeting-reminder:{meeting.pk}:").count() == 1
    # The mail was written to the outbox with the reminder, so a worker killed before sending it
    # left it to the next. One Message-ID per person: a copy sent twice (a worker killed after the
    # mail server took it, before the row said so) is the same message to the receiving side.
    mails = "".join(w.text() for w in workers)
    for person in (people.member, people.owner):
        ids = message_ids_to(mails, person.email)
        assert len(ids) == 1, mails[-4000:]
        assert OutgoingMail.objects.get(recipients=[person.email], kind="meeting.reminder").message_id in ids
    assert not OutgoingMail.objects.exclude(status=OutgoingMail.Status.SENT).exists()
    assert not queue.is_locked(lock_name("meeting-reminders"))


# --- in the caller (the tests' immediate mode: settings.HUEY["immediate"]) --------------------------

def test_the_minute_job_runs_every_collector_and_one_failing_stops_none(monkeypatch):
    from ecabinet import reminders, tasks

    people, meeting = meeting_in_twenty_minutes()
    ran: list[str] = []

    def broken(now):
        ran.append("broken")
        raise RuntimeError("collector failed")

    monkeypatch.setitem(reminders._COLLECTORS, "a-broken-one", broken)
    tasks.run_reminders.call_local()  # what the consumer's scheduler runs every minute
    assert ran == ["broken"]
    # sorted after the broken one, the meeting reminders still went out
    assert sorted(Notification.objects.filter(kind="meeting.reminder").values_list("user__username", flat=True)) == [
        "member", "owner"]


def test_a_collector_running_elsewhere_is_skipped_not_run_twice():
    from ecabinet import tasks

    people, meeting = meeting_in_twenty_minutes()
    lock = tasks.collector_lock("meeting-reminders")
    with lock:  # another consumer is running it
        assert tasks.run_collector.call_local("meeting-reminders") == 0
        assert not Notification.objects.filter(kind="meeting.reminder").exists()
    assert tasks.run_collector.call_local("meeting-reminders") == 1
    assert tasks.run_collector.call_local("meeting-reminders") == 0
