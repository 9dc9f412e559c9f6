"""The personal iCalendar feed: a calendar app subscribes with a secret URL, no login."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

from meetings.models import CalendarFeed, Meeting
from meetings.selectors import search_meetings

PAST_DAYS = 90

ICAL_STATUS: dict[str, str] = {
    Meeting.Status.DRAFT: "TENTATIVE",
    Meeting.Status.SCHEDULED: "CONFIRMED",
    Meeting.Status.IN_PROGRESS: "CONFIRMED",
    Meeting.Status.ENDED: "CONFIRMED",
    Meeting.Status.CANCELLED: "CANCELLED",
}


def build_calendar(meetings: list[Meeting]) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//eCabinet//Lich hop//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "eCabinet")
    host = settings.PUBLIC_BASE_URL.split("//")[-1].split("/")[0] or "ecabinet"
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@{host}")
        event.add("summary", meeting.title)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("dtstamp", timezone.now())
        event.add("status", ICAL_STATUS.get(meeting.status, "CONFIRMED"))
        place = meeting.room.name if meeting.room is not None else meeting.location
        if place:
            event.add("location", place)
        description = meeting.description
        if meeting.status == Meeting.Status.CANCELLED and meeting.cancel_reason:
            description = f"{meeting.cancel_reason}\n\n{description}".strip()
        if description:
            event.add("description", description)
        event.add("url", f"{settings.PUBLIC_BASE_URL}{meeting.get_absolute_url()}")
        cal.add_component(event)
    return cal.to_ical()


def feed_response(token: str) -> HttpResponse:
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first() if len(token) <= 64 else None
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar")
    since = timezone.localdate() - timedelta(days=PAST_DAYS)
    meetings = list(search_meetings(feed.user, scope="mine", start=since).order_by("starts_at")[:1000])
    response = HttpResponse(build_calendar(meetings), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
