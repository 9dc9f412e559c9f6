"""Reminders of the conclusion notice's deadline (``notice-due``): one working day before it and
once when it has passed, to the meeting's secretary and the notice's approver. Registered in
``SigningConfig.ready``; ``manage.py send_reminders`` runs it, each key at most once."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from ecabinet.models import User
from ecabinet.reminders import register, remind_once
from ecabinet.workdays import add_working_days
from meetings.models import Meeting, Participant
from signing.notices import PendingNotice, pending_notices


def _people(pending: PendingNotice) -> list[User]:
    meeting = pending.meeting
    people = [p.user for p in Participant.objects.filter(meeting=meeting, role=Participant.Role.SECRETARY)
              .select_related("user")] or [meeting.created_by]
    if pending.notice is not None and pending.notice.approver is not None:
        people.append(pending.notice.approver)
    return people


@register("notice-due")
def remind_notices_due(now: datetime) -> int:
    sent = 0
    for pending in pending_notices(Meeting.objects.all(), now):
        day = pending.today
        when = pending.due.strftime("%d/%m/%Y")
        url = reverse("signing_notice", args=[pending.meeting.pk])
        title = " ".join(pending.meeting.title.split())
        if pending.overdue:
            key = f"notice-due:{pending.meeting.pk}:overdue"
            subject = _("Overdue: the conclusion notice of “%(title)s” (due %(date)s)") % {"title": title, "date": when}
            body = _("The conclusion notice must be issued within 5 working days after the meeting "
                     "(Decision 45/2018/QĐ-TTg).")
        elif add_working_days(day, 1) >= pending.due:
            key = f"notice-due:{pending.meeting.pk}:before"
            subject = _("Due tomorrow: the conclusion notice of “%(title)s” (due %(date)s)") % {
                "title": title, "date": when}
            body = _("One working day is left to issue the conclusion notice of the meeting.")
        else:
            continue
        if remind_once(key, _people(pending), kind="notice.due", title=subject, body=body, url=url):
            sent += 1
    return sent
