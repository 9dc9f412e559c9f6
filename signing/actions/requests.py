"""Signing requests: ask people to sign (in order or in parallel), decline, cancel, remind."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError
from ecabinet.models import User
from meetings.models import Document
from signing.access import (
    lock_request,
    own_pending_entry,
    require_may_manage_request,
    require_may_request,
)
from signing.models import SignatureRecord, SigningRequest, SigningRequestSigner

MAX_SIGNERS = 30
REMIND_INTERVAL = timedelta(minutes=10)


def request_url(signing_request: SigningRequest) -> str:
    return reverse("signing_request_detail", args=[signing_request.pk])


def _pending(signing_request: SigningRequest):
    return signing_request.signers.filter(status=SigningRequestSigner.Status.PENDING).select_related(
        "user").order_by("order")


def whose_turn(signing_request: SigningRequest) -> list[SigningRequestSigner]:
    pending = list(_pending(signing_request))
    return pending[:1] if signing_request.sequential else pending


def _notify_to_sign(entries: list[SigningRequestSigner], signing_request: SigningRequest, *,
                    reminder: bool = False) -> None:
    title = (_("Reminder: please sign “%(title)s”") if reminder else _("Please sign “%(title)s”")) % {
        "title": signing_request.document.title}
    body = _("%(name)s asks you to sign this document.") % {
        "name": signing_request.requester.full_name or signing_request.requester.username}
    if signing_request.due:
        body += " " + _("Due: %(due)s.") % {"due": timezone.localtime(signing_request.due).strftime("%d/%m/%Y %H:%M")}
    notify_users([e.user for e in entries], kind="signing.request", title=title, body=body,
                 url=request_url(signing_request))


@transaction.atomic(durable=True)
def do_create_request(document: Document, *, actor: User, signers: list[str | User], sequential: bool = True,
                      due: datetime | None = None, message: str = "") -> SigningRequest:
    """Ask `signers` (usernames or users), in this order, to sign `document`."""
    return create_request(document, actor=actor, signers=signers, sequential=sequential, due=due, message=message)


def create_request(document: Document, *, actor: User, signers: list[str | User], sequential: bool = True,
                   due: datetime | None = None, message: str = "") -> SigningRequest:
    """`do_create_request`'s work, for actions that ask for signatures inside their own
    transaction (freezing the minutes)."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    require_may_request(actor, document)
    if document.status == Document.Status.WITHDRAWN:
        raise ConflictError("withdrawn", _("This document was withdrawn; it can no longer be signed."))
    if not document.versions.exists():
        raise ActionError("no_file", _("This document has no file to sign."))
    if not signers:
        raise ActionError("no_signers", _("Choose at least one person to sign."))
    if len(signers) > MAX_SIGNERS:
        raise ActionError("too_many_signers", _("At most %(n)d signers.") % {"n": MAX_SIGNERS})
    names = [s.username if isinstance(s, User) else str(s).strip() for s in signers]
    if len(set(names)) != len(names):
        raise ActionError("duplicate_signer", _("Each person may appear only once in the list."))
    users = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    unknown = [n for n in names if n not in users]
    if unknown:
        raise ActionError("unknown_user", _("Unknown users: %(names)s.") % {"names": ", ".join(unknown)})
    if due is not None and timezone.is_naive(due):
        due = timezone.make_aware(due)  # a page's datetime-local is local time
    if due is not None and due <= timezone.now():
        raise ActionError("bad_due", _("The due date must be in the future."))
    if SigningRequest.objects.filter(document=document, status=SigningRequest.Status.OPEN).exists():
        raise ConflictError("request_open", _("This document already has an open signing request. "
                                              "Cancel it first."))
    signing_request = SigningRequest.objects.create(
        document=document, requester=actor, sequential=sequential, due=due, message=(message or "")[:2000],
    )
    SigningRequestSigner.objects.bulk_create([
        SigningRequestSigner(request=signing_request, order=i, user=users[name])
        for i, name in enumerate(names, start=1)
    ])
    record_audit(actor=actor, action="signing.request_create", obj=signing_request, details={
        "document": document.pk, "signers": names, "sequential": sequential, "due": due,
    })
    _notify_to_sign(whose_turn(signing_request), signing_request)
    return signing_request


