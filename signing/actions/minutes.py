"""The minutes of an ended meeting: generate the draft from the live record, edit it (optimistic
version check), freeze it into a signed-to-be PDF meeting document with a sequential signing
request secretary -> chair.

Only those running the meeting (meetings.access: chair, secretary, creator, unit admin, system
admin) touch the minutes; other participants get 403, outsiders 404 (no title leaked).
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, NotFoundError
from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import User
from ecabinet.richtext import plain_text, sanitize
from meetings.access import visibility
from meetings.actions.documents import FileGuard, announce, write_version
from meetings.models import Document, Meeting
from signing.access import lock_minutes_meeting
from signing.actions.requests import create_request
from signing.minutes import build_minutes_text, place_name, signatories
from signing.minutes_pdf import MinutesHeader, render_minutes_html, render_minutes_pdf, text_to_html
from signing.models import Minutes, SigningRequest

MAX_TEXT = 200_000
MAX_NUMBER = 32


def get_minutes(meeting: Meeting) -> Minutes:
    """The minutes of `meeting` (resolved through ``signing.access.minutes_access``); 404 before
    they are written."""
    minutes = Minutes.objects.filter(meeting=meeting).select_related(
        "document", "signing_request", "updated_by").first()
    if minutes is None:
        raise NotFoundError(_("The minutes have not been written yet."), code="no_minutes")
    return minutes


def _locked(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.select_for_update(of=("self",)).filter(meeting=meeting).first()


def _require_draft(minutes: Minutes) -> None:
    if minutes.is_frozen:
        raise ConflictError("frozen", _("The minutes are frozen and sent for signature; they can no longer "
                                        "be changed."))


def _require_version(minutes: Minutes, version: int | None) -> None:
    if version is None:
        raise ActionError("version_required", _("Say which version of the minutes you edited."))
    if version != minutes.version:
        raise ConflictError("stale", _("Someone else changed the minutes in the meantime (now version "
                                       "%(version)d). Reload them and apply your changes again.")
                            % {"version": minutes.version}, extra={"version": minutes.version})


@transaction.atomic(durable=True)
def do_generate_minutes(meeting: Meeting, *, actor: User, regenerate: bool = False,
                        version: int | None = None) -> tuple[Minutes, bool]:
    """Write the draft from the live record. Returns (minutes, created).

    A second generation replaces the text only when asked (`regenerate`) and only over the
    version the caller saw: edits made since are never silently thrown away."""
    meeting = lock_minutes_meeting(meeting, actor=actor).meeting
    minutes = _locked(meeting)
    text = build_minutes_text(meeting)
    now = timezone.now()
    if minutes is None:
        minutes = Minutes.objects.create(meeting=meeting, text=text, created_by=actor, updated_by=actor,
                                         created_at=now, updated_at=now)
        record_audit(actor=actor, action="minutes.generate", obj=meeting, details={"version": 1})
        return minutes, True
    _require_draft(minutes)
    if not regenerate:
        raise ConflictError("minutes_exist", _("The minutes already exist. Open them to edit, or generate "
                                               "them again from the record."))
    _require_version(minutes, version)
    minutes.text, minutes.version, minutes.updated_by, minutes.updated_at = text, minutes.version + 1, actor, now
    minutes.save(update_fields=["text", "version", "updated_by", "updated_at"])
    record_audit(actor=actor, action="minutes.regenerate", obj=meeting, details={"version": minutes.version})
    return minutes, False


def _clean_text(text: str | None) -> str:
    """The editor's HTML, sanitized to the richtext subset (older plain text with "## "/"- "
    marks becomes the same HTML first); refused when empty or too long."""
    if not isinstance(text, str):
        raise ActionError("bad_request", _("The text of the minutes is missing."))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if len(text) > MAX_TEXT:
        raise ActionError("too_long", _("The minutes are too long (at most %(n)d characters).") % {"n": MAX_TEXT})
    html = sanitize(text_to_html(text))
    if not plain_text(html).strip():
        raise ActionError("empty", _("The minutes cannot be empty."))
    if len(html) > MAX_TEXT:
        raise ActionError("too_long", _("The minutes are too long (at most %(n)d characters).") % {"n": MAX_TEXT})
    return html


@transaction.atomic(durable=True)
def do_save_minutes(meeting: Meeting, *, actor: User, text: str, version: int | None,
                    number: str | None = None) -> Minutes:
    """The secretary's edit of the draft; refused (409) over a version that is no longer current."""
    access = lock_minutes_meeting(meeting, actor=actor)
    minutes = _locked(access.meeting)
    if minutes is None:
        raise NotFoundError(_("The minutes have not been written yet."), code="no_minutes")
    _require_draft(minutes)
    _require_version(minutes, version)
    text = _clean_text(text)
    fields = ["text", "version", "updated_by", "updated_at"]
    if number is not None:
        number = " ".join(str(number).split())
        if len(number) > MAX_NUMBER:
            raise ActionError("bad_number", _("The number of the minutes is too long."))
        minutes.number = number
        fields.append("number")
    minutes.text, minutes.version = text, minutes.version + 1
    minutes.updated_by, minutes.updated_at = actor, timezone.now()
    minutes.save(update_fields=fields)
    record_audit(actor=actor, action="minutes.edit", obj=access.meeting,
                 details={"version": minutes.version, "chars": len(text)})
    return minutes


