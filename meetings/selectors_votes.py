"""The meeting's vote list and results table (fn19, fn44): one read for the page, the API and the
exports (CSV, PDF here; the JSON export with the signed ballots in signing/ballots.py).

A fixed number of queries whatever the number of polls. Counts appear exactly as the room shows
them (`poll_counts_visible`, fn110): while a poll is open only if it shows live counts, and to
everyone once it is closed."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from meetings.access import MeetingAccess
from meetings.live.serializers import poll_counts_visible
from meetings.live.snapshot import live_counts
from meetings.models import AgendaItem, Poll, PollOption


def vote_list(meeting_id: int) -> list[Poll]:
    """The meeting's polls in the order the chair goes through them: by agenda item (in the
    agenda's order; polls on no item last), then by their place in the item's list."""
    polls = list(Poll.objects.filter(meeting_id=meeting_id).select_related("item").prefetch_related(
        Prefetch("options", queryset=PollOption.objects.order_by("position", "pk"))))
    return sorted(polls, key=lambda p: (p.item is None, p.item.position if p.item else 0, p.item_id or 0,
                                        p.position, p.pk))


def result_row(poll: Poll, live: dict[int, int] | None = None) -> dict[str, Any]:
    visible = poll_counts_visible(poll)
    stored = (poll.result or {}).get("counts", {})
    closed = poll.status == Poll.Status.CLOSED
    options = []
    for option in poll.options.all():
        count = None
        if visible:
            count = stored.get(option.key, 0) if closed else (live or {}).get(option.pk, 0)
        options.append({"key": option.key, "label": option.label, "count": count})
    result = poll.result if closed and poll.result else {}
    return {
        "id": poll.pk,
        "item": poll.item_id,
        "item_title": poll.item.title if poll.item else "",
        "position": poll.position,
        "question": poll.question,
        "status": poll.status,
        "paused": poll.paused,
        "secret": poll.secret,
        "signed": poll.signed,
        "ballot_set": poll.ballot_set,
        "majority": poll.majority,
        "show_live": poll.show_live,
        "options": options,
        "cast": poll.votes_cast,
        "present": result.get("present"),
        "eligible": result.get("eligible"),
        "quorum": result.get("quorum"),
        "passed": result.get("passed"),
        "opened_at": poll.opened_at.isoformat() if poll.opened_at else None,
        "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
    }


def vote_results(access: MeetingAccess) -> list[dict[str, Any]]:
    polls = vote_list(access.meeting.pk)
    live_ids = [p.pk for p in polls if p.status == Poll.Status.OPEN and p.show_live and not p.secret]
    counts = live_counts(live_ids)
    return [result_row(p, counts.get(p.pk)) for p in polls]


def agenda_of(meeting_id: int) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(meeting_id=meeting_id).order_by("position", "pk"))
