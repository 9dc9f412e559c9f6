"""Response schemas of the meetings API: exactly the shapes meetings/serializers.py and the
API modules return today, declared so the OpenAPI description says what each call answers.

`extra="allow"`: a key a serializer adds later is passed through rather than silently dropped,
so declaring a response can never change it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

from ecabinet.inputs import Id, Int64, parse_datetime


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


# --- documents, notes and opinions: input (one schema per change, for the page and the API) --------

def multipart_body(schema: type[Schema], files: dict[str, str], required: list[str]) -> dict[str, Any]:
    """The OpenAPI request body of a multipart endpoint: `schema`'s fields plus its files
    (name → description). The endpoint parses the fields with `parse_input(schema, request.POST)`,
    as the page does, and hands the file to the action, whose intake judges it."""
    properties = dict(schema.model_json_schema().get("properties", {}))
    for name, description in files.items():
        properties[name] = {"type": "string", "format": "binary", "description": description}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "properties": properties, "required": required}}}}}


class DocumentUploadIn(Schema):
    """Adding a document to a meeting (with the file, multipart)."""

    title: str = ""
    agenda_item: Id | None = None
    folder: Id | None = None
    doc_type: Id | None = None
    confidential: bool = False


class DocumentReplaceIn(Schema):
    """A new version (with the file, multipart)."""

    note: str = ""


class ReturnIn(Schema):
    reason: str = ""


class ReadersIn(Schema):
    readers: list[str] = []
    confidential: bool | None = None


class DocumentPatch(Schema):
    title: str | None = None
    folder: Id | None = None
    doc_type: Id | None = None
    agenda_item: Id | None = None


class FolderIn(Schema):
    name: str


class DocumentTypeIn(Schema):
    name: str = ""
    code: str = ""


class NoteIn(Schema):
    text: str
    meeting: Id | None = None
    document: Id | None = None
    page: Int64 | None = None


class NotePatch(Schema):
    text: str
    page: Int64 | None = None


class OpinionRoundIn(Schema):
    """Sending a draft for written opinions (with the draft, multipart). `asked`: usernames,
    comma or line separated, or the field repeated."""

    title: str = ""
    question: str = ""
    deadline: str = Field("", json_schema_extra={"format": "date-time"})
    asked: list[str] = Field([], description="usernames, comma separated (or repeat the field)")
    meeting: Id | None = None
    unit: Id | None = None

    @field_validator("asked", mode="after")
    @classmethod
    def _split_names(cls, values: list[str]) -> list[str]:
        names: list[str] = []
        for value in values:
            names.extend(part.strip() for part in value.replace("\n", ",").split(","))
        return [n for n in names if n]

    def deadline_at(self) -> datetime | None:
        # parsed here rather than typed, so a bad date keeps its own error code (bad_deadline)
        return parse_datetime(self.deadline, "deadline", code="bad_deadline")


class AnswerIn(Schema):
    """An answer to a round (JSON, or multipart with an optional attachment). The choice is the
    action's to judge (bad_choice), so that the page and the API refuse it alike."""

    choice: str = Field("", json_schema_extra={"enum": ["agree", "disagree", "other"]})
    comment: str = ""


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
    """The live snapshot (DESIGN.md "Live protocol"): the room as this caller may see it."""

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
