"""The conclusion notice (thông báo kết luận, fn102) from draft to issue.

secretary: draft (written from the conclusions), edit (sanitized HTML, version check), submit
-> approver (the chair, or the participant the secretary names): approve, or send back with a
reason -> office (right `issue_documents`): issue — a number from the unit's register
(``…/TB-…``), the PDF sealed with the unit's certificate, stored among the meeting's documents,
sent to the participants and the people of the units the conclusions assign.

Who does what is decided in ``signing.access.notice_access``.
"""

from __future__ import annotations

from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError
from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import RegisterEntry, User
from ecabinet.register import issue_number, unit_abbreviation
from ecabinet.richtext import plain_text, sanitize
from meetings.actions.documents import FileGuard, announce, write_version
from meetings.integration import document_summary, publish_meeting
from meetings.models import Document, Meeting
from signing.access import NoticeAccess, issuers_of, notice_access
from signing.minutes import place_name, signatories
from signing.models import ConclusionNotice
from signing.notice_pdf import SIGNATURE_FIELD, NoticeHeader, render_notice_html, render_notice_pdf
from signing.notices import (
    build_notice_html,
    due_date,
    issuing_unit,
    notice_readers,
    notice_title,
    recipients,
)
from signing.unit_seal import sign_as_unit

MAX_BODY = 200_000
MAX_REASON = 2000


def _lock(meeting: Meeting, actor: User) -> NoticeAccess:
    return notice_access(actor, meeting.pk, for_update=True)


def _require_version(notice: ConclusionNotice, version: int | None) -> None:
    if version is None:
        raise ActionError("version_required", _("Say which version of the notice you edited."))
    if version != notice.version:
        raise ConflictError("stale", _("Someone else changed the notice in the meantime (now version %(version)d). "
                                       "Reload it and apply your changes again.") % {"version": notice.version},
                            extra={"version": notice.version})


def _require_status(notice: ConclusionNotice, *statuses: str) -> None:
    if notice.status not in statuses:
        raise ConflictError("wrong_status", _("The notice is %(status)s; this step is not possible now.")
                            % {"status": notice.get_status_display()})


def _bump(notice: ConclusionNotice, actor: User, *fields: str) -> None:
    notice.version, notice.updated_by, notice.updated_at = notice.version + 1, actor, timezone.now()
    notice.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


def notice_url(meeting: Meeting) -> str:
    return reverse("signing_notice", args=[meeting.pk])


@transaction.atomic(durable=True)
def do_draft_notice(meeting: Meeting, *, actor: User, regenerate: bool = False,
                    version: int | None = None) -> tuple[ConclusionNotice, bool]:
    """Write the draft from the item and meeting conclusions. Returns (notice, created). Writing
    it again replaces the text only when asked and only over the version the caller saw."""
    access = _lock(meeting, actor)
    access.require_drafter()
    meeting, notice = access.meeting, access.notice
    body = build_notice_html(meeting)
    if notice is None:
        now = timezone.now()
        notice = ConclusionNotice.objects.create(
            meeting=meeting, body=body, approver=signatories(meeting).chair, due_date=due_date(meeting),
            created_by=actor, updated_by=actor, created_at=now, updated_at=now)
        record_audit(actor=actor, action="notice.draft", obj=meeting, details={"due": notice.due_date.isoformat()})
        return notice, True
    _require_status(notice, ConclusionNotice.Status.DRAFT)
    if not regenerate:
        raise ConflictError("notice_exists", _("The notice already exists. Open it to edit, or write it again from "
                                               "the conclusions."))
    _require_version(notice, version)
    notice.body = body
    _bump(notice, actor, "body")
    record_audit(actor=actor, action="notice.redraft", obj=meeting, details={"version": notice.version})
    return notice, False


