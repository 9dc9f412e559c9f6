"""Signing a document: one signature = one new immutable DocumentVersion + a SignatureRecord.

Order of work in ``do_sign_document``: cheap permission checks (403/409) -> certificate checks ->
PIN (its own transaction, so wrong tries stay counted) -> then, holding the document row lock,
re-check, sign the latest version and store the result. Any failure in the last step rolls the
rows back and deletes the file already written, so the document is exactly as it was.
"""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError
from ecabinet.inputs import clean_file_name
from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import User
from ecabinet.text import as_one_line, require_one_line
from meetings.actions.documents import FileGuard, write_version
from meetings.models import Document, DocumentVersion
from signing.access import require_may_fulfil, signer_entry
from signing.actions.certificates import check_usable, current_certificate
from signing.actions.images import signature_image_of
from signing.actions.requests import advance_after_signature
from signing.backends import signer_for
from signing.models import SignatureRecord, SigningCertificate, SigningRequestSigner
from signing.pdf import pades
from signing.pdf.backends import SigningBackendError
from signing.pdf.errors import PdfSigningError
from signing.pdf.stamp import StampInfo

logger = logging.getLogger(__name__)

LEVELS = ("B-B", "B-T", "B-LT")
BATCH_MAX = 50


def pdf_error(exc: PdfSigningError) -> ActionError:
    messages = {
        "encrypted": _("Encrypted PDF files cannot be signed."),
        "damaged": _("The PDF file is damaged and cannot be signed."),
        "page_out_of_range": _("The page chosen for the signature stamp does not exist."),
        "certificate_problem": _("This certificate cannot be used for signing."),
    }
    return ActionError(exc.code, messages.get(exc.code, _("The document could not be signed.")))


def count_pages(data: bytes) -> int:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ActionError("encrypted", _("Encrypted PDF files cannot be signed."))
        return len(reader.pages)
    except ActionError:
        raise
    except Exception:
        raise ActionError("not_a_pdf", _("The file is not a readable PDF document."), status=415) from None


def store_version(document: Document, data: bytes, *, actor: User, note: str, original_name: str = "",
                  pages: int | None = None, written: list[str] | None = None) -> DocumentVersion:
    """Add the next version of `document` (content-addressed file, SHA-256, size, pages).

    Names of files written are appended to `written` so a caller can delete them if its
    transaction fails."""
    latest = document.versions.order_by("-number").first()
    version = DocumentVersion(
        document=document,
        number=(latest.number if latest else 0) + 1,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        pages=pages if pages is not None else count_pages(data),
        original_name=clean_file_name(original_name),
        note=note[:255],
        created_by=actor,
        created_at=timezone.now(),
    )
    version.file.save("signed.pdf", ContentFile(data), save=False)
    if written is not None:
        written.append(version.file.name)
    version.save()
    return version


def delete_files(names: list[str]) -> None:
    for name in names:
        try:
            if not DocumentVersion.objects.filter(file=name).exists():
                default_storage.delete(name)
        except Exception:  # noqa: BLE001 - cleanup must not hide the original error
            logger.warning("could not delete %s after a failed signature", name, exc_info=True)


def do_upload_for_signing(*, actor: User, upload: UploadedFile | ContentFile, title: str) -> Document:
    """A staff member uploads a PDF of their own (outside a meeting) to sign or have signed."""
    filename = getattr(upload, "name", "") or ""
    require_one_line(title)
    # Checked before anything is written: a refused file leaves no row and no file.
    checked = intake_pdf(upload, name=filename, purpose=Purpose.SIGNING_UPLOAD)
    title = (title or "").strip() or as_one_line(filename.rsplit(".", 1)[0] if filename else "") or _("Document")
    # the guard outside the transaction: the file goes also when the commit itself fails
    with FileGuard() as guard, transaction.atomic(durable=True):
        document = Document.objects.create(title=title[:500], uploaded_by=actor, status=Document.Status.RELEASED)
        version = write_version(guard, document, upload, checked, actor=actor, note="upload")
        record_audit(actor=actor, action="signing.document_upload", obj=document,
                     details={"sha256": version.sha256, "size": version.size, "pages": version.pages})
    return document


def resolve_level(level: str | None) -> str:
    level = level or ("B-T" if settings.SIGNING_TSA_URL else "B-B")
    if level not in LEVELS:
        raise ActionError("bad_level", _("Unknown signature level."))
    if level != "B-B" and not settings.SIGNING_TSA_URL:
        raise ActionError("no_timestamp_server",
                          _("This signature level needs a timestamp server, and none is configured."))
    return level


