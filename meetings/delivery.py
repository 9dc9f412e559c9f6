"""One delivery path for every HTTP response that carries PDF bytes, pages and API alike.

- ``deliver_document``: a stored version of a document (meeting documents, minutes, personal
  signing documents, opinion drafts, attachments and signed answers), any version.
- ``deliver_attachment``: a conclusion attachment stored with a meeting.
- ``deliver_task_attachment``: a file attached to a follow-up task's progress report.
- ``deliver_generated_pdf``: a PDF built on request (attendance list, opinion report, minutes
  preview); nothing stored, so nothing to watermark or to keep intact.
- ``deliver_archive``: an export built for this request (a meeting's dossier ZIP), whose
  action wrote its audit row (``meeting.dossier_export`` with the ZIP's SHA-256), as a download.
- ``deliver_source``: the office document (.docx, .odt, ...) a version's PDF was converted from,
  to everyone who may read the document, as uploaded (it cannot be stamped), always as a download.

Each one writes the audit row, and sets the headers every PDF response has: ``Cache-Control:
no-store, private`` and ``Pragma: no-cache`` (no proxy or browser cache keeps a copy),
``X-Content-Type-Options: nosniff``, ``Content-Disposition`` with a safe file name (RFC 5987 for
Vietnamese names) and ``X-Ecabinet-Delivery: original|watermarked|generated``, which the URL
walk in tests/signing/test_delivery_urls.py checks on every URL of the project that returns a PDF.

Who gets the exact stored bytes is decided in meetings/access.py (``may_receive_original``);
everyone else gets a copy stamped with their name. A stamp rewrites the file, so it breaks every
signature in it: a stamped copy of a signed version says so on every page, names the SHA-256 of
the signed original and where the system verifies it, and carries ``X-Signed-Original-SHA256``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import unicodedata
from functools import lru_cache
from typing import IO, TypeVar

from django.conf import settings
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from ecabinet.clientip import client_ip
from ecabinet.errors import ConflictError, NotFoundError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import whole_number
from ecabinet.models import User
from ecabinet.office import SOURCE_TYPES
from meetings.access import (
    MeetingAccess,
    TaskAccess,
    may_receive_original,
    may_receive_original_attachment,
    may_receive_original_task_file,
)
from meetings.actions.documents import do_record_delivery
from meetings.models import ConclusionAttachment, Document, DocumentVersion, TaskAttachment
from meetings.watermark import watermark_pdf

logger = logging.getLogger(__name__)
_Response = TypeVar("_Response", bound=HttpResponseBase)

DELIVERY_HEADER = "X-Ecabinet-Delivery"
SIGNED_ORIGINAL_HEADER = "X-Signed-Original-SHA256"
ORIGINAL, WATERMARKED, GENERATED, SOURCE = "original", "watermarked", "generated", "source"
ARCHIVE = "archive"
# Version numbers are database integers: a larger one cannot exist (and must not reach the query).
MAX_VERSION_NUMBER = 2**31 - 1
_FILENAME_FORBIDDEN = set('\\/:*?"<>|;')
_MAX_SIG_FIELD_NODES = 2000


# ---- the public functions -----------------------------------------------------------------

def deliver_document(request: AuthenticatedHttpRequest, document: Document, version: int | None = None, *,
                     inline: bool, filename: str | None = None) -> FileResponse:
    """Send version `version` (default: the latest) of `document`, which the caller has already
    looked up through the access rules for ``request.user``.

    The exact stored bytes go to those ``meetings.access.may_receive_original`` names: system
    administrators, the uploader, everyone asked to sign the document, those running its meeting
    (chair, secretary, creator, unit administrator) and the managers of its written-opinion round.
    Every other reader gets a copy watermarked with their name, unit and the time; a copy of a
    signed version also says that its signatures no longer verify, that the signed original is
    verified by the system at /verify/, and gives the original's SHA-256. Either way one
    ``document.download`` audit row records the version, its SHA-256, the SHA-256 of the bytes
    sent and whether they were watermarked. NotFoundError for a version that does not exist,
    ConflictError when the stored file no longer matches its recorded SHA-256."""
    row = resolve_version(document, version)
    name = filename or safe_filename(document.title, f"-v{row.number}.pdf")
    return _deliver_stored(
        request, field=row.file, sha256=row.sha256, original=may_receive_original(request.user, document),
        filename=name, inline=inline, obj=document, action="document.download",
        details={"version": row.number},
    )


def deliver_attachment(request: AuthenticatedHttpRequest, access: MeetingAccess, attachment: ConclusionAttachment,
                       *, inline: bool = False) -> FileResponse:
    """A conclusion attachment, by the same rule as a document (its uploader and the meeting's
    runners get the stored bytes, other participants a watermarked copy); audited as
    ``conclusion_attachment.download``."""
    return _deliver_stored(
        request, field=attachment.file, sha256=attachment.sha256,
        original=may_receive_original_attachment(access, attachment),
        filename=safe_filename(attachment.title.removesuffix(".pdf"), ".pdf"), inline=inline, obj=attachment,
        action="conclusion_attachment.download", details={"meeting": access.meeting.pk},
    )


# --- follow-up tasks ---
def deliver_task_attachment(request: AuthenticatedHttpRequest, access: TaskAccess, attachment: TaskAttachment,
                            *, inline: bool = False) -> FileResponse:
    """A progress report's attachment, for a reader of its task (``meetings.access.task_access``):
    its author and the issuing office get the stored bytes, the task's other readers a watermarked
    copy; audited as ``task_attachment.download``."""
    return _deliver_stored(
        request, field=attachment.file, sha256=attachment.sha256,
        original=may_receive_original_task_file(access, attachment),
        filename=safe_filename(attachment.title.removesuffix(".pdf"), ".pdf"), inline=inline, obj=attachment,
        action="task_attachment.download", details={"task": access.task.pk},
    )
# --- end follow-up tasks ---


def deliver_generated_pdf(request: AuthenticatedHttpRequest, data: bytes, *, filename: str, obj: Model, action: str,
                          inline: bool = False, details: dict | None = None) -> HttpResponse:
    """A PDF made for this request (a report or a preview): the same headers as a document, and
    one audit row `action` on `obj` with the SHA-256 and size of what was sent."""
    do_record_delivery(obj, actor=request.user, action=action, details={
        **(details or {}), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "inline": inline,
        "delivery": GENERATED, "path": request.path, "ip": client_ip(request),
    })
    return _pdf_response(HttpResponse(data, content_type="application/pdf"), filename=filename, inline=inline,
                         mode=GENERATED)


def deliver_source(request: AuthenticatedHttpRequest, document: Document, version: int | None = None) -> FileResponse:
    """The office document version `version` (default: the latest) was converted from, for a
    reader the caller resolved through the access rules. NotFoundError when that version has no
    source (it was uploaded as PDF, or made by a signature); ConflictError when the stored file
    no longer matches its SHA-256. Audited as ``document.source_download``."""
    row = resolve_version(document, version)
    if not row.source_file or not row.source_sha256:
        raise NotFoundError(_("This version was not converted from an office document."))
    data = _read_checked(row.source_file, row.source_sha256)
    do_record_delivery(document, actor=request.user, action="document.source_download", details={
        "version": row.number, "sha256": row.source_sha256, "type": row.source_type, "size": len(data),
        "delivery": SOURCE, "path": request.path, "ip": client_ip(request),
    })
    content_type = SOURCE_TYPES.get(f".{row.source_type}", "application/octet-stream")
    filename = safe_filename(document.title, f"-v{row.number}.{row.source_type}")
    return _pdf_response(FileResponse(io.BytesIO(data), content_type=content_type), filename=filename,
                         inline=False, mode=SOURCE)


def deliver_archive(request: AuthenticatedHttpRequest, file: IO[bytes], *, filename: str, size: int,
                    sha256: str) -> FileResponse:
    """A ZIP the caller's action built and audited (signing's ``do_export_dossier``): streamed
    from its spooled file (closed when sent), never cached, with its SHA-256 in
    ``X-Content-SHA256`` so the receiver can check what arrived."""
    response = FileResponse(file, content_type="application/zip")
    response["Content-Length"] = str(size)
    response["X-Content-SHA256"] = sha256
    return _pdf_response(response, filename=filename, inline=False, mode=ARCHIVE)


def resolve_version(document: Document, number: int | None) -> DocumentVersion:
    """The version `number` of `document` (the latest when None), or NotFoundError."""
    versions = document.versions.all()
    if number is None:
        row = versions.order_by("-number").first()
    elif 1 <= number <= MAX_VERSION_NUMBER:
        row = versions.filter(number=number).first()
    else:
        row = None
    if row is None:
        raise NotFoundError(_("This version does not exist."))
    return row


def parse_version(value: str | None) -> int | None:
    """`?version=` of a page: empty means the latest; anything but a whole number is a 404."""
    value = (value or "").strip()
    if not value:
        return None
    number = whole_number(value, max_digits=10)
    if number is None:
        raise NotFoundError(_("This version does not exist."))
    return number


def copy_notice(user: User, document: Document, version: DocumentVersion | None) -> dict | None:
    """What a document page tells a reader who receives a watermarked copy of a signed version
    (None for those who get the original, or when the version carries no signature)."""
    if version is None or may_receive_original(user, document) or not version_is_signed(version):
        return None
    return {"sha256": version.sha256, "verify_url": verify_url()}


def verify_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("signing_verify")


def safe_filename(title: str, suffix: str) -> str:
    """A download name from a title: Vietnamese letters kept (sent as RFC 5987 ``filename*``),
    control characters, path separators and quotes dropped, length bounded."""
    text = unicodedata.normalize("NFC", title or "")
    text = "".join(" " if ch in _FILENAME_FORBIDDEN or unicodedata.category(ch).startswith("C") else ch
                   for ch in text)
    text = " ".join(text.split()).strip(" .")[:120].strip(" .")
    return f"{text or 'tai-lieu'}{suffix}"


def version_is_signed(version: DocumentVersion) -> bool:
    """Whether the stored bytes of `version` carry a digital signature (read from the file, so a
    PDF signed elsewhere counts too)."""
    return _stored_file_is_signed(version.sha256, version.file.name)


# ---- the one core ------------------------------------------------------------------------

def _deliver_stored(request: AuthenticatedHttpRequest, *, field: FieldFile, sha256: str, original: bool,
                    filename: str, inline: bool, obj: Model, action: str, details: dict) -> FileResponse:
    data = _read_checked(field, sha256)
    signed = _is_signed(data)
    if original:
        body, mode = data, ORIGINAL
    else:
        body, mode = _watermarked(data, request.user, sha256 if signed else None), WATERMARKED
    do_record_delivery(obj, actor=request.user, action=action, details={
        **details, "sha256": sha256, "delivered_sha256": hashlib.sha256(body).hexdigest(),
        "watermarked": mode == WATERMARKED, "signed": signed, "inline": inline, "delivery": mode,
        "path": request.path, "ip": client_ip(request),
    })
    response = _pdf_response(FileResponse(io.BytesIO(body), content_type="application/pdf"), filename=filename,
                             inline=inline, mode=mode)
    if signed and mode == WATERMARKED:
        response[SIGNED_ORIGINAL_HEADER] = sha256
    return response


def _read_checked(field: FieldFile, sha256: str) -> bytes:
    try:
        with field.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        logger.error("stored PDF %s cannot be read", field.name, exc_info=True)
        raise NotFoundError(_("The file of this document is missing.")) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        # Never pass off changed bytes as the original (nor stamp them as a copy of it).
        logger.error("stored PDF %s does not match its SHA-256 %s", field.name, sha256)
        raise ConflictError("file_changed", _("The stored file does not match its recorded checksum; "
                                              "it will not be sent."))
    return data


def _watermarked(data: bytes, user: User, signed_original_sha256: str | None) -> bytes:
    notice: tuple[str, ...] = ()
    if signed_original_sha256:
        notice = (
            _("Viewer-stamped copy — the digitally signed original is verified by the system; check it at "
              "%(url)s") % {"url": verify_url()},
            _("The digital signatures in this copy no longer verify. SHA-256 of the signed original: "
              "%(sha256)s") % {"sha256": signed_original_sha256},
        )
    out = io.BytesIO()
    try:
        watermark_pdf(io.BytesIO(data), full_name=user.full_name or user.username,
                      unit=user.unit.name if user.unit is not None else "", when=timezone.localtime(), out=out,
                      notice=notice)
    except Exception:  # noqa: BLE001 - an unreadable file is refused, never sent unstamped
        logger.warning("could not watermark a stored PDF", exc_info=True)
        raise ConflictError("watermark_failed", _("A copy of this file cannot be made for you. Ask the "
                                                  "meeting's secretary for it.")) from None
    return out.getvalue()


def _pdf_response(response: _Response, *, filename: str, inline: bool, mode: str) -> _Response:
    disposition = content_disposition_header(not inline, filename)
    if disposition:  # None only for an inline response without a name
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "no-store, private"
    response["Pragma"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response[DELIVERY_HEADER] = mode
    return response




# ---- is it signed? -----------------------------------------------------------------------

def _stored_file_is_signed(sha256: str, name: str) -> bool:
    try:
        return _signed_by_content(sha256, name)
    except OSError:
        return False  # not remembered: the file may be readable next time


@lru_cache(maxsize=4096)
def _signed_by_content(sha256: str, name: str) -> bool:
    # Keyed by the content's SHA-256: a stored version never changes.
    from django.core.files.storage import default_storage

    with default_storage.open(name, "rb") as fh:
        return _is_signed(fh)


def _is_signed(source: bytes | IO[bytes]) -> bool:
    """A filled signature field (/FT /Sig with a /V value) in the AcroForm, walked with a bound."""
    try:
        reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source, strict=False)
        root = reader.trailer["/Root"].get_object()
        if not isinstance(root, DictionaryObject):
            return False
        form = root.get("/AcroForm")
        if form is None:
            return False
        todo = [(field, None) for field in form.get_object().get("/Fields", [])]
        seen = 0
        while todo and seen < _MAX_SIG_FIELD_NODES:
            seen += 1
            ref, inherited = todo.pop()
            node = ref.get_object()
            kind = node.get("/FT", inherited)
            if kind == "/Sig" and node.get("/V") is not None:
                return True
            todo.extend((kid, kind) for kid in node.get("/Kids", []))
    except Exception:  # noqa: BLE001 - an unreadable form is treated as unsigned
        return False
    return False
