"""The changes of help inside the system (issue 12, part 6): the user guide's pages and files, the
first-time tour, feedback to the operator. One function each, atomic, audited.

Uploads (a help page's image or PDF, a feedback screenshot or PDF) are checked by the one intake
(`intake_image(picture=True)`, `intake_pdf`) before the durable block opens: a refused file
writes nothing. The files are stored in the database (at most HELP_FILE_MAX_MB), so a rollback
leaves no file behind and deleting a page deletes its files.
"""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.access import require_may_edit_help, require_may_handle_feedback
from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError
from ecabinet.inputs import clean_file_name, field_error
from ecabinet.intake import Purpose, intake_image, intake_pdf
from ecabinet.mail import queue_mail
from ecabinet.models import Feedback, HelpFile, HelpPage, TourSeen, User
from ecabinet.richtext import sanitize
from ecabinet.schemas import MAX_VIDEOS, FeedbackIn, HelpPageIn
from ecabinet.text import as_one_line

HELP_FILE_MAX_MB = 20
FEEDBACK_FILE_MAX_MB = 10


# --- the user guide ------------------------------------------------------------------------------

def _videos(text: str) -> list[str]:
    """One video link a line, "https://…" or "Title|https://…": https only (shown as links)."""
    from urllib.parse import urlsplit

    links = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        title, _sep, url = line.rpartition("|") if "|" in line else ("", "", line)
        url = url.strip()
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url) or len(url) > 1000:
            raise field_error("videos", _("Each video link must be an https:// address, one a line."))
        links.append(f"{as_one_line(title)[:200]}|{url}" if title.strip() else url)
    if len(links) > MAX_VIDEOS:
        raise field_error("videos", _("At most %(n)s video links.") % {"n": MAX_VIDEOS})
    return links


def _apply(page: HelpPage, data: HelpPageIn, actor: User) -> None:
    page.title = data.title
    page.audience = data.audience
    page.topic = data.topic
    page.summary = data.summary
    page.body = sanitize(data.body)
    page.videos = _videos(data.videos)
    page.position = data.position
    page.published = data.published
    page.updated_at = timezone.now()
    page.updated_by = actor


def _new_key(title: str) -> str:
    import unicodedata

    from django.utils.text import slugify

    plain = unicodedata.normalize("NFKD", title.replace("đ", "d").replace("Đ", "D"))
    base = slugify(plain.encode("ascii", "ignore").decode())[:60] or "trang"
    key, n = base, 1
    while HelpPage.objects.filter(key=key).exists():
        n += 1
        key = f"{base}-{n}"
    return key


@transaction.atomic(durable=True)
def do_create_help_page(*, actor: User, data: HelpPageIn, key: str = "") -> HelpPage:
    require_may_edit_help(actor)
    page = HelpPage(key=key or _new_key(data.title))
    _apply(page, data, actor)
    page.save()
    record_audit(actor=actor, action="help.create", obj=page,
                 details={"title": page.title, "audience": page.audience, "topic": page.topic,
                          "published": page.published})
    return page


@transaction.atomic(durable=True)
def do_update_help_page(page: HelpPage, *, actor: User, data: HelpPageIn) -> HelpPage:
    require_may_edit_help(actor)
    page = HelpPage.objects.select_for_update().get(pk=page.pk)
    _apply(page, data, actor)
    page.save()
    record_audit(actor=actor, action="help.update", obj=page,
                 details={"title": page.title, "audience": page.audience, "topic": page.topic,
                          "published": page.published})
    return page


@transaction.atomic(durable=True)
def do_delete_help_page(page: HelpPage, *, actor: User) -> None:
    require_may_edit_help(actor)
    page = HelpPage.objects.select_for_update().get(pk=page.pk)
    record_audit(actor=actor, action="help.delete", obj=page,
                 details={"title": page.title, "files": page.files.count()})
    page.delete()


def do_add_help_file(page: HelpPage, *, actor: User, upload: IO[bytes] | None, title: str = "") -> HelpFile:
    """An image (PNG or JPEG) or a PDF for a help page, by its content. The file is checked
    before the durable block: no lock is held while a PDF is parsed, and a refusal writes nothing."""
    require_may_edit_help(actor)
    if upload is None:
        raise ActionError("no_file", _("Choose a file to upload."))
    name = clean_file_name(getattr(upload, "name", ""), default="tep")
    head = upload.read(8)
    upload.seek(0)
    size = getattr(upload, "size", None)
    if size is not None and size > HELP_FILE_MAX_MB * 1024 * 1024:
        raise ActionError("too_large", _("The file is too large: the limit is %(limit)s MB.")
                          % {"limit": HELP_FILE_MAX_MB}, status=413)
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        image = intake_image(upload, name=name, picture=True)
        kind, content_type, data = HelpFile.Kind.IMAGE, image.content_type, image.png
        sha256 = image.sha256
    else:
        checked = intake_pdf(upload, name=name, purpose=Purpose.HELP)
        upload.seek(0)
        data = upload.read()
        kind, content_type, sha256 = HelpFile.Kind.PDF, "application/pdf", checked.sha256
    with transaction.atomic(durable=True):
        require_may_edit_help(actor)
        page = HelpPage.objects.select_for_update().get(pk=page.pk)
        row = HelpFile.objects.create(
            page=page, kind=kind, title=as_one_line(title)[:200] or name[:200], name=name,
            content_type=content_type, data=data, size=len(data), sha256=sha256,
            position=page.files.count() + 1,
        )
        page.updated_at, page.updated_by = timezone.now(), actor
        page.save(update_fields=["updated_at", "updated_by"])
        record_audit(actor=actor, action="help.file_add", obj=row,
                     details={"page": page.pk, "kind": kind, "name": name, "size": len(data), "sha256": sha256})
    return row


