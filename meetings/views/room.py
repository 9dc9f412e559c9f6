"""Room pages: the live room (participant view and chair/secretary console), the rotating
check-in QR code, QR check-in, attendance exports and conclusion attachments."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ecabinet.errors import ActionError, NotFoundError
from ecabinet.exports import csv_response, table_pdf
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.refusals import FormPage, refusal_response
from meetings.access import (
    MeetingAccess,
    conclusion_attachment_in,
    meeting_access,
    meeting_allows,
    meeting_permissions,
    runner_access,
    speaker_request_for,
)
from meetings.actions import room as actions
from meetings.conference import jitsi_config
from meetings.delivery import deliver_attachment, deliver_generated_pdf
from meetings.models import Attendance, Participant
from meetings.schemas import CheckinIn, SpeechSummaryIn
from meetings.selectors import rows_key


def ui_strings() -> dict[str, str]:
    """Texts the room script shows, translated here (the script has no catalog of its own)."""
    return {
        "online": _("Live"), "offline": _("Offline, reconnecting…"), "connecting": _("Connecting…"),
        "denied": _("You cannot follow this meeting."),
        "draft": _("draft"), "scheduled": _("scheduled"), "in_progress": _("in progress"), "ended": _("ended"),
        "cancelled": _("cancelled"), "pending": _("not yet discussed"), "current": _("under discussion"),
        "done": _("done"), "postponed": _("postponed"), "minutes_left": _("min left"), "overtime": _("over time"),
        "elapsed": _("elapsed"), "set_current": _("Discuss now"), "postpone": _("Postpone"), "edit": _("Edit"),
        "conclusion": _("Conclusion"), "up": _("Move up"), "down": _("Move down"),
        "members_present": _("Members present"), "guests_present": _("Guests present"),
        "quorum_ok": _("Quorum reached"), "quorum_missing": _("No quorum yet"), "present": _("present"),
        "remote": _("remote"), "absent": _("absent"), "check_in_for": _("Check in"), "undo": _("Undo"),
        "speaking": _("Speaking"), "nobody_speaking": _("Nobody has the floor."), "grant": _("Give the floor"),
        "finish": _("Stop"), "withdraw": _("Withdraw"), "open": _("Open the vote"), "close": _("Close the vote"),
        "vote_draft": _("not opened"), "vote_open": _("open"), "vote_closed": _("closed"), "secret": _("secret ballot"),
        "votes_cast": _("votes cast"), "you_voted": _("You have voted."), "passed": _("Passed"),
        "not_passed": _("Not passed"), "no_quorum": _("no quorum"), "voted": _("Voted"), "ready": _("Checked in"),
        "new_title": _("New title"), "new_conclusion": _("Conclusion of this item"), "error": _("Error"),
        "quorum_invalid": _("Enter a percentage above 0 and below 100."),
        "speak": _("to speak"), "question": _("question"), "none": _("None."),
        "speech_note": _("Summary of what was said (for the minutes)"), "save_note": _("Save the summary"),
        "note_saved": _("Saved."),
        # The vote sheet, the console's current item and the conference (the room on a phone).
        "sheet_check_in": _("Check in to vote."), "check_in_remote": _("Check in (remote)"),
        "close_sheet": _("Dismiss"), "under_discussion": _("Under discussion"),
        "no_current_item": _("No item is under discussion."),
        "conference_failed": _("The video conference could not be loaded. Use the link above."),
        "queued": _("No connection: this will be sent when the connection is back."),
        # --- absence requests (fn113): a participant's state (Participant.State), for the people list
        **{f"state_{code}": str(label) for code, label in Participant.State.choices},
        "give_task": _("Give a task"),  # follow-up: from an item's conclusion
        # --- votes prepared and run ---
        "vote_paused": _("paused"), "vote_paused_note": _("The chair has paused this vote."),
        "pause": _("Pause the vote"), "resume": _("Resume the vote"), "signed": _("signed ballots"),
        "signing_pin": _("Signing PIN"),
        "signed_ballot_note": _("This vote requires a signed ballot: enter your signing PIN, then choose."),
        "ready_to_vote": _("I am ready to vote"), "not_ready": _("Not ready after all"),
        "ready_yes": _("ready"), "ready_no": _("not ready"), "eligible": _("eligible"),
        "ready_count": _("Ready: %(ready)s of %(seats)s voting members"),
    }


@login_required
@never_cache
def room_page(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    perms = meeting_permissions(access, request.user)
    jitsi = jitsi_config(access.meeting, request.user.full_name or request.user.username)
    config = {
        "meeting": access.meeting.pk,
        "user": request.user.pk,
        # Until the first snapshot; then the script follows state.permissions.
        "permissions": perms,
        "ws": f"/ws/meetings/{access.meeting.pk}/",
        "api": "/api/v1",
        "qr": f"/meetings/{access.meeting.pk}/room/qr.svg" if perms["run"] else None,
        "qrSeconds": actions.CHECKIN_ROTATE_SECONDS,
        "t": ui_strings(),
        "jitsi": jitsi,
    }
    return render(request, "meetings/room/room.html", {
        "meeting": access.meeting, "access": access, "perms": perms, "config": config,
        "allows": meeting_allows(access.meeting), "jitsi": jitsi,
        # The seat map is drawn once per participants' revision and language (the script then
        # follows it live).
        "seat_map_key": rows_key(access.meeting, "participants", get_language())})


@login_required
@never_cache
def checkin_qr(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    """The QR code on the secretary's console; the page reloads it every CHECKIN_ROTATE_SECONDS."""
    access = runner_access(request.user, meeting_id)
    token = actions.do_issue_checkin_code(access.meeting, actor=request.user)
    url = request.build_absolute_uri(f"/meetings/{meeting_id}/room/checkin/?t={token}")
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@login_required
@require_http_methods(["GET", "POST"])
def checkin_by_qr(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    """The page the room's QR code opens (`?t=` the code); its form posts the code as `token`,
    the field the API's check-in takes."""
    access = meeting_access(request.user, meeting_id)
    if request.method == "POST":
        data = parse_input(CheckinIn, request.POST)
        try:
            # Always by the code: an empty one is refused as expired, never a plain self check-in.
            actions.do_check_in(access.meeting, actor=request.user, token=data.token or "")
        except ActionError as exc:
            return refusal_response(request, exc, form=FormPage(
                "meetings/room/checkin.html", {"meeting": access.meeting, "token": data.token, "failed": True,
                                               "allows": meeting_allows(access.meeting)}))
        messages.success(request, _("You are checked in."))
        return redirect("meeting_room", meeting_id=meeting_id)
    return render(request, "meetings/room/checkin.html", {"meeting": access.meeting, "token": request.GET.get("t", ""),
                                                          "allows": meeting_allows(access.meeting)})


@login_required
@require_http_methods(["POST"])
def speech_summary(request: AuthenticatedHttpRequest, meeting_id: int, request_id: int) -> HttpResponse:
    """The console's note on a speech, without the script (the script posts to the API)."""
    access = meeting_access(request.user, meeting_id)
    speaker = speaker_request_for(request.user, request_id)
    if speaker.meeting_id != access.meeting.pk:
        raise NotFoundError(_("Request not found."))
    data = parse_input(SpeechSummaryIn, request.POST)
    actions.do_record_speech_summary(speaker, actor=request.user, text=data.text)
    messages.success(request, _("The summary of the speech is saved."))
    return redirect("meeting_room", meeting_id=meeting_id)


def _attendance_rows(access: MeetingAccess) -> list[dict]:
    present = {a.participant_id: a for a in Attendance.objects.filter(meeting=access.meeting)}
    participants = list(Participant.objects.filter(meeting=access.meeting).select_related("user", "delegate_for__user"))
    rows = []
    for p in participants:
        attendance = present.get(p.pk)
        rows.append({
            "name": p.user.full_name or p.user.username,
            "role": p.get_role_display(),
            "present": _("present") if attendance else _("absent"),
            "checked_in_at": timezone.localtime(attendance.checked_in_at).strftime("%H:%M %d/%m/%Y") if attendance else "",
            "how": (attendance.get_method_display() + (" · " + _("remote") if attendance.remote else "")) if attendance else "",
            "reason": p.response_reason if (not attendance and p.response in ("decline", "delegate")) else "",
            "delegation": (_("on behalf of %(name)s") % {"name": p.delegate_for.user.full_name})
            if p.delegate_for is not None else "",
        })
    return rows


HEADERS = lambda: [_("Name"), _("Role"), _("Attendance"), _("Checked in at"), _("How"),  # noqa: E731
                   _("Reason for absence"), _("Delegation")]
KEYS = ["name", "role", "present", "checked_in_at", "how", "reason", "delegation"]


@login_required
def attendance_csv(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = runner_access(request.user, meeting_id)
    rows = _attendance_rows(access)
    return csv_response(f"attendance-{meeting_id}.csv", HEADERS(), ([row[k] for k in KEYS] for row in rows))


@login_required
def attendance_pdf(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = runner_access(request.user, meeting_id)
    rows = _attendance_rows(access)
    present = sum(1 for r in rows if r["checked_in_at"])
    pdf = table_pdf(_("Attendance: %(title)s") % {"title": access.meeting.title}, HEADERS(),
                    [[row[key] for key in KEYS] for row in rows], col_widths=(50, 22, 20, 30, 40, 55, 50),
                    lines=[_("Present: %(present)s of %(invited)s invited") % {"present": present, "invited": len(rows)}])
    return deliver_generated_pdf(request, pdf, filename=f"attendance-{meeting_id}.pdf",
                                 obj=access.meeting, action="attendance.export", details={"format": "pdf"})


@login_required
def attachment_file(request: AuthenticatedHttpRequest, meeting_id: int, attachment_id: int) -> HttpResponseBase:
    access = meeting_access(request.user, meeting_id)
    return deliver_attachment(request, access, conclusion_attachment_in(access, attachment_id))


urlpatterns = [
    path("meetings/<int:meeting_id>/room/", room_page, name="meeting_room"),
    path("meetings/<int:meeting_id>/room/qr.svg", checkin_qr, name="meeting_room_qr"),
    path("meetings/<int:meeting_id>/room/checkin/", checkin_by_qr, name="meeting_room_checkin"),
    path("meetings/<int:meeting_id>/room/attendance.csv", attendance_csv, name="meeting_attendance_csv"),
    path("meetings/<int:meeting_id>/room/attendance.pdf", attendance_pdf, name="meeting_attendance_pdf"),
    path("meetings/<int:meeting_id>/room/speakers/<int:request_id>/summary/", speech_summary,
         name="meeting_speech_summary"),
    path("meetings/<int:meeting_id>/room/attachments/<int:attachment_id>/", attachment_file,
         name="meeting_conclusion_attachment"),
]
