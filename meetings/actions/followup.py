"""Follow-up of conclusions (fn135): tasks a meeting's conclusion gives to a unit or a person,
the assignees' progress reports (with attachments) and marking done; the issuing office edits,
cancels and reopens. Who may do what: meetings/access.py (follow-up block).

Reports with files are not one durable block around everything: who may report is settled
first, then every file is checked by the intake (a sandboxed process, seconds for a large file)
outside any transaction, and the change is one durable block with the files under a FileGuard.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError, NotFoundError, PermissionDeniedError
from ecabinet.inputs import clean_file_name, field_error
from ecabinet.intake import CheckedPdf, Purpose, intake_pdf
from ecabinet.models import Unit, User
from ecabinet.text import as_one_line, require_one_line
from meetings.access import (
    TASK_FILES_MAX,
    TASK_TEXT_MAX,
    TASK_TITLE_MAX,
    lock_task,
    require_task_issuer,
    require_task_reporter,
    task_access,
    task_assignees,
    task_issuers,
    task_meeting,
)
from meetings.actions.documents import FileGuard
from meetings.models import AgendaItem, FollowUpTask, Meeting, TaskAttachment, TaskReport
from meetings.models.followup import task_attachment_path

# Tasks are given from a conclusion: while the meeting runs or after it ended.
TASK_MEETING_STATUSES = (Meeting.Status.IN_PROGRESS, Meeting.Status.ENDED)


def task_url(task: FollowUpTask) -> str:
    return reverse("task_detail", args=[task.pk])


# --- checks shared by giving and editing -------------------------------------------------------

def _text(value: str | None, field: str, *, limit: int = TASK_TEXT_MAX) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise field_error(field, _("This text is too long (at most %(count)d characters).") % {"count": limit},
                          code="too_long")
    return text


def _title(value: str | None) -> str:
    require_one_line(value)
    title = _text(value, "title", limit=TASK_TITLE_MAX)
    if not title:
        raise field_error("title", _("Give the task a title."), code="bad_title")
    return title


def _deadline(value: date | None, *, unchanged_from: date | None = None) -> date:
    if value is None:
        raise field_error("deadline", _("Give the task a deadline."), code="bad_deadline")
    if value < timezone.localdate() and value != unchanged_from:
        raise field_error("deadline", _("The deadline cannot be in the past."), code="bad_deadline")
    return value


def _assignees(unit: Unit | None, assignee: User | None) -> None:
    if unit is None and assignee is None:
        raise field_error("assignee", _("Choose the unit or the person in charge (or both)."), code="no_assignee")


def _item_of(meeting: Meeting, item: AgendaItem | None) -> AgendaItem | None:
    if item is None:
        return None
    fresh = AgendaItem.objects.filter(meeting=meeting, pk=item.pk).first()
    if fresh is None:
        raise NotFoundError(_("Agenda item not found."))
    return fresh


def _require_open(task: FollowUpTask) -> None:
    if task.status != FollowUpTask.Status.OPEN:
        raise ConflictError("task_closed", _("This task is no longer in progress."))


def _tell_assignees(task: FollowUpTask, people: Sequence[User], *, kind: str, title: str, body: str = "") -> None:
    notify_users(people, kind=kind, title=title, body=body, url=task_url(task))


def _deadline_text(task: FollowUpTask) -> str:
    return _("Deadline: %(date)s.") % {"date": task.deadline.strftime("%d/%m/%Y")}


# --- the issuing office ------------------------------------------------------------------------

@transaction.atomic(durable=True)
def do_create_task(meeting: Meeting, item: AgendaItem | None = None, *, actor: User, title: str,
                   description: str = "", unit: Unit | None = None, assignee: User | None = None,
                   deadline: date | None) -> FollowUpTask:
    """A task from the meeting's conclusion (or `item`'s) to a unit and/or a person; they are told."""
    meeting, may_assign = task_meeting(actor, meeting.pk, for_update=True)
    if not may_assign:
        raise PermissionDeniedError(_("Only those running the meeting or its unit's office may give tasks from it."))
    if meeting.status not in TASK_MEETING_STATUSES:
        raise ConflictError("bad_status", _("Tasks are given from a conclusion: once the meeting has started."))
    task = FollowUpTask(meeting=meeting, item=_item_of(meeting, item), title=_title(title),
                        description=_text(description, "description"), assignee_unit=unit, assignee=assignee,
                        deadline=_deadline(deadline), created_by=actor)
    _assignees(unit, assignee)
    task.save()
    record_audit(actor=actor, action="task.create", obj=task, details={
        "meeting": meeting.pk, "item": task.item_id, "unit": task.assignee_unit_id, "assignee": task.assignee_id,
        "deadline": task.deadline.isoformat()})
    _tell_assignees(task, task_assignees(task), kind="task.assigned",
                    title=_("New task: “%(title)s”") % {"title": task.title},
                    body=" ".join([_("Given by the conclusion of the meeting “%(meeting)s”.") % {"meeting": meeting.title},
                                   _deadline_text(task)]))
    return task


@transaction.atomic(durable=True)
def do_edit_task(task: FollowUpTask, *, actor: User, title: str, description: str = "", unit: Unit | None = None,
                 assignee: User | None = None, deadline: date | None, item: AgendaItem | None = None) -> FollowUpTask:
    """Change an open task; whoever it is newly given to is told, and so are the others when the
    deadline moves."""
    access = lock_task(task, actor=actor)
    require_task_issuer(access)
    task = access.task
    _require_open(task)
    before = {"title": task.title, "unit": task.assignee_unit_id, "assignee": task.assignee_id,
              "deadline": task.deadline.isoformat(), "item": task.item_id}
    old_people = {u.pk for u in task_assignees(task)}
    task.title, task.description = _title(title), _text(description, "description")
    task.deadline = _deadline(deadline, unchanged_from=task.deadline)
    _assignees(unit, assignee)
    task.assignee_unit, task.assignee = unit, assignee
    task.item = _item_of(task.meeting, item)
    task.save(update_fields=["title", "description", "deadline", "assignee_unit", "assignee", "item"])
    after = {"title": task.title, "unit": task.assignee_unit_id, "assignee": task.assignee_id,
             "deadline": task.deadline.isoformat(), "item": task.item_id}
    record_audit(actor=actor, action="task.edit", obj=task,
                 details={"before": before, "after": after})
    people = task_assignees(task)
    new = [u for u in people if u.pk not in old_people]
    if new:
        _tell_assignees(task, new, kind="task.assigned", title=_("New task: “%(title)s”") % {"title": task.title},
                        body=_deadline_text(task))
    if before["deadline"] != after["deadline"]:
        _tell_assignees(task, [u for u in people if u.pk in old_people], kind="task.changed",
                        title=_("Task deadline changed: “%(title)s”") % {"title": task.title}, body=_deadline_text(task))
    return task


@transaction.atomic(durable=True)
def do_cancel_task(task: FollowUpTask, *, actor: User, reason: str) -> FollowUpTask:
    access = lock_task(task, actor=actor)
    require_task_issuer(access)
    task = access.task
    _require_open(task)
    reason = _text(reason, "reason")
    if not reason:
        raise field_error("reason", _("Say why the task is cancelled."), code="bad_reason")
    task.status, task.cancel_reason = FollowUpTask.Status.CANCELLED, reason
    task.save(update_fields=["status", "cancel_reason"])
    record_audit(actor=actor, action="task.cancel", obj=task, details={"reason": reason})
    _tell_assignees(task, task_assignees(task), kind="task.cancelled",
                    title=_("Task cancelled: “%(title)s”") % {"title": task.title}, body=reason)
    return task


@transaction.atomic(durable=True)
def do_reopen_task(task: FollowUpTask, *, actor: User, reason: str = "") -> FollowUpTask:
    """A done (not accepted) or cancelled task is in progress again, at the progress last
    reported before it was marked done."""
    access = lock_task(task, actor=actor)
    require_task_issuer(access)
    task = access.task
    if task.status == FollowUpTask.Status.OPEN:
        raise ConflictError("task_open", _("This task is already in progress."))
    reason = _text(reason, "reason")
    previous = task.status
    last = (TaskReport.objects.filter(task=task, marks_done=False, progress__isnull=False)
            .order_by("-created_at", "-pk").values_list("progress", flat=True).first())
    task.status, task.progress = FollowUpTask.Status.OPEN, last or 0
    task.completed_at = task.completed_by = None
    task.cancel_reason = ""
    task.save(update_fields=["status", "progress", "completed_at", "completed_by", "cancel_reason"])
    record_audit(actor=actor, action="task.reopen", obj=task, details={"from": previous, "reason": reason})
    _tell_assignees(task, task_assignees(task), kind="task.reopened",
                    title=_("Task reopened: “%(title)s”") % {"title": task.title},
                    body=" ".join(filter(None, [reason, _deadline_text(task)])))
    return task


# --- the assignees ------------------------------------------------------------------------------

def _check_files(uploads: Sequence[UploadedFile]) -> list[tuple[UploadedFile, CheckedPdf]]:
    files = [u for u in uploads if u is not None]
    if len(files) > TASK_FILES_MAX:
        raise field_error("file", _("At most %(count)d files per report.") % {"count": TASK_FILES_MAX},
                          code="too_many_files")
    return [(u, intake_pdf(u, name=getattr(u, "name", ""), purpose=Purpose.TASK_ATTACHMENT)) for u in files]


def _report(task: FollowUpTask, *, actor: User, comment: str, progress: int | None, done: bool,
            checked: list[tuple[UploadedFile, CheckedPdf]], guard: FileGuard) -> TaskReport:
    """The report and its files, inside the caller's durable block and FileGuard."""
    access = lock_task(task, actor=actor)
    require_task_reporter(access)
    task = access.task
    _require_open(task)
    comment = _text(comment, "comment")
    if progress is not None and not 0 <= progress <= 100:
        raise field_error("progress", _("Progress is a percentage from 0 to 100."), code="bad_progress")
    if done:
        progress = 100
    elif not comment and progress is None and not checked:
        raise field_error("comment", _("Write what was done, give the progress or attach a file."),
                          code="empty_report")
    report = TaskReport.objects.create(task=task, author=actor, comment=comment, progress=progress,
                                       marks_done=done)
    files = []
    for upload, result in checked:
        name = clean_file_name(getattr(upload, "name", ""), default="PDF")
        attachment = TaskAttachment(report=report, title=as_one_line(name)[:255] or "PDF",
                                    sha256=result.sha256, size=result.size)
        attachment.file.name = guard.save(task_attachment_path(attachment, ""), result.pdf_file(upload))
        attachment.save()
        files.append(attachment)
    fields = []
    if progress is not None:
        task.progress = progress
        fields.append("progress")
    if done:
        task.status, task.completed_at, task.completed_by = FollowUpTask.Status.DONE, timezone.now(), actor
        fields += ["status", "completed_at", "completed_by"]
    if fields:
        task.save(update_fields=fields)
    record_audit(actor=actor, action="task.done" if done else "task.report", obj=task, details={
        "report": report.pk, "progress": progress,
        "files": [{"id": f.pk, "sha256": f.sha256, "size": f.size} for f in files]})
    names = {"title": task.title, "name": actor.full_name or actor.username}
    if done:
        title = _("Task done: “%(title)s” (%(name)s)") % names
    else:
        title = _("Progress reported on “%(title)s” (%(name)s)") % names
    body = " ".join(filter(None, [_("Progress: %(progress)d%%.") % {"progress": task.progress}, comment[:500]]))
    notify_users([u for u in task_issuers(task) if u.pk != actor.pk],
                 kind="task.done" if done else "task.reported", title=title, body=body, url=task_url(task))
    return report


def _may_report(task: FollowUpTask, actor: User) -> None:
    """Before the files are checked: refuse now whoever could not report anyway."""
    access = task_access(actor, task.pk)
    require_task_reporter(access)
    _require_open(access.task)


def do_report_task(task: FollowUpTask, *, actor: User, comment: str = "", progress: int | None = None,
                   uploads: Sequence[UploadedFile] = ()) -> TaskReport:
    """A progress report: a comment, the progress (%), attachments (PDF or office documents)."""
    _may_report(task, actor)
    checked = _check_files(uploads)
    with FileGuard() as guard, transaction.atomic(durable=True):
        return _report(task, actor=actor, comment=comment, progress=progress, done=False, checked=checked,
                       guard=guard)


def do_complete_task(task: FollowUpTask, *, actor: User, comment: str = "",
                     uploads: Sequence[UploadedFile] = ()) -> TaskReport:
    """Mark the task done (progress 100), with an optional last comment and files."""
    _may_report(task, actor)
    checked = _check_files(uploads)
    with FileGuard() as guard, transaction.atomic(durable=True):
        return _report(task, actor=actor, comment=comment, progress=None, done=True, checked=checked, guard=guard)
