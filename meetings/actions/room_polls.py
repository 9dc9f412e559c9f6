"""Votes: create, open, cast a ballot, close (results computed once, at close, and stored).

Secret polls: the choice never meets the voter. A ballot only adds one to its option's tally;
the voter row says that the seat voted, not what; the event after a secret ballot carries only
the number of votes cast (never per-option counts, which would move right after a known person
voted); the audit row says that someone voted, not what. Closing rewrites the voter and tally
rows so that no stored order or transaction id survives (threat model: `meetings.models.Poll`).
"""

from __future__ import annotations

import secrets
import uuid

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, NotFoundError
from ecabinet.models import User
from ecabinet.push import VOTE_OPENED, push_to_users
from meetings.access import (
    MeetingAccess,
    lock_in_meeting,
    lock_meeting,
    quorum_of,
    require_present,
    require_runner,
    require_votes_preparable,
    vote_seat,
    vote_seat_of,
)
from meetings.actions.room import room_state_for, upsert
from meetings.events import audience_for
from meetings.live.serializers import serialize_my_vote, serialize_poll, serialize_poll_voter
from meetings.live.snapshot import live_counts
from meetings.models import (
    AgendaItem,
    Meeting,
    Participant,
    Poll,
    PollOption,
    PollVoter,
)

RUNNERS_AUDIENCE = audience_for(roles=["chair", "secretary"])


def default_options() -> list[tuple[str, str]]:
    return [("agree", _("Agree")), ("disagree", _("Disagree")), ("other", _("Other opinion"))]


def ballot_set_options(ballot_set: str) -> list[tuple[str, str]]:
    """The options of a ballot set other than "custom" (fn19, fn111, fn112); the first option is
    the one a majority must give for the poll to pass."""
    if ballot_set == Poll.BallotSet.YES_NO:
        return [("yes", pgettext("ballot", "Yes")), ("no", pgettext("ballot", "No"))]
    if ballot_set == Poll.BallotSet.COUNCIL:
        return [("agree", _("Agree")), ("disagree", _("Disagree")), ("blank", _("Blank ballot"))]
    return default_options()


def poll_dict(poll: Poll) -> dict:
    counts = None
    if poll.status == Poll.Status.OPEN and poll.show_live and not poll.secret:
        counts = live_counts([poll.pk]).get(poll.pk, {})
    return serialize_poll(poll, counts)


def check_poll_fields(*, question: str, majority: str, ballot_set: str | None, options: list[str] | None,
                      secret: bool, signed: bool) -> tuple[str, str, list[tuple[str, str]]]:
    """The question, the ballot set and the options, checked (shared by creating and editing)."""
    question = (question or "").strip()
    if not question or len(question) > 1000:
        raise ActionError("bad_request", _("A question of 1 to 1000 characters is required."))
    if majority not in Poll.Majority.values:
        raise ActionError("bad_request", _("The majority rule must be 'cast' or 'present'."))
    if ballot_set is None:
        ballot_set = Poll.BallotSet.CUSTOM if options else Poll.BallotSet.AGREE
    if ballot_set not in Poll.BallotSet.values:
        raise ActionError("bad_request", _("Choose one of the ballot sets."))
    if signed and secret:
        raise ActionError("bad_request", _("A secret ballot cannot require signed ballots: a signature names "
                                           "the voter."))
    if ballot_set == Poll.BallotSet.CUSTOM:
        labels = [str(o).strip() for o in options or []]
        if len(labels) < 2 or len(labels) > 20 or any(not label or len(label) > 200 for label in labels) \
                or len(set(labels)) != len(labels):
            raise ActionError("bad_request", _("Give 2 to 20 different options of up to 200 characters."))
        pairs = [(f"o{i}", label) for i, label in enumerate(labels, start=1)]
    else:
        pairs = ballot_set_options(ballot_set)
    return question, ballot_set, pairs


def next_position(meeting: Meeting, item: AgendaItem | None) -> int:
    last = Poll.objects.filter(meeting=meeting, item=item).aggregate(n=Max("position"))["n"]
    return (last or 0) + 1


