"""Read-only queries of follow-up tasks that pages and the API share: my tasks, the board per
unit in charge (fn136) with its counts, a task with its reports. A fixed number of queries each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.models import User
from meetings.access import TaskAccess, board_tasks, tasks_assigned_to
from meetings.models import FollowUpTask, TaskReport
from meetings.schemas_followup import BoardFilterIn
from meetings.serializers import iso

BOARD_LIMIT = 2000  # tasks listed on the board (the counts cover every task that matches)
MINE_LIMIT = 500
HOME_LIMIT = 10
RELATED = ("meeting", "item", "assignee_unit", "assignee")
OPEN = FollowUpTask.Status.OPEN
DONE = FollowUpTask.Status.DONE


def with_related(tasks: QuerySet) -> QuerySet:
    return tasks.select_related(*RELATED)


def task_dict(task: FollowUpTask, today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    assignee = task.assignee
    return {
        "id": task.pk, "meeting": task.meeting_id, "meeting_title": task.meeting.title, "item": task.item_id,
        "title": task.title, "description": task.description, "unit": task.assignee_unit_id,
        "unit_name": task.assignee_unit.name if task.assignee_unit is not None else "",
        "assignee": task.assignee_id,
        "assignee_name": (assignee.full_name or assignee.username) if assignee is not None else "",
        "deadline": task.deadline.isoformat(), "status": task.status, "progress": task.progress,
        "overdue": task.is_overdue(today), "done_late": task.done_late(), "completed_at": iso(task.completed_at),
        "cancel_reason": task.cancel_reason, "url": reverse("task_detail", args=[task.pk]),
    }


def reports_of(task: FollowUpTask) -> list[TaskReport]:
    """The task's reports with their authors and files (two queries)."""
    return list(TaskReport.objects.filter(task=task).select_related("author").prefetch_related("attachments"))


def report_dict(task: FollowUpTask, report: TaskReport) -> dict[str, Any]:
    return {
        "id": report.pk, "author": report.author_id,
        "author_name": report.author.full_name or report.author.username, "created_at": iso(report.created_at),
        "comment": report.comment, "progress": report.progress, "marks_done": report.marks_done,
        "attachments": [{"id": a.pk, "title": a.title, "size": a.size, "sha256": a.sha256,
                         "url": reverse("task_file", args=[task.pk, a.pk])} for a in report.attachments.all()],
    }


def task_detail_dict(access: TaskAccess) -> dict[str, Any]:
    task = access.task
    return {**task_dict(task), "created_by": task.created_by_id, "created_at": iso(task.created_at),
            "may_issue": access.issues, "may_report": access.reports and task.status == OPEN,
            "reports": [report_dict(task, r) for r in reports_of(task)]}


# --- my tasks -------------------------------------------------------------------------------

def my_tasks(user: User, status: str = "open", *, limit: int = MINE_LIMIT) -> list[FollowUpTask]:
    """Tasks given to `user` (in person, or to a unit whose work they run), soonest deadline first."""
    tasks = tasks_assigned_to(user)
    if status != "all":
        tasks = tasks.filter(status=status)
    return list(with_related(tasks).order_by("deadline", "pk")[:limit])


# --- the board --------------------------------------------------------------------------------

def _counts() -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "open": Count("pk", filter=Q(status=OPEN)),
        "overdue": Count("pk", filter=Q(status=OPEN, deadline__lt=today)),
        "done": Count("pk", filter=Q(status=DONE)),
        "done_late": Count("pk", filter=Q(status=DONE, completed_at__date__gt=F("deadline"))),
        "cancelled": Count("pk", filter=Q(status=FollowUpTask.Status.CANCELLED)),
    }


COUNT_KEYS = ("open", "overdue", "done", "done_late", "cancelled")


def filtered_board(user: User, filters: BoardFilterIn) -> QuerySet:
    tasks = board_tasks(user)
    if filters.unit is not None:
        tasks = tasks.filter(assignee_unit_id=filters.unit)
    if filters.status is not None:
        tasks = tasks.filter(status=filters.status)
    if filters.overdue:
        tasks = tasks.filter(status=OPEN, deadline__lt=timezone.localdate())
    if filters.since is not None:
        tasks = tasks.filter(deadline__gte=filters.since)
    if filters.until is not None:
        tasks = tasks.filter(deadline__lte=filters.until)
    if filters.meeting is not None:
        tasks = tasks.filter(meeting_id=filters.meeting)
    return tasks


@dataclass
class BoardGroup:
    unit: int | None
    name: str
    counts: dict[str, int]
    tasks: list[FollowUpTask] = field(default_factory=list)


@dataclass
class Board:
    groups: list[BoardGroup]
    totals: dict[str, int]
    truncated: bool
    units: list[tuple[int, str]]      # the filter's choices: units in charge on the board
    meetings: list[tuple[int, str]]   # and meetings


def board(user: User, filters: BoardFilterIn) -> Board:
    """The tasks grouped by unit in charge (a task given to a person alone: its own group), the
    counts per unit, the filter's choices. Five queries whatever the number of tasks."""
    tasks = filtered_board(user, filters)
    counts = {row["assignee_unit"]: row for row in
              tasks.order_by().values("assignee_unit", "assignee_unit__name").annotate(**_counts())}
    rows = list(with_related(tasks).order_by("assignee_unit__name", "deadline", "pk")[:BOARD_LIMIT + 1])
    truncated = len(rows) > BOARD_LIMIT
    groups: dict[int | None, BoardGroup] = {}
    for unit_id, row in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[1]["assignee_unit__name"] or "")):
        groups[unit_id] = BoardGroup(unit_id, row["assignee_unit__name"] or _("Persons in charge (no unit)"),
                                     {k: row[k] for k in COUNT_KEYS})
    for task in rows[:BOARD_LIMIT]:
        groups[task.assignee_unit_id].tasks.append(task)
    totals = {k: sum(g.counts[k] for g in groups.values()) for k in COUNT_KEYS}
    everything = board_tasks(user).order_by()
    units = sorted({(u, n) for u, n in everything.filter(assignee_unit__isnull=False)
                    .values_list("assignee_unit_id", "assignee_unit__name").distinct()}, key=lambda p: p[1])
    meetings = list(everything.values_list("meeting_id", "meeting__title").distinct().order_by("meeting__title")[:300])
    return Board(list(groups.values()), totals, truncated, units, meetings)


def board_dict(data: Board) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "units": [{"unit": g.unit, "name": g.name, "counts": g.counts, "tasks": [task_dict(t, today) for t in g.tasks]}
                  for g in data.groups],
        "totals": data.totals, "truncated": data.truncated,
    }
