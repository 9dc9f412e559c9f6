"""Response schemas of the meetings API: exactly the shapes meetings/serializers.py and the
API modules return today, declared so the OpenAPI description says what each call answers.

`extra="allow"`: a key a serializer adds later is passed through rather than silently dropped,
so declaring a response can never change it.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, StrictInt

from ecabinet.inputs import BIGINT_MAX, BIGINT_MIN, Id, Int64


class Out(Schema):
    model_config = ConfigDict(extra="allow")


class OkOut(Out):
    ok: bool


class UrlOut(Out):
    url: str


class MeetingStateOut(Out):
    """serialize_meeting: what the room endpoints answer."""

    id: int
    title: str
    description: str
    unit: int | None
    starts_at: str | None
    ends_at: str | None
    location: str
    online_url: str
    status: str
    cancel_reason: str
    meeting_type: int | None
    room: int | None
    started_at: str | None
    ended_at: str | None
    current_item: int | None
    agenda_version: int


class ParticipantOut(Out):
    id: int
    user: int
    username: str
    full_name: str
    role: str
    response: str
    response_reason: str
    delegate_for: int | None
    seat: str


class AgendaItemOut(Out):
    id: int
    position: int
    title: str
    presenter: int | None
    presenting_unit: int | None
    duration_minutes: int | None
    status: str
    conclusion: str
    started_at: str | None
    ended_at: str | None


class AgendaItemVersionOut(AgendaItemOut):
    agenda_version: int


class AgendaStateOut(Out):
    agenda: list[AgendaItemOut]
    agenda_version: int


class MeetingTypeOut(Out):
    id: int
    name: str
    unit: int | None


class MeetingRoomOut(Out):
    id: int
    name: str
    unit: int | None
    address: str
    capacity: int | None
    seat_rows: int | None
    seats_per_row: int | None
    seats: list[list[str]]


class IssuingBodyOut(Out):
    id: int
    name: str
    short_name: str


# --- documents ---------------------------------------------------------------------------------

class DocumentOut(Out):
    """serialize_document: a document and its latest version."""

    id: int
    title: str
    agenda_item: int | None
    status: str
    confidential: bool
    version: int | None
    sha256: str | None
    pages: int | None
    size: int | None


class VersionOut(Out):
    id: int
    number: int
    sha256: str
    size: int | None
    pages: int | None
    original_name: str
    note: str
    created_by: int | None
    created_at: str | None


class DocumentDetailOut(DocumentOut):
    meeting: int | None
    folder: int | None
    doc_type: int | None
    return_reason: str
    uploaded_by: int | None
    created_at: str | None
    readers: list[str]
    versions: list[VersionOut] | None = None


class DocumentListOut(Out):
    documents: list[DocumentDetailOut]


class VersionListOut(Out):
    versions: list[VersionOut]


class FolderOut(Out):
    id: int
    name: str
    position: int


class FolderListOut(Out):
    folders: list[FolderOut]


class DocumentTypeOut(Out):
    id: int
    name: str
    code: str
    unit: int | None


class DocumentTypeListOut(Out):
    document_types: list[DocumentTypeOut]


# --- notes and opinions ------------------------------------------------------------------------

class NoteOut(Out):
    id: int
    meeting: int | None
    document: int | None
    page: int | None
    text: str
    created_at: str | None
    updated_at: str | None


class NoteListOut(Out):
    notes: list[NoteOut]


class OpinionAnswerOut(Out):
    id: int
    user: int
    choice: str
    comment: str
    attachment: int | None
    answered_at: str | None
    changes: int
    signed: bool
    signed_at: str | None
    signed_pdf: str | None


class OpinionRecipientOut(Out):
    user: int
    username: str
    full_name: str
    unit: str | None
    answer: OpinionAnswerOut | None
    reminded_at: str | None


class OpinionRoundOut(Out):
    """my_answer only for those asked; tally, not_answered and recipients only for those who run it
    (the operations answer with exclude_unset, so absent keys stay absent)."""

    id: int
    title: str
    question: str
    meeting: int | None
    unit: int | None
    draft: int | None
    deadline: str | None
    status: str
    accepts_answers: bool
    created_by: int | None
    created_at: str | None
    closed_at: str | None
    manages: bool
    asked: bool
    my_answer: OpinionAnswerOut | None = None
    tally: dict[str, int] | None = None
    not_answered: int | None = None
    recipients: list[OpinionRecipientOut] | None = None


class OpinionRoundSummaryOut(Out):
    id: int
    title: str
    status: str
    deadline: str | None
    meeting: int | None


class OpinionRoundListOut(Out):
    rounds: list[OpinionRoundSummaryOut]


class RemindedOut(Out):
    reminded: int


# --- the room ----------------------------------------------------------------------------------

class SnapshotOut(Out):
    """The live snapshot (docs/architecture.md, "Stable interfaces"): the room as this caller may see it."""

    type: str
    revision: int
    state: dict[str, Any]
    server_time: str


class AttendanceOut(Out):
    id: int
    participant: int
    checked_in_at: str | None
    method: str
    remote: bool


class SpeakerOut(Out):
    id: int
    participant: int | None
    item: int | None
    kind: str
    status: str
    requested_at: str | None
    started_at: str | None
    ended_at: str | None
    time_limit_minutes: int | None


class PollOptionOut(Out):
    id: int
    key: str
    label: str
    count: int | None


class PollOut(Out):
    id: int
    item: int | None
    question: str
    secret: bool
    majority: str
    show_live: bool
    status: str
    options: list[PollOptionOut]
    votes_cast: int
    opened_at: str | None
    closed_at: str | None
    result: dict[str, Any] | None


class AttachmentOut(Out):
    id: int
    item: int | None
    title: str
    size: int
    sha256: str
    url: str


# --- changes in the room: one schema each, for the API endpoint and the page alike -------------

class CurrentIn(Schema):
    item: Id | None = None


class CheckinIn(Schema):
    """The caller checks in; with the room QR code's `token`, as present in the room."""

    remote: bool = False
    token: str | None = None


class AttendanceIn(Schema):
    participant: Id
    present: bool = True
    remote: bool = False


class FloorIn(Schema):
    kind: str = "speak"


class PollIn(Schema):
    question: str
    options: list[str] | None = None
    secret: bool = False
    item: Id | None = None
    majority: str = "cast"
    show_live: bool = False


class BallotIn(Schema):
    choice: str | Int64


class TextIn(Schema):
    text: str = ""


class GrantIn(Schema):
    # Strict: `true` or "5" is a mistake, not a number of minutes.
    time_limit_minutes: Annotated[StrictInt, Field(ge=BIGINT_MIN, le=BIGINT_MAX)] | None = None


class QuorumIn(Schema):
    fraction: float
