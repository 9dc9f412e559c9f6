"""The signing part of /api/v1/ (DESIGN.md "HTTP API" fixes the first four routes)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from ecabinet.access import FreshPassword, require_session_login
from ecabinet.actions import do_confirm_password
from ecabinet.api_docs import file_response
from ecabinet.errors import ActionError, NotFoundError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Id, whole_number
from meetings.access import document_for_reader, meeting_access, poll_for, round_access
from meetings.delivery import deliver_archive
from meetings.schemas import PersonOut
from meetings.selectors import people_found
from signing import actions
from signing.access import (
    approver_candidate,
    certificate_holder,
    document_to_request,
    managed_certificate,
    minutes_access,
    notice_access,
    own_answer,
    request_for,
    visible_requests,
)
from signing.actions.ballots import do_cast_signed_ballot
from signing.actions.dossier import do_export_dossier
from signing.ballots import results_export, verify_ballot
from signing.models import SignatureRecord, SigningRequestSigner
from signing.schemas import (  # --- signed ballots ---
    AnswerSignatureOut,
    AnswerSignIn,
    BallotVerifyIn,
    BallotVerifyOut,
    BatchIn,
    BatchOut,
    CertificateEnvelopeOut,
    CscIn,
    MinutesFreezeIn,
    MinutesGenerateIn,
    MinutesIn,
    MinutesOut,
    NoticeDecisionIn,
    NoticeDraftIn,
    NoticeIn,
    NoticeOut,
    NoticeVersionIn,
    PasswordIn,
    PinIn,
    Pkcs11In,
    ReasonIn,
    RemindedOut,
    RequestIn,
    SignatureOut,
    SignedBallotIn,
    SignedBallotOut,
    SignIn,
    SigningRequestOut,
    SigningServiceOut,
    UploadedDocumentOut,
    VerifyReportOut,
    VotesExportOut,
)
from signing.serializers import (
    serialize_certificate,
    serialize_minutes,
    serialize_notice,
    serialize_request,
    serialize_service,
    serialize_signature,
)
from signing.trust import trust_roots_pem
from signing.verification import verify_upload

router = Router(tags=["signing"])


# --- signing requests ----------------------------------------------------------------------


@router.post("/signing/requests", response={201: SigningRequestOut}, summary="Ask people to sign a document")
def create_request(request: AuthenticatedHttpRequest, payload: RequestIn):
    document = document_for_reader(request.user, payload.document)
    signing_request = actions.do_create_request(
        document, actor=request.user, signers=list(payload.signers), sequential=payload.sequential,
        due=payload.due, message=payload.message,
    )
    return Status(201, serialize_request(signing_request, viewer=request.user))


@router.get("/signing/requests", response=list[SigningRequestOut], summary="Signing requests I asked for or am asked to sign")
def list_requests(request: AuthenticatedHttpRequest, status: str | None = None, pending: bool = False):
    qs = visible_requests(request.user).select_related("document", "requester").order_by("-pk")
    if pending:
        qs = qs.filter(status="open", signers__user=request.user,
                       signers__status=SigningRequestSigner.Status.PENDING)
    if status:
        qs = qs.filter(status=status)
    return [serialize_request(r, viewer=request.user) for r in qs[:200]]


@router.get("/signing/requests/{request_id}", response=SigningRequestOut, summary="A signing request and its signers")
def get_request(request: AuthenticatedHttpRequest, request_id: Id):
    return serialize_request(request_for(request.user, request_id), viewer=request.user)


@router.post("/signing/requests/{request_id}/decline", response=SigningRequestOut, summary="Decline to sign, with a reason")
def decline_request(request: AuthenticatedHttpRequest, request_id: Id, payload: ReasonIn):
    signing_request = actions.do_decline_request(
        request_for(request.user, request_id), actor=request.user, reason=payload.reason)
    return serialize_request(signing_request, viewer=request.user)


@router.post("/signing/requests/{request_id}/cancel", response=SigningRequestOut, summary="Cancel a request (requester)")
def cancel_request(request: AuthenticatedHttpRequest, request_id: Id, payload: ReasonIn | None = None):
    signing_request = actions.do_cancel_request(
        request_for(request.user, request_id), actor=request.user, reason=payload.reason if payload else "")
    return serialize_request(signing_request, viewer=request.user)


@router.post("/signing/requests/{request_id}/remind", response=RemindedOut, summary="Remind the awaited signers")
def remind_request(request: AuthenticatedHttpRequest, request_id: Id):
    count = actions.do_remind_request(request_for(request.user, request_id), actor=request.user)
    return {"reminded": count}


SIGNER_LOOKUP_DESCRIPTION = """vi: Tìm người để đề nghị ký tài liệu này trong khi gõ (trang ký số của tài liệu, ô
"Thêm người ký"): người dùng đang hoạt động có tên đăng nhập hoặc họ tên chứa `q`, tối đa 20 người,
không bao giờ cả danh bạ. Chỉ người có quyền đề nghị ký tài liệu này mới được tra cứu (người tải lên
tài liệu của chính mình, người điều hành cuộc họp của tài liệu, quản trị hệ thống): người đọc được
tài liệu nhưng không có quyền đề nghị ký nhận 403, người không đọc được tài liệu nhận 404. `q` rỗng
trả về danh sách rỗng; `q` dài quá 100 ký tự là lỗi 400.

