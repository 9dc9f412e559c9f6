"""preparation pages: meeting lists, week view, create/edit/copy/cancel/schedule, the meeting page
with its agenda, participants and invitation answers, and the personal iCalendar feed."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecabinet.access import convening_unit_ids, may_create_meetings
from ecabinet.errors import ActionError, PermissionDeniedError
from ecabinet.inputs import parse_date, parse_int
from ecabinet.models import Unit, User
from meetings.access import meeting_access, meeting_permissions, require_runner
from meetings.actions import preparation as act
from meetings.actions import preparation_agenda as agenda_act
from meetings.actions.preparation import parse_when, resolve, resolve_user
from meetings.ical import feed_response
from meetings.models import Meeting, MeetingRoom, MeetingType, Participant
from meetings.selectors import SCOPES, meeting_page, search_meetings, week_days

PAGE_SIZE = 50


def _error_page(request: HttpRequest, exc: ActionError) -> HttpResponse:
    if exc.status == 404:
        raise Http404(exc.message)
    return render(request, "meetings/error.html", {"message": exc.message}, status=exc.status)


def _field_errors(exc: ActionError) -> dict[str, str]:
    return {f["field"]: f["message"] for f in exc.extra.get("fields", [])}


def _int(value: str | None) -> int | None:
    """A lenient page filter: a number that is not one (or too big for a column) is ignored."""
    try:
        return parse_int(value, "value", minimum=0, maximum=2**31 - 1)
    except ActionError:
        return None


def _lenient_date(value: str | None):
    """A list filter: a date that is not one, or outside the calendar this system keeps, is ignored."""
    try:
        return parse_date(value, "date")
    except ActionError:
        return None


# --- lists and calendars ----------------------------------------------------------------------

@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    scope = get.get("scope") if get.get("scope") in SCOPES else "mine"
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
        "scope": scope, "when": when, "status": status or "", "q": get.get("q", ""),
        "from": get.get("from", ""), "to": get.get("to", ""), "unit": _int(get.get("unit")),
        "statuses": Meeting.Status.choices, "units": Unit.objects.order_by("name"),
        "scopes": [("mine", _("My meetings")), ("unit", _("My unit's meetings")),
                   ("preparing", _("My unit prepares documents")), ("all", _("All I may see"))],
    })


@login_required
def meeting_week(request: HttpRequest) -> HttpResponse:
    try:
        day = parse_date(request.GET.get("d"), "d") or timezone.localdate()
    except ActionError as exc:
        if exc.code == "out_of_range":  # 9999-12-31: a week past it does not exist
            return _error_page(request, exc)
        day = timezone.localdate()  # not a date at all: this week, as always
    monday = day - timedelta(days=day.weekday())
    return render(request, "meetings/week.html", {
        "days": week_days(monday, request.user), "monday": monday, "today": timezone.localdate(),
        "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7),
        "sunday": monday + timedelta(days=6),
    })


@login_required
def meeting_calendar(request: HttpRequest) -> HttpResponse:
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

def _form_context(request: HttpRequest, **extra) -> dict:
    user = request.user
    meeting = extra.get("meeting")
    unit_ids = convening_unit_ids(user) | ({meeting.unit_id} if meeting is not None and meeting.unit_id else set())
    return {
        "units": Unit.objects.filter(pk__in=unit_ids),
        "meeting_types": MeetingType.objects.filter(active=True),
        "rooms": MeetingRoom.objects.filter(active=True),
        "people": User.objects.filter(is_active=True).select_related("unit").order_by("full_name")[:2000],
        **extra,
    }


def _meeting_fields(post) -> dict:
    fields = {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "location": post.get("location", "").strip(),
        "online_url": post.get("online_url", "").strip(),
        "starts_at": parse_when(post.get("starts_at"), "starts_at"),
        "ends_at": parse_when(post.get("ends_at"), "ends_at"),
        "unit": resolve(Unit, post.get("unit"), "unit"),
        "meeting_type": resolve(MeetingType, post.get("meeting_type"), "meeting_type"),
        "room": resolve(MeetingRoom, post.get("room"), "room"),
    }
    for name in ("chair", "secretary"):
        person = resolve_user(post.get(name), name)
        if person is not None:
            fields[name] = person
    return fields


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not may_create_meetings(request.user):
        return _error_page(request, PermissionDeniedError(_("Your role does not allow convening meetings.")))
    values: dict = {"unit": request.user.unit_id}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            meeting = act.do_create_meeting(actor=request.user, **_meeting_fields(request.POST))
        except ActionError as exc:
            return render(request, "meetings/form.html", _form_context(
                request, values=values, error=exc.message, errors=_field_errors(exc)), status=exc.status)
        messages.success(request, _("The meeting was created as a draft."))
        return redirect(meeting)
    return render(request, "meetings/form.html", _form_context(request, values=values))


def _values_of(meeting: Meeting, page: dict) -> dict:
    local = timezone.localtime
    return {
        "title": meeting.title, "description": meeting.description, "location": meeting.location,
        "online_url": meeting.online_url, "unit": meeting.unit_id, "meeting_type": meeting.meeting_type_id,
        "room": meeting.room_id, "starts_at": local(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(meeting.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "chair": page["chair"].username if page["chair"] else "",
    }


@login_required
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    try:
        access = meeting_access(request.user, meeting_id)
        require_runner(access)
    except ActionError as exc:
        return _error_page(request, exc)
    meeting = access.meeting
    if request.method == "POST":
        values = request.POST.dict()
        try:
            act.do_update_meeting(meeting_id, actor=request.user, **_meeting_fields(request.POST))
        except ActionError as exc:
            return render(request, "meetings/form.html", _form_context(
                request, meeting=meeting, values=values, error=exc.message, errors=_field_errors(exc)),
                status=exc.status)
        messages.success(request, _("The meeting was saved."))
        return redirect(meeting)
    values = _values_of(meeting, meeting_page(access, request.user))
    return render(request, "meetings/form.html", _form_context(request, meeting=meeting, values=values))


@login_required
def meeting_copy(request: HttpRequest, meeting_id: int) -> HttpResponse:
    try:
        access = meeting_access(request.user, meeting_id)
        require_runner(access)
    except ActionError as exc:
        return _error_page(request, exc)
    source = access.meeting
    if request.method == "POST":
        values = request.POST.dict()
        try:
            copy = act.do_copy_meeting(
                meeting_id, actor=request.user, title=request.POST.get("title") or None,
                starts_at=parse_when(request.POST.get("starts_at"), "starts_at"),
                ends_at=parse_when(request.POST.get("ends_at"), "ends_at"),
            )
        except ActionError as exc:
            return render(request, "meetings/copy.html", {"source": source, "values": values,
                          "error": exc.message, "errors": _field_errors(exc)}, status=exc.status)
        messages.success(request, _("A copy was made as a new draft. Check the dates and the agenda."))
        return redirect(copy)
    return render(request, "meetings/copy.html", {"source": source, "values": {"title": source.title}})


# --- the meeting page and its forms ----------------------------------------------------------

def _render_detail(request: HttpRequest, meeting_id: int, *, error: str | None = None,
                   status: int = 200) -> HttpResponse:
    try:
        access = meeting_access(request.user, meeting_id)
    except ActionError as exc:
        return _error_page(request, exc)
    context = meeting_page(access, request.user)
    meeting = context["meeting"]
    perms = meeting_permissions(access, request.user)
    context.update({
        "access": access,
        "perms": perms,
        # Row forms build their URLs from this prefix: one reverse() instead of one per row.
        "base": reverse("meeting_detail", args=[meeting.pk]),
        "me": access.participant,
        "editable": perms["run"] and meeting.status in act.OPEN_STATUSES,
        "error": error,
        "roles": Participant.Role.choices,
        "answer_labels": dict(Participant.Response.choices),
        "can_answer": perms["answer"] and meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS),
    })
    if context["editable"]:
        context["people"] = User.objects.filter(is_active=True).select_related("unit").order_by("full_name")[:2000]
        context["all_units"] = Unit.objects.order_by("name")
    if meeting.room_id:
        taken = context["seats_taken"]
        context["seat_rows"] = [[(seat, taken.get(seat)) for seat in row] for row in meeting.room.seat_grid()]
    elif context["can_answer"]:
        context["people"] = User.objects.filter(is_active=True).select_related("unit").order_by("full_name")[:2000]
    return render(request, "meetings/detail.html", context, status=status)


@login_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _render_detail(request, meeting_id)


def meeting_post(view):
    """A POST form on the meeting page: run the action, then back to the page; a refusal shows
    its message on the page with the matching status (409 shows the agenda as it now is)."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, meeting_id: int, *args, **kwargs) -> HttpResponse:
        try:
            message = view(request, meeting_id, *args, **kwargs)
        except ActionError as exc:
            if exc.status in (403, 404):
                return _error_page(request, exc)
            return _render_detail(request, meeting_id, error=exc.message, status=exc.status)
        if message:
            messages.success(request, message)
        return redirect(reverse("meeting_detail", args=[meeting_id]))

    return wrapper


