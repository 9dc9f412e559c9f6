"""preparation pages: meeting lists, week view, create/edit/copy/cancel/schedule, the meeting page
with its agenda, participants and invitation answers, and the personal iCalendar feed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecabinet.access import convening_unit_ids, may_create_meetings
from ecabinet.errors import ActionError, PermissionDeniedError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import field_error, parse_date, parse_input, parse_int
from ecabinet.models import Unit
from ecabinet.refusals import FormPage, refusal_response
from meetings.access import (
    MeetingAccess,
    agenda_item_for,
    meeting_access,
    meeting_allows,
    meeting_permissions,
    participant_in,
    require_runner,
)
from meetings.actions import agenda as agenda_act
from meetings.actions import preparation as act
from meetings.calendar_names import day_label, month_title, weekday_names
from meetings.ical import feed_response
from meetings.models import Meeting, MeetingRoom, MeetingType, Participant
from meetings.schemas import (
    AgendaIn,
    CancelIn,
    CopyIn,
    InvitationAnswerIn,
    MeetingIn,
    ParticipantIn,
    ParticipantPatch,
    UnitIn,
)
from meetings.selectors import (
    ANY_STATUS,
    PAGE_RELATED,
    SCOPES,
    CalendarFilters,
    meeting_page,
    month_weeks,
    page_fragment_keys,
    search_meetings,
    week_days,
)
from meetings.selectors_absence import absence_context

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    """A lenient page filter: a number that is not one (or too big for a column) is ignored."""
    try:
        return parse_int(value, "value", minimum=0, maximum=2**31 - 1)
    except ActionError:
        return None


def _lenient_date(value: str | None) -> date | None:
    """A list filter: a date that is not one, or outside the calendar this system keeps, is ignored."""
    try:
        return parse_date(value, "date")
    except ActionError:
        return None


# --- lists and calendars ----------------------------------------------------------------------

def _scope_choices() -> list[tuple[str, str]]:
    """The scopes of `search_meetings` as the list's and the calendars' filters name them."""
    return [("mine", _("My meetings")), ("unit", _("My unit's meetings")),
            ("preparing", _("My unit prepares documents")), ("all", _("All I may see"))]


@login_required
def meeting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    get = request.GET
    scope = get.get("scope") or "mine"
    scope = scope if scope in SCOPES else "mine"
    when = get.get("when") if get.get("when") in ("upcoming", "past", "any") else "upcoming"
    status = get.get("status") if get.get("status") in Meeting.Status.values else None
    start, end = _lenient_date(get.get("from")), _lenient_date(get.get("to"))
    qs = search_meetings(request.user, scope=scope, status=status, start=start, end=end,
                         q=(get.get("q") or "").strip() or None, unit=_int(get.get("unit")))
    now = timezone.now()
    if when == "upcoming" and not (start or end):
        qs = qs.filter(ends_at__gte=now).order_by("starts_at")
    elif when == "past" and not (start or end):
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at")
    else:
        qs = qs.order_by("-starts_at")
    page = max(_int(get.get("page")) or 1, 1)
    meetings = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    return render(request, "meetings/list.html", {
        "meetings": meetings[:PAGE_SIZE], "has_next": len(meetings) > PAGE_SIZE, "page": page,
        "calendar_view": "list", "scope": scope, "when": when, "status": status or "", "q": get.get("q", ""),
        "from": get.get("from", ""), "to": get.get("to", ""), "unit": _int(get.get("unit")),
        "statuses": Meeting.Status.choices, "units": Unit.objects.order_by("name"),
        "scopes": _scope_choices(),
    })


def _calendar_filters(request: AuthenticatedHttpRequest) -> CalendarFilters:
    """The week's and the month's filters, lenient like the list's: what is not one is ignored."""
    get = request.GET
    scope = get.get("scope") if get.get("scope") in SCOPES else "all"
    status = get.get("status")
    status = status if status in (*Meeting.Status.values, ANY_STATUS) else None
    return CalendarFilters(scope=scope or "all", meeting_type=_int(get.get("type")) or None,
                           unit=_int(get.get("unit")) or None, status=status)


def _calendar_context(filters: CalendarFilters, view: str) -> dict[str, Any]:
    """What the calendars' filter form and tabs need (the choices: two small queries)."""
    return {
        "filters": filters, "filter_query": filters.query(), "calendar_view": view,
        "today": timezone.localdate(),
        "scopes": _scope_choices(),
        "statuses": [("", _("Any, except cancelled")), *Meeting.Status.choices,
                     (ANY_STATUS, _("Any, cancelled included"))],
        "meeting_types": MeetingType.objects.order_by("name"), "units": Unit.objects.order_by("name"),
    }


