"""Signing pages: "Ký số" (my requests, sign, decline, batch), a document's signing page, a
request's status, my certificate, the CRL and the public verification page."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecabinet.actions import do_confirm_password
from ecabinet.errors import ActionError, NotFoundError
from ecabinet.inputs import parse_datetime, whole_number
from ecabinet.models import User
from ecabinet.redirects import safe_next
from meetings.access import document_for_reader, may_receive_original
from meetings.delivery import (
    copy_notice,
    deliver_document,
    deliver_generated_pdf,
    parse_version,
)
from meetings.models import Document
from signing import actions
from signing.access import (
    may_manage_request,
    request_for,
    require_may_request,
    visible_requests,
)
from signing.models import Minutes, SignatureRecord, SigningRequest, SigningRequestSigner
from signing.serializers import serialize_request
from signing.trust import build_crl_der, installation_ca
from signing.verification import verify_upload


def _error(request: HttpRequest, exc: ActionError) -> None:
    messages.error(request, exc.message)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(safe_next(request, fallback))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    waiting = (
        SigningRequest.objects.filter(status=SigningRequest.Status.OPEN, signers__user=user,
                                      signers__status=SigningRequestSigner.Status.PENDING)
        .select_related("document", "requester").order_by("due", "pk").distinct()
    )
    pending = [serialize_request(r, viewer=user) for r in waiting]
    asked_by_me = (visible_requests(user).filter(requester=user).select_related("document", "requester")
                   .order_by("-pk")[:30])
    own_documents = Document.objects.filter(uploaded_by=user, meeting__isnull=True).order_by("-pk")[:30]
    return render(request, "signing/home.html", {
        "pending": pending,
        "my_turn": [p for p in pending if p["my_turn"]],
        "asked_by_me": [serialize_request(r, viewer=user) for r in asked_by_me],
        "own_documents": own_documents,
        "certificate": actions.current_certificate(user),
    })


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose a PDF file."))
        return redirect("signing_home")
    try:
        document = actions.do_upload_document(actor=request.user, upload=uploaded,
                                              title=request.POST.get("title", ""))
    except ActionError as exc:
        _error(request, exc)
        return redirect("signing_home")
    messages.success(request, _("The document was uploaded."))
    return redirect("signing_document", document.pk)


def _document_or_404(request: HttpRequest, document_id: int) -> Document:
    try:
        return document_for_reader(request.user, document_id)
    except NotFoundError:
        raise Http404 from None


@login_required
def document_page(request: HttpRequest, document_id: int) -> HttpResponse:
    document = _document_or_404(request, document_id)
    try:
        require_may_request(request.user, document)
        may_request = True
    except ActionError:
        may_request = False
    try:
        actions.documents.signer_entry(document, request.user)
        may_sign = True
    except ActionError:
        may_sign = False
    requests_ = [serialize_request(r, viewer=request.user)
                 for r in document.signing_requests.select_related("document", "requester").order_by("-pk")]
    versions = list(document.versions.order_by("-number"))
    return render(request, "signing/document.html", {
        "document": document,
        "versions": versions,
        "gets_original": may_receive_original(request.user, document),
        "copy_notice": copy_notice(request.user, document, versions[0] if versions else None),
        "signatures": SignatureRecord.objects.filter(document=document).select_related("signer", "version"),
        "requests": requests_,
        "may_request": may_request,
        "may_sign": may_sign,
        "certificate": actions.current_certificate(request.user) if may_sign else None,
        "users": User.objects.filter(is_active=True).exclude(pk=None).order_by("full_name")[:500]
        if may_request else [],
    })


@login_required
@require_GET
def document_file(request: HttpRequest, document_id: int) -> HttpResponse:
    """The PDF through the one delivery path: the signed original for those who need it, a
    watermarked copy for other readers (meetings/delivery.py)."""
    document = _document_or_404(request, document_id)
    return deliver_document(request, document, parse_version(request.GET.get("version")), inline=True)


def _parse_due(value: str) -> datetime | None:
    return parse_datetime(value, "due", code="bad_due")


@login_required
@require_POST
def create_request(request: HttpRequest, document_id: int) -> HttpResponse:
    document = _document_or_404(request, document_id)
    signers = [s for s in request.POST.getlist("signers") if s.strip()]
    # a free-text list (one username per line or comma-separated) is accepted too
    for line in request.POST.get("signers_text", "").replace(",", "\n").splitlines():
        if line.strip():
            signers.append(line.strip())
    try:
        signing_request = actions.do_create_request(
            actor=request.user, document=document, signers=signers,
            sequential=request.POST.get("sequential") == "1", due=_parse_due(request.POST.get("due", "")),
            message=request.POST.get("message", ""),
        )
    except ActionError as exc:
        _error(request, exc)
        return redirect("signing_document", document.pk)
    messages.success(request, _("The signing request was sent."))
    return redirect("signing_request_detail", signing_request.pk)


@login_required
@require_POST
def sign(request: HttpRequest, document_id: int) -> HttpResponse:
    document = _document_or_404(request, document_id)
    page = request.POST.get("page", "").strip()
    try:
        actions.do_sign_document(
            document, actor=request.user, pin=request.POST.get("pin", ""),
            reason=request.POST.get("reason", ""), page=whole_number(page),
            level=request.POST.get("level") or None, access_token=request.POST.get("access_token") or None,
        )
    except ActionError as exc:
        _error(request, exc)
        return _back(request, f"/signing/documents/{document.pk}/")
    messages.success(request, _("You signed “%(title)s”.") % {"title": document.title})
    return _back(request, f"/signing/documents/{document.pk}/")


def _request_or_404(request: HttpRequest, request_id: int) -> SigningRequest:
    try:
        return request_for(request.user, request_id)
    except NotFoundError:
        raise Http404 from None


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    signing_request = _request_or_404(request, request_id)
    return render(request, "signing/request.html", {
        "req": signing_request,
        "data": serialize_request(signing_request, viewer=request.user),
        "may_manage": may_manage_request(request.user, signing_request),
    })


@login_required
@require_POST
def request_action(request: HttpRequest, request_id: int, verb: str) -> HttpResponse:
    signing_request = _request_or_404(request, request_id)
    reason = request.POST.get("reason", "")
    try:
        if verb == "decline":
            actions.do_decline_request(signing_request, actor=request.user, reason=reason)
            messages.success(request, _("You declined to sign."))
        elif verb == "cancel":
            actions.do_cancel_request(signing_request, actor=request.user, reason=reason)
            messages.success(request, _("The signing request was cancelled."))
        elif verb == "remind":
            count = actions.do_remind_request(signing_request, actor=request.user)
            messages.success(request, _("Reminder sent to %(n)d people.") % {"n": count})
        else:
            raise Http404
    except ActionError as exc:
        _error(request, exc)
    return _back(request, f"/signing/requests/{signing_request.pk}/")


@login_required
@require_POST
def sign_answer(request: HttpRequest, round_id: int) -> HttpResponse:
    """The person answering a written-opinion round signs their answer (form on the round's page)."""
    from signing.actions.opinions import do_sign_answer

    back = reverse("opinion_detail", args=[round_id])
    try:
        do_sign_answer(round_id, actor=request.user, pin=request.POST.get("pin", ""),
                       access_token=request.POST.get("access_token") or None)
    except NotFoundError:
        raise Http404 from None
    except ActionError as exc:
        _error(request, exc)
        return redirect(back)
    messages.success(request, _("You signed your opinion."))
    return redirect(back)


@login_required
@require_GET
def answer_pdf(request: HttpRequest, answer_id: int) -> HttpResponse:
    """The signed PDF of an answer. Only the person answering and the round's managers may open it,
    and both get the stored bytes (meetings.access.may_receive_original): a stamp would break the
    signature."""
    from signing.actions.opinions import signed_answer_for

    answer = signed_answer_for(request.user, answer_id)
    document = answer.signed_document
    number = document.versions.order_by("-number").values_list("number", flat=True).first()
    return deliver_document(request, document, number, inline=True,
                            filename=f"y-kien-{answer.round_id}-{answer.pk}-v{number}.pdf")


def _fresh_password(request: HttpRequest, purpose: str):  # noqa: ANN202 - FreshPassword | None
    password = request.POST.get("password", "")
    return do_confirm_password(request, actor=request.user, password=password, purpose=purpose) if password else None


@login_required
@require_http_methods(["GET", "POST"])
def certificate(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "csc":
                service = request.POST.get("service", "")
                actions.do_register_csc(actor=request.user, service=whole_number(service),
                                        credential_id=request.POST.get("credential_id", ""),
                                        access_token=request.POST.get("access_token", ""),
                                        fresh_password=_fresh_password(request, "certificate_register"))
                messages.success(request, _("You now sign through the remote signing service."))
            elif action == "import":
                uploaded = request.FILES.get("file")
                if uploaded is None:
                    raise ActionError("no_file", _("Choose a PKCS#12 (.p12 / .pfx) file."))
                if uploaded.size > 1024 * 1024:
                    raise ActionError("too_large", _("The PKCS#12 file is too large."), status=413)
                fresh = _fresh_password(request, "certificate_import")
                actions.do_import_pkcs12(actor=request.user, data=uploaded.read(),
                                         file_password=request.POST.get("file_password", ""),
                                         pin=request.POST.get("pin", ""), fresh_password=fresh)
                messages.success(request, _("Your certificate was imported."))
            elif action == "unlock":
                current = actions.current_certificate(request.user)
                if current is None:
                    raise ActionError("no_certificate", _("You have no signing certificate yet."))
                actions.do_reset_pin_lock(current, actor=request.user,
                                          fresh_password=_fresh_password(request, "pin_unlock"))
                messages.success(request, _("Signing is unlocked."))
            else:
                fresh = _fresh_password(request, "certificate_issue")
                actions.do_issue_certificate(actor=request.user, pin=request.POST.get("pin", ""),
                                             pin_confirm=request.POST.get("pin_confirm", ""), fresh_password=fresh)
                messages.success(request, _("Your signing certificate is ready."))
            return redirect("signing_certificate")
        except ActionError as exc:
            _error(request, exc)
            status = exc.status
    ca = installation_ca()
    return render(request, "signing/certificate.html", {
        "certificate": actions.current_certificate(request.user),
        "history": request.user.signing_certificates.order_by("-pk")[:20],
        "ca": ca,
        "services": actions.active_signing_services(),
    }, status=status)


@require_GET
@never_cache
def crl(request: HttpRequest) -> HttpResponse:
    return HttpResponse(build_crl_der(), content_type="application/pkix-crl")


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """Public: anyone uploads a PDF and sees each signature."""
    report, status, sha256 = None, 200, ""
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            messages.error(request, _("Choose a PDF file."))
            status = 400
        else:
            try:
                report = verify_upload(uploaded)
            except ActionError as exc:
                _error(request, exc)
                status = exc.status
            else:
                # shown beside the report: a stamped copy names the SHA-256 of its signed original
                uploaded.seek(0)
                sha256 = hashlib.file_digest(uploaded, "sha256").hexdigest()
    return render(request, "signing/verify.html", {"report": report, "sha256": sha256, "ca": installation_ca()},
                  status=status)


# --- minutes of a meeting (biên bản) --------------------------------------------------------

def _minutes_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    if exc.status == 404 and exc.code != "no_minutes":
        raise Http404(exc.message)
    return render(request, "meetings/error.html", {"message": exc.message}, status=exc.status)


def _minutes_page(request: HttpRequest, meeting_id: int, *, error: str = "", status: int = 200,
                  draft_text: str | None = None, draft_number: str | None = None) -> HttpResponse:
    from signing.actions.minutes import minutes_access, withdrawn_minutes_documents

    try:
        access = minutes_access(request.user, meeting_id)
    except ActionError as exc:
        return _minutes_error(request, exc)
    minutes = Minutes.objects.filter(meeting=access.meeting).select_related(
        "document", "signing_request", "updated_by").first()
    request_data = (serialize_request(minutes.signing_request, viewer=request.user)
                    if minutes is not None and minutes.signing_request_id else None)
    return render(request, "signing/minutes.html", {
        "withdrawn": list(withdrawn_minutes_documents(access.meeting)),
        "may_reopen": bool(request_data and request_data["status"] in ("declined", "cancelled")),
        "meeting": access.meeting,
        "minutes": minutes,
        "request_data": request_data,
        "text": draft_text if draft_text is not None else (minutes.text if minutes else ""),
        "number": draft_number if draft_number is not None else (minutes.number if minutes else ""),
        "error": error,
    }, status=status)


@login_required
@require_GET
def minutes_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _minutes_page(request, meeting_id)


def _posted_version(request: HttpRequest) -> int | None:
    return whole_number(request.POST.get("version"))


@login_required
@require_POST
def minutes_action(request: HttpRequest, meeting_id: int, verb: str) -> HttpResponse:
    """generate / save / freeze / reopen from the minutes page; a refusal re-shows the page with the
    text the secretary typed (a stale save loses nothing)."""
    text = request.POST.get("text") if verb == "save" else None
    number = request.POST.get("number") if verb == "save" else None
    try:
        if verb == "generate":
            actions.do_generate_minutes(meeting_id, actor=request.user,
                                        regenerate=request.POST.get("regenerate") == "1",
                                        version=_posted_version(request))
            message = _("The draft minutes were written from the meeting record.")
        elif verb == "save":
            actions.do_save_minutes(meeting_id, actor=request.user, text=text or "", number=number,
                                    version=_posted_version(request))
            message = _("The minutes were saved.")
        elif verb == "freeze":
            actions.do_freeze_minutes(meeting_id, actor=request.user, version=_posted_version(request))
            message = _("The minutes were frozen and sent to the secretary, then the chair, for signature.")
        elif verb == "reopen":
            actions.do_reopen_minutes(meeting_id, actor=request.user)
            message = _("The minutes are a draft again. The withdrawn PDF is kept among the meeting's documents.")
        else:
            raise Http404
    except ActionError as exc:
        if exc.status in (403, 404) or exc.code == "not_ended":
            return _minutes_error(request, exc)
        return _minutes_page(request, meeting_id, error=exc.message, status=exc.status, draft_text=text,
                             draft_number=number)
    messages.success(request, message)
    return redirect("signing_minutes", meeting_id)


@login_required
@require_GET
def minutes_preview(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The PDF as it would be frozen now (the draft), or the stored document once frozen."""
    from signing.actions.minutes import preview_pdf

    try:
        minutes = actions.get_minutes(request.user, meeting_id)
    except ActionError as exc:
        return _minutes_error(request, exc)
    if minutes.document_id:
        return redirect("signing_document_file", minutes.document_id)
    return deliver_generated_pdf(request, preview_pdf(minutes, actor=request.user), inline=True,
                                 filename=f"bien-ban-{meeting_id}-du-thao.pdf", obj=minutes.meeting,
                                 action="minutes.preview", details={"version": minutes.version})