def _version(request: HttpRequest) -> int:
    version = _int(request.POST.get("agenda_version"))
    if version is None:
        raise act.field_error("agenda_version", _("The page is out of date; reload it."))
    return version


@meeting_post
def meeting_schedule(request, meeting_id):
    act.do_schedule_meeting(meeting_id, actor=request.user)
    return _("The meeting is scheduled and the invitations were sent.")


@meeting_post
def meeting_cancel(request, meeting_id):
    act.do_cancel_meeting(meeting_id, actor=request.user, reason=request.POST.get("reason", ""))
    return _("The meeting was cancelled.")


@meeting_post
def meeting_participant_add(request, meeting_id):
    role = request.POST.get("role", Participant.Role.MEMBER)
    if request.POST.get("unit"):
        unit = resolve(Unit, request.POST.get("unit"), "unit", required=True)
        added = act.do_add_unit(meeting_id, actor=request.user, unit=unit, role=role)
        return _("%(count)d people of %(unit)s were added.") % {"count": len(added), "unit": unit.name}
    user = resolve_user(request.POST.get("username"), "username", required=True)
    act.do_add_participant(meeting_id, actor=request.user, user=user, role=role, seat=request.POST.get("seat", ""))
    return _("%(name)s was added.") % {"name": user.full_name or user.username}


