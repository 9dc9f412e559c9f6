"""Written opinions on drafts (lấy ý kiến bằng văn bản): asking, answering, reminding, closing,
the summary; each change atomic and audited. Who may see and do what: meetings/access.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, PermissionDeniedError
from ecabinet.intake import CheckedPdf, Purpose, intake_pdf
from ecabinet.models import Unit, User
from ecabinet.text import require_one_line
from meetings.access import (
    RoundAccess,
    lock_round,
    meeting_access,
    opinion_unit_ids,
    require_asked,
    require_manager,
    require_runner,
    round_access,
)
from meetings.actions.documents import FileGuard, write_version
from meetings.models import (
    Document,
    Meeting,
    OpinionAnswer,
    OpinionRecipient,
    OpinionRound,
)


def _store_document(guard: FileGuard, upload: UploadedFile | None, checked: CheckedPdf, *, actor: User,
                    title: str) -> Document:
    document = Document.objects.create(meeting=None, title=title[:500], status=Document.Status.RELEASED,
                                       uploaded_by=actor)
    write_version(guard, document, upload, checked, actor=actor)
    return document


def _check_asker(actor: User, meeting: Meeting | None, unit: Unit | None) -> None:
    if meeting is not None:
        require_runner(meeting_access(actor, meeting.pk))
    elif unit is None or unit.pk not in opinion_unit_ids(actor):
        raise PermissionDeniedError(
            _("Only a meeting's secretary or a unit administrator may ask for written opinions.")
        )


def do_create_round(
    *, actor: User, meeting: Meeting | None = None, unit: Unit | None = None, title: str, question: str,
    deadline: datetime | None, usernames: list[str], upload: UploadedFile | None,
) -> OpinionRound:
    """Send a draft for written opinions, for a meeting (its runners) or a unit (its
    administrators; `meetings.access.opinion_unit` picks it). About no existing object but
    those two, so everything is keyword-only. The draft is checked before the durable block."""
    _check_asker(actor, meeting, unit)
    if meeting is not None:
        unit = None
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
    # the guard outside the transaction: the file goes also when the commit itself fails
    with FileGuard() as guard, transaction.atomic(durable=True):
        _check_asker(actor, meeting, unit)
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


def _check_answer(access: RoundAccess, choice: str, comment: str) -> None:
    require_asked(access)
    if choice not in OpinionAnswer.Choice.values:
        raise ActionError("bad_choice", _("Choose agree, disagree or other opinion."))
    if choice == OpinionAnswer.Choice.OTHER and not comment:
        raise ActionError("comment_required", _("Write your opinion in the comment."))
    if not access.round.accepts_answers:
        raise ConflictError("round_closed", _("This round is closed or past its deadline."))


def do_answer(rnd: OpinionRound, *, actor: User, choice: str, comment: str = "",
              upload: UploadedFile | None = None) -> OpinionAnswer:
    """Answer (or change one's answer) until the deadline. Checked before the attachment's
    PDF check and again under the round's lock (it may have closed meanwhile)."""
    comment = (comment or "").strip()
    _check_answer(round_access(actor, rnd.pk), choice, comment)
    checked = (intake_pdf(upload, name=getattr(upload, "name", ""), purpose=Purpose.OPINION_ATTACHMENT)
               if upload is not None else None)
    with FileGuard() as guard, transaction.atomic(durable=True):
        access = lock_round(rnd, actor=actor)
        _check_answer(access, choice, comment)
        rnd = access.round
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


@transaction.atomic(durable=True)
def do_remind(rnd: OpinionRound, *, actor: User) -> int:
    access = lock_round(rnd, actor=actor)
    require_manager(access)
    rnd = access.round
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


@transaction.atomic(durable=True)
def do_close_round(rnd: OpinionRound, *, actor: User) -> OpinionRound:
    access = lock_round(rnd, actor=actor)
    require_manager(access)
    rnd = access.round
    if rnd.status == OpinionRound.Status.CLOSED:
        raise ConflictError("round_closed", _("This round is already closed."))
    rnd.status, rnd.closed_at = OpinionRound.Status.CLOSED, timezone.now()
    rnd.save(update_fields=["status", "closed_at"])
    record_audit(actor=actor, action="opinion.close", obj=rnd)
    return rnd


@transaction.atomic(durable=True)
def do_record_export(rnd: OpinionRound, *, actor: User, fmt: str) -> None:
    """The audit row of a CSV summary sent (the PDF report's row is its delivery's)."""
    require_manager(round_access(actor, rnd.pk))
    record_audit(actor=actor, action="opinion.export", obj=rnd, details={"format": fmt})


def summary(rnd: OpinionRound) -> dict[str, Any]:
    """Everything the secretary's page and the CSV/PDF exports show, in one place."""
    recipients = list(OpinionRecipient.objects.filter(round=rnd).select_related("user", "user__unit"))
    answers = {a.user_id: a for a in OpinionAnswer.objects.filter(round=rnd)}
    rows = []
    tally = {c: 0 for c in OpinionAnswer.Choice.values}
    for r in recipients:
        answer = answers.get(r.user_id)
        if answer:
            tally[answer.choice] += 1
        rows.append({"user": r.user, "unit": r.user.unit.name if r.user.unit is not None else "", "answer": answer,
                     "reminded_at": r.reminded_at})
    return {"round": rnd, "rows": rows, "tally": tally, "asked": len(recipients),
            "answered": len(answers), "not_answered": len(recipients) - len(answers)}