@transaction.atomic(durable=True)
def do_remove_help_file(file: HelpFile, *, actor: User) -> None:
    require_may_edit_help(actor)
    row = HelpFile.objects.select_for_update().get(pk=file.pk)
    record_audit(actor=actor, action="help.file_remove", obj=row,
                 details={"page": row.page_id, "name": row.name, "sha256": row.sha256})
    row.delete()


@transaction.atomic(durable=True)
def do_record_help_download(obj: HelpFile | Feedback, *, actor: User, details: dict) -> None:
    """A help PDF or a feedback attachment sent: one audit row (the delivery, its path)."""
    action = "help.download" if isinstance(obj, HelpFile) else "feedback.download"
    record_audit(actor=actor, action=action, obj=obj, details=details)


# --- the first-time tour -------------------------------------------------------------------------

@transaction.atomic(durable=True)
def do_mark_tour_seen(*, actor: User, finished: bool) -> TourSeen:
    """The tour of the home page was finished or skipped: not offered again. Again: no change."""
    row, created = TourSeen.objects.get_or_create(user=actor, defaults={"finished": finished})
    if created:
        record_audit(actor=actor, action="help.tour_seen", obj=actor, details={"finished": finished})
    elif finished and not row.finished:
        row.finished = True
        row.save(update_fields=["finished"])
    return row


# --- feedback to the operator --------------------------------------------------------------------

def do_send_feedback(*, actor: User, data: FeedbackIn, upload: IO[bytes] | None = None) -> Feedback:
    """A message to the operator with an optional screenshot (PNG/JPEG) or PDF: stored, the
    operator mailed (settings.OPERATOR_EMAIL) and system administrators notified in the app."""
    file_kind = file_type = file_name = ""
    file_data: bytes | None = None
    if upload is not None:
        file_name = clean_file_name(getattr(upload, "name", ""), default="tep")
        size = getattr(upload, "size", None)
        if size is not None and size > FEEDBACK_FILE_MAX_MB * 1024 * 1024:
            text = _("The file is too large: the limit is %(limit)s MB.") % {"limit": FEEDBACK_FILE_MAX_MB}
            raise ActionError("too_large", text, status=413, extra={"fields": [{"field": "file", "message": text}]})
        head = upload.read(8)
        upload.seek(0)
        if head.startswith((b"\x89PNG", b"\xff\xd8\xff")):
            image = intake_image(upload, name=file_name, picture=True)
            file_kind, file_type, file_data = "image", image.content_type, image.png
        elif head.startswith(b"%PDF") or file_name.lower().endswith(".pdf"):
            intake_pdf(upload, name=file_name, purpose=Purpose.FEEDBACK)
            upload.seek(0)
            file_kind, file_type, file_data = "pdf", "application/pdf", upload.read()
        else:
            raise ActionError("unsupported_type", _("Attach a screenshot (PNG or JPEG) or a PDF file."), status=415)
    page = data.page.strip()
    if page and (not page.startswith("/") or page.startswith(("//", "/\\"))):
        page = ""  # only a path of this site is kept
    with transaction.atomic(durable=True):
        row = Feedback.objects.create(
            sender=actor, subject=data.subject, text=data.text.strip(), page=page[:500], file_kind=file_kind,
            file_name=file_name if file_kind else "", file_type=file_type, file_data=file_data,
            file_size=len(file_data or b""),
        )
        record_audit(actor=actor, action="feedback.send", obj=row,
                     details={"subject": row.subject, "page": row.page, "file": file_kind, "size": row.file_size})
        admins = User.objects.filter(is_superuser=True, is_active=True).exclude(pk=actor.pk)
        notify_users(admins, kind="feedback.new", title=_("Feedback: %(subject)s") % {"subject": row.subject},
                     body=row.text[:500], url=f"/feedback/{row.pk}/", email=False)
        if settings.OPERATOR_EMAIL:
            _mail_operator(row)
    return row


def _mail_operator(row: Feedback) -> None:
    sender = row.sender
    body = "\n".join([
        f"{_('From')}: {sender.get_full_name()} ({sender.username}, {sender.email or '-'})",
        f"{_('Page')}: {settings.PUBLIC_BASE_URL}{row.page}" if row.page else "",
        "", row.text, "", f"{settings.PUBLIC_BASE_URL}/feedback/{row.pk}/",
    ])
    files = [(row.file_name or "tep", bytes(row.file_data), row.file_type)] if row.file_data else []
    queue_mail(kind="feedback.new", to=[settings.OPERATOR_EMAIL],
               subject=_("eCabinet feedback: %(subject)s") % {"subject": row.subject}, body=body,
               attachments=files)


@transaction.atomic(durable=True)
def do_mark_feedback_handled(feedback: Feedback, *, actor: User, reply: str = "") -> Feedback:
    require_may_handle_feedback(actor)
    row = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if row.status == Feedback.Status.HANDLED:
        raise ConflictError("already_handled", _("This feedback was already marked handled."))
    row.status = Feedback.Status.HANDLED
    row.handled_at, row.handled_by, row.reply = timezone.now(), actor, reply.strip()
    row.save(update_fields=["status", "handled_at", "handled_by", "reply"])
    record_audit(actor=actor, action="feedback.handle", obj=row, details={"reply": bool(row.reply)})
    if row.sender_id != actor.pk:
        notify_users([row.sender], kind="feedback.handled",
                     title=_("Your feedback was handled: %(subject)s") % {"subject": row.subject},
                     body=row.reply[:500], url=f"/feedback/{row.pk}/")
    return row
