"""Plain-dict views of signing objects, shared by the API and the pages' JSON."""

from __future__ import annotations

from typing import Any

from signing.models import (
    SignatureRecord,
    SigningCertificate,
    SigningRequest,
    SigningRequestSigner,
    SigningService,
)


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def serialize_user(user) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "full_name": user.full_name}


def serialize_signer(entry: SigningRequestSigner, *, my_turn: bool = False) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "order": entry.order,
        "user": serialize_user(entry.user),
        "status": entry.status,
        "status_label": str(SigningRequestSigner.Status(entry.status).label),
        "reason": entry.reason,
        "signed_at": iso(entry.signed_at),
        "reminded_at": iso(entry.reminded_at),
        "turn": my_turn,
    }


def serialize_request(signing_request: SigningRequest, *, viewer=None) -> dict[str, Any]:
    entries = list(signing_request.signers.select_related("user").order_by("order"))
    pending = [e for e in entries if e.status == SigningRequestSigner.Status.PENDING]
    open_ = signing_request.status == SigningRequest.Status.OPEN
    turn_ids = set()
    if open_:
        turn_ids = {pending[0].pk} if (signing_request.sequential and pending) else {e.pk for e in pending}
    document = signing_request.document
    data = {
        "id": signing_request.pk,
        "document": {"id": document.pk, "title": document.title, "meeting": document.meeting_id},
        "requester": serialize_user(signing_request.requester),
        "sequential": signing_request.sequential,
        "due": iso(signing_request.due),
        "message": signing_request.message,
        "status": signing_request.status,
        "status_label": str(SigningRequest.Status(signing_request.status).label),
        "created_at": iso(signing_request.created_at),
        "closed_at": iso(signing_request.closed_at),
        "cancel_reason": signing_request.cancel_reason,
        "signers": [serialize_signer(e, my_turn=e.pk in turn_ids) for e in entries],
    }
    if viewer is not None:
        mine = next((e for e in entries if e.user_id == viewer.pk), None)
        data["my_status"] = mine.status if mine else None
        data["my_turn"] = bool(mine and mine.pk in turn_ids)
    return data


def serialize_signature(record: SignatureRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "document": record.document_id,
        "version": record.version.number,
        "sha256": record.version.sha256,
        "signer": serialize_user(record.signer),
        "certificate": record.certificate.serial,
        "field": record.field_name,
        "signed_at": iso(record.signed_at),
        "reason": record.reason,
        "level": record.level,
        "request": record.request_id,
    }


def serialize_certificate(cert: SigningCertificate) -> dict[str, Any]:
    return {
        "id": cert.pk,
        "kind": cert.kind,
        "serial": cert.serial,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "issued_here": cert.issued_here,
        "not_before": iso(cert.not_before),
        "not_after": iso(cert.not_after),
        "revoked_at": iso(cert.revoked_at),
        "revocation_reason": cert.revocation_reason,
        "wrong_pin_count": cert.wrong_pin_count,
        "locked": cert.locked_at is not None,
        "current": cert.replaced_at is None,
        # where the key lives, for token and remote-service certificates (no secrets in it)
        "backend": dict(cert.backend_config or {}),
    }


def serialize_service(service: SigningService) -> dict[str, Any]:
    return {"id": service.pk, "name": service.name, "api_version": service.api_version}


def serialize_minutes(minutes, *, viewer=None) -> dict[str, Any]:  # noqa: ANN001 - signing.Minutes
    from django.urls import reverse

    signing_request = minutes.signing_request
    return {
        "id": minutes.pk,
        "meeting": minutes.meeting_id,
        "status": minutes.status,
        "version": minutes.version,
        "number": minutes.number,
        "text": minutes.text,
        "updated_at": iso(minutes.updated_at),
        "updated_by": serialize_user(minutes.updated_by),
        "frozen_at": iso(minutes.frozen_at),
        "document": minutes.document_id,
        "document_url": reverse("signing_document", args=[minutes.document_id]) if minutes.document_id else None,
        "signing_request": serialize_request(signing_request, viewer=viewer) if signing_request else None,
    }


def serialize_notice(notice) -> dict[str, Any]:  # noqa: ANN001 - signing.ConclusionNotice
    from django.urls import reverse
    from django.utils import timezone

    from meetings.models import AgendaItem

    items = AgendaItem.objects.filter(meeting_id=notice.meeting_id).prefetch_related("assigned_units").order_by(
        "position", "pk")
    issued = notice.document_id is not None
    return {
        "id": notice.pk,
        "meeting": notice.meeting_id,
        "status": notice.status,
        "version": notice.version,
        "body": notice.body,
        "due_date": notice.due_date.isoformat(),
        "overdue": not issued and timezone.localdate() > notice.due_date,
        "approver": serialize_user(notice.approver) if notice.approver else None,
        "returned_reason": notice.returned_reason,
        "number": notice.number,
        "document": notice.document_id,
        "document_url": reverse("signing_document", args=[notice.document_id]) if issued else None,
        "pdf_url": reverse("signing_notice_pdf", args=[notice.meeting_id]) if issued else None,
        "updated_at": iso(notice.updated_at),
        "updated_by": serialize_user(notice.updated_by),
        "submitted_at": iso(notice.submitted_at),
        "approved_at": iso(notice.approved_at),
        "issued_at": iso(notice.issued_at),
        "items": [{"id": i.pk, "title": i.title, "conclusion": i.conclusion,
                   "assigned_units": [u.pk for u in i.assigned_units.all()]} for i in items],
    }
