"""The prepared vote list and running it (fn19, fn41-fn43): the secretary edits, deletes and
reorders draft polls per agenda item; the chair pauses and resumes an open one; members mark
themselves ready to vote (fn42).

Readiness is per poll: a member says they are ready for THIS vote (the open one, or the next on
the list), so the chair sees, item by item, who is ready before opening it and who has not yet
come back to their seat. A mark for a closed poll is refused; marks stay with their poll as a
record of who was ready.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, NotFoundError
from ecabinet.models import User
from meetings.access import (
    lock_in_meeting,
    lock_meeting,
    require_draft_poll,
    require_present,
    require_runner,
    require_votes_preparable,
    vote_seat,
)
from meetings.actions.room import upsert
from meetings.actions.room_polls import check_poll_fields, next_position, poll_dict
from meetings.events import audience_for, emit
from meetings.live.serializers import serialize_poll_ready
from meetings.models import AgendaItem, Meeting, Poll, PollOption, PollReady

_UNSET = object()


def _ready_audience(mark: PollReady) -> dict:
    return audience_for(roles=["chair", "secretary"], users=[mark.marked_by_id])


@transaction.atomic(durable=True)
def do_update_poll(poll: Poll, *, actor: User, question: str, options: list[str] | None = None,
                   secret: bool = False, majority: str = "cast", show_live: bool = False,
                   ballot_set: str | None = None, signed: bool = False,
                   item: AgendaItem | None | object = _UNSET) -> Poll:
    """A draft poll rewritten whole (question, options, rules; `item` moves it to another item's list)."""
    poll, access = lock_in_meeting(poll, actor=actor)
    require_runner(access)
    meeting = access.meeting
    require_votes_preparable(meeting)
    require_draft_poll(poll)
    question, ballot_set, pairs = check_poll_fields(question=question, majority=majority, ballot_set=ballot_set,
                                                    options=options, secret=bool(secret), signed=bool(signed))
    if item is not _UNSET:
        target = item if isinstance(item, AgendaItem) else None
        if target is not None and not AgendaItem.objects.filter(meeting=meeting, pk=target.pk).exists():
            raise NotFoundError(_("Agenda item not found."))
        if (target.pk if target else None) != poll.item_id:
            poll.item = target
            poll.position = next_position(meeting, target)
    poll.question, poll.ballot_set, poll.majority = question, ballot_set, majority
    poll.secret, poll.signed, poll.show_live = bool(secret), bool(signed), bool(show_live) and not secret
    poll.save()
    if [(o.key, o.label) for o in poll.options.all()] != pairs:
        PollOption.objects.filter(poll=poll).delete()
        PollOption.objects.bulk_create(
            [PollOption(poll=poll, key=key, label=label, position=i) for i, (key, label) in enumerate(pairs)])
    record_audit(actor=actor, action="poll.update", obj=poll, details={"secret": poll.secret, "signed": poll.signed})
    upsert(meeting, "poll", poll_dict(poll))
    return poll


@transaction.atomic(durable=True)
def do_delete_poll(poll: Poll, *, actor: User) -> None:
    poll, access = lock_in_meeting(poll, actor=actor)
    require_runner(access)
    require_votes_preparable(access.meeting)
    require_draft_poll(poll)
    meeting, poll_id = access.meeting, poll.pk
    for mark in PollReady.objects.filter(poll=poll):
        emit(meeting, "poll_ready.removed", {"id": mark.pk}, audience=_ready_audience(mark))
    record_audit(actor=actor, action="poll.delete", obj=poll, details={"question": poll.question})
    poll.delete()
    emit(meeting, "poll.removed", {"id": poll_id})


@transaction.atomic(durable=True)
def do_reorder_polls(meeting: Meeting, item: AgendaItem | None, *, actor: User, order: list[int]) -> None:
    """`order`: every poll id of `item`'s vote list (None: the polls on no item), in the new order."""
    access = lock_meeting(meeting, actor=actor)
    require_runner(access)
    meeting = access.meeting
    require_votes_preparable(meeting)
    item_id = item.pk if item is not None else None
    if item is not None and not AgendaItem.objects.filter(meeting=meeting, pk=item.pk).exists():
        raise NotFoundError(_("Agenda item not found."))
    polls = {p.pk: p for p in Poll.objects.filter(meeting=meeting, item_id=item_id)}
    if len(order) != len(set(order)) or set(order) != set(polls):
        raise ActionError("bad_request", _("The new order must list each vote of this item exactly once."))
    changed = []
    for position, pk in enumerate(order, start=1):
        if polls[pk].position != position:
            polls[pk].position = position
            changed.append(polls[pk])
    Poll.objects.bulk_update(changed, ["position"])
    record_audit(actor=actor, action="poll.reorder", obj=meeting, details={"item": item_id, "order": order})
    emit(meeting, "polls.reordered", {"order": order})


def _set_paused(poll: Poll, *, actor: User, paused: bool) -> Poll:
    poll, access = lock_in_meeting(poll, actor=actor)
    require_runner(access)
    if poll.status != Poll.Status.OPEN:
        raise ConflictError("poll_not_open", _("This poll is not open."))
    if poll.paused == paused:
        raise ConflictError("bad_status", _("This vote is already paused.") if paused
                            else _("This vote is not paused."))
    poll.paused = paused
    poll.save(update_fields=["paused"])
    record_audit(actor=actor, action="poll.pause" if paused else "poll.resume", obj=poll)
    emit(access.meeting, "poll.paused" if paused else "poll.resumed", {"poll": poll_dict(poll)})
    return poll


@transaction.atomic(durable=True)
def do_pause_poll(poll: Poll, *, actor: User) -> Poll:
    """Ballots are refused (with a message) until the chair resumes; the poll stays open."""
    return _set_paused(poll, actor=actor, paused=True)


@transaction.atomic(durable=True)
def do_resume_poll(poll: Poll, *, actor: User) -> Poll:
    return _set_paused(poll, actor=actor, paused=False)


@transaction.atomic(durable=True)
def do_mark_ready(poll: Poll, *, actor: User) -> PollReady:
    """The caller's seat is ready to vote on `poll` (open, or a draft still to come)."""
    poll, access = lock_in_meeting(poll, actor=actor)
    seat = vote_seat(access.participant)
    if access.meeting.status != Meeting.Status.IN_PROGRESS:
        raise ConflictError("not_in_progress", _("The meeting is not in progress."))
    assert access.participant is not None  # vote_seat refuses everyone without a participant row
    require_present(access.participant)
    if poll.status == Poll.Status.CLOSED:
        raise ConflictError("poll_closed", _("This vote is over."))
    try:
        with transaction.atomic():
            mark = PollReady.objects.create(poll=poll, seat=seat, marked_by=actor)
    except IntegrityError:
        raise ConflictError("already_ready", _("You are already marked ready for this vote.")) from None
    record_audit(actor=actor, action="poll.ready", obj=poll, details={"seat": seat.pk})
    upsert(access.meeting, "poll_ready", serialize_poll_ready(mark), audience=_ready_audience(mark))
    return mark


@transaction.atomic(durable=True)
def do_unmark_ready(poll: Poll, *, actor: User) -> None:
    poll, access = lock_in_meeting(poll, actor=actor)
    seat = vote_seat(access.participant)
    if poll.status == Poll.Status.CLOSED:
        raise ConflictError("poll_closed", _("This vote is over."))
    mark = PollReady.objects.filter(poll=poll, seat=seat).first()
    if mark is None:
        raise ConflictError("not_ready", _("You are not marked ready for this vote."))
    audience = _ready_audience(mark)
    mark_id = mark.pk
    mark.delete()
    record_audit(actor=actor, action="poll.unready", obj=poll, details={"seat": seat.pk})
    emit(access.meeting, "poll_ready.removed", {"id": mark_id}, audience=audience)