def _validation_context(cert: SigningCertificate):
    """For B-LT: the installation's own CRL, offline (only for certificates issued here)."""
    from pyhanko_certvalidator import ValidationContext

    from signing.trust import build_crl_der, installation_trust_roots

    if not cert.issued_here:
        raise ActionError("lt_unavailable",
                          _("Long-term validation data can only be embedded for certificates issued here."))
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    roots = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
             for c in installation_trust_roots()]
    return ValidationContext(trust_roots=roots, crls=[build_crl_der()], allow_fetching=False)


def preset_field(data: bytes, entry: SigningRequestSigner | None) -> str | None:
    """The empty signature field a paper made for this signer: a paper of record (the minutes)
    makes one field per signer block in the order its request asks them to sign, so the k-th
    signer of the request signs into the k-th field, if it is still empty."""
    if entry is None:
        return None
    rank = SigningRequestSigner.objects.filter(request_id=entry.request_id, order__lt=entry.order).count()
    names = pades.signature_fields(data)
    if rank < len(names) and not names[rank][1]:
        return names[rank][0]
    return None


def _sign_bytes(data: bytes, *, actor: User, cert: SigningCertificate, signer: Signer,
                reason: str, page: int | None, level: str, field_name: str | None = None) -> tuple[bytes, str, datetime]:
    from signing.pdf.timestamps import http_timestamper

    # resolve_level refuses B-T and B-LT when no timestamp server is configured
    timestamper = http_timestamper(settings.SIGNING_TSA_URL) if level != "B-B" and settings.SIGNING_TSA_URL else None
    signed_at = timezone.now()
    stamp = StampInfo(
        full_name=actor.full_name or actor.username,
        position=actor.position.name if actor.position is not None else "",
        unit=actor.unit.name if actor.unit is not None else "",
        reason=reason,
        signed_at=signed_at,
        page=-1 if page is None else page - 1,
        image=signature_image_of(actor),
    )
    try:
        # prepare (placeholder + digest) -> the backend signs the digest -> finish (embed the CMS),
        # whichever backend holds the key (stored key, PKCS#11 token, remote CSC service)
        prepared = pades.prepare_signature(
            data, signer, field_name=field_name, reason=reason, stamp=stamp, level=level, timestamper=timestamper,
            validation_context=_validation_context(cert) if level == "B-LT" else None,
        )
        raw = pades.run_sync(signer.async_sign_raw(prepared.to_be_signed, prepared.digest_algorithm))
        out = pades.finish_signature(prepared, raw)
    except PdfSigningError as exc:
        raise pdf_error(exc) from None
    except (ActionError, SigningBackendError):
        raise  # signer_for turns backend refusals (wrong token PIN, service down) into clear errors
    except (PathBuildingError, PathValidationError) as exc:
        # B-LT embeds validation data for every certificate involved, the timestamp authority's too:
        # that only works offline when its chain reaches a root trusted here
        logger.warning("long-term validation data refused: %s", exc)
        raise ActionError("lt_untrusted", _("Long-term validation data cannot be embedded: a certificate "
                                            "(for example the timestamp server's) does not lead to a root "
                                            "trusted here. Ask an administrator to add that root.")) from None
    except Exception as exc:
        # timestamp server down, CMS too large, ...: refuse cleanly, the caller rolls back
        logger.warning("signing failed: %s: %s", type(exc).__name__, exc)
        raise ActionError("signing_failed", _("The document could not be signed: a signing service "
                                              "did not answer. Try again later.")) from None
    return out, prepared.field_name, signed_at


def sign_with_signer(document: Document, *, actor: User, cert: SigningCertificate, signer: Signer,
                     reason: str = "", page: int | None = None, level: str | None = None,
                     written: list[str] | None = None) -> SignatureRecord:
    """Sign the latest version of `document` with an open `signer` (see ``signing.backends``).

    Files written are deleted again when anything fails, so the document stays exactly as it was;
    a caller that wraps this in its own transaction passes `written` and cleans up itself."""
    own_cleanup = written is None
    written = [] if written is None else written
    try:
        return _sign_locked(document.pk, actor=actor, cert_id=cert.pk, signer=signer, reason=reason,
                            page=page, level=level, written=written)
    except BaseException:
        if own_cleanup:
            delete_files(written)
        raise


def _lock_document(document_id: int) -> Document:
    """The document row, locked until the end of the transaction.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite ignores FOR UPDATE, but every transaction there is
    BEGIN IMMEDIATE (settings.py), which already holds the database's write lock: signers queue."""
    return Document.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=document_id)


