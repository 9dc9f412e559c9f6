"""Follow-up pages (fn135, fn136): my tasks, the board per unit in charge (and its CSV), a task
(its reports, the report and "done" forms for the assignees, edit/cancel/reopen for the issuing
office), a report's attachment, and a meeting's tasks with the form that gives one.

Refusals propagate to `ecabinet.refusals` (a 404 for what the user may not see; a refused form
comes back with its message)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.models import Unit
from ecabinet.refusals import FormPage, refusal_response
from meetings.access import (
    TASK_FILES_MAX,
    TaskAccess,
    may_see_task_board,
    task_access,
    task_attachment_in,
    task_meeting,
    tasks_visible_to,
)
from meetings.actions import followup as actions
from meetings.api.followup import board_csv, create_task, edit_task, report_on_task, require_board
from meetings.delivery import deliver_task_attachment
from meetings.models import AgendaItem, FollowUpTask
from meetings.schemas_followup import BoardFilterIn, TaskFormIn, TaskListIn, TaskReasonIn
from meetings.selectors_followup import board, my_tasks, reports_of, with_related

STATUS_CHOICES = FollowUpTask.Status.choices
ACCEPT = "application/pdf,.pdf,.docx,.doc,.odt,.rtf,.xlsx,.pptx"


def _choices() -> dict[str, Any]:
    """The form's units (any unit of the installation). The person in charge is a username that
    the people lookup completes as one types: the page never lists the installation's people."""
    return {"units": Unit.objects.order_by("name").only("pk", "name")}


@login_required
def my_tasks_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = parse_input(TaskListIn, request.GET)
    return render(request, "meetings/followup/mine.html", {
        "tasks": my_tasks(request.user, filters.status), "status": filters.status, "statuses": STATUS_CHOICES,
        "today": timezone.localdate(), "may_board": may_see_task_board(request.user),
    })


@login_required
def board_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_board(request)
    filters = parse_input(BoardFilterIn, request.GET)
    return render(request, "meetings/followup/board.html", {
        "board": board(request.user, filters), "filters": filters, "statuses": STATUS_CHOICES,
        "today": timezone.localdate(), "query": request.GET.urlencode(),
    })


@login_required
def board_csv_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return board_csv(request, parse_input(BoardFilterIn, request.GET))


def _task_context(access: TaskAccess) -> dict[str, Any]:
    task = access.task
    context: dict[str, Any] = {
        "task": task, "access": access, "reports": reports_of(task), "today": timezone.localdate(),
        "may_report": access.reports and task.status == FollowUpTask.Status.OPEN,
        "accept": ACCEPT, "files_max": TASK_FILES_MAX,
    }
    if access.issues:
        context.update(_choices())
        context["items"] = AgendaItem.objects.filter(meeting=task.meeting).only("pk", "title", "meeting_id")
        person = task.assignee
        context["edit_values"] = {"title": task.title, "description": task.description, "item": task.item_id or "",
                                  "unit": task.assignee_unit_id or "", "deadline": task.deadline.isoformat(),
                                  "assignee": person.username if person else "",
                                  "assignee_name": (person.full_name or person.username) if person else ""}
    return context


@login_required
def task_page(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    return render(request, "meetings/followup/detail.html", _task_context(task_access(request.user, task_id)))


TASK_ACTIONS = ("report", "done", "edit", "cancel", "reopen")


@login_required
@require_POST
def task_action(request: AuthenticatedHttpRequest, task_id: int, action: str) -> HttpResponse:
    if action not in TASK_ACTIONS:
        raise Http404
    access = task_access(request.user, task_id)
    try:
        message = _run(request, access, action)
    except ActionError as exc:
        if exc.status not in (400, 409, 413, 415):
            raise
        context = {**_task_context(task_access(request.user, task_id)), "form": request.POST, "failed": action}
        return refusal_response(request, exc, form=FormPage("meetings/followup/detail.html", context))
    messages.success(request, message)
    return redirect(reverse("task_detail", args=[task_id]))


def _run(request: AuthenticatedHttpRequest, access: TaskAccess, action: str) -> str:
    if action == "report":
        report_on_task(request, access.task.pk, done=False)
        return _("Your progress report was sent.")
    if action == "done":
        report_on_task(request, access.task.pk, done=True)
        return _("The task is marked done.")
    if action == "edit":
        edit_task(request, access.task.pk, parse_input(TaskFormIn, request.POST))
        return _("The task was changed.")
    reason = parse_input(TaskReasonIn, request.POST).reason
    if action == "cancel":
        actions.do_cancel_task(access.task, actor=request.user, reason=reason)
        return _("The task was cancelled.")
    actions.do_reopen_task(access.task, actor=request.user, reason=reason)
    return _("The task is in progress again.")


@login_required
def task_file(request: AuthenticatedHttpRequest, task_id: int, task_attachment_id: int) -> HttpResponseBase:
    access = task_access(request.user, task_id)
    return deliver_task_attachment(request, access, task_attachment_in(access, task_attachment_id))


def _meeting_context(request: AuthenticatedHttpRequest, meeting_id: int) -> dict[str, Any]:
    meeting, may_assign = task_meeting(request.user, meeting_id)
    tasks = list(with_related(tasks_visible_to(request.user).filter(meeting=meeting)).order_by("deadline", "pk"))
    context: dict[str, Any] = {
        "meeting": meeting, "may_assign": may_assign, "tasks": tasks, "today": timezone.localdate(),
        "items": AgendaItem.objects.filter(meeting=meeting).only("pk", "title", "meeting_id"),
        "open_for_tasks": meeting.status in actions.TASK_MEETING_STATUSES,
    }
    if may_assign:
        context.update(_choices())
    return context


@login_required
def meeting_tasks_page(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    if request.method == "POST":
        try:
            task = create_task(request, meeting_id, parse_input(TaskFormIn, request.POST))
        except ActionError as exc:
            if exc.status not in (400, 409):
                raise
            context = {**_meeting_context(request, meeting_id), "form": request.POST}
            return refusal_response(request, exc, form=FormPage("meetings/followup/meeting.html", context))
        messages.success(request, _("The task was given; those in charge were told."))
        return redirect(reverse("meeting_tasks", args=[meeting_id]) + f"#task-{task.pk}")
    return render(request, "meetings/followup/meeting.html", {**_meeting_context(request, meeting_id),
                                                               "form": request.GET})


urlpatterns: list[URLPattern] = [
    path("tasks/", my_tasks_page, name="my_tasks"),
    path("tasks/board/", board_page, name="task_board"),
    path("tasks/board.csv", board_csv_page, name="task_board_csv"),
    path("tasks/<int:task_id>/", task_page, name="task_detail"),
    path("tasks/<int:task_id>/files/<int:task_attachment_id>/", task_file, name="task_file"),
    path("tasks/<int:task_id>/<slug:action>/", task_action, name="task_action"),
    path("meetings/<int:meeting_id>/tasks/", meeting_tasks_page, name="meeting_tasks"),
]
