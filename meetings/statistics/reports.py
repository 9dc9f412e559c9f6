"""The reports: each is a fixed number of aggregate queries (Count/Sum with filters, grouped by
person, round, meeting, type or unit), whatever the size of the data; Python only merges the
grouped rows.

A report is a `Report`: tables of typed columns that the page, the charts and the three exports
(XLSX, CSV, PDF) all read, so the figures are the same everywhere.

Definitions (what a figure counts; the period is the meeting's start, or the round's or task's
creation; meetings in draft or cancelled are not counted):
- invited: the person's own seats (participant rows that are not a delegate's);
- attended in the room / remote: a seat with a check-in (Attendance.remote);
- absent with a reason: declined with a reason typed and never checked in (the absence approval
  of issue 12 part 3 is not counted yet: a declined answer with a reason counts);
- absent without a reason: no check-in at an ended meeting, not delegated, not declined with a
  reason;
- delegated: answered "delegated" (another person held the seat); stood in: seats held for others;
- times spoken / minutes: requests to speak that were given the floor and ended (status done);
- votes cast: ballots the person cast (PollVoter.cast_by), as a delegate too;
- opinion round viewed: the recipient opened or downloaded the draft (its `document.download`
  audit row, written by meetings/delivery.py); late: answered after the deadline, or not
  answered when the deadline has passed;
- paper: pages of every version of the meeting's released documents × copies (its invited
  seats); signed digitally: documents with a signature and their signatures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import (
    Avg,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from ecabinet.models import AuditEvent, User
from meetings.models import (
    Attendance,
    Document,
    DocumentVersion,
    FollowUpTask,
    Meeting,
    MeetingType,
    OpinionAnswer,
    OpinionRecipient,
    OpinionRound,
    Participant,
    PollVoter,
    SpeakerRequest,
)
from meetings.statistics.period import Filters

COUNTED_STATUSES = (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS, Meeting.Status.ENDED)
# Number formats of the columns (the page, openpyxl's number_format, the PDF's alignment).
TEXT, INT, DECIMAL, PERCENT, DATE = "text", "int", "decimal", "percent", "date"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = INT


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None
    note: str = ""


@dataclass
class Report:
    key: str
    title: str
    tables: list[Table]
    summary: list[tuple[str, Any]] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# ---- shared pieces --------------------------------------------------------------------------

def _meetings_in_period(f: Filters, prefix: str = "") -> Q:
    return Q(**{f"{prefix}starts_at__gte": f.period.start, f"{prefix}starts_at__lt": f.period.end,
                f"{prefix}status__in": COUNTED_STATUSES})


def _people(f: Filters) -> QuerySet[User]:
    if f.own_only:
        return User.objects.filter(pk=f.scope.user_id)
    return User.objects.filter(unit_id__in=f.unit_ids, is_active=True)


def _count(qs: QuerySet, group: str) -> Coalesce:
    """A correlated COUNT(*) of `qs` (already filtered on OuterRef), 0 when there is none."""
    sub = qs.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _duration(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _minutes(value: timedelta | None) -> float:
    return round(value.total_seconds() / 60, 1) if value else 0.0


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _sum_rows(rows: list[list[Any]], columns: list[Column], label: str) -> list[Any]:
    total: list[Any] = [label] + [""] * (len(columns) - 1)
    for index, column in enumerate(columns):
        if column.kind in (INT, DECIMAL) and index > 0:
            total[index] = round(sum(row[index] or 0 for row in rows), 1)
    return total


# ---- per member (fn52) ------------------------------------------------------------------------

def members_report(f: Filters) -> Report:
    """4 queries: people, seats, speeches, ballots (the unit tree is read with the filters)."""
    people = list(_people(f).order_by("full_name", "username").values("pk", "full_name", "username", "unit_id"))
    ids = _people(f).values("pk")
    ended = Q(meeting__status=Meeting.Status.ENDED)
    no_checkin = Q(attendance__isnull=True)
    with_reason = Q(response=Participant.Response.DECLINE) & ~Q(response_reason="")
    own = Q(delegate_for__isnull=True)
    seats = {
        row["user_id"]: row for row in
        Participant.objects.filter(_meetings_in_period(f, "meeting__"), user_id__in=ids)
        .order_by().values("user_id").annotate(
            invited=Count("pk", filter=own),
            room=Count("pk", filter=own & Q(attendance__remote=False)),
            remote=Count("pk", filter=own & Q(attendance__remote=True)),
            with_reason=Count("pk", filter=own & no_checkin & with_reason),
            without_reason=Count("pk", filter=own & no_checkin & ended & ~with_reason
                                 & ~Q(response=Participant.Response.DELEGATE)),
            delegated=Count("pk", filter=own & Q(response=Participant.Response.DELEGATE)),
            stood_in=Count("pk", filter=~own),
        )
    }
    speeches = {
        row["participant__user_id"]: row for row in
        SpeakerRequest.objects.filter(_meetings_in_period(f, "meeting__"), participant__user_id__in=ids,
                                      status=SpeakerRequest.Status.DONE)
        .order_by().values("participant__user_id").annotate(
            times=Count("pk"), spoken=Sum(_duration("started_at", "ended_at")))
    }
    votes = dict(
        PollVoter.objects.filter(_meetings_in_period(f, "poll__meeting__"), cast_by_id__in=ids)
        .order_by().values("cast_by_id").annotate(n=Count("pk")).values_list("cast_by_id", "n")
    )
    columns = [
        Column(_("Full name"), TEXT), Column(_("Unit"), TEXT), Column(pgettext("statistics", "Invited")),
        Column(_("Attended in the room")), Column(_("Attended remotely")), Column(_("Attendance rate"), PERCENT),
        Column(_("Absent with a reason")), Column(_("Absent without a reason")), Column(pgettext("statistics", "Delegated")),
        Column(_("Stood in for others")), Column(_("Times spoken")), Column(_("Minutes spoken"), DECIMAL),
        Column(_("Votes cast")),
    ]
    rows = []
    for person in people:
        seat = seats.get(person["pk"], {})
        speech = speeches.get(person["pk"], {})
        invited = seat.get("invited", 0)
        attended = seat.get("room", 0) + seat.get("remote", 0)
        rows.append([
            person["full_name"] or person["username"], f.unit_names.get(person["unit_id"], ""), invited,
            seat.get("room", 0), seat.get("remote", 0), _rate(attended, invited), seat.get("with_reason", 0),
            seat.get("without_reason", 0), seat.get("delegated", 0), seat.get("stood_in", 0),
            speech.get("times", 0), _minutes(speech.get("spoken")), votes.get(person["pk"], 0),
        ])
    total = _sum_rows(rows, columns, pgettext("statistics", "Total"))
    total[5] = _rate(total[3] + total[4], total[2])
    return Report("members", _("Participation by member"), [
        Table("members", _("Participation by member"), columns, rows, total if len(rows) > 1 else None),
    ])


# ---- per opinion round (fn48, fn53) ----------------------------------------------------------

def _rounds(f: Filters) -> QuerySet[OpinionRound]:
    return OpinionRound.objects.filter(created_at__gte=f.period.start, created_at__lt=f.period.end).filter(
        Q(unit_id__in=f.unit_ids) | Q(unit__isnull=True, meeting__unit_id__in=f.unit_ids))


def rounds_report(f: Filters) -> Report:
    """4 queries: the rounds, then per round (grouped) the people asked, who viewed, the answers."""
    now = timezone.now()
    rounds: list[dict[str, Any]] = [dict(r) for r in _rounds(f).order_by("-created_at", "-pk")
              .values("pk", "title", "created_at", "deadline")]
    ids = _rounds(f).values("pk")
    asked = dict(OpinionRecipient.objects.filter(round_id__in=ids).order_by().values("round_id")
                 .annotate(n=Count("pk")).values_list("round_id", "n"))
    # viewed: the draft's download audit row by the person asked (index audit_object_actor)
    seen = Exists(AuditEvent.objects.filter(
        object_type="meetings.document", object_id=Cast(OuterRef("round__draft_id"), output_field=CharField()),
        actor_id=OuterRef("user_id"), action="document.download"))
    viewed = dict(OpinionRecipient.objects.filter(seen, round_id__in=ids).order_by().values("round_id")
                  .annotate(n=Count("pk")).values_list("round_id", "n"))
    answers = {
        row["round_id"]: row for row in
        OpinionAnswer.objects.filter(round_id__in=ids).order_by().values("round_id").annotate(
            agree=Count("pk", filter=Q(choice=OpinionAnswer.Choice.AGREE)),
            disagree=Count("pk", filter=Q(choice=OpinionAnswer.Choice.DISAGREE)),
            other=Count("pk", filter=Q(choice=OpinionAnswer.Choice.OTHER)),
            answered_late=Count("pk", filter=Q(answered_at__gt=F("round__deadline"))),
        )
    }
    empty = {"agree": 0, "disagree": 0, "other": 0, "answered_late": 0}
    for r in rounds:
        r.update(answers.get(r["pk"], empty), asked=asked.get(r["pk"], 0), viewed=viewed.get(r["pk"], 0))
    columns = [
        Column(_("Title"), TEXT), Column(_("Sent on"), DATE), Column(_("Deadline"), DATE), Column(pgettext("statistics", "Asked")),
        Column(pgettext("statistics", "Viewed")), Column(_("Agree")), Column(_("Disagree")), Column(_("Other opinion")),
        Column(_("Not answered")), Column(pgettext("statistics", "Late")), Column(_("Answer rate"), PERCENT),
    ]
    rows = []
    for r in rounds:
        answered = r["agree"] + r["disagree"] + r["other"]
        missing = r["asked"] - answered
        late = r["answered_late"] + (missing if r["deadline"] <= now else 0)
        rows.append([r["title"], timezone.localdate(r["created_at"]), timezone.localdate(r["deadline"]), r["asked"],
                     r["viewed"], r["agree"], r["disagree"], r["other"], missing, late, _rate(answered, r["asked"])])
    total = _sum_rows(rows, columns, pgettext("statistics", "Total"))
    total[1] = total[2] = ""
    total[10] = _rate(total[5] + total[6] + total[7], total[3])
    return Report("rounds", _("Written-opinion rounds"), [
        Table("rounds", _("Written-opinion rounds"), columns, rows, total if len(rows) > 1 else None,
              note=_("Viewed: the person asked opened or downloaded the draft. Late: answered after the "
                     "deadline, or not answered when the deadline has passed.")),
    ])


# ---- per meeting type -------------------------------------------------------------------------

def _unit_meetings(f: Filters, prefix: str = "") -> Q:
    return _meetings_in_period(f, prefix) & Q(**{f"{prefix}unit_id__in": f.unit_ids})


def types_report(f: Filters) -> Report:
    """3 queries: meetings by type, seats by type, the type names."""
    held = {
        row["meeting_type_id"]: row for row in
        Meeting.objects.filter(_unit_meetings(f)).order_by().values("meeting_type_id").annotate(
            held=Count("pk", filter=Q(status=Meeting.Status.ENDED)),
            planned=Count("pk", filter=~Q(status=Meeting.Status.ENDED)),
            duration=Avg(_duration("started_at", "ended_at"),
                         filter=Q(status=Meeting.Status.ENDED, started_at__isnull=False, ended_at__isnull=False)),
        )
    }
    seats = {
        row["meeting__meeting_type_id"]: row for row in
        Participant.objects.filter(_unit_meetings(f, "meeting__"), meeting__status=Meeting.Status.ENDED)
        .order_by().values("meeting__meeting_type_id").annotate(
            invited=Count("pk", filter=Q(delegate_for__isnull=True)),
            # a delegate's check-in fills their principal's seat
            attended=Count("pk", filter=Q(attendance__isnull=False)))
    }
    names = dict(MeetingType.objects.filter(pk__in=[k for k in held if k]).values_list("pk", "name"))
    columns = [Column(_("Meeting type"), TEXT), Column(_("Meetings held")), Column(_("Not yet held")),
               Column(_("Average duration (minutes)"), DECIMAL), Column(_("Seats invited")),
               Column(_("Seats attended")), Column(_("Attendance rate"), PERCENT)]
    rows = []
    for type_id, row in sorted(held.items(), key=lambda kv: names.get(kv[0] or 0, "\uffff")):
        seat = seats.get(type_id, {})
        rows.append([names.get(type_id or 0) or pgettext("meeting type", "No type"), row["held"], row["planned"],
                     _minutes(row["duration"]), seat.get("invited", 0), seat.get("attended", 0),
                     _rate(seat.get("attended", 0), seat.get("invited", 0))])
    total = _sum_rows(rows, columns, pgettext("statistics", "Total"))
    total[3] = ""
    total[6] = _rate(total[5], total[4])
    return Report("types", _("Meetings by type"), [
        Table("types", _("Meetings by type"), columns, rows, total if len(rows) > 1 else None,
              note=_("Seats invited and attended are those of the meetings held; a seat held by a "
                     "delegate counts as attended.")),
    ])


# ---- speaking history (fn119) ------------------------------------------------------------------

def speaking_report(f: Filters) -> Report:
    """4 queries: people, meetings attended, meetings spoken in (and the unit tree)."""
    people = list(_people(f).order_by("full_name", "username").values("pk", "full_name", "username", "unit_id"))
    ids = _people(f).values("pk")
    attended = dict(
        Attendance.objects.filter(_meetings_in_period(f, "meeting__"), participant__user_id__in=ids)
        .order_by().values("participant__user_id").annotate(n=Count("meeting_id", distinct=True))
        .values_list("participant__user_id", "n")
    )
    spoke = {
        row["participant__user_id"]: row for row in
        SpeakerRequest.objects.filter(_meetings_in_period(f, "meeting__"), participant__user_id__in=ids,
                                      status=SpeakerRequest.Status.DONE)
        .order_by().values("participant__user_id").annotate(
            meetings=Count("meeting_id", distinct=True), times=Count("pk"), last=Max("started_at"))
    }
    columns = [Column(_("Full name"), TEXT), Column(_("Unit"), TEXT), Column(_("Meetings attended")),
               Column(_("Meetings where they spoke")), Column(_("Times spoken")), Column(_("Share of meetings"), PERCENT),
               Column(_("Last spoke"), DATE), Column(_("Never spoke"), TEXT)]
    rows = []
    for person in people:
        here = attended.get(person["pk"], 0)
        row = spoke.get(person["pk"], {})
        meetings = row.get("meetings", 0)
        last = row.get("last")
        rows.append([person["full_name"] or person["username"], f.unit_names.get(person["unit_id"], ""), here,
                     meetings, row.get("times", 0), _rate(meetings, here),
                     timezone.localdate(last) if last else None, _("yes") if here and not meetings else ""])
    never = sum(1 for row in rows if row[-1])
    return Report("speaking", _("Speaking history"), [
        Table("speaking", _("Speaking history"), columns, rows,
              note=_("Never spoke: attended meetings in the period without once taking the floor.")),
    ], summary=[(_("People who attended and never spoke"), never)])


# ---- paper saved (fn138) -----------------------------------------------------------------------

def paper_report(f: Filters) -> Report:
    """5 queries: the meetings, then per meeting (grouped) pages and released documents, copies,
    signed documents and signatures; and the signatures of the units' people in the period."""
    meetings: list[dict[str, Any]] = [dict(m) for m in Meeting.objects.filter(_unit_meetings(f)).order_by("starts_at", "pk")
                .values("pk", "title", "starts_at", "unit_id")]
    ids = Meeting.objects.filter(_unit_meetings(f)).values("pk")
    pages = {
        row["document__meeting_id"]: row for row in
        DocumentVersion.objects.filter(document__meeting_id__in=ids, document__status=Document.Status.RELEASED)
        .order_by().values("document__meeting_id").annotate(pages=Sum("pages"), released=Count("document_id",
                                                                                              distinct=True))
    }
    copies = dict(Participant.objects.filter(meeting_id__in=ids, delegate_for__isnull=True).order_by()
                  .values("meeting_id").annotate(n=Count("pk")).values_list("meeting_id", "n"))
    signed = {
        row["meeting_id"]: row for row in
        Document.objects.filter(meeting_id__in=ids, signatures__isnull=False).order_by().values("meeting_id")
        .annotate(documents=Count("pk", distinct=True), signed=Count("signatures"))
    }
    for m in meetings:
        m.update(pages=pages.get(m["pk"], {}).get("pages") or 0, released=pages.get(m["pk"], {}).get("released", 0),
                 copies=copies.get(m["pk"], 0), signed=signed.get(m["pk"], {}).get("documents", 0),
                 signatures=signed.get(m["pk"], {}).get("signed", 0))
    signed_all = Document.objects.filter(signatures__signed_at__gte=f.period.start,
                                         signatures__signed_at__lt=f.period.end,
                                         signatures__signer__unit_id__in=f.unit_ids).aggregate(
        documents=Count("pk", distinct=True), signatures=Count("signatures"))
    columns = [Column(_("Meeting"), TEXT), Column(pgettext("statistics", "Date"), DATE), Column(_("Unit"), TEXT),
               Column(_("Documents released")), Column(pgettext("statistics", "Pages")), Column(pgettext("statistics", "Copies")),
               Column(_("Sheets of paper saved")), Column(_("Documents signed digitally")), Column(_("Signatures"))]
    rows = [[m["title"], timezone.localdate(m["starts_at"]), f.unit_names.get(m["unit_id"], ""), m["released"],
             m["pages"], m["copies"], m["pages"] * m["copies"], m["signed"], m["signatures"]] for m in meetings]
    month_columns = [Column(pgettext("statistics", "Month"), TEXT), Column(_("Meetings")), Column(pgettext("statistics", "Pages")),
                     Column(_("Sheets of paper saved")), Column(_("Documents signed digitally"))]
    months: dict[str, list[Any]] = {}
    for row in rows:
        key = f"{row[1]:%m/%Y}"
        month = months.setdefault(key, [key, 0, 0, 0, 0])
        month[1] += 1
        month[2] += row[4]
        month[3] += row[6]
        month[4] += row[7]
    total = _sum_rows(rows, columns, pgettext("statistics", "Total"))
    total[1] = total[2] = ""
    month_rows = list(months.values())
    return Report("paper", _("Paper saved"), [
        Table("months", _("Paper saved by month"), month_columns, month_rows,
              _sum_rows(month_rows, month_columns, pgettext("statistics", "Total")) if len(month_rows) > 1 else None),
        Table("meetings", _("Paper saved by meeting"), columns, rows, total if len(rows) > 1 else None,
              note=_("Sheets saved: pages of every version of the released documents × the copies that would "
                     "have been printed (one per invited seat), printed one-sided.")),
    ], summary=[
        (_("Sheets of paper saved"), total[6] if rows else 0),
        (_("Documents signed digitally by the units' people"), signed_all["documents"]),
        (_("Digital signatures made"), signed_all["signatures"]),
    ])


