"""Feedback to the operator (tender fn134): every signed-in person sends a message with the page it
was sent from and a screenshot or a PDF, and sees their own messages and their state; system
administrators read every message and mark it handled."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecabinet.access import may_handle_feedback, require_may_handle_feedback
from ecabinet.actions_help import (
    FEEDBACK_FILE_MAX_MB,
    do_mark_feedback_handled,
    do_record_help_download,
    do_send_feedback,
)
from ecabinet.clientip import client_ip
from ecabinet.errors import ActionError
from ecabinet.help import file_response
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.models import Feedback
from ecabinet.redirects import safe_next
from ecabinet.refusals import FormPage, refusal_response
from ecabinet.schemas import FeedbackHandledIn, FeedbackIn

LIST_LIMIT = 200


def _visible(request: AuthenticatedHttpRequest) -> QuerySet[Feedback]:
    if may_handle_feedback(request.user):
        return Feedback.objects.all()
    return Feedback.objects.filter(sender=request.user)


def _form_context(request: AuthenticatedHttpRequest, data: dict | None = None) -> dict:
    page = request.GET.get("from", "") if data is None else data.get("page", "")
    if not isinstance(page, str) or not page.startswith("/") or page.startswith(("//", "/\\")):
        page = ""
    return {"data": data or {"page": page[:500]}, "max_mb": FEEDBACK_FILE_MAX_MB,
            "mine": Feedback.objects.filter(sender=request.user).defer("file_data")[:LIST_LIMIT],
            "may_handle": may_handle_feedback(request.user)}


@login_required
def feedback_form(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The form, and below it the person's own messages with their state."""
    if request.method != "POST":
        return render(request, "ecabinet/feedback/form.html", _form_context(request))
    posted = {k: request.POST.get(k, "") for k in ("subject", "text", "page")}
    form = FormPage("ecabinet/feedback/form.html", _form_context(request, posted))
    try:
        row = do_send_feedback(actor=request.user, data=parse_input(FeedbackIn, posted),
                               upload=request.FILES.get("file"))
    except ActionError as exc:
        return refusal_response(request, exc, form=form)
    messages.success(request, _("Thank you: your message was sent to the operator."))
    return redirect("feedback_detail", row.pk)


@login_required
@require_GET
def feedback_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every message, for the operator's administrators; new ones first unless filtered."""
    require_may_handle_feedback(request.user)
    status = request.GET.get("status", "new")
    rows = Feedback.objects.select_related("sender", "handled_by").defer("file_data")
    if status in (Feedback.Status.NEW, Feedback.Status.HANDLED):
        rows = rows.filter(status=status)
    else:
        status = "all"
    return render(request, "ecabinet/feedback/list.html", {"rows": rows[:LIST_LIMIT], "status": status})


def _feedback_for(request: AuthenticatedHttpRequest, feedback_id: int) -> Feedback:
    row = _visible(request).select_related("sender", "handled_by").defer("file_data").filter(pk=feedback_id).first()
    if row is None:
        raise Http404
    return row


@login_required
@require_GET
def feedback_detail(request: AuthenticatedHttpRequest, feedback_id: int) -> HttpResponse:
    row = _feedback_for(request, feedback_id)
    return render(request, "ecabinet/feedback/detail.html", {"row": row, "may_handle": may_handle_feedback(request.user)})


@login_required
@require_GET
def feedback_file(request: AuthenticatedHttpRequest, feedback_id: int) -> HttpResponse:
    row = _visible(request).filter(pk=feedback_id).exclude(file_kind="").first()
    if row is None or row.file_data is None:
        raise Http404
    data = bytes(row.file_data)
    pdf = row.file_kind == "pdf"
    if pdf:
        do_record_help_download(row, actor=request.user, details={
            "size": len(data), "delivery": "original", "path": request.path, "ip": client_ip(request)})
    return file_response(data, content_type=row.file_type, filename=row.file_name or "tep", inline=True, pdf=pdf)


@login_required
@require_POST
def feedback_handle(request: AuthenticatedHttpRequest, feedback_id: int) -> HttpResponse:
    require_may_handle_feedback(request.user)
    row = _feedback_for(request, feedback_id)
    data = parse_input(FeedbackHandledIn, {"reply": request.POST.get("reply", "")})
    do_mark_feedback_handled(row, actor=request.user, reply=data.reply)
    messages.success(request, _("The feedback was marked handled."))
    return redirect(safe_next(request, "") or "feedback_list")
