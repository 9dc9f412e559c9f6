"""Signing pages: "Ký số" (my requests, sign, decline, batch), a document's signing page, a
request's status, my certificate, the CRL and the public verification page.

Refusals: an `ActionError` propagates to `ecabinet.refusals.RefusalMiddleware` (a refused form
post goes back with the message; 404 is the plain 404 page); the certificate, verification and
minutes pages show their form again with the error through `refusal_response(..., form=...)`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecabinet.access import FreshPassword
from ecabinet.actions import do_confirm_password
from ecabinet.errors import ActionError, PermissionDeniedError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.redirects import safe_next
from ecabinet.refusals import FormPage, refusal_response
from meetings.access import document_for_reader, may_receive_original, round_access
from meetings.delivery import copy_notice, deliver_document, deliver_generated_pdf, parse_version
from meetings.models import Document
from signing import actions
from signing.access import (
    administered_unit,
    certificate_holder,
    invitation_for,
    may_manage_request,
    may_request,
    may_sign,
    minutes_access,
    request_for,
    signed_answer_for,
    units_for_certificates,
    visible_requests,
)
from signing.actions.invitations import do_issue_invitation
from signing.actions.minutes import (
    display_number,
    preview_html,
    preview_pdf,
    withdrawn_minutes_documents,
)
from signing.minutes_pdf import text_to_html
from signing.models import (
    Minutes,
    SignatureImage,
    SignatureRecord,
    SigningRequest,
    SigningRequestSigner,
    UnitCertificate,
)
from signing.schemas import (
    AnswerSignIn,
    CscIn,
    MinutesFreezeIn,
    MinutesGenerateIn,
    MinutesIn,
    PinIn,
    ReasonIn,
    SignIn,
    SigningRequestChange,
)
from signing.serializers import serialize_request
from signing.trust import build_crl_der, installation_ca
from signing.verification import verify_upload


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(safe_next(request, fallback))


def _uploaded(request: HttpRequest, message: str) -> UploadedFile:
    uploaded = request.FILES.get("file")
    if uploaded is None:
        raise ActionError("no_file", message)
    return uploaded


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    uploaded = _uploaded(request, _("Choose a PDF file."))
    document = actions.do_upload_for_signing(actor=request.user, upload=uploaded,
                                             title=request.POST.get("title", ""))
    messages.success(request, _("The document was uploaded."))
    return redirect("signing_document", document.pk)


@login_required
def document_page(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = document_for_reader(request.user, document_id)
    requesting = may_request(request.user, document)
    signing = may_sign(document, request.user)
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
        "may_request": requesting,
        "may_sign": signing,
        "certificate": actions.current_certificate(request.user) if signing else None,
    })


@login_required
@require_GET
def document_file(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponseBase:
    """The PDF through the one delivery path: the signed original for those who need it, a
    watermarked copy for other readers (meetings/delivery.py)."""
    document = document_for_reader(request.user, document_id)
    return deliver_document(request, document, parse_version(request.GET.get("version")), inline=True)


def _request_change(request: HttpRequest) -> SigningRequestChange:
    """The page's form as the API's change: the signers typed one per line or comma-separated
    (the people lookup appends each person picked as a line), then a username left in the "add a
    signer" field (typed in full without JavaScript, or not picked: the action checks it); an
    unticked checkbox is absent, so "in order" is read from its presence."""
    signers = [line.strip() for line in request.POST.get("signers_text", "").replace(",", "\n").splitlines()
               if line.strip()]
    signers += [s.strip() for s in request.POST.getlist("signers") if s.strip()]
    data: dict[str, Any] = {"signers": signers, "sequential": request.POST.get("sequential") == "1",
                            "message": request.POST.get("message", "")}
    if request.POST.get("due", "").strip():
        data["due"] = request.POST["due"].strip()
    return parse_input(SigningRequestChange, data)


@login_required
@require_POST
def create_request(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = document_for_reader(request.user, document_id)
    change = _request_change(request)
    signing_request = actions.do_create_request(
        document, actor=request.user, signers=list(change.signers), sequential=change.sequential,
        due=change.due, message=change.message,
    )
    messages.success(request, _("The signing request was sent."))
    return redirect("signing_request_detail", signing_request.pk)


@login_required
@require_POST
def sign(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = document_for_reader(request.user, document_id)
    data = parse_input(SignIn, request.POST)
    actions.do_sign_document(document, actor=request.user, pin=data.pin, reason=data.reason, page=data.page,
                             level=data.level, access_token=data.access_token)
    messages.success(request, _("You signed “%(title)s”.") % {"title": document.title})
    return _back(request, reverse("signing_document", args=[document.pk]))


@login_required
def request_detail(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    signing_request = request_for(request.user, request_id)
    return render(request, "signing/request.html", {
        "req": signing_request,
        "data": serialize_request(signing_request, viewer=request.user),
        "may_manage": may_manage_request(request.user, signing_request),
    })


@login_required
@require_POST
def request_action(request: AuthenticatedHttpRequest, request_id: int, verb: str) -> HttpResponse:
    if verb not in ("decline", "cancel", "remind"):
        raise Http404
    signing_request = request_for(request.user, request_id)
    reason = parse_input(ReasonIn, request.POST).reason
    if verb == "decline":
        actions.do_decline_request(signing_request, actor=request.user, reason=reason)
        messages.success(request, _("You declined to sign."))
    elif verb == "cancel":
        actions.do_cancel_request(signing_request, actor=request.user, reason=reason)
        messages.success(request, _("The signing request was cancelled."))
    else:
        count = actions.do_remind_request(signing_request, actor=request.user)
        messages.success(request, _("Reminder sent to %(n)d people.") % {"n": count})
    return _back(request, reverse("signing_request_detail", args=[signing_request.pk]))


@login_required
@require_POST
def sign_answer(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    """The person answering a written-opinion round signs their answer (form on the round's page)."""
    rnd = round_access(request.user, round_id).round
    data = parse_input(AnswerSignIn, request.POST)
    actions.do_sign_answer(rnd, actor=request.user, pin=data.pin, access_token=data.access_token,
                           level=data.level)
    messages.success(request, _("You signed your opinion."))
    return redirect("opinion_detail", round_id)


@login_required
@require_GET
def answer_pdf(request: AuthenticatedHttpRequest, answer_id: int) -> HttpResponseBase:
    """The signed PDF of an answer. Only the person answering and the round's managers may open it,
    and both get the stored bytes (meetings.access.may_receive_original): a stamp would break the
    signature."""
    answer = signed_answer_for(request.user, answer_id)
    document = answer.signed_document
    if document is None:  # signed_answer_for finds signed answers only
        raise Http404
    number = document.versions.order_by("-number").values_list("number", flat=True).first()
    return deliver_document(request, document, number, inline=True,
                            filename=f"y-kien-{answer.round_id}-{answer.pk}-v{number}.pdf")


def _fresh_password(request: AuthenticatedHttpRequest, purpose: str) -> FreshPassword | None:
    password = request.POST.get("password", "")
    return do_confirm_password(request, actor=request.user, password=password, purpose=purpose) if password else None


def _certificate_change(request: AuthenticatedHttpRequest) -> str:
    """Carry out the certificate form's change; returns the message for the person."""
    action = request.POST.get("action")
    if action == "csc":
        data = parse_input(CscIn, request.POST)
        fresh = _fresh_password(request, "certificate_register")
        holder = certificate_holder(request.user, data.username)
        actions.do_register_csc(holder, actions.approved_service(data.service), actor=request.user,
                                credential_id=data.credential_id, access_token=data.access_token,
                                fresh_password=fresh)
        return _("You now sign through the remote signing service.")
    if action == "import":
        uploaded = _uploaded(request, _("Choose a PKCS#12 (.p12 / .pfx) file."))
        if uploaded.size is not None and uploaded.size > actions.PKCS12_MAX_BYTES:
            raise ActionError("too_large", _("The PKCS#12 file is too large."), status=413)
        fresh = _fresh_password(request, "certificate_import")
        actions.do_import_pkcs12(actor=request.user, data=uploaded.read(),
                                 file_password=request.POST.get("file_password", ""),
                                 pin=request.POST.get("pin", ""), fresh_password=fresh)
        return _("Your certificate was imported.")
    if action == "signature_image":
        actions.do_set_signature_image(actor=request.user, upload=request.FILES.get("image"))
        return _("Your signature image was saved: it appears in your visible signatures.")
    if action == "remove_signature_image":
        actions.do_remove_signature_image(actor=request.user)
        return _("Your signature image was removed.")
    if action == "unlock":
        current = actions.current_certificate(request.user)
        if current is None:
            raise ActionError("no_certificate", _("You have no signing certificate yet."))
        actions.do_reset_pin_lock(current, actor=request.user, fresh_password=_fresh_password(request, "pin_unlock"))
        return _("Signing is unlocked.")
    pin = parse_input(PinIn, request.POST)
    fresh = _fresh_password(request, "certificate_issue")
    actions.do_issue_certificate(actor=request.user, pin=pin.pin, pin_confirm=pin.pin_confirm or "",
                                 fresh_password=fresh)
    return _("Your signing certificate is ready.")


@login_required
@require_http_methods(["GET", "POST"])
def certificate(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "certificate": actions.current_certificate(request.user),
        "history": request.user.signing_certificates.order_by("-pk")[:20],
        "ca": installation_ca(),
        "services": actions.active_signing_services(),
        "signature_image": SignatureImage.objects.filter(user=request.user).defer("png").first(),
    }
    if request.method == "POST":
        try:
            message = _certificate_change(request)
        except ActionError as exc:
            return refusal_response(request, exc, form=FormPage("signing/certificate.html", context))
        messages.success(request, message)
        return redirect("signing_certificate")
    return render(request, "signing/certificate.html", context)


@require_GET
@never_cache
def crl(request: HttpRequest) -> HttpResponse:
    return HttpResponse(build_crl_der(), content_type="application/pkix-crl")


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """Public: anyone uploads a PDF and sees each signature."""
    context: dict[str, Any] = {"report": None, "sha256": "", "ca": installation_ca()}
    if request.method == "POST":
        try:
            uploaded = _uploaded(request, _("Choose a PDF file."))
            report = verify_upload(uploaded)
        except ActionError as exc:
            return refusal_response(request, exc, form=FormPage("signing/verify.html", context))
        # shown beside the report: a stamped copy names the SHA-256 of its signed original
        uploaded.seek(0)
        context |= {"report": report, "sha256": hashlib.file_digest(uploaded, "sha256").hexdigest()}
    return render(request, "signing/verify.html", context)


# --- minutes of a meeting (biên bản) --------------------------------------------------------

def _minutes_context(request: AuthenticatedHttpRequest, meeting_id: int, *, draft_text: str | None = None,
                     draft_number: str | None = None) -> dict[str, Any]:
    access = minutes_access(request.user, meeting_id)
    minutes = Minutes.objects.filter(meeting=access.meeting).select_related(
        "document", "signing_request", "updated_by").first()
    request_data = (serialize_request(minutes.signing_request, viewer=request.user)
                    if minutes is not None and minutes.signing_request is not None else None)
    return {
        "withdrawn": list(withdrawn_minutes_documents(access.meeting)),
        "may_reopen": bool(request_data and request_data["status"] in ("declined", "cancelled")),
        "meeting": access.meeting,
        "minutes": minutes,
        "request_data": request_data,
        # the editor's HTML (a draft still in the older plain-text marks is shown as the same HTML)
        "text": text_to_html(draft_text if draft_text is not None else (minutes.text if minutes else "")),
        "number": display_number(access.meeting, minutes) if minutes else "",
        "paper": preview_html(minutes, actor=request.user) if minutes is not None else "",
        "error": "",
    }


@login_required
@require_GET
def minutes_page(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    return render(request, "signing/minutes.html", _minutes_context(request, meeting_id))


def _minutes_change(request: AuthenticatedHttpRequest, meeting_id: int, verb: str) -> str:
    """Carry out one change of the minutes page; returns the message for the person."""
    meeting = minutes_access(request.user, meeting_id).meeting
    if verb == "generate":
        generate = parse_input(MinutesGenerateIn, request.POST)
        actions.do_generate_minutes(meeting, actor=request.user, regenerate=generate.regenerate,
                                    version=generate.version)
        return _("The draft minutes were written from the meeting record.")
    if verb == "save":
        edit = parse_input(MinutesIn, request.POST)
        actions.do_save_minutes(meeting, actor=request.user, text=edit.text, number=edit.number,
                                version=edit.version)
        return _("The minutes were saved.")
    if verb == "freeze":
        freeze = parse_input(MinutesFreezeIn, request.POST)
        actions.do_freeze_minutes(meeting, actor=request.user, version=freeze.version)
        return _("The minutes were frozen and sent to the secretary, then the chair, for signature.")
    actions.do_reopen_minutes(meeting, actor=request.user)
    return _("The minutes are a draft again. The withdrawn PDF is kept among the meeting's documents.")


@login_required
@require_POST
def minutes_action(request: AuthenticatedHttpRequest, meeting_id: int, verb: str) -> HttpResponse:
    """generate / save / freeze / reopen from the minutes page; a refusal re-shows the page with the
    text the secretary typed (a stale save loses nothing)."""
    if verb not in ("generate", "save", "freeze", "reopen"):
        raise Http404
    try:
        message = _minutes_change(request, meeting_id, verb)
    except ActionError as exc:
        if exc.status in (403, 404) or exc.code == "not_ended":
            raise  # nothing of the page to show again: the refusal page
        typed = {"draft_text": request.POST.get("text"), "draft_number": request.POST.get("number")} \
            if verb == "save" else {}
        form = FormPage("signing/minutes.html", _minutes_context(request, meeting_id, **typed))
        return refusal_response(request, exc, form=form)
    messages.success(request, message)
    return redirect("signing_minutes", meeting_id)


@login_required
@require_GET
def minutes_preview(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    """The PDF as it would be frozen now (the draft), or the stored document once frozen."""
    minutes = actions.get_minutes(minutes_access(request.user, meeting_id).meeting)
    if minutes.document_id:
        return redirect("signing_document_file", minutes.document_id)
    return deliver_generated_pdf(request, preview_pdf(minutes, actor=request.user), inline=True,
                                 filename=f"bien-ban-{meeting_id}-du-thao.pdf", obj=minutes.meeting,
                                 action="minutes.preview", details={"version": minutes.version})


# --- images and the units' organisation certificates ---------------------------------------

def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def signature_image(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's own signature image (only theirs: nobody else's is served)."""
    row = SignatureImage.objects.filter(user=request.user).first()
    if row is None:
        raise Http404
    return _png(bytes(row.png))


def _units_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    units = list(units_for_certificates(request.user).order_by("name"))
    if not units:
        raise PermissionDeniedError(_("Only an administrator may do this."))
    current = {c.unit_id: c for c in UnitCertificate.objects.filter(unit__in=units, replaced_at__isnull=True)}
    seals = {s.unit_id: s for s in SignatureImage.objects.filter(unit__in=units).defer("png")}
    return {"rows": [{"unit": u, "certificate": current.get(u.pk), "seal": seals.get(u.pk)} for u in units],
            "history": UnitCertificate.objects.filter(unit__in=units).select_related("unit", "issued_by")[:50]}


@login_required
@require_GET
def unit_certificates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For administrators with `issue_certificates`: their units' organisation certificates and seals."""
    return render(request, "signing/unit_certificates.html", _units_context(request))


@login_required
@require_POST
def unit_certificate_action(request: AuthenticatedHttpRequest, unit_id: int, verb: str) -> HttpResponse:
    if verb not in ("issue", "revoke", "seal", "remove-seal"):
        raise Http404
    unit = administered_unit(request.user, unit_id)
    try:
        if verb == "issue":
            actions.do_issue_unit_certificate(unit, actor=request.user)
            message = _("The organisation certificate of %(unit)s was issued.")
        elif verb == "revoke":
            cert = UnitCertificate.objects.filter(unit=unit, replaced_at__isnull=True).first()
            if cert is None:
                raise ActionError("no_unit_certificate", _("This unit has no organisation certificate."),
                                  status=404)
            actions.do_revoke_unit_certificate(cert, actor=request.user,
                                               reason=parse_input(ReasonIn, request.POST).reason)
            message = _("The organisation certificate of %(unit)s was revoked.")
        elif verb == "seal":
            actions.do_set_seal_image(unit, actor=request.user, upload=request.FILES.get("image"))
            message = _("The seal image of %(unit)s was saved.")
        else:
            actions.do_remove_seal_image(unit, actor=request.user)
            message = _("The seal image of %(unit)s was removed.")
    except ActionError as exc:
        return refusal_response(request, exc, form=FormPage("signing/unit_certificates.html",
                                                            _units_context(request)))
    messages.success(request, message % {"unit": unit.name})
    return redirect("signing_units")


@login_required
@require_GET
def unit_seal_image(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    unit = administered_unit(request.user, unit_id)
    row = SignatureImage.objects.filter(unit=unit).first()
    if row is None:
        raise Http404
    return _png(bytes(row.png))


@login_required
@require_POST
def invitation_issue(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    """Seal an invitation waiting for the unit's signature (and send it); back to the meeting."""
    invitation = invitation_for(request.user, invitation_id)
    do_issue_invitation(invitation, actor=request.user)
    messages.success(request, _("Invitation %(number)s was signed with the unit's certificate and sent.")
                     % {"number": invitation.number})
    return redirect(reverse("meeting_detail", args=[invitation.meeting_id]))