def minutes_header(meeting: Meeting, minutes: Minutes, *, secretary: User | None, chair: User | None) -> MinutesHeader:
    unit = meeting.unit or meeting.created_by.unit
    if unit is not None and unit.parent is not None:
        authority, body = unit.parent.name, unit.name
    else:
        # "Ủy ban nhân dân tỉnh An Phước" is written "ỦY BAN NHÂN DÂN" over "TỈNH AN PHƯỚC"
        authority, body = "Ủy ban nhân dân", unit.name if unit is not None else "tỉnh …"
        if body.lower().startswith("ủy ban nhân dân") or body.lower().startswith("uỷ ban nhân dân"):
            body = body[len("ủy ban nhân dân"):].strip()
    return MinutesHeader(
        authority=authority, unit=body, number=minutes.number, place=place_name(meeting) or meeting.location,
        date=meeting.started_at or meeting.starts_at, meeting_title=meeting.title,
        secretary=(secretary.full_name or secretary.username) if secretary else "",
        chair=(chair.full_name or chair.username) if chair else "",
    )


def preview_pdf(minutes: Minutes, *, actor: User) -> bytes:
    """The draft as it would be frozen now (nothing stored)."""
    meeting = Meeting.objects.select_related("unit__parent", "created_by__unit__parent").get(pk=minutes.meeting_id)
    who = signatories(meeting, actor)
    return render_minutes_pdf(minutes_header(meeting, minutes, secretary=who.secretary, chair=who.chair),
                              minutes.text)


def preview_html(minutes: Minutes, *, actor: User) -> str:
    """The draft as the paper it becomes, in HTML for the page (same layout and font as the PDF)."""
    meeting = Meeting.objects.select_related("unit__parent", "created_by__unit__parent").get(pk=minutes.meeting_id)
    who = signatories(meeting, actor)
    return render_minutes_html(minutes_header(meeting, minutes, secretary=who.secretary, chair=who.chair),
                               minutes.text)


def do_freeze_minutes(meeting: Meeting, *, actor: User, version: int | None = None) -> Minutes:
    """Render the text to PDF, store it as a released meeting document (v1) and ask the secretary,
    then the chair, to sign it. The PDF file is removed again if anything after it fails."""
    # the guard outside the transaction: the file goes also when the commit itself fails
    with FileGuard() as guard, transaction.atomic(durable=True):
        access = lock_minutes_meeting(meeting, actor=actor)
        meeting = Meeting.objects.select_related("unit__parent", "created_by__unit__parent").get(pk=access.meeting.pk)
        minutes = _locked(meeting)
        if minutes is None:
            raise NotFoundError(_("The minutes have not been written yet."), code="no_minutes")
        _require_draft(minutes)
        if version is not None:
            _require_version(minutes, version)
        if not minutes.text.strip():
            raise ActionError("empty", _("The minutes cannot be empty."))
        who = signatories(meeting, actor)
        secretary, chair = who.secretary, who.chair
        if chair is None:
            raise ConflictError("no_chair", _("The meeting has no chair to sign the minutes. Add the chair "
                                              "to the participants first."))
        if secretary is None:
            raise ConflictError("no_secretary", _("The meeting has no secretary to sign the minutes."))
        data = render_minutes_pdf(minutes_header(meeting, minutes, secretary=secretary, chair=chair),
                                  minutes.text)
        filename = f"bien-ban-{meeting.pk}.pdf"
        upload = ContentFile(data, name=filename)
        checked = intake_pdf(upload, name=filename, purpose=Purpose.MINUTES)
        document = Document.objects.create(
            meeting=meeting, title=f"Biên bản {meeting.title}"[:500], status=Document.Status.RELEASED,
            uploaded_by=actor, reviewed_by=actor, reviewed_at=timezone.now(),
        )
        version_row = write_version(guard, document, upload, checked, actor=actor, note="minutes")
        announce(document, frozenset())
        signers: list[str | User] = [secretary] if secretary.pk == chair.pk else [secretary, chair]
        signing_request = create_request(
            document, actor=actor, signers=signers, sequential=True,
            message=_("Minutes of the meeting “%(title)s”.") % {"title": meeting.title},
        )
        now = timezone.now()
        minutes.status, minutes.document, minutes.signing_request = Minutes.Status.FROZEN, document, signing_request
        minutes.frozen_at, minutes.updated_by, minutes.updated_at = now, actor, now
        minutes.save(update_fields=["status", "document", "signing_request", "frozen_at", "updated_by",
                                    "updated_at"])
        record_audit(actor=actor, action="minutes.freeze", obj=meeting, details={
            "version": minutes.version, "document": document.pk, "sha256": version_row.sha256,
            "pages": version_row.pages, "request": signing_request.pk, "signers": [secretary.username] if len(signers) == 1 else [secretary.username, chair.username],
        })
    return minutes