@transaction.atomic(durable=True)
def do_save_notice(meeting: Meeting, *, actor: User, body: str, version: int | None,
                   approver: User | None = None) -> ConclusionNotice:
    """The secretary's edit: the text (sanitized HTML) and, optionally, who approves it."""
    access = _lock(meeting, actor)
    access.require_drafter()
    notice = access.require_notice()
    _require_status(notice, ConclusionNotice.Status.DRAFT)
    _require_version(notice, version)
    clean = sanitize(body if isinstance(body, str) else "")
    if not plain_text(clean):
        raise ActionError("empty", _("The notice cannot be empty."))
    if len(clean) > MAX_BODY:
        raise ActionError("too_long", _("The notice is too long (at most %(n)d characters).") % {"n": MAX_BODY})
    notice.body = clean
    fields = ["body"]
    if approver is not None and approver.pk != notice.approver_id:
        notice.approver = approver
        fields.append("approver")
    _bump(notice, actor, *fields)
    record_audit(actor=actor, action="notice.edit", obj=meeting, details={
        "version": notice.version, "chars": len(clean), "approver": notice.approver_id})
    return notice


@transaction.atomic(durable=True)
def do_submit_notice(meeting: Meeting, *, actor: User, version: int | None) -> ConclusionNotice:
    """Send the saved draft to the approver."""
    access = _lock(meeting, actor)
    access.require_drafter()
    notice = access.require_notice()
    _require_status(notice, ConclusionNotice.Status.DRAFT)
    _require_version(notice, version)
    if notice.approver is None:
        raise ConflictError("no_approver", _("Name who approves the notice first (the chair by default)."))
    if not plain_text(notice.body):
        raise ActionError("empty", _("The notice cannot be empty."))
    notice.status, notice.submitted_at, notice.returned_reason = ConclusionNotice.Status.SUBMITTED, timezone.now(), ""
    _bump(notice, actor, "status", "submitted_at", "returned_reason")
    record_audit(actor=actor, action="notice.submit", obj=meeting, details={"approver": notice.approver_id})
    notify_users([notice.approver], kind="notice.submitted",
                 title=_("Conclusion notice to approve: %(title)s") % {"title": meeting.title},
                 url=notice_url(meeting))
    return notice


@transaction.atomic(durable=True)
def do_approve_notice(meeting: Meeting, *, actor: User, approve: bool = True, reason: str = "") -> ConclusionNotice:
    """The approver approves the submitted notice, or sends it back to the secretary with a reason."""
    access = _lock(meeting, actor)
    notice = access.require_notice()
    access.require_approver()
    _require_status(notice, ConclusionNotice.Status.SUBMITTED)
    reason = " ".join((reason or "").split())
    now = timezone.now()
    drafters = [u for u in (notice.created_by, notice.updated_by) if u.pk != actor.pk]
    if approve:
        notice.status, notice.approved_at = ConclusionNotice.Status.APPROVED, now
        _bump(notice, actor, "status", "approved_at")
        record_audit(actor=actor, action="notice.approve", obj=meeting)
        notify_users([*drafters, *issuers_of(issuing_unit(meeting))], kind="notice.approved", url=notice_url(meeting),
                     title=_("Conclusion notice approved, to issue: %(title)s") % {"title": meeting.title})
        return notice
    if not reason:
        raise ActionError("reason_required", _("Say why the notice goes back to the secretary."))
    if len(reason) > MAX_REASON:
        raise ActionError("too_long", _("The reason is too long."))
    notice.status, notice.returned_reason, notice.submitted_at = ConclusionNotice.Status.DRAFT, reason, None
    _bump(notice, actor, "status", "returned_reason", "submitted_at")
    record_audit(actor=actor, action="notice.send_back", obj=meeting, details={"reason": reason})
    notify_users(drafters, kind="notice.returned", body=reason, url=notice_url(meeting),
                 title=_("Conclusion notice sent back: %(title)s") % {"title": meeting.title})
    return notice


