"""The meeting event log: every change appends events in its own transaction and announces them
once, after commit, as one group message carrying the already-serialized frames."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import F

from ecabinet.events import send_to_group
from meetings.access import may_see  # noqa: F401  (the consumer and tests import it from here)
from meetings.event_types import check_event
from meetings.models import Meeting, MeetingEvent

# Audience shortcuts. None = everyone in the meeting.
RUNNERS = {"roles": ["chair", "secretary"]}


def audience_for(*, roles: list[str] | None = None, users: list[int] | None = None) -> dict:
    return {"roles": sorted(set(roles or [])), "users": sorted(set(users or []))}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def event_frame(revision: int, event_type: str, data: dict) -> str:
    return dumps({"type": "event", "revision": revision, "event": event_type, "data": data})


def hidden_frame(revision: int) -> str:
    return dumps({"type": "event", "revision": revision, "event": "hidden", "data": None})


# The state lists whose rows pages keep per revision of their own (meetings/selectors.py
# meeting_rows): an event on one moves that revision too.
ROWS_REVISIONS = {
    "participants": "participants_revision",
    "seat_map": "participants_revision",
    "documents": "documents_revision",
}


def emit(meeting: Meeting, event_type: str, data: dict, *, audience: dict | None = None) -> MeetingEvent:
    """Append one event at the meeting's next revision. Call inside the action's transaction.
    `event_type` and the shape of `data` are declared in meetings/event_types.py."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the action's transaction")
    # Before any write: an undeclared event or a malformed payload fails the action, whole.
    declared = check_event(event_type, data)
    # The UPDATE takes the row lock, so concurrent changes to one meeting get consecutive revisions.
    moved = {"revision": F("revision") + 1}
    part = ROWS_REVISIONS.get(declared.state_key)
    if part is not None:
        moved[part] = F("revision") + 1
    Meeting.objects.filter(pk=meeting.pk).update(**moved)
    revision = Meeting.objects.values_list("revision", flat=True).get(pk=meeting.pk)
    meeting.revision = revision
    if part is not None:
        setattr(meeting, part, revision)
    event = MeetingEvent.objects.create(
        meeting_id=meeting.pk, revision=revision, type=event_type, data=data, audience=audience
    )
    _queue_for_commit(meeting.pk, event)
    return event


def serialize_for_delivery(event: MeetingEvent) -> dict:
    return {
        "revision": event.revision,
        "audience": event.audience,
        "frame": event_frame(event.revision, event.type, event.data),
    }


def _queue_for_commit(meeting_id: int, event: MeetingEvent) -> None:
    # One group message per meeting per transaction, sent after commit with every event in it.
    conn = transaction.get_connection()
    state = getattr(conn, "_ecabinet_pending_events", None)
    # A rolled-back transaction drops its on_commit callbacks; its queue must go with them.
    if state is not None and not any(entry[1] is state["flush"] for entry in conn.run_on_commit):
        state = None
    if state is None:
        batches: dict[int, list[dict]] = {}

        def flush() -> None:
            conn._ecabinet_pending_events = None
            for mid, events in batches.items():
                send_to_group(f"meeting-{mid}", {"type": "meeting.events", "meeting": mid, "events": events})

        state = {"batches": batches, "flush": flush}
        conn._ecabinet_pending_events = state
        transaction.on_commit(flush, robust=True)
    state["batches"].setdefault(meeting_id, []).append(serialize_for_delivery(event))