def _withdraw(document: Document, *, actor: User) -> None:
    """Withdraw the frozen PDF inside the reopening's transaction (the meetings app's
    ``do_withdraw_document`` is an entry point of its own, with its own transaction). Its files,
    versions and signatures stay; its readers see it go."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status == Document.Status.WITHDRAWN:
        return
    before = visibility(document)
    document.status = Document.Status.WITHDRAWN
    document.save(update_fields=["status"])
    record_audit(actor=actor, action="document.withdraw", obj=document)
    announce(document, before)


REOPENABLE = (SigningRequest.Status.DECLINED, SigningRequest.Status.CANCELLED)


def withdrawn_minutes_documents(meeting: Meeting):
    """Earlier frozen minutes of `meeting` that were withdrawn on reopening (newest first)."""
    return (Document.objects.filter(meeting=meeting, status=Document.Status.WITHDRAWN,
                                    versions__number=1, versions__note="minutes")
            .order_by("-pk").distinct())


@transaction.atomic(durable=True)
def do_reopen_minutes(meeting: Meeting, *, actor: User) -> Minutes:
    """Unstick frozen minutes whose signing request was declined or cancelled: the frozen
    document is withdrawn (its files and versions stay, as does the closed request), the
    minutes become a draft again with their text, and a later freeze makes a new document
    and a new request. Refused (409) while the request is open or once it is completed."""
    access = lock_minutes_meeting(meeting, actor=actor)
    minutes = _locked(access.meeting)
    if minutes is None:
        raise NotFoundError(_("The minutes have not been written yet."), code="no_minutes")
    if not minutes.is_frozen:
        raise ConflictError("not_frozen", _("The minutes are still a draft; there is nothing to reopen."))
    signing_request = (SigningRequest.objects.select_for_update().filter(pk=minutes.signing_request_id).first()
                       if minutes.signing_request_id else None)
    # also a request made afterwards on the same PDF from its document page: open or completed,
    # the PDF is not stuck and must not be withdrawn under its signers
    others_active = minutes.document_id is not None and SigningRequest.objects.filter(
        document_id=minutes.document_id).exclude(status__in=REOPENABLE).exists()
    if (signing_request is not None and signing_request.status not in REOPENABLE) or others_active:
        raise ConflictError("request_not_closed", _(
            "The minutes can be reopened only after a signer has declined them or the signing request "
            "was cancelled."))
    document = minutes.document
    if document is not None:
        _withdraw(document, actor=actor)
    now = timezone.now()
    minutes.status, minutes.document, minutes.signing_request, minutes.frozen_at = Minutes.Status.DRAFT, None, None, None
    # a new version: a form opened before the freeze must not save over the reopened draft
    minutes.version, minutes.updated_by, minutes.updated_at = minutes.version + 1, actor, now
    minutes.save(update_fields=["status", "document", "signing_request", "frozen_at", "version", "updated_by",
                                "updated_at"])
    record_audit(actor=actor, action="minutes.reopen", obj=access.meeting, details={
        "version": minutes.version, "withdrawn_document": document.pk if document else None,
        "request": signing_request.pk if signing_request else None,
        "request_status": signing_request.status if signing_request else None,
    })
    return minutes
