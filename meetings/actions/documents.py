"""Documents of a meeting: adding one (checked before anything is written), versions, approval
before release, confidential readers, withdraw/delete, the delivery audit, folders and types."""

from __future__ import annotations

from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ecabinet.access import is_system_admin
from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, PermissionDeniedError
from ecabinet.inputs import clean_file_name
from ecabinet.intake import OFFICE_EXTENSIONS, CheckedPdf, Purpose, intake_pdf
from ecabinet.models import User
from ecabinet.text import as_one_line, require_one_line
from meetings.access import (
    MeetingAccess,
    document_approvers,
    lock_document,
    lock_meeting,
    may_edit_document,
    may_manage_document_types,
    may_remove_document,
    meeting_access,
    meeting_agenda_item,
    meeting_document,
    meeting_folder,
    require_runner,
    require_upload_target,
    runner_user_ids,
    visibility,
)
from meetings.events import audience_for, emit
from meetings.integration import publish_document_released
from meetings.models import (
    AgendaItem,
    Document,
    DocumentFolder,
    DocumentType,
    DocumentVersion,
    Meeting,
    Participant,
)
from meetings.models.documents import source_upload_path, version_upload_path
from meetings.serializers import serialize_document

RUNNER_ROLE_NAMES = ["chair", "secretary"]


# ---- files ------------------------------------------------------------------------------

class FileGuard:
    """Deletes the files written inside a transaction when that transaction does not commit.

    Django has no on-rollback hook: the action writes its file last-but-audit inside
    `with FileGuard() as guard, transaction.atomic():`, and the guard removes what it wrote if
    anything raised, including the commit itself.
    """

    def __init__(self) -> None:
        self.names: list[str] = []

    def __enter__(self) -> FileGuard:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            for name in self.names:
                try:
                    default_storage.delete(name)
                except OSError:
                    pass

    def save(self, name: str, content: IO[bytes] | File) -> str:
        # Storage.save never overwrites: an existing name gets a new suffix.
        content.seek(0)
        saved = default_storage.save(name, content)
        self.names.append(saved)
        return saved


def write_version(guard: FileGuard, document: Document, upload: IO[bytes] | UploadedFile | None,
                  checked: CheckedPdf, *, actor: User, note: str = "") -> DocumentVersion:
    """Store the checked file as the document's next version (inside the caller's transaction)."""
    if upload is None:  # the intake refuses a missing file first; reaching here without one is a bug
        raise ValueError("write_version needs the file the intake checked")
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion(
        document=document, number=number, sha256=checked.sha256, size=checked.size, pages=checked.pages,
        original_name=clean_file_name(getattr(upload, "name", "")), note=note[:255], created_by=actor,
    )
    version.file.name = guard.save(version_upload_path(version, ""), checked.pdf_file(upload))
    source = checked.source
    if source is not None:
        # An office document converted by the intake: the PDF above is what is read and signed,
        # the uploaded file is kept beside it as it came.
        version.source_name = clean_file_name(source.name)
        version.source_type = source.extension.lstrip(".")
        version.source_sha256 = source.sha256
        version.source_file.name = guard.save(source_upload_path(version, ""), upload)
    version.save()
    return version


# ---- live events ------------------------------------------------------------------------

def _audience(seen_by: frozenset[int] | None) -> dict | None:
    return None if seen_by is None else audience_for(roles=RUNNER_ROLE_NAMES, users=list(seen_by))


def announce(document: Document, before: frozenset[int] | None, *, removed: bool = False,
             new_version: bool = False) -> None:
    """Emit document.removed to those who lose sight of it, then document.upserted to those who
    see it (who sees what: `meetings.access.visibility`); the province's webhooks hear of a
    document every participant may now read (meetings/integration.py)."""
    meeting = document.meeting
    if meeting is None:
        return
    if not removed:
        publish_document_released(document, before, new_version=new_version)
    after = None if removed else visibility(document)
    if removed:
        emit(meeting, "document.removed", {"id": document.pk}, audience=_audience(before))
        return
    if before is None and after is not None:
        emit(meeting, "document.removed", {"id": document.pk}, audience=None)
    elif before is not None and after is not None:
        lost = set(before) - set(after) - runner_user_ids(meeting)
        if lost:
            emit(meeting, "document.removed", {"id": document.pk}, audience=audience_for(users=list(lost)))
    emit(meeting, "document.upserted", {"document": serialize_document(document)}, audience=_audience(after))


