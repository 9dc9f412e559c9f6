"""Follow-up of conclusions (tender fn135, fn136): tasks a meeting's conclusion assigns to a unit
or a person, with a deadline, and the assignees' progress reports.

A task belongs to the meeting whose conclusion gave it (and optionally to the agenda item); the
issuing office is the meeting's unit. It is assigned to a unit, a person, or both (a person in
charge inside the unit); at least one of the two is set (a database constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ["FollowUpTask", "TaskReport", "TaskAttachment"]


class FollowUpTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("follow-up task", "in progress")
        DONE = "done", pgettext_lazy("follow-up task", "done")
        CANCELLED = "cancelled", pgettext_lazy("follow-up task", "cancelled")

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="followup_tasks")
    item = models.ForeignKey("meetings.AgendaItem", verbose_name=_("agenda item"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="followup_tasks")
    title = models.CharField(_("task"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    assignee_unit = models.ForeignKey("ecabinet.Unit", verbose_name=_("unit in charge"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="followup_tasks")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person in charge"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="followup_tasks")
    deadline = models.DateField(_("deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    # The latest progress an assignee reported, 0-100 (100 once done).
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignee_unit__isnull=False) | models.Q(assignee__isnull=False),
                name="followup_task_has_assignee",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.OPEN and self.deadline < today

    def done_late(self) -> bool:
        return (self.status == self.Status.DONE and self.completed_at is not None
                and timezone.localdate(self.completed_at) > self.deadline)


class TaskReport(models.Model):
    """An assignee's progress report: a comment, optionally a new progress figure, attachments."""

    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True,
                                                validators=[MaxValueValidator(100)])
    # True for the report that marked the task done.
    marks_done = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"report {self.pk} on task {self.task_id}"


def task_attachment_path(instance: TaskAttachment, filename: str) -> str:
    return f"tasks/{instance.sha256[:2]}/{instance.sha256}.pdf"


class TaskAttachment(models.Model):
    """A PDF attached to a progress report, through the one intake (office files converted)."""

    report = models.ForeignKey(TaskReport, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(upload_to=task_attachment_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("task attachment")
        verbose_name_plural = _("task attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title