def notice_header(notice: ConclusionNotice, *, number: str = "", when: datetime | None = None) -> NoticeHeader:
    """What the paper's header, title and closing say; before issue without number or date."""
    meeting = notice.meeting
    unit = issuing_unit(meeting)
    approver = notice.approver
    signer_body = (unit.name if unit is not None else "").upper()
    if signer_body.startswith(("ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN")):
        signer_body = "ỦY BAN NHÂN DÂN"
    return NoticeHeader(
        authority=unit.parent.name if unit is not None and unit.parent is not None else "",
        issuer=unit.name if unit is not None else "", number=number,
        notation=f"{RegisterEntry.Kind.NOTICE.value}-{unit_abbreviation(unit)}" if unit is not None else "TB",
        place=place_name(meeting) or "", date=when, summary=str(notice_title(meeting)),
        signer_title=f"TM. {signer_body}" if signer_body else "",
        signer_position=(approver.position.name.upper() if approver is not None and approver.position_id
                         and approver.position else ""),
        signer_name=(approver.full_name or approver.username) if approver is not None else "",
        recipients=recipients(meeting),
    )


def preview_notice_pdf(notice: ConclusionNotice) -> bytes:
    """The notice as it would be issued now, without a number, date or signature (nothing stored)."""
    return render_notice_pdf(notice_header(notice), notice.body)


def preview_notice_html(notice: ConclusionNotice) -> SafeString:
    return render_notice_html(notice_header(notice), notice.body)


def do_issue_notice(meeting: Meeting, *, actor: User) -> ConclusionNotice:
    """The office issues the approved notice: the next number of the unit's register, the PDF
    rendered and sealed with the unit's certificate, stored as a released meeting document;
    participants and the people of the assigned units are told. A failure gives the number back
    (the register line is part of the same transaction) and removes the file."""
    # the guard outside the transaction: the file goes also when the commit itself fails
    with FileGuard() as guard, transaction.atomic(durable=True):
        access = _lock(meeting, actor)
        access.require_issuer()
        notice = access.require_notice()
        _require_status(notice, ConclusionNotice.Status.APPROVED)
        meeting = Meeting.objects.select_related("unit__parent", "created_by__unit__parent").get(pk=access.meeting.pk)
        notice.meeting = meeting
        unit = issuing_unit(meeting)
        if unit is None:
            raise ConflictError("no_unit", _("The meeting belongs to no unit, so there is no register to number the "
                                             "notice in."))
        now = timezone.now()
        title = str(notice_title(meeting))
        entry = issue_number(unit=unit, kind=RegisterEntry.Kind.NOTICE, actor=actor, title=title, at=now)
        data = render_notice_pdf(notice_header(notice, number=entry.number, when=now), notice.body)
        data = sign_as_unit(data, unit=unit, actor=actor, field_name=SIGNATURE_FIELD, meeting=meeting,
                            reason=f"Phát hành Thông báo số {entry.number}")
        filename = f"thong-bao-ket-luan-{entry.seq:02d}-{entry.year}.pdf"
        upload = ContentFile(data, name=filename)
        checked = intake_pdf(upload, name=filename, purpose=Purpose.MINUTES)
        document = Document.objects.create(
            meeting=meeting, title=f"Thông báo số {entry.number}: {title}"[:500], status=Document.Status.RELEASED,
            uploaded_by=actor, reviewed_by=actor, reviewed_at=now,
        )
        version_row = write_version(guard, document, upload, checked, actor=actor, note="notice")
        announce(document, frozenset())
        notice.status, notice.register_entry, notice.document = ConclusionNotice.Status.ISSUED, entry, document
        notice.issued_at, notice.issued_by = now, actor
        _bump(notice, actor, "status", "register_entry", "document", "issued_at", "issued_by")
        record_audit(actor=actor, action="notice.issue", obj=meeting, details={
            "number": entry.number, "document": document.pk, "sha256": version_row.sha256, "pages": version_row.pages,
        })
        publish_meeting(meeting, "notice.issued", notice={
            "number": entry.number, "document": document_summary(document, version_row)})
        notify_users(notice_readers(meeting), kind="notice.issued",
                     title=_("Conclusion notice %(number)s: %(title)s") % {"number": entry.number,
                                                                          "title": meeting.title},
                     url=reverse("signing_notice_pdf", args=[meeting.pk]))
    return notice