# ---- upload and versions ----------------------------------------------------------------

def _check_open(meeting: Meeting) -> None:
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.ENDED):
        raise ConflictError("meeting_closed", _("The meeting has ended or was cancelled."))


def _placement(meeting: Meeting, item: AgendaItem | None,
               folder: DocumentFolder | None) -> tuple[AgendaItem | None, DocumentFolder | None]:
    """The item and folder read again as they are now (who presents an item decides who may
    upload to it); one of another meeting is refused, as when the caller resolved it."""
    return (meeting_agenda_item(meeting, item.pk if item is not None else None),
            meeting_folder(meeting, folder.pk if folder is not None else None))


def _check_upload(access: MeetingAccess, actor: User, item: AgendaItem | None,
                  folder: DocumentFolder | None) -> tuple[AgendaItem | None, DocumentFolder | None]:
    _check_open(access.meeting)
    item, folder = _placement(access.meeting, item, folder)
    require_upload_target(access, actor, item)
    return item, folder


def do_add_meeting_document(
    meeting: Meeting, *, actor: User, upload: UploadedFile | None, title: str = "",
    agenda_item: AgendaItem | None = None, folder: DocumentFolder | None = None,
    doc_type: DocumentType | None = None, confidential: bool = False,
) -> Document:
    """Add a PDF to a meeting: released at once when a runner adds it, else pending approval.

    Who may add, and where, is settled before the (slow) PDF check, which runs outside any
    transaction so no lock is held while a child process reads the file; the change itself is
    one durable block that checks again under the meeting's lock."""
    _check_upload(meeting_access(actor, meeting.pk), actor, agenda_item, folder)
    # Validate before anything is written: a refused file leaves no row and no file.
    require_one_line(title)
    checked = intake_pdf(upload, name=getattr(upload, "name", ""), purpose=Purpose.MEETING_DOCUMENT)
    title = (title or "").strip() or _title_from_name(getattr(upload, "name", ""))
    # the guard outside the transaction: the file goes also when the commit itself fails
    with FileGuard() as guard, transaction.atomic(durable=True):
        access = lock_meeting(meeting, actor=actor)
        agenda_item, folder = _check_upload(access, actor, agenda_item, folder)
        meeting = access.meeting
        document = Document.objects.create(
            meeting=meeting, agenda_item=agenda_item, folder=folder, doc_type=doc_type, title=title[:500],
            confidential=bool(confidential), uploaded_by=actor,
            status=Document.Status.RELEASED if access.runs_meeting else Document.Status.PENDING,
        )
        version = write_version(guard, document, upload, checked, actor=actor)
        record_audit(actor=actor, action="document.upload", obj=document, details={
            "meeting": meeting.pk, "version": version.number, "sha256": version.sha256,
            "pages": version.pages, "size": version.size, "status": document.status,
        })
        announce(document, frozenset())
        if document.status == Document.Status.PENDING:
            notify_users(
                [u for u in document_approvers(meeting) if u.pk != actor.pk], kind="document.pending",
                title=_("A document awaits your approval: %(title)s") % {"title": document.title},
                url=reverse("meeting_documents", args=[meeting.pk]),
            )
    return document


def _title_from_name(name: str) -> str:
    base = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem, dot, extension = base.rpartition(".")
    if dot and stem and (f".{extension.lower()}" == ".pdf" or f".{extension.lower()}" in OFFICE_EXTENSIONS):
        base = stem
    return as_one_line(base) or _("Document")


def _check_replace(access: MeetingAccess, document: Document, actor: User) -> None:
    _check_open(access.meeting)
    if not may_edit_document(access, document, actor):
        raise PermissionDeniedError(_("Only the meeting's secretary or the uploader may replace this document."))
    if document.status == Document.Status.WITHDRAWN:
        raise ConflictError("withdrawn", _("This document was withdrawn."))


