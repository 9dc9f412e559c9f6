"""Every live event a meeting can emit, declared once: its name, the shape of its data and
what it does to a client's state.

`emit()` refuses a name that is not declared here and data that does not match its schema, so
the room's clients (static/meetings/room/, the Python reference reducer in the tests) can rely
on this file as the protocol. Adding an event: declare its object schema, add it to EVENTS
with its effect, emit it from an action, and run it in tests/meetings/test_event_registry.py.

Effects (how a client applies `data` to the snapshot's `state`):
- "replace": `state[key] = data[kind]` (one object: the meeting, the room);
- "upsert": the object `data[kind]` replaces the one with its id in the list `state[key]`,
  or is appended;
- "remove": the object with id `data["id"]` leaves the list `state[key]`;
- "reorder": `data["order"]` (agenda item ids) gives the items' positions, 1-based.
A "hidden" frame (an event this viewer may not see) carries no data and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from meetings.schemas import (
    AgendaItemOut,
    AttachmentOut,
    AttendanceOut,
    DocumentOut,
    MeetingStateOut,
    ParticipantOut,
    PollOptionOut,
    PollOut,
    PollReadyOut,
    SpeakerOut,
    SpeechNoteOut,
)


class _Object(BaseModel):
    # A field added to a serializer must be declared here too: clients depend on the shape.
    model_config = ConfigDict(extra="forbid", strict=True)


_STRICT = ConfigDict(extra="forbid", strict=True)

# The objects the API also answers are declared once, in meetings/schemas.py; an event carries
# the same object, held here to exactly those fields (the API's schemas let extra keys through).


class MeetingObject(MeetingStateOut):
    model_config = _STRICT


class QuorumFigures(_Object):
    # meetings/access.py count_quorum: voting seats held in the room against all voting seats.
    present: int
    eligible: int
    required: int
    reached: bool


class AttendanceFigures(_Object):
    members: int
    members_present: int
    guests: int
    guests_present: int


class RoomObject(_Object):
    quorum_fraction: float
    conclusion: str
    quorum: QuorumFigures
    attendance: AttendanceFigures


# --- live seat map (fn117) ---
class SeatMapObject(_Object):
    # meetings/live/serializers.py serialize_seat_map: the meeting room's seat grid, row by row.
    room: int | None
    name: str
    rows: list[list[str]]
# --- end live seat map ---


class AgendaItemObject(AgendaItemOut):
    model_config = _STRICT


class ParticipantObject(ParticipantOut):
    model_config = _STRICT
    # Computed with the rules of meetings/access.py, for the room only.
    voting_seat: bool
    counted_as: str | None


class DocumentObject(DocumentOut):
    model_config = _STRICT


class AttendanceObject(AttendanceOut):
    model_config = _STRICT


class SpeakerObject(SpeakerOut):
    model_config = _STRICT


class SpeechNoteObject(SpeechNoteOut):
    model_config = _STRICT


class PollOptionObject(PollOptionOut):
    model_config = _STRICT


class PollObject(PollOut):
    model_config = _STRICT
    options: list[PollOptionObject]  # type: ignore[assignment]  # the strict kind of PollOut's


class PollVoterObject(_Object):
    id: str
    poll: int
    participant: int


class MyVoteObject(_Object):
    id: int
    poll: int
    seat: int


# --- votes prepared and run ---
class PollReadyObject(PollReadyOut):
    model_config = _STRICT
# --- end votes ---


class ConclusionAttachmentObject(AttachmentOut):
    model_config = _STRICT


class Removed(_Object):
    id: int


class Reordered(_Object):
    order: list[int]


Effect = Literal["replace", "upsert", "remove", "reorder"]


@dataclass(frozen=True)
class EventType:
    name: str
    effect: Effect
    state_key: str  # the key of the snapshot's state this event changes
    schema: type[BaseModel]  # the shape of `data`

    def validate(self, data: Any) -> None:
        self.schema.model_validate(data)


def _wrapped(kind: str, obj: type[BaseModel]) -> type[BaseModel]:
    """The data of `<kind>.updated` / `<kind>.upserted`: `{kind: object}`."""
    from pydantic import create_model

    fields: dict[str, Any] = {kind: (obj, ...)}
    return create_model(f"{obj.__name__}Data", __config__=ConfigDict(extra="forbid"), **fields)


def _declare(*types: EventType) -> dict[str, EventType]:
    return {t.name: t for t in types}


_OBJECTS: dict[str, tuple[type[BaseModel], str]] = {
    # kind: (schema, state key of its list)
    "agenda_item": (AgendaItemObject, "agenda_items"),
    "participant": (ParticipantObject, "participants"),
    "document": (DocumentObject, "documents"),
    "attendance": (AttendanceObject, "attendances"),
    "speaker": (SpeakerObject, "speakers"),
    # the secretary's summary of a speech: those running the meeting only
    "speech_note": (SpeechNoteObject, "speech_notes"),
    "poll": (PollObject, "polls"),
    "poll_voter": (PollVoterObject, "poll_voters"),
    "my_vote": (MyVoteObject, "my_votes"),
    "conclusion_attachment": (ConclusionAttachmentObject, "conclusion_attachments"),
    # --- votes prepared and run: a seat ready to vote (runners and the one who marked it) ---
    "poll_ready": (PollReadyObject, "poll_ready"),
}

EVENTS: dict[str, EventType] = _declare(
    EventType("meeting.updated", "replace", "meeting", _wrapped("meeting", MeetingObject)),
    EventType("room.updated", "replace", "room", _wrapped("room", RoomObject)),
    EventType("seat_map.updated", "replace", "seat_map", _wrapped("seat_map", SeatMapObject)),  # fn117
    *(EventType(f"{kind}.upserted", "upsert", key, _wrapped(kind, schema)) for kind, (schema, key) in _OBJECTS.items()),
    EventType("agenda_item.removed", "remove", "agenda_items", Removed),
    EventType("participant.removed", "remove", "participants", Removed),
    EventType("document.removed", "remove", "documents", Removed),
    EventType("attendance.removed", "remove", "attendances", Removed),
    EventType("speech_note.removed", "remove", "speech_notes", Removed),
    EventType("agenda.reordered", "reorder", "agenda_items", Reordered),
    # --- votes prepared and run: the chair pauses and resumes an open poll (the poll object,
    # upserted; `paused` says which), a draft poll deleted, one item's vote list reordered
    # (`order`: that item's poll ids, positions 1-based), a ready mark withdrawn ---
    EventType("poll.paused", "upsert", "polls", _wrapped("poll", PollObject)),
    EventType("poll.resumed", "upsert", "polls", _wrapped("poll", PollObject)),
    EventType("poll.removed", "remove", "polls", Removed),
    EventType("polls.reordered", "reorder", "polls", Reordered),
    EventType("poll_ready.removed", "remove", "poll_ready", Removed),
    # --- end votes ---
)


class UndeclaredEvent(Exception):
    """A programming error: an action emitted an event the protocol does not declare."""


def check_event(name: str, data: Any) -> EventType:
    event_type = EVENTS.get(name)
    if event_type is None:
        raise UndeclaredEvent(f"event {name!r} is not declared in meetings/event_types.py")
    try:
        event_type.validate(data)
    except ValidationError as exc:
        raise UndeclaredEvent(f"event {name!r} does not match its schema: {exc}") from exc
    return event_type


def apply_event(state: dict[str, Any], name: str, data: Any) -> dict[str, Any]:
    """The reference reducer: `state` after the event, as every client must compute it.
    Pure (returns a new dict); the room's JavaScript reducer implements the same effects."""
    if name == "hidden":
        return state
    event_type = EVENTS[name]
    key = event_type.state_key
    state = dict(state)
    if event_type.effect == "replace":
        kind = name.rsplit(".", 1)[0]
        state[key] = data[kind]
    elif event_type.effect == "upsert":
        kind = name.rsplit(".", 1)[0]
        obj = data[kind]
        rows = list(state.get(key, []))
        for index, row in enumerate(rows):
            if row["id"] == obj["id"]:
                rows[index] = obj
                break
        else:
            rows.append(obj)
        state[key] = rows
    elif event_type.effect == "remove":
        state[key] = [row for row in state.get(key, []) if row["id"] != data["id"]]
    else:  # reorder
        position = {pk: index for index, pk in enumerate(data["order"], start=1)}
        state[key] = [{**row, "position": position.get(row["id"], row["position"])} for row in state.get(key, [])]
    return state


def protocol() -> dict[str, dict[str, str]]:
    """The registry as clients read it (name → effect and state key), served with the room page."""
    return {name: {"effect": t.effect, "key": t.state_key} for name, t in EVENTS.items()}