def _calendar_day(value: str | None, field: str) -> date:
    """A calendar's day: not a date at all → today, as always; a date past the calendar this
    system keeps → its 400 (a week or month past 2999 does not exist)."""
    try:
        return parse_date(value, field) or timezone.localdate()
    except ActionError as exc:
        if exc.code == "out_of_range":
            raise
        return timezone.localdate()


@login_required
def meeting_week(request: AuthenticatedHttpRequest) -> HttpResponse:
    day = _calendar_day(request.GET.get("d"), "d")
    monday = day - timedelta(days=day.weekday())
    filters = _calendar_filters(request)
    return render(request, "meetings/week.html", {
        **_calendar_context(filters, "week"),
        "days": [{**d, "label": day_label(d["day"])} for d in week_days(monday, request.user, filters)],
        "monday": monday,
        "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7),
        "sunday": monday + timedelta(days=6),
    })


MONTH_PARAM = re.compile(r"\d{4}-\d{1,2}")


@login_required
def meeting_month(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The month grid (fn49): `?m=YYYY-MM`; anything else is this month."""
    m = (request.GET.get("m") or "").strip()
    day = _calendar_day(f"{m}-01" if MONTH_PARAM.fullmatch(m) else None, "m")
    first = day.replace(day=1)
    filters = _calendar_filters(request)
    weeks = month_weeks(first, request.user, filters)
    return render(request, "meetings/month.html", {
        **_calendar_context(filters, "month"),
        "first": first, "title": month_title(first), "weeks": weeks, "weekdays": weekday_names(),
        # the phone's agenda: the month's days that have meetings
        "agenda": [{**d, "label": day_label(d["day"])} for week in weeks for d in week
                   if d["in_month"] and d["meetings"]],
        "previous": (first - timedelta(days=1)).replace(day=1),
        "next": (first + timedelta(days=31)).replace(day=1),
    })


@login_required
def meeting_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        act.do_regenerate_calendar_feed(actor=request.user)
        messages.success(request, _("A new calendar address was made; the old one no longer works."))
        return redirect("meeting_calendar")
    feed = act.calendar_feed_for(request.user)
    url = request.build_absolute_uri(reverse("meeting_ical_feed", args=[feed.token]))
    return render(request, "meetings/calendar.html", {"feed_url": url})


def meeting_ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the secret token in the URL is the credential (404 for a wrong one)."""
    return feed_response(token)


# --- create, edit, copy ------------------------------------------------------------------------

def _form_context(request: AuthenticatedHttpRequest, **extra: Any) -> dict[str, Any]:
    user = request.user
    meeting = extra.get("meeting")
    unit_ids = convening_unit_ids(user) | ({meeting.unit_id} if meeting is not None and meeting.unit_id else set())
    return {
        "units": Unit.objects.filter(pk__in=unit_ids),
        "meeting_types": MeetingType.objects.filter(active=True),
        "rooms": MeetingRoom.objects.filter(active=True),
        **extra,
    }


@login_required
def meeting_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not may_create_meetings(request.user):
        raise PermissionDeniedError(_("Your role does not allow convening meetings."))
    values: dict[str, Any] = {"unit": request.user.unit_id}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            data = parse_input(MeetingIn, request.POST)
            meeting = act.do_create_meeting(actor=request.user, **data.changes())
        except ActionError as exc:
            return refusal_response(request, exc, form=FormPage("meetings/form.html", _form_context(
                request, values=values)))
        messages.success(request, _("The meeting was created as a draft."))
        return redirect(meeting)
    return render(request, "meetings/form.html", _form_context(request, values=values))


def _values_of(meeting: Meeting, page: dict[str, Any]) -> dict[str, Any]:
    local = timezone.localtime
    return {
        "title": meeting.title, "description": meeting.description, "location": meeting.location,
        "online_url": meeting.online_url, "unit": meeting.unit_id, "meeting_type": meeting.meeting_type_id,
        "room": meeting.room_id, "starts_at": local(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(meeting.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "chair": page["chair"].username if page["chair"] else "",
    }


def _runner_access(request: AuthenticatedHttpRequest, meeting_id: int) -> MeetingAccess:
    """A runner's form page: 404 for a meeting the user may not see, 403 for one they only attend."""
    access = meeting_access(request.user, meeting_id)
    require_runner(access)
    return access


@login_required
def meeting_edit(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = _runner_access(request, meeting_id)
    meeting = access.meeting
    if request.method == "POST":
        values = request.POST.dict()
        try:
            # The page's form holds every field: parsed as a whole, like the API's create.
            data = parse_input(MeetingIn, request.POST)
            act.do_update_meeting(meeting, actor=request.user, **data.changes())
        except ActionError as exc:
            return refusal_response(request, exc, form=FormPage("meetings/form.html", _form_context(
                request, meeting=meeting, values=values)))
        messages.success(request, _("The meeting was saved."))
        return redirect(meeting)
    values = _values_of(meeting, meeting_page(access, request.user))
    return render(request, "meetings/form.html", _form_context(request, meeting=meeting, values=values))


@login_required
def meeting_copy(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    source = _runner_access(request, meeting_id).meeting
    if request.method == "POST":
        values = request.POST.dict()
        try:
            data = parse_input(CopyIn, request.POST)
            copy = act.do_copy_meeting(source, actor=request.user, **data.changes())
        except ActionError as exc:
            return refusal_response(request, exc, form=FormPage("meetings/copy.html", {
                "source": source, "values": values}))
        messages.success(request, _("A copy was made as a new draft. Check the dates and the agenda."))
        return redirect(copy)
    return render(request, "meetings/copy.html", {"source": source, "values": {"title": source.title}})


# --- the meeting page and its forms ----------------------------------------------------------

def _detail_context(request: AuthenticatedHttpRequest, meeting_id: int) -> dict[str, Any]:
    access = meeting_access(request.user, meeting_id, related=PAGE_RELATED)
    context = meeting_page(access, request.user)
    meeting = context["meeting"]
    perms = meeting_permissions(access, request.user)
    context.update({
        "access": access,
        "perms": perms,
        "allows": meeting_allows(meeting),
        # Row forms build their URLs from this prefix: one reverse() instead of one per row.
        "base": reverse("meeting_detail", args=[meeting.pk]),
        "me": access.participant,
        "editable": perms["run"] and meeting.status in agenda_act.OPEN_STATUSES,
        "roles": Participant.Role.choices,
        "answer_labels": dict(Participant.State.choices),
        "can_answer": perms["answer"] and meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS),
    })
    context.update(absence_context(access, meeting, context["participants"]))  # --- absence requests (fn113)
    # The agenda, the participant table and the seat map are rendered once per revision and
    # viewer facts (meetings/selectors.py page_fragment_keys; templates/meetings/detail.html).
    context["fragment_keys"] = page_fragment_keys(context, editable=context["editable"],
                                                  language=get_language())
    # Names are looked up as the person types (the page's script asks the people lookup,
    # meetings/api/preparation.py look_up_people): the page never lists the installation's people.
    context["people_lookup"] = context["editable"] or context["can_answer"]
    if context["editable"]:
        context["all_units"] = Unit.objects.order_by("name")
    if meeting.room_id:
        taken = context["seats_taken"]
        context["seat_rows"] = [[(seat, taken.get(seat)) for seat in row] for row in meeting.room.seat_grid()]
    return context


@login_required
def meeting_detail(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    return render(request, "meetings/detail.html", _detail_context(request, meeting_id))


MeetingForm = Callable[..., str | None]


def meeting_post(view: MeetingForm) -> Callable[..., HttpResponse]:
    """A POST form on the meeting page: the meeting as the user may see it (404 otherwise) goes
    to the form's action, then back to the page. A refused change (400, 409) shows the page
    again with its message and the matching status (a 409 shows the agenda as it now is);
    other refusals go to the one refusal handler."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, meeting_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        meeting = meeting_access(request.user, meeting_id).meeting
        try:
            message = view(request, meeting, *args, **kwargs)
        except ActionError as exc:
            if exc.status not in (400, 409):
                raise
            return refusal_response(request, exc, form=FormPage("meetings/detail.html",
                                                                  _detail_context(request, meeting_id)))
        if message:
            messages.success(request, message)
        return redirect(reverse("meeting_detail", args=[meeting_id]))

    return wrapper


@meeting_post
def meeting_schedule(request: AuthenticatedHttpRequest, meeting: Meeting) -> str:
    act.do_schedule_meeting(meeting, actor=request.user)
    return _("The meeting is scheduled and the invitations were sent.")


@meeting_post
def meeting_cancel(request: AuthenticatedHttpRequest, meeting: Meeting) -> str:
    data = parse_input(CancelIn, request.POST)
    act.do_cancel_meeting(meeting, actor=request.user, reason=data.reason)
    return _("The meeting was cancelled.")


@meeting_post
def meeting_participant_add(request: AuthenticatedHttpRequest, meeting: Meeting) -> str:
    if request.POST.get("unit"):
        changes = parse_input(UnitIn, request.POST).changes()
        added = act.do_add_unit(meeting, actor=request.user, **changes)
        return _("%(count)d people of %(unit)s were added.") % {"count": len(added), "unit": changes["unit"].name}
    changes = parse_input(ParticipantIn, request.POST).changes()
    act.do_add_participant(meeting, actor=request.user, **changes)
    return _("%(name)s was added.") % {"name": changes["user"].full_name or changes["user"].username}


@meeting_post
def meeting_participant_update(request: AuthenticatedHttpRequest, meeting: Meeting, participant_id: int) -> str:
    data = parse_input(ParticipantPatch, request.POST)
    # The row's form always sends the seat: left empty, it frees the seat (the API omits it to keep it).
    seat = data.seat if data.seat is not None else ("" if "seat" in request.POST else None)
    act.do_update_participant(participant_in(meeting, participant_id), actor=request.user, role=data.role, seat=seat)
    return _("The participant was updated.")


@meeting_post
def meeting_participant_remove(request: AuthenticatedHttpRequest, meeting: Meeting, participant_id: int) -> str:
    act.do_remove_participant(participant_in(meeting, participant_id), actor=request.user)
    return _("The participant was removed.")


@meeting_post
def meeting_answer(request: AuthenticatedHttpRequest, meeting: Meeting) -> str:
    data = parse_input(InvitationAnswerIn, request.POST)
    act.do_answer_invitation(meeting, actor=request.user, **data.changes())
    return _("Your answer was recorded.")


def _version(request: AuthenticatedHttpRequest) -> int:
    """The agenda version the page showed: every agenda form carries it."""
    version = _int(request.POST.get("agenda_version"))
    if version is None:
        raise field_error("agenda_version", _("The page is out of date; reload it."))
    return version


@meeting_post
def meeting_agenda_add(request: AuthenticatedHttpRequest, meeting: Meeting) -> str:
    version = _version(request)
    data = parse_input(AgendaIn, request.POST)
    agenda_act.do_add_agenda_item(meeting, actor=request.user, agenda_version=version, **data.changes())
    return _("The agenda item was added.")


@meeting_post
def meeting_agenda_update(request: AuthenticatedHttpRequest, meeting: Meeting, item_id: int) -> str:
    version = _version(request)
    # The row's form holds the whole item (an empty presenter removes the presenter).
    data = parse_input(AgendaIn, request.POST)
    agenda_act.do_update_agenda_item(agenda_item_for(request.user, item_id, meeting=meeting), actor=request.user,
                                     agenda_version=version, **data.changes())
    return _("The agenda item was saved.")


@meeting_post
def meeting_agenda_remove(request: AuthenticatedHttpRequest, meeting: Meeting, item_id: int) -> str:
    agenda_act.do_remove_agenda_item(agenda_item_for(request.user, item_id, meeting=meeting), actor=request.user,
                                     agenda_version=_version(request))
    return _("The agenda item was removed.")


@meeting_post
def meeting_agenda_move(request: AuthenticatedHttpRequest, meeting: Meeting, item_id: int) -> None:
    step = -1 if request.POST.get("direction") == "up" else 1
    agenda_act.do_move_agenda_item(agenda_item_for(request.user, item_id, meeting=meeting), actor=request.user,
                                   agenda_version=_version(request), step=step)
    return None


urlpatterns = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/week/", meeting_week, name="meeting_week"),
    path("meetings/month/", meeting_month, name="meeting_month"),
    path("meetings/calendar/", meeting_calendar, name="meeting_calendar"),
    path("calendar/<str:token>.ics", meeting_ical_feed, name="meeting_ical_feed"),
    path("meetings/new/", meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_id>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/copy/", meeting_copy, name="meeting_copy"),
    path("meetings/<int:meeting_id>/schedule/", meeting_schedule, name="meeting_schedule"),
    path("meetings/<int:meeting_id>/cancel/", meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:meeting_id>/answer/", meeting_answer, name="meeting_answer"),
    path("meetings/<int:meeting_id>/participants/add/", meeting_participant_add, name="meeting_participant_add"),
    path("meetings/<int:meeting_id>/participants/<int:participant_id>/", meeting_participant_update,
         name="meeting_participant_update"),
    path("meetings/<int:meeting_id>/participants/<int:participant_id>/remove/", meeting_participant_remove,
         name="meeting_participant_remove"),
    path("meetings/<int:meeting_id>/agenda/add/", meeting_agenda_add, name="meeting_agenda_add"),
    path("meetings/<int:meeting_id>/agenda/<int:item_id>/", meeting_agenda_update, name="meeting_agenda_update"),
    path("meetings/<int:meeting_id>/agenda/<int:item_id>/remove/", meeting_agenda_remove,
         name="meeting_agenda_remove"),
    path("meetings/<int:meeting_id>/agenda/<int:item_id>/move/", meeting_agenda_move, name="meeting_agenda_move"),
]
