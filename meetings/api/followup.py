"""Follow-up tasks of conclusions (fn135, fn136): my tasks, the board, a task, giving, editing,
reporting progress (with files), marking done, cancelling and reopening. The pages
(meetings/views/followup.py) call the same functions."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ecabinet.api_docs import file_response
from ecabinet.errors import ActionError, PermissionDeniedError
from ecabinet.exports import csv_response
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Id, parse_input, refuse_nul
from meetings.access import (
    agenda_item_for,
    may_see_task_board,
    task_access,
    task_meeting,
    task_unit,
)
from meetings.actions import followup as actions
from meetings.api.documents import check_content_length
from meetings.models import FollowUpTask, TaskReport
from meetings.schemas import multipart_body
from meetings.schemas_followup import (
    BoardFilterIn,
    BoardOut,
    TaskDetailOut,
    TaskDoneIn,
    TaskFormIn,
    TaskIn,
    TaskListIn,
    TaskListOut,
    TaskReasonIn,
    TaskReportIn,
    TaskReportOut,
)
from meetings.selectors_followup import (
    board,
    board_dict,
    filtered_board,
    my_tasks,
    report_dict,
    task_detail_dict,
    task_dict,
    with_related,
)

router: Router = Router(tags=["follow-up tasks"])


# ---- shared with the pages -------------------------------------------------------------------

def create_task(request: AuthenticatedHttpRequest, meeting_id: int, data: TaskIn | TaskFormIn) -> FollowUpTask:
    meeting, _may_assign = task_meeting(request.user, meeting_id)
    item = agenda_item_for(request.user, data.item, meeting=meeting) if data.item is not None else None
    return actions.do_create_task(meeting, item, actor=request.user, title=data.title, description=data.description,
                                  unit=task_unit(data.unit), assignee=data.person(),
                                  deadline=data.deadline)


def edit_task(request: AuthenticatedHttpRequest, task_id: int, data: TaskIn | TaskFormIn) -> FollowUpTask:
    task = task_access(request.user, task_id).task
    item = agenda_item_for(request.user, data.item, meeting=task.meeting) if data.item is not None else None
    return actions.do_edit_task(task, actor=request.user, title=data.title, description=data.description,
                                unit=task_unit(data.unit), assignee=data.person(),
                                deadline=data.deadline, item=item)


def _json_body(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ActionError("bad_request", _("The request is not valid.")) from None
    if not isinstance(body, dict):
        raise ActionError("bad_request", _("The request is not valid."))
    refuse_nul(body)
    return body


def report_on_task(request: AuthenticatedHttpRequest, task_id: int, *, done: bool) -> TaskReport:
    """The page's and the API's report (or "done"): a form with files `file` (repeated), or JSON."""
    check_content_length(request)
    uploads: list[Any] = []
    if request.content_type == "application/json":
        fields: Any = _json_body(request)
    else:
        fields = request.POST
        uploads = request.FILES.getlist("file")
    if done:
        finished = parse_input(TaskDoneIn, fields)
        task = task_access(request.user, task_id).task
        return actions.do_complete_task(task, actor=request.user, comment=finished.comment, uploads=uploads)
    data = parse_input(TaskReportIn, fields)
    task = task_access(request.user, task_id).task
    return actions.do_report_task(task, actor=request.user, comment=data.comment, progress=data.progress,
                                  uploads=uploads)


def board_csv(request: AuthenticatedHttpRequest, filters: BoardFilterIn) -> HttpResponse:
    require_board(request)
    tasks = with_related(filtered_board(request.user, filters)).order_by("assignee_unit__name", "deadline", "pk")
    header = [_("Unit in charge"), _("Person in charge"), _("Task"), _("Meeting"), _("Deadline"), _("Status"),
              _("Progress (%)"), _("Overdue"), _("Done late"), _("Completed at")]

    def line(task) -> list:
        row = task_dict(task)
        return [row["unit_name"], row["assignee_name"], task.title, task.meeting.title,
                task.deadline.strftime("%d/%m/%Y"), task.get_status_display(), task.progress,
                _("yes") if row["overdue"] else "", _("yes") if row["done_late"] else "",
                task.completed_at.strftime("%d/%m/%Y") if task.completed_at else ""]

    return csv_response("tasks.csv", header, (line(task) for task in tasks.iterator(chunk_size=500)))


def require_board(request: AuthenticatedHttpRequest) -> None:
    if not may_see_task_board(request.user):
        raise PermissionDeniedError(_("The task board is for the office that gives the tasks."))


def _detail(request: AuthenticatedHttpRequest, task_id: int) -> dict[str, Any]:
    return task_detail_dict(task_access(request.user, task_id))


# ---- endpoints ---------------------------------------------------------------------------------

@router.get("/tasks", response=TaskListOut, summary="Tasks given to me (in person or to a unit whose work I run)")
def list_my_tasks(request: AuthenticatedHttpRequest, filters: Query[TaskListIn]):
    return {"tasks": [task_dict(t) for t in my_tasks(request.user, filters.status)]}


@router.get("/tasks/board", response=BoardOut, summary="The board: tasks per unit in charge, with counts")
def get_board(request: AuthenticatedHttpRequest, filters: Query[BoardFilterIn]):
    require_board(request)
    return board_dict(board(request.user, filters))


@router.get("/tasks/board.csv", summary="The board as CSV (UTF-8 with BOM)", response={200: None},
            openapi_extra=file_response("text/csv", "The board's tasks as CSV"))
def get_board_csv(request: AuthenticatedHttpRequest, filters: Query[BoardFilterIn]):
    return board_csv(request, filters)


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="A task with its progress reports")
def get_task(request: AuthenticatedHttpRequest, task_id: Id):
    return _detail(request, task_id)


@router.post("/meetings/{meeting_id}/tasks", response={201: TaskDetailOut},
             summary="Give a task from the meeting's conclusion (or an item's)")
def post_task(request: AuthenticatedHttpRequest, meeting_id: Id, payload: TaskIn):
    task = create_task(request, meeting_id, payload)
    return Status(201, _detail(request, task.pk))


@router.patch("/tasks/{task_id}", response=TaskDetailOut, summary="Change an open task (the issuing office)")
def patch_task(request: AuthenticatedHttpRequest, task_id: Id, payload: TaskIn):
    edit_task(request, task_id, payload)
    return _detail(request, task_id)


REPORT_BODY = multipart_body(TaskReportIn, {"file": "attachments, PDF or office documents (repeat the field)"}, [])
REPORT_BODY["requestBody"]["content"]["application/json"] = {"schema": TaskReportIn.model_json_schema()}
DONE_BODY = multipart_body(TaskDoneIn, {"file": "attachments, PDF or office documents (repeat the field)"}, [])
DONE_BODY["requestBody"]["content"]["application/json"] = {"schema": TaskDoneIn.model_json_schema()}


@router.post("/tasks/{task_id}/reports", response={201: TaskReportOut}, openapi_extra=REPORT_BODY,
             summary="Report progress: a comment, the progress (%), attachments")
def post_report(request: AuthenticatedHttpRequest, task_id: Id):
    report = report_on_task(request, task_id, done=False)
    return Status(201, report_dict(report.task, report))


@router.post("/tasks/{task_id}/done", response=TaskDetailOut, openapi_extra=DONE_BODY,
             summary="Mark the task done (progress 100%)")
def post_done(request: AuthenticatedHttpRequest, task_id: Id):
    report_on_task(request, task_id, done=True)
    return _detail(request, task_id)


@router.post("/tasks/{task_id}/cancel", response=TaskDetailOut, summary="Cancel an open task (the issuing office)")
def post_cancel(request: AuthenticatedHttpRequest, task_id: Id, payload: TaskReasonIn):
    actions.do_cancel_task(task_access(request.user, task_id).task, actor=request.user, reason=payload.reason)
    return _detail(request, task_id)


@router.post("/tasks/{task_id}/reopen", response=TaskDetailOut,
             summary="Reopen a task done or cancelled (the issuing office)")
def post_reopen(request: AuthenticatedHttpRequest, task_id: Id, payload: TaskReasonIn):
    actions.do_reopen_task(task_access(request.user, task_id).task, actor=request.user, reason=payload.reason)
    return _detail(request, task_id)