@transaction.atomic(durable=True)
def do_create_poll(meeting: Meeting, item: AgendaItem | None = None, *, actor: User, question: str,
                   options: list[str] | None = None, secret: bool = False, majority: str = "cast",
                   show_live: bool = False, ballot_set: str | None = None, signed: bool = False) -> Poll:
    """A draft poll on `item` (default: the item under discussion), last in that item's vote list."""
    access = lock_meeting(meeting, actor=actor)
    require_runner(access)
    meeting = access.meeting
    require_votes_preparable(meeting)
    question, ballot_set, pairs = check_poll_fields(question=question, majority=majority, ballot_set=ballot_set,
                                                    options=options, secret=bool(secret), signed=bool(signed))
    if item is not None:
        item = AgendaItem.objects.filter(meeting=meeting, pk=item.pk).first()
        if item is None:
            raise NotFoundError(_("Agenda item not found."))
    else:
        item = meeting.current_item
    poll = Poll.objects.create(meeting=meeting, item=item, question=question, secret=bool(secret),
                               majority=majority, show_live=bool(show_live) and not secret, created_by=actor,
                               ballot_set=ballot_set, signed=bool(signed), position=next_position(meeting, item))
    PollOption.objects.bulk_create(
        [PollOption(poll=poll, key=key, label=label, position=i) for i, (key, label) in enumerate(pairs)])
    record_audit(actor=actor, action="poll.create", obj=poll, details={"secret": poll.secret})
    upsert(meeting, "poll", poll_dict(poll))
    return poll


@transaction.atomic(durable=True)
def do_open_poll(poll: Poll, *, actor: User) -> Poll:
    poll, access = lock_in_meeting(poll, actor=actor)
    require_runner(access)
    if access.meeting.status != Meeting.Status.IN_PROGRESS:
        raise ConflictError("not_in_progress", _("The meeting is not in progress."))
    if poll.status != Poll.Status.DRAFT:
        raise ConflictError("bad_status", _("This poll has already been opened."))
    poll.status, poll.opened_at = Poll.Status.OPEN, timezone.now()
    poll.save(update_fields=["status", "opened_at"])
    record_audit(actor=actor, action="poll.open", obj=poll)
    upsert(access.meeting, "poll", poll_dict(poll))
    _push_vote_opened(access.meeting, poll, actor=actor)
    return poll


def _push_vote_opened(meeting: Meeting, poll: Poll, *, actor: User) -> None:
    """Web Push to the participants who may vote (their own seat or one they stand in for)."""
    voters = [p.user for p in meeting.participants.select_related("user", "delegate_for")
              if p.user_id != actor.pk and vote_seat_of(p) is not None]
    question, title = poll.question, meeting.title
    push_to_users(voters, category=VOTE_OPENED, tag=f"poll:{poll.pk}",
                  title=lambda: _("A vote has opened: %(title)s") % {"title": title},
                  body=lambda: question, url=reverse("meeting_room", args=[meeting.pk]))


def _seat_for(access: MeetingAccess) -> Participant:
    seat = vote_seat(access.participant)
    assert access.participant is not None  # vote_seat refuses everyone without a participant row
    require_present(access.participant)
    return seat


@transaction.atomic(durable=True)
def do_cast_ballot(poll: Poll, *, actor: User, choice: str | int) -> None:
    """`choice`: an option's key, or its id. A poll that requires signed ballots refuses this:
    its ballots come through the signing app (`signing.actions.ballots.do_cast_signed_ballot`)."""
    cast_ballot_locked(poll, actor=actor, choice=choice, signed=False)


def check_ballot(poll: Poll, *, signed: bool) -> None:
    """What refuses any ballot in this poll now (also asked before a signature is made)."""
    if poll.status != Poll.Status.OPEN:
        raise ConflictError("poll_not_open", _("This poll is not open."))
    if poll.paused:
        raise ConflictError("poll_paused", _("The chair has paused this vote; ballots are accepted again when "
                                             "it resumes."))
    if poll.signed and not signed:
        raise ConflictError("signature_required", _("This vote requires a signed ballot: choose and enter your "
                                                    "signing PIN."))


def ballot_option(poll: Poll, choice: str | int) -> PollOption:
    option = next((o for o in poll.options.all()
                   if o.key == choice or (isinstance(choice, int) and o.pk == choice)), None)
    if option is None:
        raise ActionError("bad_request", _("Choose one of the poll's options."))
    return option


