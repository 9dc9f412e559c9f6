"""Written opinions on drafts (lấy ý kiến bằng văn bản) and personal notes: who may see and do
what, and every change (atomic, audited)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, NotFoundError, PermissionDeniedError
from ecabinet.intake import Purpose, intake_pdf
from ecabinet.models import Unit, User
from ecabinet.text import require_one_line
from meetings.access import (  # noqa: F401  (RoundAccess, round_access, rounds_visible_to: the names views use)
    RoundAccess,
    document_for_reader,
    manages_round,
    meeting_access,
    opinion_unit_ids,
    require_manager,
    round_access,
    rounds_visible_to,
    visible_meetings,
)
from meetings.actions.documents import FileGuard, write_version
from meetings.models import (
    Document,
    OpinionAnswer,
    OpinionRecipient,
    OpinionRound,
    PersonalNote,
)


def _store_document(guard: FileGuard, upload, checked, *, actor: User, title: str) -> Document:
    document = Document.objects.create(meeting=None, title=title[:500], status=Document.Status.RELEASED,
                                       uploaded_by=actor)
    write_version(guard, document, upload, checked, actor=actor)
    return document


def do_create_round(
    *, actor: User, title: str, question: str, deadline: datetime | None, usernames: list[str], upload,
    meeting_id: int | None = None, unit_id: int | None = None,
) -> OpinionRound:
    meeting = unit = None
    if meeting_id is not None:
        access = meeting_access(actor, meeting_id)
        if not access.runs_meeting:
            raise PermissionDeniedError(_("Only the meeting's chair or secretary may do this."))
        meeting = access.meeting
    else:
        units = opinion_unit_ids(actor)
        if unit_id is None and actor.unit_id in units:
            unit_id = actor.unit_id
        if unit_id is None or unit_id not in units:
            raise PermissionDeniedError(
                _("Only a meeting's secretary or a unit administrator may ask for written opinions.")
            )
        unit = Unit.objects.get(pk=unit_id)
    title, question = (title or "").strip(), (question or "").strip()
    if not title or not question:
        raise ActionError("bad_request", _("Give a title and the question to answer."))
    require_one_line(title)
    if deadline is None:
        raise ActionError("bad_deadline", _("Give a deadline."))
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline <= timezone.now():
        raise ActionError("bad_deadline", _("The deadline must be in the future."))
    names = sorted({n.strip() for n in usernames if n and n.strip()})
    if not names:
        raise ActionError("no_recipients", _("Choose the people whose opinion is asked."))
    users = list(User.objects.filter(username__in=names, is_active=True))
    missing = sorted(set(names) - {u.username for u in users})
    if missing:
        raise ActionError("unknown_users", _("Unknown users: %(names)s") % {"names": ", ".join(missing)})
    if upload is None:
        raise ActionError("no_file", _("Attach the draft as a PDF file."))
    checked = intake_pdf(upload, name=getattr(upload, "name", ""), purpose=Purpose.OPINION_DRAFT)
    with FileGuard() as guard, transaction.atomic():
        draft = _store_document(guard, upload, checked, actor=actor, title=title)
        rnd = OpinionRound.objects.create(title=title[:500], question=question, meeting=meeting, unit=unit,
                                          draft=draft, deadline=deadline, created_by=actor)
        OpinionRecipient.objects.bulk_create([OpinionRecipient(round=rnd, user=u) for u in users])
        record_audit(actor=actor, action="opinion.create", obj=rnd, details={
            "asked": names, "deadline": deadline.isoformat(), "sha256": checked.sha256,
            "meeting": meeting.pk if meeting else None,
        })
        notify_users(users, kind="opinion.asked",
                     title=_("Your written opinion is requested: %(title)s") % {"title": rnd.title},
                     body=question, url=reverse("opinion_detail", args=[rnd.pk]))
    return rnd


def do_answer(access: RoundAccess, *, actor: User, choice: str, comment: str = "", upload=None) -> OpinionAnswer:
    rnd = access.round
    if not access.asked:
        raise PermissionDeniedError(_("Your opinion was not asked in this round."))
    if choice not in OpinionAnswer.Choice.values:
        raise ActionError("bad_choice", _("Choose agree, disagree or other opinion."))
    comment = (comment or "").strip()
    if choice == OpinionAnswer.Choice.OTHER and not comment:
        raise ActionError("comment_required", _("Write your opinion in the comment."))
    if not rnd.accepts_answers:
        raise ConflictError("round_closed", _("This round is closed or past its deadline."))
    checked = (intake_pdf(upload, name=getattr(upload, "name", ""), purpose=Purpose.OPINION_ATTACHMENT)
               if upload is not None else None)
    with FileGuard() as guard, transaction.atomic():
        rnd = OpinionRound.objects.select_for_update().get(pk=rnd.pk)
        if not rnd.accepts_answers:  # closed while the file was being checked
            raise ConflictError("round_closed", _("This round is closed or past its deadline."))
        attachment = None
        if checked is not None:
            attachment = _store_document(guard, upload, checked, actor=actor,
                                         title=_("Attachment to the opinion of %(name)s") % {"name": actor.full_name})
        answer = OpinionAnswer.objects.filter(round=rnd, user=actor).first()
        if answer is None:
            answer = OpinionAnswer(round=rnd, user=actor)
        else:
            answer.changes += 1
        answer.choice, answer.comment, answer.answered_at = choice, comment, timezone.now()
        answer.signed_at = None  # a signature covers the answer as it was; it must be signed again
        if attachment is not None:
            answer.attachment = attachment
        answer.save()
        record_audit(actor=actor, action="opinion.answer", obj=rnd, details={
            "choice": choice, "comment": comment, "attachment": attachment.pk if attachment else None,
            "changes": answer.changes,
        })
    return answer


def do_remind(access: RoundAccess, *, actor: User) -> int:
    require_manager(access)
    with transaction.atomic():
        rnd = OpinionRound.objects.select_for_update().get(pk=access.round.pk)
        if not rnd.accepts_answers:
            raise ConflictError("round_closed", _("This round is closed or past its deadline."))
        answered = OpinionAnswer.objects.filter(round=rnd).values("user_id")
        pending = OpinionRecipient.objects.filter(round=rnd).exclude(user_id__in=answered).select_related("user")
        users = [r.user for r in pending]
        pending.update(reminded_at=timezone.now())
        notify_users(users, kind="opinion.reminder",
                     title=_("Reminder: your written opinion is requested: %(title)s") % {"title": rnd.title},
                     body=_("Deadline: %(when)s") % {
                         "when": timezone.localtime(rnd.deadline).strftime("%H:%M %d/%m/%Y")},
                     url=reverse("opinion_detail", args=[rnd.pk]))
        record_audit(actor=actor, action="opinion.remind", obj=rnd,
                     details={"reminded": sorted(u.username for u in users)})
    return len(users)


def do_close_round(access: RoundAccess, *, actor: User) -> OpinionRound:
    require_manager(access)
    with transaction.atomic():
        rnd = OpinionRound.objects.select_for_update().get(pk=access.round.pk)
        if rnd.status == OpinionRound.Status.CLOSED:
            raise ConflictError("round_closed", _("This round is already closed."))
        rnd.status, rnd.closed_at = OpinionRound.Status.CLOSED, timezone.now()
        rnd.save(update_fields=["status", "closed_at"])
        record_audit(actor=actor, action="opinion.close", obj=rnd)
    return rnd


def summary(rnd: OpinionRound) -> dict:
    """Everything the secretary's page and the CSV/PDF exports show, in one place."""
    recipients = list(OpinionRecipient.objects.filter(round=rnd).select_related("user", "user__unit"))
    answers = {a.user_id: a for a in OpinionAnswer.objects.filter(round=rnd)}
    rows = []
    tally = {c: 0 for c in OpinionAnswer.Choice.values}
    for r in recipients:
        answer = answers.get(r.user_id)
        if answer:
            tally[answer.choice] += 1
        rows.append({"user": r.user, "unit": r.user.unit.name if r.user.unit_id else "", "answer": answer,
                     "reminded_at": r.reminded_at})
    return {"round": rnd, "rows": rows, "tally": tally, "asked": len(recipients),
            "answered": len(answers), "not_answered": len(recipients) - len(answers)}


