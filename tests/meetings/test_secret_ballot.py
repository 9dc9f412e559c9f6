"""A secret poll run through the real actions, then the whole database read back like a backup
would read it: no row, key, physical order, transaction id, event or audit row pairs a voter
with a choice (threat model: meetings.models.Poll)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models

from ecabinet.models import AuditEvent, User
from meetings.actions import room as actions
from meetings.actions import room_polls as polls
from meetings.models import MeetingEvent, Participant, Poll, PollOption, PollVoter
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 12  # a random order equals the voting order by chance once in 12! runs
CHOICES = ("agree", "disagree", "other")


def _physical_rows(model: type[models.Model]) -> list[dict]:
    """Every row of the table in storage order: what a file copy or a dump reads first."""
    table = connection.ops.quote_name(model._meta.db_table)
    position = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY {position}")  # noqa: S608 - table name from the model
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _run_secret_poll() -> tuple[object, Poll, list[User], int, list[str]]:
    """VOTERS seats vote (chair first), then the poll closes. Returns the room, the closed poll,
    the voters in voting order, the revision at opening and the voter keys seen while voting."""
    room = make_room(members=VOTERS - 1, prefix="s")
    meeting = room.meeting
    voters = [room.chair, *room.members]
    for user in voters:
        actions.do_check_in(meeting, actor=user)
    poll = polls.do_create_poll(meeting, actor=room.chair, question="Bỏ phiếu kín nhân sự", secret=True)
    polls.do_open_poll(poll, actor=room.chair)
    opened_revision = Poll.objects.get(pk=poll.pk).meeting.revision
    for index, user in enumerate(voters):
        polls.do_cast_ballot(poll, actor=user, choice=CHOICES[index % 3] if index < 9 else "agree")
    keys_while_open = [str(k) for k in PollVoter.objects.filter(poll=poll).values_list("id", flat=True)]
    closed = polls.do_close_poll(poll, actor=room.chair)
    return room, closed, voters, opened_revision, keys_while_open


def test_secret_poll_leaves_nothing_that_pairs_voter_and_choice():
    room, poll, voters, opened_revision, keys_while_open = _run_secret_poll()
    voting_order = [u.pk for u in voters]
    assert poll.result["counts"] == {"agree": 6, "disagree": 3, "other": 3}
    assert poll.votes_cast == VOTERS

    # 1. No table has a row that holds both a person and one of the poll's options.
    option_ids = set(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))
    person_models = {User, Participant}
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if f.is_relation]
        option_fields = [f.attname for f in fields if f.related_model is PollOption]
        person_fields = [f.attname for f in fields if f.related_model in person_models]
        if not option_fields or not person_fields:
            continue
        for row in model.objects.values(*option_fields, *person_fields):
            if any(row[f] in option_ids for f in option_fields):
                assert all(row[f] is None for f in person_fields), f"{model.__name__} pairs a person with a choice"
    assert not PollVoter.objects.filter(poll=poll, option__isnull=False).exists()
    # No per-ballot table is left, and the voter rows carry no time.
    assert not any(m.__name__ == "Ballot" for m in apps.get_models())
    assert not [f for f in PollVoter._meta.concrete_fields if isinstance(f, models.DateTimeField | models.DateField)]

    # 2. The voter rows follow neither the voting order nor its reverse, by key or physically,
    # and none keeps a key it had while voting (those were in insertion order on SQLite).
    by_key = list(PollVoter.objects.filter(poll=poll).order_by("pk").values_list("cast_by_id", flat=True))
    physical = [row["cast_by_id"] for row in _physical_rows(PollVoter) if row["poll_id"] == poll.pk]
    assert sorted(by_key) == sorted(physical) == sorted(voting_order)
    for order in (by_key, physical):
        assert order not in (voting_order, voting_order[::-1])
    new_keys = {str(k) for k in PollVoter.objects.filter(poll=poll).values_list("id", flat=True)}
    assert not new_keys & set(keys_while_open)

    # 3. Events: while the poll was open, no event carried a per-option count or a choice.
    events = MeetingEvent.objects.filter(meeting=room.meeting, revision__gt=opened_revision).order_by("revision")
    seen_my_votes = 0
    for event in events:
        if event.type == "poll.upserted" and event.data["poll"]["status"] == "open":
            assert all(o["count"] is None for o in event.data["poll"]["options"])
            assert event.data["poll"]["result"] is None
        if event.type == "my_vote.upserted":
            seen_my_votes += 1
            assert set(event.data["my_vote"]) == {"id", "poll", "seat"}
        assert event.type != "poll_voter.upserted"
    assert seen_my_votes == VOTERS

    # 4. Audit: who voted, in order, but never what.
    ballots = AuditEvent.objects.filter(action="poll.ballot", object_id=str(poll.pk)).order_by("seq")
    assert [row.actor_id for row in ballots] == voting_order
    assert all(row.details == {} for row in ballots)

    # 5. Transaction ids (PostgreSQL): every voter row and every tally row was last written by
    # the closing transaction, not by the last voter of each option.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT xmin::text FROM meetings_pollvoter WHERE poll_id = %s "
                           "UNION SELECT xmin::text FROM meetings_polloption WHERE poll_id = %s "
                           "UNION SELECT xmin::text FROM meetings_poll WHERE id = %s", [poll.pk] * 3)
            assert len(cursor.fetchall()) == 1


def test_sqlite_files_keep_no_deleted_voter_rows():
    """secure_delete and the WAL truncation at close: the voter keys used while voting (stored in
    insertion order) are nowhere in the database file or its WAL once the poll is closed."""
    if connection.vendor != "sqlite":
        # The PostgreSQL equivalent (dead tuples until VACUUM, WAL) is outside the covered
        # threats; its xmin check is in the test above.
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
    _, poll, _, _, keys_while_open = _run_secret_poll()
    database = Path(connection.settings_dict["NAME"])
    wal = database.with_name(database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    content = database.read_bytes()
    assert len(keys_while_open) == VOTERS
    for key in keys_while_open:
        assert key.replace("-", "").encode() not in content
    current = [str(k).replace("-", "") for k in PollVoter.objects.filter(poll=poll).values_list("id", flat=True)]
    assert all(key.encode() in content for key in current)  # the check can find a key that is there


def test_open_poll_keeps_public_choices_and_counts_live():
    room = make_room(members=3, prefix="o")
    for user in room.members:
        actions.do_check_in(room.meeting, actor=user)
    poll = polls.do_create_poll(room.meeting, actor=room.chair, question="Công khai", show_live=True)
    polls.do_open_poll(poll, actor=room.chair)
    for user, choice in zip(room.members, ("agree", "agree", "disagree"), strict=True):
        polls.do_cast_ballot(poll, actor=user, choice=choice)
    live = MeetingEvent.objects.filter(meeting=room.meeting, type="poll.upserted").order_by("revision").last()
    assert [o["count"] for o in live.data["poll"]["options"]] == [2, 1, 0]
    choices = dict(PollVoter.objects.filter(poll=poll).values_list("cast_by_id", "option__key"))
    assert choices == {room.members[0].pk: "agree", room.members[1].pk: "agree", room.members[2].pk: "disagree"}
    closed = polls.do_close_poll(poll, actor=room.chair)
    assert closed.result["counts"] == {"agree": 2, "disagree": 1, "other": 0}
    assert dict(PollVoter.objects.filter(poll=poll).values_list("cast_by_id", "option__key")) == choices
