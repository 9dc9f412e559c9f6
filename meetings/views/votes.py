"""The meeting's vote list (fn19) and results table (fn44): those running the meeting prepare the
votes per agenda item (add, edit, delete, reorder draft polls) before and during the meeting;
everyone who may see the meeting sees the results table, and downloads it as CSV, PDF or JSON
(the JSON, with the signed ballots, is the signing app's: signing/views_ballots.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ecabinet.errors import NotFoundError
from ecabinet.exports import csv_response, table_pdf
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from meetings.access import MeetingAccess, agenda_item_for, meeting_access, meeting_allows, poll_in
from meetings.actions import room_polls
from meetings.actions import votes as actions
from meetings.delivery import deliver_generated_pdf
from meetings.models import Meeting, Poll
from meetings.schemas import PollIn
from meetings.selectors_votes import agenda_of, vote_list, vote_results

VERBS = ("edit", "delete", "up", "down")


def _options(request: AuthenticatedHttpRequest) -> list[str]:
    return [o for o in request.POST.getlist("options") if o.strip()]


def _choices() -> dict:
    return {"ballot_sets": Poll.BallotSet.choices, "majorities": Poll.Majority.choices}


def _status_label(row: dict) -> str:
    if row["status"] == Poll.Status.OPEN and row["paused"]:
        return _("paused")
    return str(dict(Poll.Status.choices)[row["status"]])


def _figures(row: dict) -> str:
    if row["present"] is None:
        return str(row["cast"])
    return _("%(cast)s cast / %(present)s present / %(eligible)s eligible") % row


def _outcome(row: dict) -> str:
    if row["passed"] is None:
        return ""
    text = _("Passed") if row["passed"] else _("Not passed")
    return text if row["quorum"] else f"{text} ({_('no quorum')})"


def _rows(access: MeetingAccess) -> list[dict]:
    rows = vote_results(access)
    for row in rows:
        row["status_label"] = _status_label(row)
        row["figures"] = _figures(row)
        row["outcome"] = _outcome(row)
        row["counts"] = "; ".join(f"{o['label']}: {o['count'] if o['count'] is not None else '–'}"
                                  for o in row["options"])
    return rows


@login_required
@never_cache
def votes_page(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    meeting = access.meeting
    rows = _rows(access)
    prepare = access.runs_meeting and meeting.status not in (Meeting.Status.ENDED, Meeting.Status.CANCELLED)
    groups = []
    if access.runs_meeting:
        polls = {p.pk: p for p in vote_list(meeting.pk)}
        by_item: dict[int | None, list] = {}
        for row in rows:
            by_item.setdefault(row["item"], []).append({**row, "poll": polls[row["id"]],
                                                        "option_labels": [o["label"] for o in row["options"]]})
        items = agenda_of(meeting.pk)
        groups = [{"item": item, "polls": by_item.get(item.pk, [])} for item in items]
        if by_item.get(None):
            groups.append({"item": None, "polls": by_item[None]})
    return render(request, "meetings/votes/votes.html", {
        "meeting": meeting, "access": access, "rows": rows, "groups": groups, "prepare": prepare,
        "agenda": agenda_of(meeting.pk), "allows": meeting_allows(meeting), "option_slots": range(6),
        **_choices()})


@login_required
@require_POST
def votes_add(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    data = parse_input(PollIn, request.POST)
    item = agenda_item_for(request.user, data.item, meeting=access.meeting) if data.item is not None else None
    room_polls.do_create_poll(access.meeting, item, actor=request.user, question=data.question,
                              options=_options(request), secret=data.secret, majority=data.majority,
                              show_live=data.show_live, ballot_set=data.ballot_set, signed=data.signed)
    messages.success(request, _("The vote is added to the list."))
    return redirect("meeting_votes", meeting_id=meeting_id)


@login_required
@require_POST
def votes_change(request: AuthenticatedHttpRequest, meeting_id: int, poll_id: int, verb: str) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    poll = poll_in(access.meeting, poll_id)
    if verb == "edit":
        data = parse_input(PollIn, request.POST)
        item = agenda_item_for(request.user, data.item, meeting=access.meeting) if data.item is not None else None
        actions.do_update_poll(poll, actor=request.user, question=data.question, options=_options(request),
                               secret=data.secret, majority=data.majority, show_live=data.show_live,
                               ballot_set=data.ballot_set, signed=data.signed, item=item)
        messages.success(request, _("The vote is saved."))
    elif verb == "delete":
        actions.do_delete_poll(poll, actor=request.user)
        messages.success(request, _("The vote is deleted."))
    elif verb in ("up", "down"):
        order = [p.pk for p in vote_list(access.meeting.pk) if p.item_id == poll.item_id]
        at = order.index(poll.pk)
        to = at - 1 if verb == "up" else at + 1
        if 0 <= to < len(order):
            order[at], order[to] = order[to], order[at]
        item = agenda_item_for(request.user, poll.item_id, meeting=access.meeting) if poll.item_id else None
        actions.do_reorder_polls(access.meeting, item, actor=request.user, order=order)
    else:
        raise NotFoundError(_("Poll not found."))
    return redirect("meeting_votes", meeting_id=meeting_id)


HEADERS = lambda: [_("Agenda item"), _("Question"), _("Status"), _("Ballot"), _("Votes cast"),  # noqa: E731
                   _("Members present"), _("Eligible"), _("Counts"), _("Outcome")]


def _line(row: dict) -> list[str]:
    ballot = _("secret ballot") if row["secret"] else (_("signed ballots") if row["signed"] else _("open vote"))
    return [row["item_title"], row["question"], row["status_label"], ballot, str(row["cast"]),
            "" if row["present"] is None else str(row["present"]),
            "" if row["eligible"] is None else str(row["eligible"]), row["counts"], row["outcome"]]


@login_required
def votes_csv(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    return csv_response(f"votes-{meeting_id}.csv", HEADERS(), (_line(row) for row in _rows(access)))


@login_required
def votes_pdf(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    pdf = table_pdf(_("Vote results: %(title)s") % {"title": access.meeting.title}, HEADERS(),
                    [_line(row) for row in _rows(access)], col_widths=(40, 60, 18, 22, 14, 16, 16, 55, 30),
                    font_size=9)
    return deliver_generated_pdf(request, pdf, filename=f"votes-{meeting_id}.pdf",
                                 obj=access.meeting, action="votes.export", details={"format": "pdf"})


urlpatterns = [
    path("meetings/<int:meeting_id>/votes/", votes_page, name="meeting_votes"),
    path("meetings/<int:meeting_id>/votes/add/", votes_add, name="meeting_votes_add"),
    path("meetings/<int:meeting_id>/votes/results.csv", votes_csv, name="meeting_votes_csv"),
    path("meetings/<int:meeting_id>/votes/results.pdf", votes_pdf, name="meeting_votes_pdf"),
    path("meetings/<int:meeting_id>/votes/<int:poll_id>/<str:verb>/", votes_change, name="meeting_votes_change"),
]
