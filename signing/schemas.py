"""The signing app's input and output: one schema per change, parsed by the API endpoint and by
the page view alike (``ecabinet.inputs.parse_input``), and the response schemas (exactly what
signing/serializers.py and signing/api.py return; extra keys pass through)."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from ecabinet.inputs import DateTime, Id, Int64
from meetings.schemas import Out

# --- input: one schema per change, for the page and the API ----------------------------------


class SigningRequestChange(Schema):
    """Ask people to sign: usernames in order, one after the other or in any order."""

    signers: list[str]
    sequential: bool = True
    due: DateTime | None = None
    message: str = ""


class RequestIn(SigningRequestChange):
    document: Id


class SignIn(Schema):
    pin: str
    reason: str = ""
    page: Int64 | None = None
    level: str | None = None
    # remote signing service (CSC) only: the caller's bearer token there; never stored
    access_token: str | None = None


class BatchIn(Schema):
    documents: list[Id]
    pin: str
    reason: str = ""
    access_token: str | None = None


class AnswerSignIn(Schema):
    pin: str
    access_token: str | None = None
    level: str | None = None


class Pkcs11In(Schema):
    token_label: str
    key_label: str
    module_path: str | None = None
    username: str | None = None
    # the caller's account password, typed again (not needed by an administrator acting for someone)
    password: str = ""


class CscIn(Schema):
    service: Id  # a SigningService id from GET /signing/services: addresses are the administrators' choice
    credential_id: str
    access_token: str = ""
    username: str | None = None
    password: str = ""


class PasswordIn(Schema):
    password: str = ""


class ReasonIn(Schema):
    reason: str = ""


class PinIn(Schema):
    pin: str
    pin_confirm: str | None = None
    password: str = ""


class MinutesGenerateIn(Schema):
    regenerate: bool = False
    version: Int64 | None = None


class MinutesIn(Schema):
    text: str
    version: Int64 | None = None
    number: str | None = None


class MinutesFreezeIn(Schema):
    version: Int64 | None = None


# --- output -----------------------------------------------------------------------------------


class UserRefOut(Out):
    id: int
    username: str
    full_name: str


class SignerOut(Out):
    id: int
    order: int
    user: UserRefOut
    status: str
    status_label: str
    reason: str
    signed_at: str | None
    reminded_at: str | None
    turn: bool


class RequestDocumentOut(Out):
    id: int
    title: str
    meeting: int | None


class SigningRequestOut(Out):
    id: int
    document: RequestDocumentOut
    requester: UserRefOut
    sequential: bool
    due: str | None
    message: str
    status: str
    status_label: str
    created_at: str | None
    closed_at: str | None
    cancel_reason: str
    signers: list[SignerOut]
    my_status: str | None = None
    my_turn: bool | None = None


class SignatureOut(Out):
    id: int
    document: int
    version: int
    sha256: str
    signer: UserRefOut
    certificate: str
    field: str
    signed_at: str | None
    reason: str
    level: str
    request: int | None


class AnswerSignatureOut(SignatureOut):
    answer: int
    url: str


class CertificateOut(Out):
    id: int
    kind: str
    serial: str
    subject: str
    issuer: str
    issued_here: bool
    not_before: str | None
    not_after: str | None
    revoked_at: str | None
    revocation_reason: str
    wrong_pin_count: int
    locked: bool
    current: bool
    backend: dict[str, Any]


class CertificateEnvelopeOut(Out):
    certificate: CertificateOut | None


class MinutesOut(Out):
    id: int
    meeting: int
    status: str
    version: int
    number: str
    text: str
    updated_at: str | None
    updated_by: UserRefOut | None
    frozen_at: str | None
    document: int | None
    document_url: str | None
    signing_request: SigningRequestOut | None


class BatchResultOut(Out):
    document: int
    ok: bool
    code: str
    message: str
    version: int | None


class BatchOut(Out):
    results: list[BatchResultOut]
    signed: int


class UploadedDocumentOut(Out):
    id: int
    title: str


class RemindedOut(Out):
    reminded: int


class VerifyDetailOut(Out):
    """One line of a signature's report in the reader's language: what (`topic`: issuer,
    signer, time, integrity, certificate, trust, level), its label and text, good or not."""

    topic: str
    label: str
    text: str
    ok: bool | None


class VerifiedSignatureOut(Out):
    field: str | None
    signer: str | None
    signed_at: str | None
    intact: bool
    trusted: bool
    modified_after: bool
    coverage: str
    timestamped: bool
    status: str
    # Added for a reader (fn146, signing/verification.py); the fields above are unchanged.
    signer_organization: str | None = None
    signer_unit: str | None = None
    issuer: str | None = None
    issuer_organization: str | None = None
    certificate_serial: str | None = None
    certificate_valid_from: str | None = None
    certificate_valid_to: str | None = None
    signed_at_source: str | None = None
    timestamp_authority: str | None = None
    timestamp_trusted: bool = False
    chain_trusted: bool = False
    certificate_at_signing: str = "unknown"
    revoked_at: str | None = None
    level: str | None = None
    name: str = ""
    signed_at_local: str | None = None
    verdict: str = ""
    details: list[VerifyDetailOut] = []


class VerifyReportOut(Out):
    """The verify_pdf report (DESIGN.md "Signing"), explained for a reader."""

    file: str
    status: str
    error: str | None
    signatures: list[VerifiedSignatureOut]
    verdict: str = ""
    error_message: str | None = None


class SigningServiceOut(Out):
    id: int
    name: str
    api_version: str


# --- conclusion notice (thông báo kết luận) -----------------------------------------------------


class NoticeDraftIn(Schema):
    regenerate: bool = False
    version: Int64 | None = None


class NoticeIn(Schema):
    body: str
    version: Int64 | None = None
    approver: Id | None = None


class NoticeVersionIn(Schema):
    version: Int64 | None = None


class NoticeDecisionIn(Schema):
    approve: bool = True
    reason: str = ""


class NoticeItemOut(Out):
    id: int
    title: str
    conclusion: str
    assigned_units: list[int]


class NoticeOut(Out):
    id: int
    meeting: int
    status: str
    version: int
    body: str
    due_date: str
    overdue: bool
    approver: UserRefOut | None
    returned_reason: str
    number: str
    document: int | None
    document_url: str | None
    pdf_url: str | None
    updated_at: str | None
    updated_by: UserRefOut | None
    submitted_at: str | None
    approved_at: str | None
    issued_at: str | None
    items: list[NoticeItemOut]


class NoticeItemConclusionIn(Schema):
    """The notice page's form for one item: its conclusion and the units it assigns."""

    item: Id
    text: str = ""
    units: list[Id] = []


# --- signed ballots (fn108) ---

class SignedBallotIn(Schema):
    """A signed ballot: the option's key and the signing PIN (for a remote signing service, also the
    caller's access token there; never stored)."""

    choice: str
    pin: str
    access_token: str | None = None


class SignedBallotOut(Out):
    id: int
    poll: int
    seat: int
    option: str
    jws: str


class BallotVerifyIn(Schema):
    jws: str


class BallotVerifyOut(Out):
    ok: bool
    signature_valid: bool
    chain_trusted: bool
    names_voter: bool
    statement: dict[str, Any]
    signer: str
    problems: list[str]


class VotesExportOut(Out):
    """`format` "ecabinet-vote-results/1"; `polls`: the results table's rows, each with its
    `signed_ballots` [{seat, option, jws}] (``manage.py verify_ballots`` checks them offline)."""

    format: str
    meeting: dict[str, Any]
    exported_at: str
    polls: list[dict[str, Any]]