def do_replace_document(document: Document, *, actor: User, upload: UploadedFile | None,
                        note: str = "") -> DocumentVersion:
    """A new version of a meeting document (the old ones stay). Checked before and again under
    the lock, the PDF check in between, as for `do_add_meeting_document`."""
    access, _document = meeting_document(actor, document.pk)
    _check_replace(access, document, actor)
    checked = intake_pdf(upload, name=getattr(upload, "name", ""), purpose=Purpose.DOCUMENT_VERSION)
    with FileGuard() as guard, transaction.atomic(durable=True):
        access, document = lock_document(document, actor=actor)
        _check_replace(access, document, actor)
        before = visibility(document)
        version = write_version(guard, document, upload, checked, actor=actor, note=note)
        if access.runs_meeting:
            document.status = Document.Status.RELEASED
        else:
            # A preparing unit's new version goes back through approval.
            document.status = Document.Status.PENDING
        document.return_reason = ""
        document.save(update_fields=["status", "return_reason"])
        record_audit(actor=actor, action="document.replace", obj=document, details={
            "version": version.number, "sha256": version.sha256, "pages": version.pages,
        })
        announce(document, before, new_version=True)
    return version


@transaction.atomic(durable=True)
def do_review_document(document: Document, *, actor: User, approve: bool, reason: str = "") -> Document:
    access, document = lock_document(document, actor=actor)
    require_runner(access)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ActionError("reason_required", _("Give a reason for sending the document back."))
    if document.status != Document.Status.PENDING:
        raise ConflictError("not_pending", _("This document is not awaiting approval."),
                            extra={"current_status": document.status})
    before = visibility(document)
    document.status = Document.Status.RELEASED if approve else Document.Status.RETURNED
    document.return_reason = "" if approve else reason
    document.reviewed_by = actor
    document.reviewed_at = timezone.now()
    document.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at"])
    record_audit(actor=actor, action="document.approve" if approve else "document.return",
                 obj=document, details={"reason": reason})
    announce(document, before)
    if document.uploaded_by_id != actor.pk:
        title = (_("Your document was approved: %(title)s") if approve
                 else _("Your document was sent back: %(title)s")) % {"title": document.title}
        notify_users([document.uploaded_by], kind="document.reviewed", title=title, body=reason,
                     url=reverse("meeting_documents", args=[document.meeting_id]))
    return document


@transaction.atomic(durable=True)
def do_set_readers(document: Document, *, actor: User, usernames: list[str],
                   confidential: bool | None = None) -> Document:
    access, document = lock_document(document, actor=actor)
    require_runner(access)
    names = sorted({u.strip() for u in usernames if u and u.strip()})
    users = list(User.objects.filter(username__in=names, is_active=True))
    missing = sorted(set(names) - {u.username for u in users})
    if missing:
        raise ActionError("unknown_users", _("Unknown users: %(names)s") % {"names": ", ".join(missing)})
    invited = set(Participant.objects.filter(meeting=access.meeting).values_list("user_id", flat=True))
    outside = sorted(u.username for u in users if u.pk not in invited)
    if outside:
        raise ActionError("not_participants",
                          _("Readers must take part in the meeting: %(names)s") % {"names": ", ".join(outside)})
    before = visibility(document)
    if confidential is not None:
        document.confidential = bool(confidential)
        document.save(update_fields=["confidential"])
    document.readers.set(users)
    record_audit(actor=actor, action="document.readers", obj=document, details={
        "readers": names, "confidential": document.confidential,
    })
    announce(document, before)
    return document