def advance_after_signature(entry: SigningRequestSigner, record: SignatureRecord, *, actor: User) -> None:
    """Called by the signing action inside its transaction: mark the entry, move the request on."""
    signing_request = lock_request(entry.request)
    entry.status = SigningRequestSigner.Status.SIGNED
    entry.signed_at = record.signed_at
    entry.signature = record
    entry.save(update_fields=["status", "signed_at", "signature"])
    if not _pending(signing_request).exists():
        signing_request.status = SigningRequest.Status.COMPLETED
        signing_request.closed_at = timezone.now()
        signing_request.save(update_fields=["status", "closed_at"])
        record_audit(actor=actor, action="signing.request_complete", obj=signing_request,
                     details={"document": signing_request.document_id})
        notify_users([signing_request.requester], kind="signing.completed",
                     title=_("Everyone has signed “%(title)s”") % {"title": signing_request.document.title},
                     url=request_url(signing_request))
    elif signing_request.sequential:
        _notify_to_sign(whose_turn(signing_request), signing_request)


def _require_open(signing_request: SigningRequest) -> None:
    if signing_request.status != SigningRequest.Status.OPEN:
        raise ConflictError("request_closed", _("This signing request is no longer open."))


@transaction.atomic(durable=True)
def do_decline_request(signing_request: SigningRequest, *, actor: User, reason: str) -> SigningRequest:
    signing_request = lock_request(signing_request)
    entry = own_pending_entry(signing_request, actor)
    _require_open(signing_request)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("reason_required", _("Give a reason for declining."))
    now = timezone.now()
    entry.status = SigningRequestSigner.Status.DECLINED
    entry.reason = reason[:2000]
    entry.signed_at = now
    entry.save(update_fields=["status", "reason", "signed_at"])
    signing_request.status = SigningRequest.Status.DECLINED
    signing_request.closed_at = now
    signing_request.save(update_fields=["status", "closed_at"])
    record_audit(actor=actor, action="signing.request_decline", obj=signing_request,
                 details={"reason": entry.reason})
    notify_users([signing_request.requester], kind="signing.declined",
                 title=_("%(name)s declined to sign “%(title)s”") % {
                     "name": actor.full_name or actor.username, "title": signing_request.document.title},
                 body=entry.reason, url=request_url(signing_request))
    return signing_request


@transaction.atomic(durable=True)
def do_cancel_request(signing_request: SigningRequest, *, actor: User, reason: str = "") -> SigningRequest:
    signing_request = lock_request(signing_request)
    require_may_manage_request(
        actor, signing_request, _("Only the person who asked for the signatures may cancel the request."))
    _require_open(signing_request)
    pending = list(_pending(signing_request))
    signing_request.status = SigningRequest.Status.CANCELLED
    signing_request.closed_at = timezone.now()
    signing_request.cancel_reason = (reason or "").strip()[:2000]
    signing_request.save(update_fields=["status", "closed_at", "cancel_reason"])
    record_audit(actor=actor, action="signing.request_cancel", obj=signing_request,
                 details={"reason": signing_request.cancel_reason})
    notify_users([e.user for e in pending], kind="signing.cancelled",
                 title=_("The signing request for “%(title)s” was cancelled") % {
                     "title": signing_request.document.title},
                 body=signing_request.cancel_reason, url=request_url(signing_request))
    return signing_request


@transaction.atomic(durable=True)
def do_remind_request(signing_request: SigningRequest, *, actor: User) -> int:
    """Remind the people whose signature is awaited now; returns how many were reminded."""
    signing_request = lock_request(signing_request)
    require_may_manage_request(
        actor, signing_request, _("Only the person who asked for the signatures may send reminders."))
    _require_open(signing_request)
    now = timezone.now()
    due = [e for e in whose_turn(signing_request)
           if e.reminded_at is None or now - e.reminded_at >= REMIND_INTERVAL]
    if not due:
        raise ConflictError("reminded_recently", _("A reminder was sent less than 10 minutes ago."))
    SigningRequestSigner.objects.filter(pk__in=[e.pk for e in due]).update(reminded_at=now)
    record_audit(actor=actor, action="signing.request_remind", obj=signing_request,
                 details={"users": [e.user_id for e in due]})
    _notify_to_sign(due, signing_request, reminder=True)
    return len(due)
