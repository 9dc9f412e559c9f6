"""The conclusion notice's page (thông báo kết luận): the secretary drafts and edits it and sets
the units each conclusion assigns, the approver approves or sends it back, the office issues
it; the issued PDF for those it was sent to.

Refusals propagate (the refusal page) except on the edit form, which shows the typed text again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecabinet.errors import ActionError, ConflictError, NotFoundError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.models import Unit
from ecabinet.refusals import FormPage, refusal_response
from meetings.access import agenda_item_for, assignable_units
from meetings.actions.room import do_record_item_conclusion
from meetings.delivery import deliver_generated_pdf
from meetings.models import AgendaItem
from signing import actions
from signing.access import (
    approver_candidate,
    approver_candidates,
    issued_notice_for_reader,
    notice_access,
)
from signing.notices import due_date
from signing.schemas import (
    NoticeDecisionIn,
    NoticeDraftIn,
    NoticeIn,
    NoticeItemConclusionIn,
    NoticeVersionIn,
)

VERBS = ("draft", "save", "submit", "decide", "issue", "item")


def _context(request: AuthenticatedHttpRequest, meeting_id: int, *, draft_body: str | None = None) -> dict[str, Any]:
    access = notice_access(request.user, meeting_id)
    notice = access.notice
    due = notice.due_date if notice is not None else due_date(access.meeting)
    issued = notice is not None and notice.status == notice.Status.ISSUED
    items = list(AgendaItem.objects.filter(meeting=access.meeting).prefetch_related("assigned_units")
                 .order_by("position", "pk"))
    for item in items:
        item.assigned_ids = {u.pk for u in item.assigned_units.all()}  # type: ignore[attr-defined]
    editable = access.drafts and (notice is None or notice.status == notice.Status.DRAFT)
    return {
        "meeting": access.meeting, "access": access, "notice": notice, "due": due,
        "overdue": not issued and timezone.localdate() > due,
        "body": draft_body if draft_body is not None else (notice.body if notice else ""),
        # the paper as it will be issued (ecabinet.paper.render_html: the body sanitized again)
        "body_html": actions.preview_notice_html(notice) if notice else "",
        "items": items, "editable": editable,
        "units": list(Unit.objects.order_by("name")) if editable else [],
        "candidates": approver_candidates(access.meeting) if editable else [],
        "error": "",
    }


@login_required
@require_GET
def notice_page(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    return render(request, "signing/notice.html", _context(request, meeting_id))


def _change(request: AuthenticatedHttpRequest, meeting_id: int, verb: str) -> str:
    meeting = notice_access(request.user, meeting_id).meeting
    if verb == "draft":
        draft = parse_input(NoticeDraftIn, request.POST)
        actions.do_draft_notice(meeting, actor=request.user, regenerate=draft.regenerate, version=draft.version)
        return _("The draft notice was written from the conclusions.")
    if verb == "save":
        edit = parse_input(NoticeIn, request.POST)
        approver = approver_candidate(meeting, edit.approver) if edit.approver is not None else None
        actions.do_save_notice(meeting, actor=request.user, body=edit.body, version=edit.version, approver=approver)
        return _("The notice was saved.")
    if verb == "submit":
        actions.do_submit_notice(meeting, actor=request.user, version=parse_input(NoticeVersionIn, request.POST).version)
        return _("The notice was sent for approval.")
    if verb == "decide":
        decision = parse_input(NoticeDecisionIn, request.POST)
        actions.do_approve_notice(meeting, actor=request.user, approve=decision.approve, reason=decision.reason)
        return _("The notice was approved.") if decision.approve else _("The notice was sent back to the secretary.")
    if verb == "issue":
        notice = actions.do_issue_notice(meeting, actor=request.user)
        return _("The notice was issued as number %(number)s.") % {"number": notice.number}
    conclusion = parse_input(NoticeItemConclusionIn, request.POST)
    item = agenda_item_for(request.user, conclusion.item, meeting=meeting)
    do_record_item_conclusion(item, actor=request.user, text=conclusion.text, units=assignable_units(conclusion.units))
    return _("The conclusion of the item was saved.")


@login_required
@require_POST
def notice_action(request: AuthenticatedHttpRequest, meeting_id: int, verb: str) -> HttpResponse:
    if verb not in VERBS:
        raise Http404
    try:
        message = _change(request, meeting_id, verb)
    except ActionError as exc:
        if exc.status in (403, 404) or exc.code == "not_ended":
            raise
        typed = {"draft_body": request.POST.get("body")} if verb == "save" else {}
        return refusal_response(request, exc, form=FormPage("signing/notice.html",
                                                             _context(request, meeting_id, **typed)))
    messages.success(request, message)
    return redirect("signing_notice", meeting_id)


@login_required
@require_GET
def notice_preview(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    """The notice as it would be issued now (no number, no seal); the issued PDF once issued."""
    notice = notice_access(request.user, meeting_id).require_notice()
    if notice.document_id:
        return redirect("signing_notice_pdf", meeting_id)
    return deliver_generated_pdf(request, actions.preview_notice_pdf(notice), inline=True,
                                 filename=f"thong-bao-ket-luan-{meeting_id}-du-thao.pdf", obj=notice.meeting,
                                 action="notice.preview", details={"version": notice.version})


@login_required
@require_GET
def notice_pdf(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    """The issued, sealed notice for the participants, the assigned units' people and its handlers."""
    notice = issued_notice_for_reader(request.user, meeting_id)
    assert notice.document is not None  # issued
    version = notice.document.versions.order_by("-number").first()
    if version is None:
        raise Http404
    try:
        with version.file.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        raise NotFoundError(_("The file of this document is missing.")) from None
    if hashlib.sha256(data).hexdigest() != version.sha256:  # never pass off changed bytes as the paper
        raise ConflictError("file_changed", _("The stored file does not match its recorded checksum; "
                                              "it will not be sent."))
    entry = notice.register_entry
    name = f"thong-bao-{entry.seq:02d}-{entry.year}.pdf" if entry else "thong-bao.pdf"
    return deliver_generated_pdf(request, data, filename=name, obj=notice.meeting, action="notice.download",
                                 details={"number": notice.number, "document": notice.document_id})
