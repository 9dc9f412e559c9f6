"""Invitations (giấy mời) as numbered papers sealed by the unit (issue 10, part 6; fn98).

How it runs:

- `issue_for_meeting` is registered in ``meetings.papers`` (signing's AppConfig.ready) and runs
  inside ``do_schedule_meeting`` and ``do_update_meeting`` (a change of time or place of a
  scheduled meeting): it takes the next "GM" number of the meeting's unit, marks the invitation
  in force replaced, and tries to seal the new one at once.
- Sealing draws the paper (``signing.invitations``), puts the unit's organisation signature into
  its block (``signing.unit_seal.sign_as_unit``), passes the result through the one PDF intake
  and stores it as a released meeting document of type "Giấy mời" (participants see it with the
  meeting's documents; the e-mail carries it, see `invitation_attachments`).
- When it cannot be sealed (the unit has no organisation certificate yet, or the person
  scheduling may not seal), scheduling still succeeds: the invitation keeps its number and waits
  "chờ ký số cơ quan" (PENDING_SEAL, with the refusal's code); the e-mail goes without the paper.
  The meeting page tells those who run the meeting, and `do_issue_invitation` seals it once an
  administrator has issued the certificate; the participants are then sent the paper.
- A meeting without a unit has no register: nothing is issued.

An unsealed invitation is never stored or sent. The date on the paper is the day its number was
taken, also when it is sealed later.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, PermissionDeniedError
from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import RegisterEntry, User
from ecabinet.register import issue_number
from meetings import papers
from meetings.actions.documents import FileGuard, announce, write_version
from meetings.actions.preparation import send_invitations
from meetings.models import Document, DocumentType, Meeting
from signing.access import lock_invitation, may_seal_invitation
from signing.invitations import FIELD_NAME, Replaced, file_name, render_invitation
from signing.models import Invitation
from signing.unit_seal import sign_as_unit

DOCUMENT_TYPE_CODE = "giay-moi"
IN_FORCE = (Invitation.Status.ISSUED, Invitation.Status.PENDING_SEAL)


def in_force(meeting: Meeting) -> Invitation | None:
    return (Invitation.objects.filter(meeting=meeting, status__in=IN_FORCE)
            .select_related("document", "entry").order_by("-pk").first())


def _document_type() -> DocumentType:
    kind, _created = DocumentType.objects.get_or_create(code=DOCUMENT_TYPE_CODE, defaults={"name": "Giấy mời"})
    return kind


def _seal(invitation: Invitation, guard: FileGuard, *, actor: User) -> None:
    """Draw, seal and store the paper of `invitation` (inside the caller's transaction); refusals
    (no certificate, not allowed, a PDF the signer refuses) propagate as ActionError."""
    meeting = Meeting.objects.select_related("unit__parent", "room", "created_by").get(pk=invitation.meeting_id)
    unit = meeting.unit
    assert unit is not None
    previous = invitation.replaces
    replaced = Replaced(previous.number, previous.entry.issued_at) if previous is not None else None
    rendered = render_invitation(meeting, number=invitation.number, issued_at=invitation.entry.issued_at,
                                 replaces=replaced)
    signed = sign_as_unit(rendered.with_fields(), unit=unit, actor=actor, field_name=FIELD_NAME,
                          reason=f"Giấy mời số {invitation.number}", meeting=meeting)
    name = file_name(invitation.number)
    upload = ContentFile(signed, name=name)
    checked = intake_pdf(upload, name=name, purpose=Purpose.INVITATION)
    now = timezone.now()
    document = Document.objects.create(
        meeting=meeting, title=f"Giấy mời số {invitation.number}: họp {meeting.title}"[:500],
        doc_type=_document_type(), status=Document.Status.RELEASED, uploaded_by=actor, reviewed_by=actor,
        reviewed_at=now,
    )
    version = write_version(guard, document, upload, checked, actor=actor, note="invitation")
    announce(document, frozenset())
    invitation.document, invitation.status, invitation.pending_reason = document, Invitation.Status.ISSUED, ""
    invitation.sealed_by, invitation.sealed_at = actor, now
    invitation.save(update_fields=["document", "status", "pending_reason", "sealed_by", "sealed_at"])
    record_audit(actor=actor, action="invitation.seal", obj=invitation, details={
        "meeting": meeting.pk, "number": invitation.number, "document": document.pk, "sha256": version.sha256,
    })


def _mark_replaced(old: Invitation, new: Invitation) -> None:
    old.status = Invitation.Status.REPLACED
    old.save(update_fields=["status"])
    if old.document is not None:
        document = Document.objects.select_for_update().get(pk=old.document.pk)
        document.title = f"{document.title} (đã được thay thế bởi Giấy mời số {new.number})"[:500]
        document.save(update_fields=["title"])
        announce(document, frozenset())


def issue_for_meeting(meeting: Meeting, *, actor: User, reason: papers.Reason,
                      fields: frozenset[str]) -> None:
    """The issuer registered in ``meetings.papers``: runs inside the meeting's locked action."""
    if meeting.unit_id is None:
        return
    unit = meeting.unit
    assert unit is not None
    previous = in_force(meeting)
    entry = issue_number(unit=unit, kind=RegisterEntry.Kind.INVITATION, actor=actor,
                         title=f"Giấy mời họp {meeting.title}")
    invitation = Invitation.objects.create(meeting=meeting, entry=entry, number=entry.number, replaces=previous,
                                           issued_by=actor)
    if previous is not None:
        _mark_replaced(previous, invitation)
    # The paper's file is written under its own guard: a refused seal leaves nothing behind. (If
    # the meeting's transaction fails after this, the stored file stays unreferenced: the
    # meeting's actions own that transaction and have no guard to hand over.)
    with FileGuard() as guard:
        try:
            with transaction.atomic():
                _seal(invitation, guard, actor=actor)
        except ActionError as exc:
            invitation.pending_reason = exc.code[:64]
            invitation.save(update_fields=["pending_reason"])
            guard.__exit__(type(exc), exc, None)  # the files of the refused seal go
    record_audit(actor=actor, action="invitation.issue", obj=invitation, details={
        "meeting": meeting.pk, "number": invitation.number, "reason": str(reason), "fields": sorted(fields),
        "replaces": previous.number if previous is not None else None, "status": invitation.status,
        "pending_reason": invitation.pending_reason,
    })


def invitation_attachments(meeting: Meeting) -> list[papers.Attachment]:
    """The attachment source registered in ``meetings.papers``: the sealed invitation in force."""
    invitation = in_force(meeting)
    if invitation is None or invitation.document is None:
        return []
    version = invitation.document.versions.order_by("-number").first()
    if version is None:
        return []
    with version.file.open("rb") as stream:
        content = stream.read()
    return [papers.Attachment(filename=file_name(invitation.number), content=content, mimetype="application/pdf",
                              url=reverse("document_detail", args=[invitation.document_id]))]


def do_issue_invitation(invitation: Invitation, *, actor: User) -> Invitation:
    """Seal an invitation that waits for the unit's signature, then send it to the participants.

    The guard outside the durable block: the paper's file goes also when the commit fails."""
    with FileGuard() as guard, transaction.atomic(durable=True):
        meeting, invitation = lock_invitation(invitation, actor=actor)
        if not may_seal_invitation(actor, invitation):
            raise PermissionDeniedError(_("You may not issue papers in the name of this unit."))
        if invitation.status != Invitation.Status.PENDING_SEAL:
            raise ConflictError("not_pending", _("This invitation is not waiting for the unit's signature."))
        if meeting.status not in (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS):
            raise ConflictError("meeting_closed", _("The meeting has ended or was cancelled."))
        _seal(invitation, guard, actor=actor)
        send_invitations(meeting, actor=actor)
    return invitation
