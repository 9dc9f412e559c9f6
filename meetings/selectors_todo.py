"""My to-do (fn49): what the signed-in person must do, for the home page and the menu's counts.

Each kind of thing to do is registered here once (`register`) with two reads: `pending(user)`,
one row per thing to do (what the menu counts), and `items(user, limit)`, the first few, soonest
first (what the home page lists). The rules come from the access modules, not a second copy:
invitations answerable while `ANSWERABLE_STATUSES`, opinion rounds `accepting_answers`, tasks
`tasks_assigned_to`. The meetings app registers invitations, opinions and tasks below; the
signing app registers documents to sign in `SigningConfig.ready` (signing may import meetings,
not the other way round, so the registry is how the menu reaches it).

The menu's counts are one query whatever the number of kinds: every kind's `pending` becomes a
`COUNT(*)` subquery of a single SELECT (`todo_counts`). Counting on every page rather than caching
per user: a cache would have to be invalidated by every action that adds or settles something to
do (a dozen, in both apps), and one indexed query per page is what the menu's task count
already cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.menu_counts import MENU_COUNTS_TIMEOUT, menu_counts_key
from ecabinet.models import User
from meetings.access import ANSWERABLE_STATUSES, tasks_assigned_to
from meetings.models import (
    AbsenceStatus,
    FollowUpTask,
    OpinionAnswer,
    OpinionRecipient,
    OpinionRound,
    Participant,
)
from meetings.selectors_followup import my_tasks

HOME_ITEMS = 5  # items listed per kind on the home page (each kind links to its full list)


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str
    note: str            # the short line under the title: when it is, when it is due
    overdue: bool = False
    testid: str = ""


@dataclass(frozen=True)
class TodoKind:
    key: str                                          # "invitations", "signing", "opinions", "tasks"
    label: Any                                        # a lazy translation: the home group's heading
    order: int                                        # the group's place on the home page
    pending: Callable[[User], QuerySet]               # one row per thing to do
    items: Callable[[User, int], list[TodoItem]]      # the first `limit`, soonest first
    see_all: str                                      # the page that lists them all


_KINDS: dict[str, TodoKind] = {}


def register(kind: TodoKind) -> None:
    _KINDS[kind.key] = kind


def kinds() -> list[TodoKind]:
    return sorted(_KINDS.values(), key=lambda k: k.order)


def _count(rows: QuerySet) -> Subquery:
    """`(SELECT COUNT(pk) FROM … WHERE …)`: the rows' count as one column. Not a derived table
    (`SELECT COUNT(*) FROM (<rows>)`): SQLite plans that one ten times slower. The kinds' rows
    are never DISTINCT, so counting their keys is counting them."""
    return Subquery(rows.order_by().annotate(todo_n=Func(F("pk"), function="COUNT")).values("todo_n"),
                    output_field=IntegerField())


def todo_counts(user: User) -> dict[str, int]:
    """Each kind's count and their `total`, in ONE query (nothing for an anonymous visitor)."""
    if not user.is_authenticated:
        return {"total": 0}
    registered = kinds()
    columns = {f"todo_{k.key}": _count(k.pending(user)) for k in registered}
    rows = list(User.objects.filter(pk=user.pk).order_by().annotate(**columns).values(*columns)[:1])
    row = rows[0] if rows else {}
    counts = {k.key: int(row.get(f"todo_{k.key}") or 0) for k in registered}
    counts["total"] = sum(counts.values())
    return counts


def request_todo_counts(request: HttpRequest) -> dict[str, int]:
    """The counts once per request (the home page and the menu of the same page share them),
    from the person's cached menu counts (ecabinet/menu_counts.py says when they are forgotten)."""
    counts = getattr(request, "_todo_counts", None)
    if counts is not None:
        return counts
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"total": 0}
    key = menu_counts_key(user)
    counts = cache.get(key)
    if counts is None:
        counts = todo_counts(user)
        cache.set(key, counts, MENU_COUNTS_TIMEOUT)
    request._todo_counts = counts  # type: ignore[attr-defined]
    return counts