@meeting_post
def meeting_participant_update(request, meeting_id, participant_id):
    act.do_update_participant(meeting_id, participant_id, actor=request.user,
                              role=request.POST.get("role") or None, seat=request.POST.get("seat"))
    return _("The participant was updated.")


@meeting_post
def meeting_participant_remove(request, meeting_id, participant_id):
    act.do_remove_participant(meeting_id, participant_id, actor=request.user)
    return _("The participant was removed.")


@meeting_post
def meeting_answer(request, meeting_id):
    response = request.POST.get("response", "")
    delegate = resolve_user(request.POST.get("delegate"), "delegate") if response == "delegate" else None
    act.do_answer_invitation(meeting_id, actor=request.user, response=response,
                             reason=request.POST.get("reason", ""), delegate=delegate)
    return _("Your answer was recorded.")


def _agenda_fields(post) -> dict:
    duration = _int(post.get("duration_minutes"))
    if post.get("duration_minutes") not in (None, "") and duration is None:
        raise act.field_error("duration_minutes", _("Enter the planned minutes as a number."))
    fields = {
        "title": post.get("title", ""),
        "presenter": resolve_user(post.get("presenter"), "presenter"),
        "duration_minutes": duration or 0,
    }
    # The inline edit form leaves the presenting unit as it is (no per-row list of every unit).
    if "presenting_unit" in post:
        fields["presenting_unit"] = resolve(Unit, post.get("presenting_unit"), "presenting_unit")
    return fields


@meeting_post
def meeting_agenda_add(request, meeting_id):
    agenda_act.do_add_agenda_item(meeting_id, actor=request.user, agenda_version=_version(request),
                                  **_agenda_fields(request.POST))
    return _("The agenda item was added.")


@meeting_post
def meeting_agenda_update(request, meeting_id, item_id):
    agenda_act.do_update_agenda_item(meeting_id, item_id, actor=request.user, agenda_version=_version(request),
                                     **_agenda_fields(request.POST))
    return _("The agenda item was saved.")


@meeting_post
def meeting_agenda_remove(request, meeting_id, item_id):
    agenda_act.do_remove_agenda_item(meeting_id, item_id, actor=request.user, agenda_version=_version(request))
    return _("The agenda item was removed.")


@meeting_post
def meeting_agenda_move(request, meeting_id, item_id):
    step = -1 if request.POST.get("direction") == "up" else 1
    agenda_act.do_move_agenda_item(meeting_id, item_id, actor=request.user, agenda_version=_version(request),
                                   step=step)
    return None


urlpatterns = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/week/", meeting_week, name="meeting_week"),
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