def cast_ballot_locked(poll: Poll, *, actor: User, choice: str | int, signed: bool) -> tuple[Poll, Participant, PollOption]:
    """The ballot, inside the caller's transaction (the meeting locked here): the one cast helper
    behind `do_cast_ballot` and the signing app's signed ballot. Returns the poll, the seat and
    the option."""
    poll, access = lock_in_meeting(poll, actor=actor)
    check_ballot(poll, signed=signed)
    seat = _seat_for(access)
    option = ballot_option(poll, choice)
    try:
        # The database, not this code, guarantees one ballot per seat (burst-tested).
        with transaction.atomic():
            voter = PollVoter.objects.create(poll=poll, seat=seat, cast_by=actor,
                                             option=None if poll.secret else option)
    except IntegrityError:
        raise ConflictError("already_voted", _("This vote has already been cast.")) from None
    PollOption.objects.filter(pk=option.pk).update(tally=F("tally") + 1)
    Poll.objects.filter(pk=poll.pk).update(votes_cast=F("votes_cast") + 1)
    poll.refresh_from_db(fields=["votes_cast"])
    record_audit(actor=actor, action="poll.ballot", obj=poll,
                 details={} if poll.secret else {"choice": option.key, "seat": seat.pk, "signed": signed})
    meeting = access.meeting
    upsert(meeting, "poll", poll_dict(poll))
    if not poll.secret:
        upsert(meeting, "poll_voter", serialize_poll_voter(voter), audience=RUNNERS_AUDIENCE)
    upsert(meeting, "my_vote", serialize_my_vote(poll.pk, seat.pk), audience=audience_for(users=[actor.pk]))
    return poll, seat, option


@transaction.atomic(durable=True)
def do_close_poll(poll: Poll, *, actor: User) -> Poll:
    poll, access = lock_in_meeting(poll, actor=actor)
    require_runner(access)
    if poll.status != Poll.Status.OPEN:
        raise ConflictError("poll_not_open", _("This poll is not open."))
    meeting = access.meeting
    options = list(poll.options.all())
    counts = {o.key: o.tally for o in options}
    cast = sum(counts.values())
    fraction = float(room_state_for(meeting).quorum_fraction)
    # The same figures the room shows (state.room.quorum), counted by the same function.
    figures = quorum_of(meeting, fraction)
    eligible, present, quorum = figures["eligible"], figures["present"], figures["reached"]
    base = cast if poll.majority == Poll.Majority.CAST else present
    yes_key = options[0].key if options else None
    passed = bool(quorum and yes_key is not None and counts[yes_key] * 2 > base)
    poll.status, poll.closed_at, poll.paused = Poll.Status.CLOSED, timezone.now(), False
    poll.result = {"counts": counts, "cast": cast, "present": present, "eligible": eligible,
                   "quorum_fraction": fraction, "quorum": quorum, "majority": poll.majority,
                   "passed": passed}
    poll.save(update_fields=["status", "closed_at", "result", "paused"])
    if poll.secret:
        _forget_voting_order(poll)
    record_audit(actor=actor, action="poll.close", obj=poll, details=poll.result)
    upsert(meeting, "poll", poll_dict(poll))
    return poll


def _forget_voting_order(poll: Poll) -> None:
    """Inside the closing transaction: leave no stored order or transaction id that follows the
    voting. Voter rows are re-inserted in a random order under new random keys (rowid, heap and
    dump order become random); tally rows are rewritten so their PostgreSQL xmin is this
    transaction's instead of the last voter's for each option."""
    seats = list(PollVoter.objects.filter(poll=poll).values_list("seat_id", "cast_by_id"))
    secrets.SystemRandom().shuffle(seats)
    PollVoter.objects.filter(poll=poll).delete()
    PollVoter.objects.bulk_create([PollVoter(id=uuid.uuid4(), poll=poll, seat_id=seat_id, cast_by_id=cast_by_id)
                                   for seat_id, cast_by_id in seats])
    PollOption.objects.filter(poll=poll).update(tally=F("tally"))
    if connection.vendor == "sqlite":
        transaction.on_commit(_truncate_sqlite_wal, robust=True)


def _truncate_sqlite_wal() -> None:
    # The WAL file keeps every page written during the vote, in order, until it is checkpointed;
    # TRUNCATE copies them into the database (where secure_delete has zeroed the old rows) and
    # empties the file. Best effort: a long-running reader can make it stop early.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
