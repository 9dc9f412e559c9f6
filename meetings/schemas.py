"""Response schemas of the meetings API: exactly the shapes meetings/serializers.py and the
API modules return today, declared so the OpenAPI description says what each call answers.

`extra="allow"`: a key a serializer adds later is passed through rather than silently dropped,
so declaring a response can never change it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from django.db.models import Model
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, Field, StrictInt, field_validator

from ecabinet.inputs import BIGINT_MAX, BIGINT_MIN, DateTime, Id, Int64, field_error, parse_datetime
from ecabinet.models import Unit, User
from meetings.models import MeetingRoom, MeetingType

M = TypeVar("M", bound=Model)


class Out(Schema):
    model_config = ConfigDict(extra="allow")


class OkOut(Out):
    ok: bool


class UrlOut(Out):
    url: str


class MeetingAllowsOut(Out):
    """meetings/access.py meeting_allows: what the meeting's moment allows, whoever asks."""

    start: bool
    end: bool
    check_in: bool
    floor: bool
    open_poll: bool
    steer: bool
    enter_room: bool


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
    allows: MeetingAllowsOut


class PersonOut(Out):
    """One person found by the people lookup: enough to pick them in a form."""

    username: str
    full_name: str
    unit: str


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
    # --- absence requests (fn113)
    state: str
    absence_status: str
    absence_note: str
    absence_delegate: int | None
    absence_delegate_name: str


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
    absence_needs_approval: bool = False  # fn113: a member's absence waits for the chair


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
    # Set when the PDF was converted from an office document: GET .../source sends that file.
    source_name: str = ""
    source_type: str = ""


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


class SpeechNoteOut(Out):
    """The secretary's summary of one speech (`id`: the request for the floor); those running
    the meeting only (the live state's `speech_notes`)."""

    id: int
    speaker: int
    summary: str


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
    # the prepared vote list: order in its item's list, ballot set, paused by the chair, signed ballots
    position: int
    ballot_set: str
    paused: bool
    signed: bool


class AttachmentOut(Out):
    id: int
    item: int | None
    title: str
    size: int
    sha256: str
    url: str


# --- preparation: what the meeting endpoints answer ------------------------------------------

class MeetingOut(Schema):
    """serialize_meeting as the preparation endpoints answer it: exactly these keys (not `Out`,
    whose extra keys would add the room's fields to every meeting in a list)."""

    id: int
    title: str
    description: str
    unit: int | None
    meeting_type: int | None
    room: int | None
    starts_at: str
    ends_at: str
    location: str
    online_url: str
    status: str
    cancel_reason: str
    agenda_version: Int64


class MeetingDetailOut(MeetingOut):
    revision: int
    current_item: int | None
    allows: MeetingAllowsOut
    agenda: list[dict]
    participants: list[dict]
    documents: list[dict]
    polls: list[dict]
    my_role: str | None
    runs_meeting: bool
    permissions: dict[str, bool]


# --- preparation: the changes a page form and an API call both send --------------------------
# One schema per change, parsed by the API endpoint (ninja) and by the page view
# (`ecabinet.inputs.parse_input(Schema, request.POST)`); `.changes()` turns the parsed values
# into the action's keyword arguments, looking people, units and catalog rows up in one place.

class MeetingIn(Schema):
    title: str
    starts_at: DateTime
    ends_at: DateTime
    location: str = ""
    online_url: str = ""
    description: str = ""
    unit: Id | None = None
    meeting_type: Id | None = None
    room: Id | None = None
    chair: str | None = None
    secretary: str | None = None

    def changes(self) -> dict[str, Any]:
        """Every field (a page's whole form, an API create); absent people are left as they are."""
        return _meeting_changes(self.model_dump())


class MeetingPatch(Schema):
    title: str | None = None
    starts_at: DateTime | None = None
    ends_at: DateTime | None = None
    location: str | None = None
    online_url: str | None = None
    description: str | None = None
    unit: Id | None = None
    meeting_type: Id | None = None
    room: Id | None = None
    chair: str | None = None
    secretary: str | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return _meeting_changes(self.model_dump(exclude_unset=True))