# ---- personal notes ----------------------------------------------------------------------

def notes_of(user: User) -> QuerySet[PersonalNote]:
    """The only way notes are read: always filtered by their owner."""
    return PersonalNote.objects.filter(user=user) if user.is_authenticated else PersonalNote.objects.none()


def _note_target(actor: User, meeting_id: int | None, document_id: int | None, page: int | None):
    meeting = document = None
    if document_id is not None:
        document = document_for_reader(actor, document_id)
        meeting = document.meeting
        if page is not None:
            latest = document.versions.order_by("-number").first()
            if page < 1 or (latest is not None and page > latest.pages):
                raise ActionError("bad_page", _("This page does not exist in the document."))
    elif page is not None:
        raise ActionError("bad_page", _("A page number needs a document."))
    if meeting_id is not None:
        access = meeting_access(actor, meeting_id)
        if meeting is not None and meeting.pk != access.meeting.pk:
            raise ActionError("bad_request", _("The document does not belong to this meeting."))
        meeting = access.meeting
    if meeting is None and document is None:
        raise ActionError("bad_request", _("A note belongs to a meeting or a document."))
    return meeting, document


@transaction.atomic
def do_save_note(*, actor: User, text: str, meeting_id: int | None = None, document_id: int | None = None,
                 page: int | None = None, note_id: int | None = None) -> PersonalNote:
    text = (text or "").strip()
    if not text:
        raise ActionError("empty_note", _("The note is empty."))
    if len(text) > 20000:
        raise ActionError("note_too_long", _("The note is too long."))
    if note_id is not None:
        note = notes_of(actor).select_for_update().filter(pk=note_id).first()
        if note is None:
            raise NotFoundError(_("Note not found."))
        note.text, note.updated_at = text, timezone.now()
        if page is not None and note.document_id:
            _note_target(actor, None, note.document_id, page)
            note.page = page
        note.save()
        action = "note.update"
    else:
        meeting, document = _note_target(actor, meeting_id, document_id, page)
        note = PersonalNote.objects.create(user=actor, meeting=meeting, document=document, page=page, text=text)
        action = "note.create"
    # The audit row records that a note changed, never its private text.
    record_audit(actor=actor, action=action, obj=note, details={"length": len(text)})
    return note


@transaction.atomic
def do_delete_note(*, actor: User, note_id: int) -> None:
    note = notes_of(actor).filter(pk=note_id).first()
    if note is None:
        raise NotFoundError(_("Note not found."))
    record_audit(actor=actor, action="note.delete", obj=note)
    note.delete()


@transaction.atomic
def do_record_export(*, actor: User, rnd: OpinionRound, fmt: str) -> None:
    record_audit(actor=actor, action="opinion.export", obj=rnd, details={"format": fmt})