@transaction.atomic(durable=True)
def _sign_locked(document_id: int, *, actor: User, cert_id: int, signer: Signer, reason: str,
                 page: int | None, level: str | None, written: list[str]) -> SignatureRecord:
    # The row lock makes two signers take turns: the second builds on the first one's version.
    document = _lock_document(document_id)
    entry = signer_entry(document, actor)
    cert = check_usable(SigningCertificate.objects.get(pk=cert_id))
    if entry is not None:
        require_may_fulfil(cert, actor)
    level = resolve_level(level)
    reason = (reason or "").strip()[:255]
    latest = document.versions.order_by("-number").first()
    if latest is None:
        raise ActionError("no_file", _("This document has no file to sign."))
    with latest.file.open("rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != latest.sha256:
        raise ConflictError("file_changed", _("The stored file does not match its recorded checksum; "
                                              "it will not be signed."))
    record = sign_into_new_version(document, data, actor=actor, cert=cert, signer=signer, reason=reason,
                                   page=page, level=level, written=written, entry=entry,
                                   original_name=latest.original_name, pages=latest.pages)
    if entry is not None:
        advance_after_signature(entry, record, actor=actor)
    if document.meeting_id:
        _emit_document(document, record.version)
    return record


def sign_into_new_version(document: Document, data: bytes, *, actor: User, cert: SigningCertificate,
                          signer: Signer, reason: str, level: str, written: list[str], page: int | None = None,
                          entry: SigningRequestSigner | None = None, original_name: str = "",
                          pages: int | None = None) -> SignatureRecord:
    """Sign `data` and store the result as the next version of `document` with its SignatureRecord.

    Call inside the transaction that holds the document (or its owner object) locked."""
    out, field_name, signed_at = _sign_bytes(data, actor=actor, cert=cert, signer=signer, reason=reason,
                                             page=page, level=level, field_name=preset_field(data, entry))
    version = store_version(document, out, actor=actor, note=f"signature {field_name}",
                            original_name=original_name, pages=pages, written=written)
    record = SignatureRecord.objects.create(
        document=document, version=version, signer=actor, certificate=cert,
        request=entry.request if entry else None, field_name=field_name, signed_at=signed_at,
        reason=reason, level=level,
    )
    record_audit(actor=actor, action="signing.sign", obj=document, details={
        "version": version.number, "sha256": version.sha256, "field": field_name, "level": level,
        "certificate": cert.serial, "backend": cert.kind, "request": entry.request_id if entry else None,
    })
    return record


def _emit_document(document: Document, version: DocumentVersion) -> None:
    from meetings.events import audience_for, emit
    from meetings.serializers import serialize_document

    if document.meeting is None:
        return  # a document of one's own: no meeting room hears of it

    audience = None
    if document.confidential or document.status != Document.Status.RELEASED:
        readers = list(document.readers.values_list("pk", flat=True)) if document.confidential else []
        audience = audience_for(roles=["chair", "secretary"], users=[*readers, document.uploaded_by_id])
    emit(document.meeting, "document.upserted", {"document": serialize_document(document, version)},
         audience=audience)


def do_sign_document(document: Document, *, actor: User, pin: str, reason: str = "",
                     page: int | None = None, level: str | None = None,
                     access_token: str | None = None) -> SignatureRecord:
    """The caller signs the latest version of `document` with their current certificate.

    `pin` unlocks the key whatever holds it (the stored key's PIN, the token PIN, the remote
    credential's PIN); `access_token` is the bearer token for a remote signing service.
    Not one atomic block on purpose: a wrong PIN is counted in its own transaction (see
    ``signing.backends``), and a token or a remote service is not asked while a transaction holds
    the database; the signature itself is one durable transaction (``_sign_locked``), so this
    action can never run nested in a caller's transaction either."""
    entry = signer_entry(document, actor)  # refuse early (403/409) before asking for the PIN
    if level is not None:
        resolve_level(level)
    cert = check_usable(current_certificate(actor))
    if entry is not None:
        require_may_fulfil(cert, actor)  # before the PIN: an unusable certificate costs no try
    with signer_for(cert, pin, actor=actor, access_token=access_token) as signer:
        return sign_with_signer(document, actor=actor, cert=cert, signer=signer, reason=reason, page=page,
                                level=level)


def do_batch_sign(documents: list[Document], *, actor: User, pin: str, reason: str = "",
                  access_token: str | None = None) -> list[dict]:
    """Sign several documents with one PIN entry; one result per document, in order.

    A refused document does not stop the others; a wrong PIN stops the batch before anything
    is signed (it is checked once)."""
    if not documents:
        raise ActionError("empty", _("Choose at least one document."))
    if len(documents) > BATCH_MAX:
        raise ActionError("too_many", _("At most %(n)d documents at once.") % {"n": BATCH_MAX})
    cert = check_usable(current_certificate(actor))
    results = []
    with signer_for(cert, pin, actor=actor, access_token=access_token) as signer:
        for document in documents:
            try:
                record = sign_with_signer(document, actor=actor, cert=cert, signer=signer, reason=reason)
            except ActionError as exc:
                results.append({"document": document.pk, "ok": False, "code": exc.code, "message": exc.message,
                                "version": None})
            else:
                results.append({"document": document.pk, "ok": True, "code": "signed",
                                "message": _("Signed."), "version": record.version.number})
    return results
