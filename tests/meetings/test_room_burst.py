"""200 ballots cast at once on one poll: exactly 200 counted, duplicates refused by the database."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from ecabinet.errors import ConflictError
from ecabinet.models import User
from meetings.actions import room_polls as polls
from meetings.models import Attendance, MeetingEvent, Participant, PollOption, PollVoter
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 200


def test_two_hundred_concurrent_ballots():
    room = make_room(prefix="b")
    users = User.objects.bulk_create([User(username=f"v{i:03}", full_name=f"Đại biểu {i}", password="!")
                                      for i in range(VOTERS)])
    users = list(User.objects.filter(username__startswith="v").order_by("username"))
    parts = Participant.objects.bulk_create([Participant(meeting=room.meeting, user=u, role="member") for u in users])
    parts = list(Participant.objects.filter(meeting=room.meeting, user__in=users))
    Attendance.objects.bulk_create([Attendance(meeting=room.meeting, participant=p) for p in parts])
    poll = polls.do_create_poll(room.meeting, actor=room.chair, question="Thông qua?", secret=True)
    polls.do_open_poll(poll, actor=room.chair)
    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def vote(index: int, user: User) -> None:
        if index < 50:
            start.wait()  # the first 50 leave together
        try:
            polls.do_cast_ballot(poll, actor=user, choice=("agree", "disagree", "other")[index % 3])
            result = "ok"
        except ConflictError as error:
            result = error.code
        finally:
            connection.close()  # each thread had its own connection
        with lock:
            outcomes.append(result)

    # every voter once, and 40 of them a second time, all at once
    jobs = [(i, u) for i, u in enumerate(users)] + [(VOTERS + i, users[i]) for i in range(40)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(lambda job: vote(*job), jobs))
    assert outcomes.count("ok") == VOTERS
    assert outcomes.count("already_voted") == 40
    assert PollVoter.objects.filter(poll=poll).count() == VOTERS
    assert sum(PollOption.objects.filter(poll=poll).values_list("tally", flat=True)) == VOTERS
    closed = polls.do_close_poll(poll, actor=room.chair)
    assert sum(closed.result["counts"].values()) == VOTERS == closed.votes_cast
    revisions = list(MeetingEvent.objects.filter(meeting=room.meeting).values_list("revision", flat=True))
    assert revisions == list(range(1, len(revisions) + 1))
