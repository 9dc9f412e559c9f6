"""Reminder of a written-opinion round due tomorrow (collector ``opinion-due``, run by
``manage.py send_reminders``): to each person asked who has not answered, once per round (key
``opinion-due:<round>``), as an in-app notification of kind ``opinion.due`` (mail, and Web Push
for who keeps that category on, through ``notify_users``). "Tomorrow": the round is open and its
deadline falls on the next calendar day or within the next 24 hours, whichever comes first."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.reminders import register, remind_once
from meetings.models import OpinionAnswer, OpinionRecipient, OpinionRound


def due_window_end(now: datetime) -> datetime:
    """The end of "due tomorrow": the end of the next calendar day (local time)."""
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow + timedelta(days=1), time.min))


@register("opinion-due")
def remind_opinions_due(now: datetime) -> int:
    sent = 0
    rounds = OpinionRound.objects.filter(status=OpinionRound.Status.OPEN, deadline__gt=now,
                                         deadline__lt=due_window_end(now)).order_by("pk")
    for rnd in rounds:
        answered = OpinionAnswer.objects.filter(round=rnd).values("user_id")
        people = [r.user for r in OpinionRecipient.objects.filter(round=rnd).exclude(user_id__in=answered)
                  .select_related("user")]
        if not people:
            continue
        when = timezone.localtime(rnd.deadline).strftime("%H:%M %d/%m/%Y")
        title = _("Due tomorrow: your written opinion on “%(title)s”") % {"title": " ".join(rnd.title.split())}
        body = _("Deadline: %(when)s") % {"when": when}
        if remind_once(f"opinion-due:{rnd.pk}", people, kind="opinion.due", title=title, body=body,
                       url=reverse("opinion_detail", args=[rnd.pk])):
            sent += 1
    return sent