def withdraw_document(document: Document, *, actor: User) -> Document:
    """Withdraw inside the caller's transaction, without a permission check: for an action that
    withdraws a document as part of its own change (reopening frozen minutes). Files, versions
    and signatures stay; its readers see it go."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status == Document.Status.WITHDRAWN:
        return document
    before = visibility(document)
    document.status = Document.Status.WITHDRAWN
    document.save(update_fields=["status"])
    record_audit(actor=actor, action="document.withdraw", obj=document)
    announce(document, before)
    return document


@transaction.atomic(durable=True)
def do_withdraw_document(document: Document, *, actor: User) -> Document:
    access, document = lock_document(document, actor=actor)
    if not may_remove_document(access, document, actor):
        raise PermissionDeniedError(_("Only the meeting's secretary may withdraw a released document."))
    return withdraw_document(document, actor=actor)


def _referenced_elsewhere(document: Document) -> bool:
    """True when anything besides its own versions, readers and notes points at the document."""
    own = {("meetings", "documentversion"), ("meetings", "personalnote")}
    for model, instance in ((Document, document), *[(DocumentVersion, v) for v in document.versions.all()]):
        for rel in model._meta.related_objects:
            related = rel.related_model
            if isinstance(related, str):  # a lazy "self" reference: resolved by the time this runs
                related = model
            key = (related._meta.app_label, related._meta.model_name)
            if key in own or rel.many_to_many:
                continue
            if related._default_manager.filter(**{rel.field.name: instance}).exists():
                return True
    return False


@transaction.atomic(durable=True)
def do_delete_document(document: Document, *, actor: User) -> None:
    access, document = lock_document(document, actor=actor)
    if not may_remove_document(access, document, actor):
        raise PermissionDeniedError(_("Only the meeting's secretary may delete a released document."))
    if _referenced_elsewhere(document):
        raise ConflictError("referenced", _("This document is referenced (signed or used elsewhere); "
                                            "withdraw it instead of deleting it."))
    before = visibility(document)
    names = list(document.versions.values_list("file", flat=True))
    record_audit(actor=actor, action="document.delete", obj=document, details={
        "title": document.title, "files": names,
    })
    announce(document, before, removed=True)
    document_id = document.pk
    document.delete()

    def remove_files() -> None:
        for name in names:
            if not DocumentVersion.objects.filter(file=name).exclude(document_id=document_id).exists():
                default_storage.delete(name)

    transaction.on_commit(remove_files, robust=True)


@transaction.atomic(durable=True)
def do_record_delivery(obj: Model, *, actor: User, action: str, details: dict[str, Any]) -> None:
    """The audit row of one PDF sent to someone (meetings/delivery.py is the only caller): a stored
    document's version or attachment, or a generated report or preview. An action because it
    writes a row; the caller resolved `obj` through the reading rule, which is the permission."""
    # Reading is on no one's to-do: the reader's menu counts stay kept (ecabinet/menu_counts.py).
    record_audit(actor=actor, action=action, obj=obj, details=details, read_only=True)


# ---- folders and the document-type catalog ----------------------------------------------

@transaction.atomic(durable=True)
def do_create_folder(meeting: Meeting, *, actor: User, name: str) -> DocumentFolder:
    access = lock_meeting(meeting, actor=actor)
    require_runner(access)
    name = (name or "").strip()
    if not name:
        raise ActionError("name_required", _("Give the folder a name."))
    if DocumentFolder.objects.filter(meeting=access.meeting, name=name).exists():
        raise ConflictError("duplicate", _("A folder with this name already exists."))
    position = DocumentFolder.objects.filter(meeting=access.meeting).count()
    folder = DocumentFolder.objects.create(meeting=access.meeting, name=name[:255], position=position)
    record_audit(actor=actor, action="document_folder.create", obj=folder, details={"name": name})
    return folder


@transaction.atomic(durable=True)
def do_move_document(document: Document, *, actor: User, folder: DocumentFolder | None = None,
                     doc_type: DocumentType | None = None, agenda_item: AgendaItem | None = None,
                     title: str | None = None) -> Document:
    """Rename, file under a folder or an agenda item, set the type (None: left as it is)."""
    access, document = lock_document(document, actor=actor)
    require_runner(access)
    agenda_item, folder = _placement(access.meeting, agenda_item, folder)
    before = visibility(document)
    if folder is not None:
        document.folder = folder
    if doc_type is not None:
        document.doc_type = doc_type
    if agenda_item is not None:
        document.agenda_item = agenda_item
    if title is not None and title.strip():
        require_one_line(title)
        document.title = title.strip()[:500]
    document.save()
    record_audit(actor=actor, action="document.update", obj=document, details={
        "folder": document.folder_id, "doc_type": document.doc_type_id, "agenda_item": document.agenda_item_id,
    })
    announce(document, before)
    return document


@transaction.atomic(durable=True)
def do_create_document_type(*, actor: User, name: str, code: str) -> DocumentType:
    if not may_manage_document_types(actor):
        raise PermissionDeniedError(_("Only administrators may change the document types."))
    name, code = (name or "").strip(), (code or "").strip().lower()
    if not name or not code:
        raise ActionError("bad_request", _("Give a name and a code."))
    if slugify(code) != code:
        raise ActionError("bad_code", _("The code may contain only letters, digits and hyphens."))
    if DocumentType.objects.filter(code=code).exists():
        raise ConflictError("duplicate", _("A document type with this code already exists."))
    unit = None if is_system_admin(actor) else actor.unit
    doc_type = DocumentType.objects.create(name=name[:255], code=code, unit=unit)
    record_audit(actor=actor, action="document_type.create", obj=doc_type, details={"code": code})
    return doc_type
