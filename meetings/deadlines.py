"""Documents in time: the deadline for a meeting's documents and what still lacks them (fn99).

Decision 45/2018/QĐ-TTg, art. 10: the documents of a regular meeting reach the participants
"chậm nhất 03 ngày làm việc trước ngày họp"; for an ad-hoc meeting the convener decides. The
meeting's type says whether it is regular and how many working days
(`MeetingType.documents_due_working_days`, 0 = no deadline); a meeting without a type has none.
Working days skip weekends and Vietnam's public holidays (ecabinet/workdays.py).

An agenda item "has its documents" when a released document is attached to it: one still
awaiting the secretary's approval has not reached the participants yet.

Reminders (collector ``documents-due``, run by ``manage.py send_reminders``): from the working
day before the deadline, to the item's preparers (its presenter and the participants of its
presenting unit); once the deadline has passed, to them and to the meeting's secretaries. One
reminder per item and phase (keys ``documents-due:<item>:before`` / ``:overdue``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecabinet.reminders import register, remind_once
from ecabinet.workdays import add_working_days, working_days_between
from meetings.access import document_approvers, document_preparers
from meetings.models import AgendaItem, Document, Meeting

# Deadlines matter while the documents can still be sent: before the meeting opens.
OPEN_FOR_DOCUMENTS = (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED)
# The furthest a deadline can lie before its meeting (30 working days and Tết) is well inside this.
LOOKAHEAD = timedelta(days=90)


def working_days_before(meeting: Meeting) -> int:
    """How many working days before the meeting its documents are due; 0 for no deadline."""
    kind = meeting.meeting_type
    return kind.documents_due_working_days if kind is not None and kind.regular else 0


def documents_due(meeting: Meeting) -> date | None:
    """The last day for the meeting's documents, or None when its type sets no deadline."""
    days = working_days_before(meeting)
    return add_working_days(timezone.localdate(meeting.starts_at), -days) if days else None


@dataclass(frozen=True)
class Deadline:
    due: date
    today: date

    @property
    def overdue(self) -> bool:
        return self.today > self.due

    @property
    def working_days_left(self) -> int:
        """Working days after today up to the deadline (0 on the day itself, negative after)."""
        return working_days_between(self.today, self.due)

    @property
    def label(self) -> str:
        """"Hạn gửi tài liệu: Thứ 4, ngày 02/12/2026"."""
        return _("Documents due: %(weekday)s, %(date)s") % {
            "weekday": formats.date_format(self.due, "l"), "date": self.due.strftime("%d/%m/%Y")}

    @property
    def state(self) -> str:
        """"còn 2 ngày làm việc", "hạn cuối là hôm nay" or "đã quá hạn"."""
        if self.overdue:
            return _("past the deadline")
        left = self.working_days_left
        if left <= 0:
            return _("due today")
        return ngettext("%(count)d working day left", "%(count)d working days left", left) % {"count": left}


def deadline_of(meeting: Meeting, today: date | None = None) -> Deadline | None:
    """The documents deadline as the meeting's pages show it; None when there is none to show
    (no deadline for this type, or the meeting has started, ended or was cancelled)."""
    if meeting.status not in OPEN_FOR_DOCUMENTS:
        return None
    due = documents_due(meeting)
    if due is None:
        return None
    return Deadline(due=due, today=today or timezone.localdate())


def with_document_flag(items: QuerySet[AgendaItem]) -> QuerySet[AgendaItem]:
    """`items` annotated with `has_documents`: a released document is attached (no extra query)."""
    released = Document.objects.filter(agenda_item=OuterRef("pk"), status=Document.Status.RELEASED)
    return items.annotate(has_documents=Exists(released))


# --- reminders --------------------------------------------------------------------------------

def _when(meeting: Meeting) -> str:
    return formats.date_format(timezone.localtime(meeting.starts_at), "H:i l d/m/Y")


def _remind(meeting: Meeting, item: AgendaItem, deadline: Deadline, phase: str) -> bool:
    preparers = document_preparers(item)
    users = preparers + (document_approvers(meeting) if phase == "overdue" else [])
    if not users:
        return False
    names = {"item": item.title, "meeting": meeting.title}
    if phase == "overdue":
        title = _("Documents overdue: “%(item)s”") % names
        lead = _("The documents for “%(item)s” of the meeting “%(meeting)s” are past their deadline.") % names
    else:
        title = _("Documents due soon: “%(item)s”") % names
        lead = _("The documents for “%(item)s” of the meeting “%(meeting)s” have not been sent yet.") % names
    body = " ".join([
        lead,
        f"{deadline.label}.",
        _("The meeting starts at %(when)s.") % {"when": _when(meeting)},
        _("Regular meetings receive their documents at least %(count)d working days before "
          "(Decision 45/2018/QĐ-TTg).") % {"count": working_days_before(meeting)},
    ])
    return remind_once(f"documents-due:{item.pk}:{phase}", users, kind="meeting.documents_due", title=title,
                       body=body, url=reverse("meeting_detail", args=[meeting.pk]))


@register("documents-due")
def remind_documents_due(now: datetime) -> int:
    """From the working day before the deadline: the preparers of items without documents; after
    the deadline, until the meeting starts: them and the secretaries. Scheduled meetings only
    (a draft's people have not been invited)."""
    today = timezone.localdate(now)
    meetings = (Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now,
                                       starts_at__lt=now + LOOKAHEAD, meeting_type__regular=True,
                                       meeting_type__documents_due_working_days__gt=0)
                .select_related("meeting_type"))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for meeting in meetings:
            deadline = deadline_of(meeting, today)
            if deadline is None or today < add_working_days(deadline.due, -1):
                continue
            phase = "overdue" if deadline.overdue else "before"
            items = (with_document_flag(meeting.agenda_items.exclude(status=AgendaItem.Status.POSTPONED))
                     .filter(has_documents=False).select_related("presenter"))  # type: ignore[misc]
            for item in items:
                sent += _remind(meeting, item, deadline, phase)
    return sent