@dataclass(frozen=True)
class TodoGroup:
    kind: TodoKind
    count: int
    items: list[TodoItem]


def todo_groups(request: HttpRequest, *, limit: int = HOME_ITEMS) -> list[TodoGroup]:
    """The home page's groups with something to do, each with its count and first items (one
    query for the counts, one per kind that has items)."""
    counts = request_todo_counts(request)  # the menu's: the same numbers on the same page
    user = request.user
    return [TodoGroup(k, counts[k.key], k.items(user, limit))  # type: ignore[arg-type]
            for k in kinds() if counts.get(k.key)]


def _day(value: datetime | date) -> str:
    return (timezone.localtime(value) if isinstance(value, datetime) else value).strftime("%d/%m/%Y")


def _moment(value: datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


# --- invitations to answer --------------------------------------------------------------------

def invitations_to_answer(user: User) -> QuerySet[Participant]:
    """My invitations not answered yet, of meetings still answerable and not over. An absence
    request waiting for the chair is an answer given (the chair decides next)."""
    return (Participant.objects.filter(user_id=user.pk, response=Participant.Response.PENDING,
                                       meeting__status__in=ANSWERABLE_STATUSES,
                                       meeting__ends_at__gte=timezone.now())
            .exclude(absence_status=AbsenceStatus.PENDING))


def _invitation_items(user: User, limit: int) -> list[TodoItem]:
    rows = invitations_to_answer(user).select_related("meeting").order_by("meeting__starts_at", "pk")[:limit]
    return [TodoItem(title=p.meeting.title, url=p.meeting.get_absolute_url(),
                     note=_("Meets at %(when)s") % {"when": _moment(p.meeting.starts_at)},
                     testid=f"todo-invitation-{p.meeting_id}") for p in rows]


# --- written opinions due ---------------------------------------------------------------------

def opinions_to_give(user: User) -> QuerySet[OpinionRecipient]:
    """Rounds asking me that still accept answers and that I have not answered."""
    answered = OpinionAnswer.objects.filter(round_id=OuterRef("round_id"), user_id=user.pk)
    return (OpinionRecipient.objects.filter(user_id=user.pk)
            .filter(round__in=OpinionRound.objects.filter(OpinionRound.accepting_answers()))
            .filter(~Exists(answered)))


def _opinion_items(user: User, limit: int) -> list[TodoItem]:
    rows = opinions_to_give(user).select_related("round").order_by("round__deadline", "pk")[:limit]
    return [TodoItem(title=r.round.title, url=reverse("opinion_detail", args=[r.round_id]),
                     note=_("Due %(when)s") % {"when": _moment(r.round.deadline)},
                     testid=f"todo-opinion-{r.round_id}") for r in rows]


# --- tasks due --------------------------------------------------------------------------------

def open_tasks(user: User) -> QuerySet[FollowUpTask]:
    return tasks_assigned_to(user).filter(status=FollowUpTask.Status.OPEN)


def _task_items(user: User, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    return [TodoItem(title=t.title, url=reverse("task_detail", args=[t.pk]),
                     note=_("Deadline %(day)s · %(progress)s%%") % {"day": _day(t.deadline), "progress": t.progress},
                     overdue=t.deadline < today, testid=f"home-task-{t.pk}")
            for t in my_tasks(user, "open", limit=limit)]


register(TodoKind("invitations", gettext_lazy("Invitations to answer"), 10, invitations_to_answer,
                  _invitation_items, "meeting_list"))
register(TodoKind("opinions", gettext_lazy("Written opinions due"), 30, opinions_to_give, _opinion_items,
                  "opinion_list"))
register(TodoKind("tasks", gettext_lazy("Tasks given to me"), 40, open_tasks, _task_items, "my_tasks"))
