"""Reminders of follow-up tasks (collector ``task-due``, run by ``manage.py send_reminders``).

To the assignees of an open task (the person in charge and who runs the unit's work):
`settings.TASK_REMINDER_WORKING_DAYS` working days before its deadline (2 by default; working
days skip weekends and Vietnam's holidays, ecabinet/workdays.py), on the day itself, and once when
it is overdue — then the issuing office too. One reminder per task, phase and deadline (keys
``task-due:<task>:<phase>:<deadline>``): a deadline moved later reminds again, a second run never.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecabinet.reminders import register, remind_once
from ecabinet.workdays import add_working_days
from meetings.access import task_assignees, task_issuers
from meetings.actions.followup import task_url
from meetings.models import FollowUpTask


def _remind(task: FollowUpTask, phase: str) -> bool:
    people = task_assignees(task)
    if phase == "overdue":
        people = list({u.pk: u for u in [*people, *task_issuers(task)]}.values())
        title = _("Task overdue: “%(title)s”") % {"title": task.title}
    elif phase == "today":
        title = _("Task due today: “%(title)s”") % {"title": task.title}
    else:
        title = _("Task due soon: “%(title)s”") % {"title": task.title}
    if not people:
        return False
    body = " ".join([
        _("Given by the conclusion of the meeting “%(meeting)s”.") % {"meeting": task.meeting.title},
        _("Deadline: %(date)s.") % {"date": task.deadline.strftime("%d/%m/%Y")},
        _("Progress: %(progress)d%%.") % {"progress": task.progress},
    ])
    return remind_once(f"task-due:{task.pk}:{phase}:{task.deadline.isoformat()}", people, kind="task.due",
                       title=title, body=body, url=task_url(task))


@register("task-due")
def remind_tasks_due(now: datetime) -> int:
    today = timezone.localdate(now)
    horizon = add_working_days(today, settings.TASK_REMINDER_WORKING_DAYS)
    tasks = (FollowUpTask.objects.filter(status=FollowUpTask.Status.OPEN, deadline__lte=horizon)
             .select_related("meeting", "assignee", "assignee_unit", "created_by").order_by("deadline", "pk"))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for task in tasks:
            if task.deadline < today:
                phase = "overdue"
            elif task.deadline == today:
                phase = "today"
            else:
                phase = "before"
            sent += _remind(task, phase)
    return sent