# ---- follow-up tasks ---------------------------------------------------------------------------

def tasks_report(f: Filters) -> Report:
    """1 query (+ the unit tree): tasks created in the period, by the unit in charge (the
    person's unit for a task assigned to a person only)."""
    today = timezone.localdate()
    done = Q(status=FollowUpTask.Status.DONE)
    grouped = (
        FollowUpTask.objects.filter(created_at__gte=f.period.start, created_at__lt=f.period.end)
        .annotate(unit_key=Coalesce("assignee_unit_id", "assignee__unit_id")).filter(unit_key__in=f.unit_ids)
        .order_by().values("unit_key").annotate(
            assigned=Count("pk", filter=~Q(status=FollowUpTask.Status.CANCELLED)),
            done=Count("pk", filter=done),
            late=Count("pk", filter=done & Q(completed_at__date__gt=F("deadline"))),
            open=Count("pk", filter=Q(status=FollowUpTask.Status.OPEN, deadline__gte=today)),
            overdue=Count("pk", filter=Q(status=FollowUpTask.Status.OPEN, deadline__lt=today)),
        )
    )
    columns = [Column(_("Unit in charge"), TEXT), Column(_("Tasks assigned")), Column(pgettext("statistics", "Done")),
               Column(pgettext("statistics", "Done late")), Column(pgettext("statistics", "In progress")), Column(pgettext("statistics", "Overdue")),
               Column(_("Done on time rate"), PERCENT)]
    rows = sorted(([f.unit_names.get(g["unit_key"], ""), g["assigned"], g["done"], g["late"], g["open"],
                    g["overdue"], _rate(g["done"] - g["late"], g["assigned"])] for g in grouped),
                  key=lambda row: row[0])
    total = _sum_rows(rows, columns, pgettext("statistics", "Total"))
    total[6] = _rate(total[2] - total[3], total[1])
    return Report("tasks", _("Follow-up tasks"), [
        Table("tasks", _("Follow-up tasks by unit"), columns, rows, total if len(rows) > 1 else None,
              note=_("Tasks created in the period (cancelled ones left out); overdue: still in progress "
                     "after the deadline.")),
    ])


REPORTS: dict[str, tuple[Any, Callable[[Filters], Report]]] = {
    "members": (gettext_lazy("By member"), members_report),
    "rounds": (gettext_lazy("Opinion rounds"), rounds_report),
    "types": (gettext_lazy("By meeting type"), types_report),
    "speaking": (gettext_lazy("Speaking history"), speaking_report),
    "paper": (gettext_lazy("Paper saved"), paper_report),
    "tasks": (gettext_lazy("Follow-up tasks"), tasks_report),
}


def build_report(key: str, f: Filters) -> Report:
    return REPORTS[key][1](f)