en: Find people to ask to sign this document, as one types (the document's signing page, the "Add a
signer" field): active people whose username or full name contains `q`, at most 20, never the whole
directory. Only those who may ask for signatures on the document may look up (the uploader of their
own document, the runners of the document's meeting, system administrators): a reader who may not
ask gets 403, anyone who may not read the document 404. An empty `q` answers an empty list; a `q`
over 100 characters is a 400."""


@router.get("/signing/documents/{document_id}/people", response=list[PersonOut],
            summary="Find people to ask to sign a document (Tìm người ký tài liệu; at most 20)",
            description=SIGNER_LOOKUP_DESCRIPTION)
def look_up_signers(request: AuthenticatedHttpRequest, document_id: Id, q: str = ""):
    document_to_request(request.user, document_id)
    return people_found(q)


# --- minutes of a meeting ------------------------------------------------------------------


def _if_match(request: HttpRequest) -> int | None:
    value = request.headers.get("If-Match", "").strip().strip('"').removeprefix("W/").strip('"')
    return whole_number(value)


@router.get("/meetings/{meeting_id}/minutes", response=MinutesOut, summary="The minutes of an ended meeting (runners)")
def get_minutes(request: AuthenticatedHttpRequest, meeting_id: Id):
    meeting = minutes_access(request.user, meeting_id).meeting
    return serialize_minutes(actions.get_minutes(meeting), viewer=request.user)


@router.post("/meetings/{meeting_id}/minutes", response={200: MinutesOut, 201: MinutesOut},
             summary="Write the draft minutes from the meeting's record (again with regenerate + version)")
def generate_minutes(request: AuthenticatedHttpRequest, meeting_id: Id, payload: MinutesGenerateIn | None = None):
    payload = payload or MinutesGenerateIn()
    meeting = minutes_access(request.user, meeting_id).meeting
    minutes, created = actions.do_generate_minutes(meeting, actor=request.user, regenerate=payload.regenerate,
                                                   version=payload.version)
    return Status(201 if created else 200, serialize_minutes(minutes, viewer=request.user))


@router.put("/meetings/{meeting_id}/minutes", response=MinutesOut,
            summary="Save the edited text (send the version you edited: 409 when someone saved since)")
def save_minutes(request: AuthenticatedHttpRequest, meeting_id: Id, payload: MinutesIn):
    version = payload.version if payload.version is not None else _if_match(request)
    meeting = minutes_access(request.user, meeting_id).meeting
    minutes = actions.do_save_minutes(meeting, actor=request.user, text=payload.text, version=version,
                                      number=payload.number)
    return serialize_minutes(minutes, viewer=request.user)


@router.post("/meetings/{meeting_id}/minutes/freeze", response=MinutesOut,
             summary="Freeze the minutes into a PDF and ask the secretary, then the chair, to sign it")
def freeze_minutes(request: AuthenticatedHttpRequest, meeting_id: Id, payload: MinutesFreezeIn | None = None):
    version = payload.version if payload is not None else None
    meeting = minutes_access(request.user, meeting_id).meeting
    minutes = actions.do_freeze_minutes(meeting, actor=request.user, version=version)
    return serialize_minutes(minutes, viewer=request.user)


@router.post("/meetings/{meeting_id}/minutes/reopen", response=MinutesOut,
             summary="Back to draft after the signing was declined or cancelled (the frozen PDF is withdrawn)")
def reopen_minutes(request: AuthenticatedHttpRequest, meeting_id: Id):
    meeting = minutes_access(request.user, meeting_id).meeting
    return serialize_minutes(actions.do_reopen_minutes(meeting, actor=request.user), viewer=request.user)


# --- signatures ----------------------------------------------------------------------------


@router.post("/documents/{document_id}/signatures", response={201: SignatureOut},
             summary="Sign the latest version of a document with the caller's certificate and PIN")
def sign_document(request: AuthenticatedHttpRequest, document_id: Id, payload: SignIn):
    document = document_for_reader(request.user, document_id)
    record = actions.do_sign_document(document, actor=request.user, pin=payload.pin, reason=payload.reason,
                                      page=payload.page, level=payload.level, access_token=payload.access_token)
    return Status(201, serialize_signature(record))


@router.get("/documents/{document_id}/signatures", response=list[SignatureOut], summary="Signatures made here")
def list_signatures(request: AuthenticatedHttpRequest, document_id: Id):
    document = document_for_reader(request.user, document_id)
    records = SignatureRecord.objects.filter(document=document).select_related("version", "signer", "certificate")
    return [serialize_signature(r) for r in records]


@router.post("/opinions/{round_id}/answer/sign", response={201: AnswerSignatureOut},
             summary="Sign my answer in a written-opinion round (a one-page PDF, signed with my certificate)")
def sign_answer(request: AuthenticatedHttpRequest, round_id: Id, payload: AnswerSignIn):
    rnd = round_access(request.user, round_id).round
    record = actions.do_sign_answer(rnd, actor=request.user, pin=payload.pin, access_token=payload.access_token,
                                    level=payload.level)
    answer = own_answer(rnd, request.user)
    return Status(201, {**serialize_signature(record), "answer": answer.pk, "signed_at": record.signed_at.isoformat(),
                        "url": reverse("signing_answer_pdf", args=[answer.pk])})


@router.post("/signing/batch", response=BatchOut, summary="Sign several documents with one PIN entry")
def batch_sign(request: AuthenticatedHttpRequest, payload: BatchIn):
    if not payload.documents:
        raise ActionError("empty", _("Choose at least one document."))
    if len(payload.documents) != len(set(payload.documents)):
        raise ActionError("duplicate", _("A document appears twice in the list."))
    documents, missing = [], []
    for document_id in payload.documents:
        try:
            documents.append(document_for_reader(request.user, document_id))
        except NotFoundError:
            missing.append(document_id)
    results = actions.do_batch_sign(documents, actor=request.user, pin=payload.pin, reason=payload.reason,
                                    access_token=payload.access_token) if documents else []
    results += [{"document": d, "ok": False, "code": "not_found", "message": _("Document not found."),
                 "version": None} for d in missing]
    order = {d: i for i, d in enumerate(payload.documents)}
    results.sort(key=lambda r: order[r["document"]])
    return {"results": results, "signed": sum(1 for r in results if r["ok"])}


@router.post("/signing/documents", response={201: UploadedDocumentOut}, summary="Upload a PDF of your own to sign")
def upload_document(request: AuthenticatedHttpRequest, file: UploadedFile = File(...), title: str = Form("")):
    document = actions.do_upload_for_signing(actor=request.user, upload=file, title=title)
    return Status(201, {"id": document.pk, "title": document.title})


# --- certificates and trust ----------------------------------------------------------------


@router.get("/signing/certificate", response=CertificateEnvelopeOut, summary="My current signing certificate")
def my_certificate(request: AuthenticatedHttpRequest):
    cert = actions.current_certificate(request.user)
    return {"certificate": serialize_certificate(cert) if cert else None}


def _confirm_password(request: AuthenticatedHttpRequest, password: str, purpose: str) -> FreshPassword | None:
    """Certificate changes: never with an API token; the password, when given, checked now
    (the action decides whether it was needed: an administrator acting for someone needs none)."""
    require_session_login(request)
    return do_confirm_password(request, actor=request.user, password=password, purpose=purpose) if password else None


@router.post("/signing/certificate", response={201: CertificateEnvelopeOut},
             summary="Get a certificate protected by my PIN (session only; confirm with my password)")
def issue_certificate(request: AuthenticatedHttpRequest, payload: PinIn):
    fresh = _confirm_password(request, payload.password, "certificate_issue")
    cert = actions.do_issue_certificate(actor=request.user, pin=payload.pin, pin_confirm=payload.pin_confirm,
                                        fresh_password=fresh)
    return Status(201, {"certificate": serialize_certificate(cert)})


@router.post("/signing/certificate/import", response={201: CertificateEnvelopeOut},
             summary="Import a PKCS#12 key and certificate (session only; confirm with my password)")
def import_certificate(request: AuthenticatedHttpRequest, file: UploadedFile = File(...), file_password: str = Form(""),
                       pin: str = Form(...), password: str = Form("")):
    fresh = _confirm_password(request, password, "certificate_import")
    if file.size is not None and file.size > actions.PKCS12_MAX_BYTES:
        raise ActionError("too_large", _("The PKCS#12 file is too large."), status=413)
    cert = actions.do_import_pkcs12(actor=request.user, data=file.read(), file_password=file_password, pin=pin,
                                    fresh_password=fresh)
    return Status(201, {"certificate": serialize_certificate(cert)})


@router.post("/signing/certificate/pkcs11", response={201: CertificateEnvelopeOut},
             summary="Sign with a key on a PKCS#11 token or HSM (the certificate is read from the token)")
def register_pkcs11(request: AuthenticatedHttpRequest, payload: Pkcs11In):
    fresh = _confirm_password(request, payload.password, "certificate_register")
    holder = certificate_holder(request.user, payload.username)
    cert = actions.do_register_pkcs11(holder, actor=request.user, token_label=payload.token_label,
                                      key_label=payload.key_label, module_path=payload.module_path,
                                      fresh_password=fresh)
    return Status(201, {"certificate": serialize_certificate(cert)})


@router.get("/signing/services", response=list[SigningServiceOut],
            summary="Remote signing services (CSC) the administrators approved")
def signing_services(request: AuthenticatedHttpRequest):
    return [serialize_service(s) for s in actions.active_signing_services()]


@router.post("/signing/certificate/csc", response={201: CertificateEnvelopeOut},
             summary="Sign through an approved remote signing service (CSC API; the certificate is read from it)")
def register_csc(request: AuthenticatedHttpRequest, payload: CscIn):
    fresh = _confirm_password(request, payload.password, "certificate_register")
    holder = certificate_holder(request.user, payload.username)
    service = actions.approved_service(payload.service)
    cert = actions.do_register_csc(holder, service, actor=request.user, credential_id=payload.credential_id,
                                   access_token=payload.access_token, fresh_password=fresh)
    return Status(201, {"certificate": serialize_certificate(cert)})


@router.post("/signing/certificates/{cert_id}/revoke", response=CertificateEnvelopeOut, summary="Revoke a certificate (admin)")
def revoke_certificate(request: AuthenticatedHttpRequest, cert_id: Id, payload: ReasonIn):
    require_session_login(request)
    cert = managed_certificate(request.user, cert_id)
    return {"certificate": serialize_certificate(
        actions.do_revoke_certificate(cert, actor=request.user, reason=payload.reason))}


@router.post("/signing/certificates/{cert_id}/unlock", response=CertificateEnvelopeOut,
             summary="Lift a PIN lockout: an administrator, or the holder confirming with their password")
def unlock_certificate(request: AuthenticatedHttpRequest, cert_id: Id, payload: PasswordIn | None = None):
    cert = managed_certificate(request.user, cert_id, own_too=True)
    fresh = _confirm_password(request, payload.password if payload else "", "pin_unlock")
    return {"certificate": serialize_certificate(actions.do_reset_pin_lock(cert, actor=request.user,
                                                                           fresh_password=fresh))}


@router.get("/signing/trust-roots", auth=None, summary="PEM of the trusted roots (this installation's CA first)",
            response={200: None}, openapi_extra=file_response("application/x-pem-file", "PEM certificates"))
def trust_roots(request: HttpRequest):
    return HttpResponse(trust_roots_pem(), content_type="application/x-pem-file; charset=utf-8")


@router.post("/verify", auth=None, response=VerifyReportOut, summary="Verify the signatures of a PDF (no login needed)")
def verify(request: HttpRequest, file: UploadedFile = File(...)):
    return verify_upload(file)


# --- conclusion notice of a meeting (thông báo kết luận) ------------------------------------


def _approver(meeting, approver_id: int | None):  # noqa: ANN001, ANN202 - meetings.Meeting -> User | None
    return approver_candidate(meeting, approver_id) if approver_id is not None else None


@router.get("/meetings/{meeting_id}/notice", response=NoticeOut,
            summary="The conclusion notice of an ended meeting (secretary, approver, office)")
def get_notice(request: AuthenticatedHttpRequest, meeting_id: Id):
    return serialize_notice(notice_access(request.user, meeting_id).require_notice())


@router.post("/meetings/{meeting_id}/notice", response={200: NoticeOut, 201: NoticeOut},
             summary="Draft the conclusion notice from the conclusions (again with regenerate + version)")
def draft_notice(request: AuthenticatedHttpRequest, meeting_id: Id, payload: NoticeDraftIn | None = None):
    payload = payload or NoticeDraftIn()
    meeting = notice_access(request.user, meeting_id).meeting
    notice, created = actions.do_draft_notice(meeting, actor=request.user, regenerate=payload.regenerate,
                                              version=payload.version)
    return Status(201 if created else 200, serialize_notice(notice))


@router.put("/meetings/{meeting_id}/notice", response=NoticeOut,
            summary="Save the notice's text (HTML, sanitized) and who approves it; needs the version edited")
def save_notice(request: AuthenticatedHttpRequest, meeting_id: Id, payload: NoticeIn):
    meeting = notice_access(request.user, meeting_id).meeting
    notice = actions.do_save_notice(meeting, actor=request.user, body=payload.body, version=payload.version,
                                    approver=_approver(meeting, payload.approver))
    return serialize_notice(notice)


@router.post("/meetings/{meeting_id}/notice/submit", response=NoticeOut,
             summary="Send the notice to its approver")
def submit_notice(request: AuthenticatedHttpRequest, meeting_id: Id, payload: NoticeVersionIn):
    meeting = notice_access(request.user, meeting_id).meeting
    return serialize_notice(actions.do_submit_notice(meeting, actor=request.user, version=payload.version))


@router.post("/meetings/{meeting_id}/notice/decision", response=NoticeOut,
             summary="The approver approves the notice, or sends it back with a reason")
def decide_notice(request: AuthenticatedHttpRequest, meeting_id: Id, payload: NoticeDecisionIn):
    meeting = notice_access(request.user, meeting_id).meeting
    return serialize_notice(actions.do_approve_notice(meeting, actor=request.user, approve=payload.approve,
                                                      reason=payload.reason))


@router.post("/meetings/{meeting_id}/notice/issue", response=NoticeOut,
             summary="The office issues the approved notice: numbered, sealed with the unit's certificate")
def issue_notice(request: AuthenticatedHttpRequest, meeting_id: Id):
    meeting = notice_access(request.user, meeting_id).meeting
    return serialize_notice(actions.do_issue_notice(meeting, actor=request.user))


# --- signed ballots (fn108) ---

@router.post("/polls/{poll_id}/signed-ballot", response={201: SignedBallotOut},
             summary="Cast my ballot signed with my own key (a compact JWS; polls that require signed ballots)")
def signed_ballot(request: AuthenticatedHttpRequest, poll_id: Id, payload: SignedBallotIn):
    ballot = do_cast_signed_ballot(poll_for(request.user, poll_id), actor=request.user, choice=payload.choice,
                                   pin=payload.pin, access_token=payload.access_token)
    return Status(201, {"id": ballot.pk, "poll": ballot.poll_id, "seat": ballot.seat_id,
                        "option": ballot.option_key, "jws": ballot.jws})


@router.post("/ballots/verify", response=BallotVerifyOut,
             summary="Verify a signed ballot (signature against its x5c certificate, chain to the trust roots)")
def verify_signed_ballot(request: AuthenticatedHttpRequest, payload: BallotVerifyIn):
    return verify_ballot(payload.jws).as_dict()


@router.get("/meetings/{meeting_id}/votes/export", response=VotesExportOut,
            summary="The results export with every signed ballot (JSON)")
def votes_export(request: AuthenticatedHttpRequest, meeting_id: Id) -> dict[str, Any]:
    return results_export(meeting_access(request.user, meeting_id))


# --- a meeting's dossier for the archive (fn107) ---------------------------------------------------

@router.get("/meetings/{meeting_id}/dossier", response={200: None},
            summary="The meeting's dossier for the archive (ZIP with a SHA-256 manifest; ended meetings, "
                    "for those running it)",
            openapi_extra=file_response("application/zip", "The dossier: metadata, documents, signed papers, "
                                        "attendance, votes, manifest.json and manifest.sha256"))
def meeting_dossier(request: AuthenticatedHttpRequest, meeting_id: Id):
    meeting = meeting_access(request.user, meeting_id).meeting
    exported = do_export_dossier(meeting, actor=request.user)
    return deliver_archive(request, exported.file, filename=exported.filename, size=exported.size,
                           sha256=exported.sha256)
