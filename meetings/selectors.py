"""Read-side queries for the meetings pages and API: lists, calendars, the meeting page.

The meeting page and the API detail read a fixed number of queries whatever the meeting's size
(pinned in tests/meetings/test_preparation_queries.py): each list is one query, joined with
select_related, and documents bring their versions with one prefetch.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.inputs import field_error
from ecabinet.models import User
from ecabinet.text import fold
from meetings.access import (
    MeetingAccess,
    documents_visible_to,
    meeting_permissions,
    sees_document_deadline,
    visible_meetings,
)
from meetings.deadlines import deadline_of, with_document_flag
from meetings.models import AgendaItem, Document, DocumentVersion, Meeting, Participant
from meetings.selectors_room import polls_for
from meetings.serializers import (
    serialize_agenda_item,
    serialize_document,
    serialize_meeting,
    serialize_participant,
)

SCOPES = ("all", "mine", "unit", "preparing")


def _mine(user: User) -> Q:
    return Q(pk__in=Participant.objects.filter(user=user).values("meeting_id")) | Q(created_by=user)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def home_meetings(user: User) -> dict[str, list[Meeting]]:
    """The home page: my meetings today, and the next ones after today."""
    mine = visible_meetings(user).filter(_mine(user)).select_related("room").order_by("starts_at")
    start, end = day_bounds(timezone.localdate())
    return {
        "meetings_today": list(mine.filter(starts_at__lt=end, ends_at__gte=start)[:20]),
        "meetings_upcoming": list(mine.filter(starts_at__gte=end).exclude(status=Meeting.Status.CANCELLED)[:10]),
    }


def search_meetings(
    user: User, *, scope: str = "all", status: str | None = None, start: date | datetime | None = None,
    end: date | datetime | None = None, q: str | None = None, unit: int | None = None,
    meeting_type: int | None = None,
) -> QuerySet[Meeting]:
    """Meetings the user may see, narrowed by scope (mine, my unit's, those my unit prepares for),
    status, a time range (meetings overlapping it), a keyword, the chairing unit and the type."""
    qs = visible_meetings(user).select_related("unit", "meeting_type", "room")
    if scope == "mine":
        qs = qs.filter(_mine(user))
    elif scope == "unit":
        qs = qs.filter(unit_id=user.unit_id) if user.unit_id else qs.none()
    elif scope == "preparing":
        preparing = AgendaItem.objects.filter(presenting_unit_id=user.unit_id).values("meeting_id")
        qs = qs.filter(pk__in=preparing) if user.unit_id else qs.none()
    if status:
        qs = qs.filter(status=status)
    if start is not None:
        qs = qs.filter(ends_at__gte=day_bounds(start)[0] if isinstance(start, date) and not isinstance(start, datetime) else start)
    if end is not None:
        qs = qs.filter(starts_at__lt=day_bounds(end)[1] if isinstance(end, date) and not isinstance(end, datetime) else end)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(location__icontains=q))
    if unit:
        qs = qs.filter(unit_id=unit)
    if meeting_type:
        qs = qs.filter(meeting_type_id=meeting_type)
    return qs


# --- the week and month calendars (fn49) -------------------------------------------------------

ANY_STATUS = "any"  # the calendars' status filter: every status, cancelled meetings included


@dataclass(frozen=True)
class CalendarFilters:
    """The filters the week and the month views share. `status` None: every status but
    cancelled (a cancelled meeting shows only when asked: its status, or ANY_STATUS)."""

    scope: str = "all"
    meeting_type: int | None = None
    unit: int | None = None
    status: str | None = None

    def query(self) -> str:
        """The filters as a query string for the calendars' links (defaults left out)."""
        values = {"scope": self.scope if self.scope != "all" else None, "type": self.meeting_type,
                  "unit": self.unit, "status": self.status}
        return urlencode({k: v for k, v in values.items() if v})


def calendar_meetings(user: User, first: date, days: int, filters: CalendarFilters) -> list[Meeting]:
    """The meetings `user` may see overlapping `days` days from `first`, filtered: one query."""
    start, _ = day_bounds(first)
    end = day_bounds(first + timedelta(days=days - 1))[1]
    status = None if filters.status in (None, ANY_STATUS) else filters.status
    qs = search_meetings(user, scope=filters.scope, status=status, start=start, end=end, unit=filters.unit,
                         meeting_type=filters.meeting_type)
    if filters.status is None:
        qs = qs.exclude(status=Meeting.Status.CANCELLED)
    return list(qs.order_by("starts_at", "pk"))


def _by_day(first: date, days: int, meetings: list[Meeting]) -> dict[date, list[Meeting]]:
    """Each day of the range with the meetings on it (a meeting spanning days is on each), in
    the meetings' order. A day holds a meeting starting before its end and ending at or after
    its start (local time)."""
    last = first + timedelta(days=days - 1)
    out: dict[date, list[Meeting]] = {first + timedelta(days=i): [] for i in range(days)}
    for m in meetings:
        day = max(timezone.localdate(m.starts_at), first)
        until = min(timezone.localdate(m.ends_at), last)
        while day <= until:
            out[day].append(m)
            day += timedelta(days=1)
    return out


def week_days(monday: date, user: User, filters: CalendarFilters | None = None) -> list[dict[str, Any]]:
    """Seven days from `monday`, each with my visible meetings that day, in one query."""
    by_day = _by_day(monday, 7, calendar_meetings(user, monday, 7, filters or CalendarFilters()))
    return [{"day": day, "meetings": meetings} for day, meetings in by_day.items()]


MONTH_CELL_LIMIT = 3  # meetings shown in a day of the month grid; the rest is "+n more"


def month_weeks(first: date, user: User, filters: CalendarFilters) -> list[list[dict[str, Any]]]:
    """The month of `first` as weeks from Monday to Sunday (the days of the months around it
    fill the first and last weeks), each day with its meetings, in one query."""
    start = first - timedelta(days=first.weekday())
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    end = last + timedelta(days=6 - last.weekday())
    count = (end - start).days + 1
    by_day = _by_day(start, count, calendar_meetings(user, start, count, filters))
    today = timezone.localdate()
    days = [{"day": day, "in_month": day.month == first.month, "today": day == today, "meetings": meetings,
             "shown": meetings[:MONTH_CELL_LIMIT], "more": max(len(meetings) - MONTH_CELL_LIMIT, 0)}
            for day, meetings in by_day.items()]
    return [days[i:i + 7] for i in range(0, len(days), 7)]


# The people lookup answers a page's search-as-you-type: a few names, never the whole directory.
PEOPLE_LOOKUP_LIMIT = 20


def people_matching(text: str, *, limit: int = PEOPLE_LOOKUP_LIMIT) -> list[User]:
    """Active people whose name or username contains `text`, marks and case aside ("nguyen",
    "NGUYỄN" find "Nguyễn Văn An"; "d" finds "Đặng"), by name (one query, bounded).

    Both sides are folded by the same `fold`: the question here, the person in their stored
    `search_name`. A question with nothing to fold to (only punctuation) finds no one."""
    folded = fold(text)
    if not folded:
        return []
    return list(User.objects.filter(search_name__contains=folded, is_active=True)
                .select_related("unit").order_by("full_name", "username")[:limit])


def people_found(q: str) -> list[dict]:
    """The answer of every people lookup (a meeting's, the directory's, a document's for its
    signers): active people matching `q` (at most 20) in the shape of `PersonOut`, a clear field
    error for a question over 100 characters."""
    if len(q) > 100:
        raise field_error("q", _("Type at most 100 characters."))
    return [{"username": u.username, "full_name": u.full_name,
             "unit": (u.unit.short_name or u.unit.name) if u.unit is not None else ""}
            for u in people_matching(q)]


# How long a meeting's kept rows stay in the cache: their revisions move with every change to
# them, so this only bounds what no revision sees (a person's name edited in their profile).
ROWS_TIMEOUT = 600
# How many kept parts each process also holds as objects (four per meeting: the agenda, the
# participants, the documents, the invitations): reading them back from the shared cache
# (unpickling 50 items and 80 participants) was a seventh of the meeting page's work.
KEPT_IN_PROCESS = 60


@dataclass
class MeetingRows:
    """A meeting's rows, the same for every viewer: the agenda (each item with `has_documents`),
    the participants with the people they name, and every document of the meeting serialized,
    by id. Who sees which document is decided per viewer (`visible_documents`), never here.

    The objects are shared by every request of the process that reads the same revision: read
    them, never change them (a viewer's own facts go beside them, as `AgendaEntry` does)."""

    agenda: list[AgendaItem]
    participants: list[Participant]
    documents: dict[int, dict[str, Any]]


def meeting_rows(meeting: Meeting) -> MeetingRows:
    """The rows of `meeting`, shared by every page and API call: the agenda at the meeting's
    revision (every event moves it: the room's moves, agenda edits, documents, which set each
    item's `has_documents`), the participants and the documents at their own revisions
    (`Meeting.participants_revision`, `documents_revision`), all moved by meetings/events.py emit
    in the change's own transaction. A caller reads those revisions before the rows, so rows kept
    under a revision are never older than it."""
    return MeetingRows(kept_rows(meeting, "agenda", meeting.revision, _read_agenda),
                       kept_rows(meeting, "participants", meeting.participants_revision, _read_participants),
                       kept_rows(meeting, "documents", meeting.documents_revision, _read_documents))


def kept_key(meeting: Meeting, part: str, revision: int) -> str:
    # The creation time keeps a restored database or reused ids from meeting an old entry.
    return f"meeting-{part}:{meeting.pk}:{meeting.created_at.isoformat()}:{revision}"


def kept_rows(meeting: Meeting, part: str, revision: int, read: Callable[[int], Any]) -> Any:
    """What `read(meeting.pk)` returns, kept under `meeting`'s `revision` for every viewer: in
    the shared cache (pickled) and in this process (as objects, shared: read them, never change
    them). The caller has read `revision` before, and every change to what `read` returns moves
    it (meetings/events.py emit)."""
    # The period in the key ends what this process holds at the latest ROWS_TIMEOUT after the
    # shared entry would have gone: a renamed person shows within twice that.
    period = int(monotonic() // ROWS_TIMEOUT)
    return _kept_in_process(kept_key(meeting, part, revision), period, meeting.pk, read)


@lru_cache(maxsize=KEPT_IN_PROCESS)
def _kept_in_process(key: str, period: int, meeting_id: int, read: Callable[[int], Any]) -> Any:
    rows = cache.get(key)
    if rows is None:
        rows = read(meeting_id)
        cache.set(key, rows, ROWS_TIMEOUT)
    return rows


def forget_kept_in_process() -> None:
    """This process's objects of every meeting's rows let go (the shared cache keeps its own)."""
    _kept_in_process.cache_clear()


def _read_agenda(meeting_id: int) -> list[AgendaItem]:
    return list(with_document_flag(AgendaItem.objects.filter(meeting_id=meeting_id)
                                   .select_related("presenter", "presenting_unit")).order_by("position", "pk"))


def _read_participants(meeting_id: int) -> list[Participant]:
    return list(Participant.objects.filter(meeting_id=meeting_id)
                .select_related("user", "user__unit", "user__position", "delegate_for__user", "absence_delegate",
                                "absence_decided_by")
                .order_by("pk"))


def _read_documents(meeting_id: int) -> dict[int, dict[str, Any]]:
    # Only what serialize_document reads: the version fields shown, not the agenda item objects.
    versions = Prefetch("versions", queryset=DocumentVersion.objects.order_by("number")
                        .only("pk", "document_id", "number", "sha256", "pages", "size"))
    documents = Document.objects.filter(meeting_id=meeting_id).prefetch_related(versions).order_by("pk")
    return {d.pk: serialize_document(d) for d in documents}


def visible_documents(access: MeetingAccess, rows: MeetingRows) -> list[dict[str, Any]]:
    """The documents of `rows` this viewer may see, by id: the ids come from the one rule
    (`documents_visible_to`), the rows from the shared cache."""
    ids = documents_visible_to(access).select_related(None).order_by("pk").values_list("pk", flat=True)
    return [rows.documents[pk] for pk in ids if pk in rows.documents]


@dataclass(frozen=True)
class AgendaEntry:
    """An agenda item as one viewer sees it on the meeting page: the shared item (read only), the
    item's documents this viewer may see, and whether they are shown its documents deadline (its
    preparers, the runners)."""

    item: AgendaItem
    documents: list[dict[str, Any]]
    shows_deadline: bool


# What the meeting page shows of the meeting itself, read with it by `meeting_access(related=)`.
PAGE_RELATED = ("meeting_type", "room")


def meeting_page(access: MeetingAccess, user: User) -> dict[str, Any]:
    """Everything the meeting page shows, each list in one query (`access` read with
    PAGE_RELATED)."""
    meeting = access.meeting
    rows = meeting_rows(meeting)
    items = rows.agenda
    documents = visible_documents(access, rows)
    docs_by_item: dict[int | None, list[dict]] = defaultdict(list)
    for doc in documents:
        docs_by_item[doc["agenda_item"]].append(doc)
    deadline = deadline_of(meeting)
    agenda = [AgendaEntry(item, docs_by_item.get(item.pk, []),
                          deadline is not None and sees_document_deadline(access, user, item)) for item in items]
    order: dict[str, int] = {Participant.Role.CHAIR: 0, Participant.Role.SECRETARY: 1, Participant.Role.MEMBER: 2,
             Participant.Role.GUEST: 3}
    participants = sorted(rows.participants, key=lambda p: (order.get(p.role, 9), p.pk))
    answers: defaultdict[str, int] = defaultdict(int)
    for p in participants:
        answers[p.state] += 1  # Participant.state: the five states every page shows (fn113)
    return {
        "meeting": meeting,
        "agenda": agenda,
        "total_minutes": sum(i.duration_minutes for i in items),
        "participants": participants,
        "chair": next((p.user for p in participants if p.role == Participant.Role.CHAIR), None),
        "secretaries": [p.user for p in participants if p.role == Participant.Role.SECRETARY],
        "answer_counts": [(code, label, answers.get(code, 0)) for code, label in Participant.State.choices],
        "documents": documents,
        "loose_documents": docs_by_item.get(None, []),
        "seats_taken": {p.seat: p for p in participants if p.seat},
        "documents_deadline": deadline,
        "items_lacking_documents": [i for i in items if not i.has_documents  # type: ignore[attr-defined]
                                    and i.status != AgendaItem.Status.POSTPONED] if access.runs_meeting else [],
    }


def rows_key(meeting: Meeting, part: str, language: str) -> str:
    """The key of what a page shows of `meeting`'s `part` ("agenda" or "participants"), the
    same for every viewer, in `language`. The agenda part shows the items as the agenda's edits
    leave them (`agenda_version` moves with each) and whether they have documents; the
    participants part the participants and their seats. The creation time keeps a restored
    database or reused ids from meeting an old entry."""
    moved = {"agenda": f"a{meeting.agenda_version}.d{meeting.documents_revision}",
             "participants": f"p{meeting.participants_revision}.r{meeting.room_id}"}[part]
    return f"{meeting.pk}:{meeting.created_at.isoformat()}:{moved}:{language}"


def page_fragment_keys(page: dict[str, Any], *, editable: bool, language: str) -> dict[str, str]:
    """The cache keys of the meeting page's heavy parts (templates/meetings/detail.html): two
    viewers get the same HTML for a part exactly when its key is the same (`rows_key`, whether
    they edit — the row tools — and for the agenda the documents they may see and the deadlines
    shown to them). A person renamed in their profile (no revision) shows on the page when the
    part's entry expires (the template's timeout)."""
    meeting = page["meeting"]
    deadline = page["documents_deadline"]
    viewer = repr((
        [(e.item.pk, e.shows_deadline, e.item.has_documents, [d["id"] for d in e.documents])
         for e in page["agenda"]],
        (str(deadline.label), str(deadline.state), deadline.overdue) if deadline is not None else None,
    ))
    return {"participants": f"{rows_key(meeting, 'participants', language)}:{int(editable)}",
            "agenda": f"{rows_key(meeting, 'agenda', language)}:{int(editable)}:"
                      f"{hashlib.sha256(viewer.encode()).hexdigest()}"}


def meeting_detail(access: MeetingAccess, user: User) -> dict[str, Any]:
    """The API detail and the live snapshot's shape: meeting, revision and lists."""
    meeting = access.meeting
    rows = meeting_rows(meeting)
    return {
        **serialize_meeting(meeting),
        "revision": meeting.revision,
        "agenda": [serialize_agenda_item(i) for i in rows.agenda],
        "participants": [serialize_participant(p) for p in rows.participants],
        "documents": visible_documents(access, rows),
        "polls": polls_for(access, user),
        "my_role": access.role,
        "runs_meeting": access.runs_meeting,
        "permissions": meeting_permissions(access, user),
    }
