"""Reminders of written-opinion rounds (collector ``opinion-due``, fn125; run every minute by the
task queue, ecabinet/tasks.py, or by ``manage.py send_reminders``), in two phases:

- *due tomorrow*: the round is open and its deadline falls on the next calendar day or within the
  next 24 hours, whichever comes first: each person asked who has not answered, once per round
  (key ``opinion-due:<round>``), notification kind ``opinion.due`` (mail, and Web Push for who
  keeps that category on, through ``notify_users``);
- *overdue*: the deadline has passed and the round is still open (not closed): each person asked
  who has not answered (kind ``opinion.due``: the round takes no answer any more, they are told
  whom to contact), and the person who asked for the opinions — the round's creator, or the
  meeting's secretaries when the creator is no longer active — how many have not answered, with
  a link to the round (kind ``opinion.overdue``). Once per person and deadline
  (``opinion-due:<round>:overdue:<deadline>:<user>`` and ``…:<deadline>:owner``): a deadline
  moved later reminds again when it passes again, a second run never.

People no longer active are skipped (``notify_users`` drops them too); a closed round reminds
nobody; people who answered are never reminded."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecabinet.models import User
from ecabinet.reminders import register, remind_once
from meetings.models import OpinionAnswer, OpinionRecipient, OpinionRound, Participant

# How many names the owner's overdue message lists before "and N more".
NAMES_SHOWN = 10


def due_window_end(now: datetime) -> datetime:
    """The end of "due tomorrow": the end of the next calendar day (local time)."""
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow + timedelta(days=1), time.min))


def _waiting(rnd: OpinionRound) -> list[User]:
    """The people asked who have not answered, in the order they were asked."""
    answered = OpinionAnswer.objects.filter(round=rnd).values("user_id")
    return [r.user for r in OpinionRecipient.objects.filter(round=rnd).exclude(user_id__in=answered)
            .select_related("user").order_by("pk")]


def _owners(rnd: OpinionRound) -> list[User]:
    """Who asked for the opinions: the round's creator; when they are no longer active, the
    meeting's secretaries (a round of a unit has no one else to tell)."""
    if rnd.created_by.is_active:
        return [rnd.created_by]
    if rnd.meeting_id is None:
        return []
    return [p.user for p in Participant.objects.filter(meeting_id=rnd.meeting_id, role=Participant.Role.SECRETARY,
                                                       user__is_active=True).select_related("user")]


def _names(people: list[User]) -> str:
    names = ", ".join(u.full_name or u.username for u in people[:NAMES_SHOWN])
    more = len(people) - NAMES_SHOWN
    if more > 0:
        names += " " + ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more}
    return names


def _remind_due_tomorrow(now: datetime) -> int:
    sent = 0
    rounds = OpinionRound.objects.filter(status=OpinionRound.Status.OPEN, deadline__gt=now,
                                         deadline__lt=due_window_end(now)).order_by("pk")
    for rnd in rounds:
        people = [u for u in _waiting(rnd) if u.is_active]
        if not people:
            continue
        when = timezone.localtime(rnd.deadline).strftime("%H:%M %d/%m/%Y")
        title = _("Due tomorrow: your written opinion on “%(title)s”") % {"title": " ".join(rnd.title.split())}
        body = _("Deadline: %(when)s") % {"when": when}
        if remind_once(f"opinion-due:{rnd.pk}", people, kind="opinion.due", title=title, body=body,
                       url=reverse("opinion_detail", args=[rnd.pk])):
            sent += 1
    return sent


def _remind_overdue(now: datetime) -> int:
    sent = 0
    rounds = (OpinionRound.objects.filter(status=OpinionRound.Status.OPEN, deadline__lte=now)
              .select_related("created_by").order_by("deadline", "pk"))
    for rnd in rounds:
        waiting = _waiting(rnd)
        if not waiting:
            continue
        deadline = rnd.deadline.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        when = timezone.localtime(rnd.deadline).strftime("%H:%M %d/%m/%Y")
        title = " ".join(rnd.title.split())
        url = reverse("opinion_detail", args=[rnd.pk])
        asker = rnd.created_by.full_name or rnd.created_by.username
        subject = _("Overdue: your written opinion on “%(title)s” (due %(when)s)") % {"title": title, "when": when}
        body = _("The deadline has passed and the round takes no more answers. If you still wish to give "
                 "your opinion, contact %(name)s, who asked for it.") % {"name": asker}
        for user in waiting:
            if user.is_active:
                sent += remind_once(f"opinion-due:{rnd.pk}:overdue:{deadline}:{user.pk}", [user],
                                    kind="opinion.due", title=subject, body=body, url=url)
        owners = _owners(rnd)
        if not owners:
            continue
        total = OpinionRecipient.objects.filter(round=rnd).count()
        subject = ngettext(
            "Overdue: %(count)d of %(total)d people have not answered “%(title)s” (due %(when)s)",
            "Overdue: %(count)d of %(total)d people have not answered “%(title)s” (due %(when)s)",
            len(waiting)) % {"count": len(waiting), "total": total, "title": title, "when": when}
        body = " ".join([
            _("Not answered: %(names)s.") % {"names": _names(waiting)},
            _("Close the round to record the result, or ask again in a new round."),
        ])
        sent += remind_once(f"opinion-due:{rnd.pk}:overdue:{deadline}:owner", owners, kind="opinion.overdue",
                            title=subject, body=body, url=url)
    return sent


@register("opinion-due")
def remind_opinions_due(now: datetime) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        return _remind_due_tomorrow(now) + _remind_overdue(now)