def _meeting_changes(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ("title", "location", "online_url", "description"):
        if data.get(name) is not None:
            fields[name] = data[name].strip() if name in ("location", "online_url") else data[name]
    for name in ("starts_at", "ends_at"):
        if data.get(name) is not None:
            fields[name] = parse_when(data[name], name)
    for name, model in (("unit", Unit), ("meeting_type", MeetingType), ("room", MeetingRoom)):
        if name in data:
            fields[name] = resolve(model, data[name], name)
    for name in ("chair", "secretary"):
        if data.get(name):
            fields[name] = resolve_user(data[name], name)
    return fields


class CancelIn(Schema):
    reason: str


class CopyIn(Schema):
    starts_at: DateTime
    ends_at: DateTime
    title: str | None = None

    def changes(self) -> dict[str, Any]:
        return {"starts_at": parse_when(self.starts_at, "starts_at"), "ends_at": parse_when(self.ends_at, "ends_at"),
                "title": self.title or None}


class ParticipantIn(Schema):
    username: str
    role: str = "member"
    seat: str = ""

    def changes(self) -> dict[str, Any]:
        return {"user": resolve_user(self.username, "username", required=True), "role": self.role, "seat": self.seat}


class ParticipantPatch(Schema):
    role: str | None = None
    seat: str | None = None


class UnitIn(Schema):
    unit: Id
    role: str = "member"

    def changes(self) -> dict[str, Any]:
        return {"unit": resolve(Unit, self.unit, "unit", required=True), "role": self.role}


class InvitationAnswerIn(Schema):
    response: str
    reason: str = ""
    delegate: str | None = None

    def changes(self) -> dict[str, Any]:
        delegate = resolve_user(self.delegate, "delegate") if self.response == "delegate" else None
        return {"response": self.response, "reason": self.reason, "delegate": delegate}


class AgendaIn(Schema):
    title: str
    presenter: str | Id | None = None
    presenting_unit: Id | None = None
    duration_minutes: Int64 = 0
    agenda_version: Int64 | None = None

    def changes(self) -> dict[str, Any]:
        """The item's fields; the presenting unit only when sent (the page's inline edit form
        has no list of every unit and leaves it as it is)."""
        fields: dict[str, Any] = {
            "title": self.title, "presenter": resolve_user(self.presenter, "presenter"),
            "duration_minutes": self.duration_minutes,
        }
        if "presenting_unit" in self.model_fields_set:
            fields["presenting_unit"] = resolve(Unit, self.presenting_unit, "presenting_unit")
        return fields


class AgendaPatch(Schema):
    agenda_version: Int64
    title: str | None = None
    presenter: str | Id | None = None
    presenting_unit: Id | None = None
    duration_minutes: Int64 | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent; a null title or duration leaves it as it is."""
        data = self.model_dump(exclude_unset=True)
        fields: dict[str, Any] = {}
        for name in ("title", "duration_minutes"):
            if data.get(name) is not None:
                fields[name] = data[name]
        if "presenter" in data:
            fields["presenter"] = resolve_user(data["presenter"], "presenter")
        if "presenting_unit" in data:
            fields["presenting_unit"] = resolve(Unit, data["presenting_unit"], "presenting_unit")
        return fields


class ReorderIn(Schema):
    order: list[Id]
    agenda_version: Int64 | None = None


# --- input lookups: a person, a unit or a catalog row named by the caller ---------------------

def resolve_user(value: str | int | None, field: str, *, required: bool = False) -> User | None:
    """A person by username (or id); unknown people are a 400 naming the field."""
    if value in (None, ""):
        if required:
            raise field_error(field, _("Choose a person."))
        return None
    qs = User.objects.filter(is_active=True)
    user = qs.filter(pk=value).first() if isinstance(value, int) else qs.filter(username=str(value).strip()).first()
    if user is None:
        raise field_error(field, _("No active user %(name)s.") % {"name": value}, code="unknown_user")
    return user


def resolve(model: type[M], value: int | str | None, field: str, *, required: bool = False) -> M | None:
    """A catalog row or unit by id; unknown ids are a 400 naming the field."""
    if value in (None, ""):
        if required:
            raise field_error(field, _("This field is required."))
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise field_error(field, _("Unknown value.")) from None
    row = model._default_manager.filter(pk=pk).first()
    if row is None:
        raise field_error(field, _("Unknown value."))
    return row


def parse_when(value: str | datetime | None, field: str, *, required: bool = True) -> datetime | None:
    """An ISO date-time (the page's datetime-local or an API string); naive means local time."""
    return parse_datetime(value, field, required=required)
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
    # The item under discussion when the caller asked (null: none): sent by the offline queue, so
    # a request that arrives after the meeting moved on is refused (409 moved_on).
    seen_item: Id | None = None


class PollIn(Schema):
    question: str
    options: list[str] | None = None
    secret: bool = False
    item: Id | None = None
    majority: str = "cast"
    show_live: bool = False
    # "agree" (agree/disagree/other), "yes_no", "council" (agree/disagree/blank), "custom" (`options`);
    # absent: "custom" when options are given, else "agree"
    ballot_set: str | None = None
    # open polls only: each ballot signed by the voter (POST /polls/{id}/signed-ballot)
    signed: bool = False


# --- votes prepared and run (fn19, fn41-fn44, fn108) ---

class PollEditIn(PollIn):
    """A draft poll rewritten whole; `item` moves it to that item's vote list (null: no item)."""


class PollOrderIn(Schema):
    """The ids of every poll of one agenda item (`item`; null: polls on no item), in the new order."""

    item: Id | None = None
    order: list[Id]


class PollReadyOut(Out):
    id: int
    poll: int
    participant: int


class BallotIn(Schema):
    choice: str | Int64


class TextIn(Schema):
    text: str = ""


class SpeechSummaryIn(Schema):
    """What a speaker said, in the secretary's words (at most 4000 characters; empty clears it)."""

    text: str = ""


class ConclusionIn(Schema):
    """An item's conclusion; `units` (ids) are the units it assigns work to — absent: unchanged."""

    text: str = ""
    units: list[Id] | None = None


class GrantIn(Schema):
    # Strict: `true` or "5" is a mistake, not a number of minutes.
    time_limit_minutes: Annotated[StrictInt, Field(ge=BIGINT_MIN, le=BIGINT_MAX)] | None = None


class QuorumIn(Schema):
    fraction: float


# --- absence requests (fn113) ------------------------------------------------------------------

class AbsenceDecisionIn(Schema):
    """The chair's decision on a pending absence request: "approve" or "refuse", with a note the
    member reads (optional)."""

    decision: str
    note: str = ""

    def changes(self) -> dict[str, Any]:
        if self.decision not in ("approve", "refuse"):
            raise field_error("decision", _("Choose approve or refuse."))
        return {"approve": self.decision == "approve", "note": self.note}


class AbsenceRequestOut(Out):
    """A participant's absence request as those running the meeting list them."""

    participant: ParticipantOut
    requested_at: str | None
    decided_by: str
    decided_at: str | None
# --- end absence requests ---


# --- hall screen (fn121) -------------------------------------------------------------------------

class HallDisplayIn(Schema):
    """A new hall screen link: its name (the hall where its screen is)."""

    label: str


class HallDisplayOut(Out):
    """A hall screen link; `url` and `token` only in the answer that created it (never stored)."""

    id: int
    meeting: int
    label: str
    created_by: int
    created_by_name: str
    created_at: str | None
    revoked_at: str | None
    url: str | None = None
    token: str | None = None


class HallDisplayListOut(Out):
    items: list[HallDisplayOut]
# --- end hall screen ---
