"""Reminders of the conclusion notice's deadline (``notice-due``): one working day before it and
once when it has passed, to the meeting's secretary and the notice's approver; and of signing
requests due or overdue (``signing-due``, fn125). Registered in ``SigningConfig.ready``; the task
queue runs them every minute (ecabinet/tasks.py), each key at most once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecabinet.models import User
from ecabinet.reminders import register, remind_once
from ecabinet.workdays import add_working_days
from meetings.models import Meeting, Participant
from signing.actions.requests import request_url, whose_turn
from signing.models import SigningRequest
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


# --- signing requests (fn125) -----------------------------------------------------------------

SIGNING_SOON = timedelta(days=1)


def _signing_body(signing_request: SigningRequest, waiting: list[User]) -> str:
    names = ", ".join(u.full_name or u.username for u in waiting)
    return " ".join([
        _("Document: “%(title)s”.") % {"title": " ".join(signing_request.document.title.split())},
        _("Waiting for: %(names)s.") % {"names": names},
    ])


@register("signing-due")
def remind_signing_due(now: datetime) -> int:
    """Open signing requests with a deadline: the signers whose turn it is, once within the day
    before it, and once when it has passed — then the requester too. One reminder per person,
    phase and deadline (``signing-due:<request>:<phase>:<deadline>:<user>``): a deadline moved
    later reminds again, a second run never; in a request signed in order, each signer is
    reminded when it is their turn."""
    requests = (SigningRequest.objects.filter(status=SigningRequest.Status.OPEN, due__isnull=False,
                                              due__lte=now + SIGNING_SOON)
                .select_related("document", "requester").order_by("due", "pk"))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for signing_request in requests:
            assert signing_request.due is not None  # filtered above
            overdue = signing_request.due <= now
            phase = "overdue" if overdue else "before"
            deadline = signing_request.due.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
            when = timezone.localtime(signing_request.due).strftime("%H:%M %d/%m/%Y")
            doc = " ".join(signing_request.document.title.split())
            waiting = [entry.user for entry in whose_turn(signing_request)]
            if not waiting:
                continue
            body = _signing_body(signing_request, waiting)
            url = request_url(signing_request)
            if overdue:
                title = _("Overdue: please sign “%(title)s” (due %(when)s)") % {"title": doc, "when": when}
            else:
                title = _("Due soon: please sign “%(title)s” (due %(when)s)") % {"title": doc, "when": when}
            for user in waiting:
                sent += remind_once(f"signing-due:{signing_request.pk}:{phase}:{deadline}:{user.pk}", [user],
                                    kind="signing.request", title=title, body=body, url=url)
            if overdue:
                title = _("Overdue: the signatures on “%(title)s” (due %(when)s)") % {"title": doc, "when": when}
                sent += remind_once(f"signing-due:{signing_request.pk}:overdue:{deadline}:requester",
                                    [signing_request.requester], kind="signing.overdue", title=title,
                                    body=body, url=url)
    return sent
