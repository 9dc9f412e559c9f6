"""Input and output shapes of follow-up tasks (fn135, fn136), shared by the pages and the API."""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from ecabinet.inputs import Date, Id
from ecabinet.models import User
from meetings.access import task_assignee
from meetings.schemas import Out, resolve_user

Percent = Annotated[int, Field(ge=0, le=100)]
TaskStatus = Literal["open", "done", "cancelled"]


# --- input -------------------------------------------------------------------------------------

class _TaskFields(Schema):
    """Giving (or editing) a task: the unit and/or the person in charge, and a deadline (a day,
    today or later)."""

    title: str = ""
    description: str = ""
    item: Id | None = Field(None, description="the agenda item whose conclusion gives the task")
    unit: Id | None = Field(None, description="the unit in charge")
    deadline: Date | None = None


class TaskIn(_TaskFields):
    """Giving (or editing) a task through the API: the unit and/or the person in charge (a user
    id), and a deadline (a day, today or later)."""

    assignee: Id | None = Field(None, description="the person in charge (a user id)")

    def person(self) -> User | None:
        """The person in charge: an active account (a 400 otherwise)."""
        return task_assignee(self.assignee)


class TaskFormIn(_TaskFields):
    """The pages' task form: the person in charge by username, a text field that the people
    lookup completes as one types (GET /api/v1/people), so the form works without JavaScript."""

    assignee: str | None = Field(None, description="the person in charge (a username)")

    def person(self) -> User | None:
        """The person in charge: an active account (a 400 naming the field otherwise)."""
        return resolve_user(self.assignee, "assignee")


class TaskReportIn(Schema):
    """A progress report (JSON, or multipart with the files `file`, repeated)."""

    comment: str = ""
    progress: Percent | None = None


class TaskDoneIn(Schema):
    """Marking a task done, with an optional last comment (and files, multipart)."""

    comment: str = ""


class TaskReasonIn(Schema):
    reason: str = ""


class TaskListIn(Schema):
    """My tasks: by status (open by default; `all` for every one)."""

    status: Literal["open", "done", "cancelled", "all"] = "open"


class BoardFilterIn(Schema):
    """The board's filters: the unit in charge, status, only overdue ones, a period of deadlines
    (from, to), a meeting."""

    unit: Id | None = None
    status: TaskStatus | None = None
    overdue: bool = False
    since: Date | None = None
    until: Date | None = None
    meeting: Id | None = None


# --- output ------------------------------------------------------------------------------------

class TaskFileOut(Out):
    id: int
    title: str
    size: int
    sha256: str
    url: str


class TaskReportOut(Out):
    id: int
    author: int
    author_name: str
    created_at: str | None
    comment: str
    progress: int | None
    marks_done: bool
    attachments: list[TaskFileOut]


class TaskOut(Out):
    id: int
    meeting: int
    meeting_title: str
    item: int | None
    title: str
    description: str
    unit: int | None
    unit_name: str
    assignee: int | None
    assignee_name: str
    deadline: str
    status: str
    progress: int
    overdue: bool
    done_late: bool
    completed_at: str | None
    cancel_reason: str
    url: str


class TaskDetailOut(TaskOut):
    created_by: int
    created_at: str | None
    may_issue: bool
    may_report: bool
    reports: list[TaskReportOut]


class TaskListOut(Out):
    tasks: list[TaskOut]


class BoardCountsOut(Out):
    open: int
    overdue: int
    done: int
    done_late: int
    cancelled: int


class BoardUnitOut(Out):
    unit: int | None
    name: str
    counts: BoardCountsOut
    tasks: list[TaskOut]


class BoardOut(Out):
    units: list[BoardUnitOut]
    totals: BoardCountsOut
    truncated: bool
