"""Response schemas of the signing API: exactly what signing/serializers.py and signing/api.py
return today (extra keys pass through, so declaring never drops one)."""

from __future__ import annotations

from typing import Any

from meetings.schemas import Out


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


class VerifyReportOut(Out):
    """The verify_pdf report (DESIGN.md "Signing")."""

    file: str
    status: str
    error: str | None
    signatures: list[VerifiedSignatureOut]


class SigningServiceOut(Out):
    id: int
    name: str
    api_version: str
