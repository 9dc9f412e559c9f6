"""Meeting reminders (fn126; collector ``meeting-reminders``, run every minute by the task queue,
ecabinet/tasks.py): a day before and 30 minutes before a scheduled meeting, as each person chose
(``User.meeting_reminders``: both by default, one of them, or none), in-app, by e-mail and by Web
Push through ``notify_users`` (kind ``meeting.reminder``).

Who: the meeting's participants who have not declined (nor delegated their seat) and who knew of
the meeting when the reminder fell due — someone invited after that moment has just had the
invitation, which says the same. Not for drafts, cancelled, started or ended meetings. Each
reminder is due from its moment until the next one takes over (the day reminder until 30 minutes
before, that one until the start), so a consumer that was stopped catches up once it runs again.

The key names the meeting, the reminder and the start time (``meeting-reminder:<id>:day:<start>``):
a meeting moved later is reminded again for its new time, never twice for the same time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecabinet.models import User
from ecabinet.reminders import register, remind_once
from meetings.actions.preparation import time_and_place
from meetings.models import Meeting, Participant

Choice = User.MeetingReminders
# Each reminder: its name, how long before the start, and the choices that ask for it; the
# later one first (it takes over from the earlier once due).
REMINDERS = (
    ("half_hour", timedelta(minutes=30), (Choice.BOTH, Choice.HALF_HOUR)),
    ("day", timedelta(days=1), (Choice.BOTH, Choice.DAY)),
)
NOT_COMING = (Participant.Response.DECLINE, Participant.Response.DELEGATE)


def reminder_due(meeting: Meeting, now: datetime) -> tuple[str, datetime, tuple[str, ...]] | None:
    """The reminder of `meeting` due at `now` (name, the moment it fell due, the choices), or None."""
    if meeting.status != Meeting.Status.SCHEDULED or meeting.starts_at <= now:
        return None
    for name, lead, choices in REMINDERS:
        due = meeting.starts_at - lead
        if due <= now:
            return name, due, choices
    return None


def reminder_key(meeting: Meeting, name: str) -> str:
    start = meeting.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"meeting-reminder:{meeting.pk}:{name}:{start}"


def people_to_remind(meeting: Meeting, *, due: datetime, choices: tuple[str, ...]) -> list[User]:
    rows = (Participant.objects.filter(meeting=meeting, user__is_active=True, user__meeting_reminders__in=choices)
            .exclude(response__in=NOT_COMING)
            # known since: the invitation, or being added (the one who scheduled it is not invited)
            .alias(known_since=Coalesce("invited_at", "added_at"))
            .filter(Q(known_since__lte=due))
            .select_related("user").order_by("pk"))
    return [p.user for p in rows]


def remind_meeting(meeting: Meeting, now: datetime) -> bool:
    """Send the reminder of `meeting` due at `now`, once. True when it went out."""
    found = reminder_due(meeting, now)
    if found is None:
        return False
    name, due, choices = found
    people = people_to_remind(meeting, due=due, choices=choices)
    if not people:
        return False
    when = timezone.localtime(meeting.starts_at).strftime("%H:%M %d/%m/%Y")
    title = _("Meeting reminder: “%(title)s” at %(when)s") % {"title": " ".join(meeting.title.split()), "when": when}
    return remind_once(reminder_key(meeting, name), people, kind="meeting.reminder", title=title,
                       body=time_and_place(meeting), url=meeting.get_absolute_url())


@register("meeting-reminders")
def remind_meetings(now: datetime) -> int:
    longest = max(lead for _name, lead, _choices in REMINDERS)
    meetings = (Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now,
                                       starts_at__lte=now + longest)
                .select_related("room").order_by("starts_at", "pk"))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for meeting in meetings:
            sent += remind_meeting(meeting, now)
    return sent
