"""Personal notes on a meeting or a document page: only their owner ever reads or changes them
(`meetings.access.notes_of`); the audit log records that a note changed, never its text."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError
from ecabinet.models import User
from meetings.access import document_for_reader, meeting_access, own_note
from meetings.models import Document, Meeting, PersonalNote

MAX_NOTE_LENGTH = 20000


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ActionError("empty_note", _("The note is empty."))
    if len(text) > MAX_NOTE_LENGTH:
        raise ActionError("note_too_long", _("The note is too long."))
    return text


def _check_page(document: Document, page: int | None) -> None:
    if page is None:
        return
    latest = document.versions.order_by("-number").first()
    if page < 1 or (latest is not None and page > latest.pages):
        raise ActionError("bad_page", _("This page does not exist in the document."))


def _target(actor: User, meeting: Meeting | None, document: Document | None,
            page: int | None) -> tuple[Meeting | None, Document | None]:
    # The caller resolved both for `actor`; read them again here, where the rule is enforced.
    if document is not None:
        document = document_for_reader(actor, document.pk)
        _check_page(document, page)
    elif page is not None:
        raise ActionError("bad_page", _("A page number needs a document."))
    if meeting is not None:
        meeting = meeting_access(actor, meeting.pk).meeting
        if document is not None and document.meeting_id != meeting.pk:
            raise ActionError("bad_request", _("The document does not belong to this meeting."))
    elif document is not None:
        meeting = document.meeting
    if meeting is None and document is None:
        raise ActionError("bad_request", _("A note belongs to a meeting or a document."))
    return meeting, document


@transaction.atomic(durable=True)
def do_add_note(*, actor: User, text: str, meeting: Meeting | None = None, document: Document | None = None,
                page: int | None = None) -> PersonalNote:
    """A new note on a meeting, a document, or a page of one (the document's meeting is implied)."""
    text = _clean_text(text)
    meeting, document = _target(actor, meeting, document, page)
    note = PersonalNote.objects.create(user=actor, meeting=meeting, document=document, page=page, text=text)
    record_audit(actor=actor, action="note.create", obj=note, details={"length": len(text)})
    return note


@transaction.atomic(durable=True)
def do_edit_note(note: PersonalNote, *, actor: User, text: str, page: int | None = None) -> PersonalNote:
    text = _clean_text(text)
    note = own_note(actor, note.pk, for_update=True)
    note.text, note.updated_at = text, timezone.now()
    if page is not None and note.document is not None:
        _check_page(document_for_reader(actor, note.document.pk), page)
        note.page = page
    note.save()
    record_audit(actor=actor, action="note.update", obj=note, details={"length": len(text)})
    return note


@transaction.atomic(durable=True)
def do_delete_note(note: PersonalNote, *, actor: User) -> None:
    note = own_note(actor, note.pk, for_update=True)
    record_audit(actor=actor, action="note.delete", obj=note)
    note.delete()
