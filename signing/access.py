"""Who may see a document for signing, ask for signatures and follow a request, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from ecabinet.access import (
    FreshPassword,
    has_fresh_password,
    is_system_admin,
    may_administer_certificate_of,
    unit_ids_with_right,
)
from ecabinet.errors import ActionError, ConflictError, NotFoundError, PermissionDeniedError
from ecabinet.models import Unit, User
from meetings.access import (
    MeetingAccess,
    document_for_reader,
    meeting_access,
    require_runner,
    round_access,
    run_meeting_ids,
    runs_meeting_of,
)
from meetings.models import Document, Meeting, OpinionAnswer, OpinionRound, Participant
from signing.models import (
    ConclusionNotice,
    Invitation,
    Minutes,
    SigningCertificate,
    SigningRequest,
    SigningRequestSigner,
    UnitCertificate,
)
from signing.notices import issuing_unit, notice_readers


def _runner_meeting_ids(user: User) -> QuerySet:
    return run_meeting_ids(user)


def runs_document_meeting(user: User, document: Document) -> bool:
    return runs_meeting_of(user, document.meeting_id)


def require_may_request(user: User, document: Document) -> None:
    """The meeting's runners for meeting documents; the uploader for their own documents."""
    if is_system_admin(user) or document.uploaded_by_id == user.pk:
        return
    if runs_document_meeting(user, document):
        return
    raise PermissionDeniedError(_("Only the meeting's chair or secretary, or the person who uploaded "
                                  "the document, may ask for signatures."))


def document_to_request(user: User, document_id: int) -> Document:
    """The document `user` may ask people to sign, for its lookup of signers: a 404 when they
    may not read it (an outsider learns nothing), a 403 when they read it but may not ask
    (`require_may_request`: the uploader of their own document, the meeting's runners, system
    administrators)."""
    document = document_for_reader(user, document_id)
    require_may_request(user, document)
    return document


def visible_requests(user: User) -> QuerySet[SigningRequest]:
    if not user.is_authenticated:
        return SigningRequest.objects.none()
    if is_system_admin(user):
        return SigningRequest.objects.all()
    mine = Q(requester=user) | Q(signers__user=user)
    runs = Q(document__meeting_id__in=_runner_meeting_ids(user))
    ids = SigningRequest.objects.filter(mine | runs).values("pk")
    return SigningRequest.objects.filter(pk__in=ids)


def request_for(user: User, request_id: int, *, for_update: bool = False) -> SigningRequest:
    qs = visible_requests(user).select_related("document", "requester")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    signing_request = qs.filter(pk=request_id).first()
    if signing_request is None:
        raise NotFoundError(_("Signing request not found."))
    return signing_request


def lock_request(signing_request: SigningRequest) -> SigningRequest:
    """Inside an action: the request row re-read FOR UPDATE (its answers queue up here)."""
    return SigningRequest.objects.select_for_update(of=("self",)).select_related(
        "document", "requester").get(pk=signing_request.pk)


def may_manage_request(user: User, signing_request: SigningRequest) -> bool:
    """The requester, the meeting's runners and system admins may cancel or remind."""
    if is_system_admin(user) or signing_request.requester_id == user.pk:
        return True
    return runs_document_meeting(user, signing_request.document)


def require_may_manage_request(user: User, signing_request: SigningRequest, message: str) -> None:
    if not may_manage_request(user, signing_request):
        raise PermissionDeniedError(message)


def own_pending_entry(signing_request: SigningRequest, actor: User) -> SigningRequestSigner:
    """The entry under which `actor` answers `signing_request` (decline): 403 when not asked,
    409 once answered."""
    entry = signing_request.signers.filter(user=actor).first()
    if entry is None:
        raise PermissionDeniedError(_("You were not asked to sign this document."), code="not_asked")
    if entry.status != SigningRequestSigner.Status.PENDING:
        raise ConflictError("already_answered", _("You have already signed or declined this request."))
    return entry


def signer_entry(document: Document, actor: User) -> SigningRequestSigner | None:
    """The request entry under which `actor` signs `document` now, or None when signing their
    own document.

    403 `not_asked` when no open request asks them; 409 `not_your_turn` in a sequential
    request whose earlier signers have not signed; 409 `already_answered`."""
    entries = list(
        SigningRequestSigner.objects.filter(
            request__document=document, request__status=SigningRequest.Status.OPEN, user=actor
        ).select_related("request").order_by("request_id")
    )
    pending = [e for e in entries if e.status == SigningRequestSigner.Status.PENDING]
    if not pending:
        if document.uploaded_by_id == actor.pk:
            return None
        if entries:
            raise ConflictError("already_answered", _("You have already signed or declined this request."))
        raise PermissionDeniedError(_("You were not asked to sign this document."), code="not_asked")
    waiting_for: list[str] = []
    for entry in pending:
        if not entry.request.sequential:
            return entry
        earlier = list(
            SigningRequestSigner.objects.filter(
                request=entry.request, order__lt=entry.order, status=SigningRequestSigner.Status.PENDING
            ).select_related("user").order_by("order")
        )
        if not earlier:
            return entry
        waiting_for += [e.user.full_name or e.user.username for e in earlier]
    raise ConflictError(
        "not_your_turn",
        _("It is not your turn to sign yet. Waiting for: %(names)s.") % {"names": ", ".join(waiting_for)},
    )


def entries_to_sign(user: User) -> QuerySet[SigningRequestSigner]:
    """The entries whose signature waits for `user` now (the to-do's documents to sign): pending,
    in an open request, and their turn — `signer_entry`'s rule as a filter: any pending entry of a
    request in parallel; in order, none pending before it."""
    earlier = SigningRequestSigner.objects.filter(request_id=OuterRef("request_id"), order__lt=OuterRef("order"),
                                                  status=SigningRequestSigner.Status.PENDING)
    return (SigningRequestSigner.objects.filter(user_id=user.pk, status=SigningRequestSigner.Status.PENDING,
                                                request__status=SigningRequest.Status.OPEN)
            .filter(Q(request__sequential=False) | ~Exists(earlier)))


def may_sign(document: Document, user: User) -> bool:
    try:
        signer_entry(document, user)
    except PermissionDeniedError:
        return False
    except ConflictError:
        return False
    return True


def may_request(user: User, document: Document) -> bool:
    try:
        require_may_request(user, document)
    except PermissionDeniedError:
        return False
    return True


# --- certificates ---------------------------------------------------------------------------

def require_system_admin(actor: User) -> None:
    """Trust roots and the catalogue of remote signing services are the system administrators'."""
    if not is_system_admin(actor):
        raise PermissionDeniedError(_("Only an administrator may do this."))


def require_may_choose_pkcs11_module(actor: User) -> None:
    """Loading a PKCS#11 module runs its code in the server: only system administrators choose
    one other than the configured module."""
    if not is_system_admin(actor):
        raise PermissionDeniedError(_("Only an administrator may choose the PKCS#11 module."))


def require_may_administer_certificate(actor: User, cert: SigningCertificate) -> None:
    """Revoking someone's certificate: an administrator who manages its holder."""
    if not may_administer_certificate_of(actor, cert.user):
        raise PermissionDeniedError(_("Only an administrator may do this."))


def certificate_holder(actor: User, username: str | None) -> User:
    """The person a new key is registered for: the caller, or someone whose certificates the
    caller administers (404 for anyone else: their existence is not confirmed)."""
    if not username or username == actor.username:
        return actor
    holder = User.objects.filter(username=username, is_active=True).first()
    if holder is None or not may_administer_certificate_of(actor, holder):
        raise NotFoundError(_("User not found."))
    return holder


def managed_certificate(actor: User, cert_id: int, *, own_too: bool = False) -> SigningCertificate:
    """A certificate `actor` administers (or holds, with `own_too`); 404 otherwise, so that its
    existence is not confirmed."""
    cert = SigningCertificate.objects.select_related("user").filter(pk=cert_id).first()
    if cert is None or not (may_administer_certificate_of(actor, cert.user)
                            or (own_too and cert.user_id == actor.pk)):
        raise NotFoundError(_("Certificate not found."))
    return cert


def lock_certificate(cert: SigningCertificate) -> SigningCertificate:
    return SigningCertificate.objects.select_for_update(of=("self",)).select_related("user").get(pk=cert.pk)


# --- the organisation's certificate and seal (signing/unit_seal.py) -------------------------

def may_administer_unit_certificate(actor: User, unit: Unit) -> bool:
    """Issuing, revoking or replacing a unit's organisation certificate and its seal image: the
    right `issue_certificates` over the unit (unit administrators for their unit and those below,
    system administrators everywhere)."""
    return unit.pk in unit_ids_with_right(actor, "issue_certificates")


def require_may_administer_unit_certificate(actor: User, unit: Unit) -> None:
    if not may_administer_unit_certificate(actor, unit):
        raise PermissionDeniedError(_("Only an administrator of this unit may do this."))


def units_for_certificates(actor: User) -> QuerySet[Unit]:
    """The units whose organisation certificate and seal `actor` administers."""
    return Unit.objects.filter(pk__in=unit_ids_with_right(actor, "issue_certificates"))


def administered_unit(actor: User, unit_id: int) -> Unit:
    """A unit whose organisation certificate `actor` administers; 404 for any other."""
    unit = units_for_certificates(actor).filter(pk=unit_id).first()
    if unit is None:
        raise NotFoundError(_("Unit not found."))
    return unit


def lock_unit_certificates(unit: Unit) -> list[UnitCertificate]:
    """Inside an action: the unit's current certificate rows FOR UPDATE (issuing and revoking
    queue on them; the unique constraint settles two first issues at once)."""
    return list(UnitCertificate.objects.select_for_update().filter(unit=unit, replaced_at__isnull=True))


def can_issue_for_unit(actor: User, unit: Unit, *, meeting: Meeting | None = None) -> bool:
    """Whether `actor` may put the unit's signature and seal on a paper (signing/unit_seal.py):
    the right `issue_documents` over the unit (office clerks, unit and system administrators);
    or, for a paper of `meeting` (its invitation, its notice), the meeting's chair or secretary
    when the meeting belongs to that unit: the system issues the meeting's papers in the unit's
    name for the people who run it."""
    if not actor.is_authenticated:
        return False
    if unit.pk in unit_ids_with_right(actor, "issue_documents"):
        return True
    return meeting is not None and meeting.unit_id == unit.pk and runs_meeting_of(actor, meeting.pk)


# --- invitations (giấy mời) -------------------------------------------------------------------

def invitation_for(user: User, invitation_id: int, *, for_update: bool = False) -> Invitation:
    """An invitation as `user` may see it: its meeting's participants and runners see its row
    (the paper itself follows the document rule), so do those who issue the unit's papers; anyone
    else gets a 404 that says nothing."""
    qs = Invitation.objects.select_related("meeting__unit", "document")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.filter(pk=invitation_id).first() if user.is_authenticated else None
    if invitation is None:
        raise NotFoundError(_("Invitation not found."))
    meeting = invitation.meeting
    if meeting.unit_id is not None and meeting.unit_id in unit_ids_with_right(user, "issue_documents"):
        return invitation
    try:
        meeting_access(user, meeting.pk)
    except NotFoundError:
        raise NotFoundError(_("Invitation not found.")) from None
    return invitation



def lock_invitation(invitation: Invitation, *, actor: User) -> tuple[Meeting, Invitation]:
    """Inside an invitation action: the meeting row FOR UPDATE first (changes to one meeting queue
    there), then the invitation re-read under it, with the visibility rule re-checked (404)."""
    found = invitation_for(actor, invitation.pk)
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("unit").get(pk=found.meeting_id)
    return meeting, invitation_for(actor, invitation.pk, for_update=True)

def may_seal_meeting_papers(user: User, meeting: Meeting, *, runs_meeting: bool) -> bool:
    """`can_issue_for_unit` for a page that already knows whether `user` runs `meeting`."""
    if meeting.unit_id is None or not user.is_authenticated:
        return False
    return runs_meeting or meeting.unit_id in unit_ids_with_right(user, "issue_documents")


def may_seal_invitation(user: User, invitation: Invitation) -> bool:
    """Who may put the unit's seal on a waiting invitation: the same rule as sealing any paper of
    the meeting (`can_issue_for_unit`)."""
    unit = invitation.meeting.unit
    return unit is not None and can_issue_for_unit(user, unit, meeting=invitation.meeting)


# --- minutes and written opinions -----------------------------------------------------------

def minutes_access(user: User, meeting_id: int, *, for_update: bool = False) -> MeetingAccess:
    """The meeting for someone who runs it and whose meeting has ended (404 / 403 / 409)."""
    access = meeting_access(user, meeting_id, for_update=for_update)
    require_runner(access)
    if access.meeting.status != Meeting.Status.ENDED:
        raise ConflictError("not_ended", _("Minutes can be written only after the meeting has ended."))
    return access


def minutes_frozen(meeting: Meeting) -> bool:
    """The meeting's record is closed once its minutes are frozen for signature (registered with
    meetings.access.register_record_closed_check: the speeches' summaries stop changing)."""
    return Minutes.objects.filter(meeting_id=meeting.pk, status=Minutes.Status.FROZEN).exists()


def lock_minutes_meeting(meeting: Meeting, *, actor: User) -> MeetingAccess:
    """Inside a minutes action: the meeting row FOR UPDATE, with the minutes rule re-checked."""
    return minutes_access(actor, meeting.pk, for_update=True)


def own_answer(rnd: OpinionRound, actor: User) -> OpinionAnswer:
    """The answer `actor` gave in `rnd`: only the answerer signs it; for everyone else there is
    nothing to sign (404)."""
    answer = OpinionAnswer.objects.filter(round=rnd, user=actor).select_related("round").first()
    if answer is None:
        raise NotFoundError(_("You have no answer to sign in this round."))
    return answer


def signed_answer_for(user: User, answer_id: int) -> OpinionAnswer:
    """A signed answer `user` may download: their own, or any answer of a round they run."""
    answer = OpinionAnswer.objects.filter(pk=answer_id, signed_document__isnull=False).select_related(
        "round").first() if user.is_authenticated else None
    if answer is None:
        raise NotFoundError(_("Document not found."))
    if answer.user_id != user.pk and not round_access(user, answer.round_id).manages:
        raise NotFoundError(_("Document not found."))
    return answer


def require_may_change_key(actor: User, holder: User, fresh_password: FreshPassword | None) -> None:
    """Issuing, importing, registering or re-protecting `holder`'s signing key, or lifting their
    PIN lock: the holder with their password typed again (a session or token alone never does),
    or an administrator who manages the holder acting for them."""
    if holder.pk != actor.pk:
        if not may_administer_certificate_of(actor, holder):
            raise NotFoundError(_("User not found."))
        return
    if not has_fresh_password(actor, fresh_password):
        raise PermissionDeniedError(_("Confirm this change with your account password."),
                                    code="password_required")


def require_may_fulfil(cert: SigningCertificate, signer: User) -> None:
    """A signature fulfils a signing request only when its certificate leads to a root this
    installation trusts and names the person who was asked (a key issued here is theirs by
    construction: the row belongs to them)."""
    from signing.trust import certificate_names_user, chains_to_trusted_root

    if cert.user_id != signer.pk:
        raise PermissionDeniedError(_("This certificate belongs to someone else."), code="certificate_not_yours")
    if not chains_to_trusted_root(cert.certificate, cert.chain):
        raise PermissionDeniedError(
            _("Your certificate does not lead to a certificate authority trusted here, so it cannot be used "
              "for a signing request. Ask an administrator to add the authority, or create a certificate "
              "on the “My certificate” page."), code="certificate_untrusted")
    if not cert.issued_here and not certificate_names_user(cert.certificate, signer):
        raise PermissionDeniedError(
            _("Your certificate names someone else, so it cannot be used to sign in your name."),
            code="certificate_names_someone_else")


# --- conclusion notices (thông báo kết luận) --------------------------------------------------

def may_issue_papers_of(user: User, unit: Unit | None) -> bool:
    """The office issues a unit's papers under its number and seal: the right `issue_documents`
    over the unit (its own unit and those below it; a system administrator everywhere)."""
    return unit is not None and user.is_authenticated and unit.pk in unit_ids_with_right(user, "issue_documents")


@dataclass(frozen=True)
class NoticeAccess:
    """The conclusion notice of a meeting as one person may handle it."""

    meeting: Meeting
    notice: ConclusionNotice | None
    drafts: bool    # runs the meeting: the secretary (also chair, creator, run_meeting right)
    approves: bool  # the notice's approver (the chair unless the secretary named another participant)
    issues: bool    # the office: right issue_documents over the meeting's unit

    def require_drafter(self) -> None:
        if not self.drafts:
            raise PermissionDeniedError(_("Only the meeting's secretary or chair may draft the conclusion notice."))

    def require_approver(self) -> None:
        if not self.approves:
            raise PermissionDeniedError(_("Only the person named to approve the conclusion notice may approve it."),
                                        code="not_approver")

    def require_issuer(self) -> None:
        if not self.issues:
            raise PermissionDeniedError(_("Only the office (the right to issue the unit's papers) may issue the "
                                          "conclusion notice."), code="not_issuer")

    def require_notice(self) -> ConclusionNotice:
        if self.notice is None:
            raise NotFoundError(_("The conclusion notice has not been drafted yet."), code="no_notice")
        return self.notice


def notice_access(user: User, meeting_id: int, *, for_update: bool = False) -> NoticeAccess:
    """The meeting's notice for those who draft, approve or issue it (404 for whoever may not see
    the meeting, 403 for other participants, 409 before the meeting has ended). Inside an action
    (`for_update`) the meeting row, then the notice row, are locked."""
    if not user.is_authenticated:
        raise NotFoundError(_("Meeting not found."))
    qs = Meeting.objects.select_related("unit", "created_by__unit")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    meeting = qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFoundError(_("Meeting not found."))
    try:
        access: MeetingAccess | None = meeting_access(user, meeting_id)
    except NotFoundError:
        access = None
    notice_qs = ConclusionNotice.objects.select_related("approver", "register_entry", "document", "updated_by")
    if for_update:
        notice_qs = notice_qs.select_for_update(of=("self",))
    notice = notice_qs.filter(meeting=meeting).first()
    drafts = bool(access and access.runs_meeting)
    approves = bool(notice and notice.approver_id == user.pk)
    issues = may_issue_papers_of(user, issuing_unit(meeting))
    if not (drafts or approves or issues):
        if access is None:
            raise NotFoundError(_("Meeting not found."))
        raise PermissionDeniedError(_("Only the meeting's secretary, the approver and the office handle the "
                                      "conclusion notice."))
    if meeting.status != Meeting.Status.ENDED:
        raise ConflictError("not_ended", _("The conclusion notice can be drafted only after the meeting has ended."))
    return NoticeAccess(meeting=meeting, notice=notice, drafts=drafts, approves=approves, issues=issues)


def approver_candidate(meeting: Meeting, user_id: int) -> User:
    """Whom the secretary may name to approve the notice: the chair or a member of the meeting
    (400 for anyone else: a guest, the secretary, a stranger)."""
    participant = Participant.objects.filter(
        meeting=meeting, user_id=user_id, user__is_active=True,
        role__in=[Participant.Role.CHAIR, Participant.Role.MEMBER]).select_related("user").first()
    if participant is None:
        raise ActionError("bad_approver", _("The approver must be the chair or a member of the meeting."))
    return participant.user


def approver_candidates(meeting: Meeting) -> list[User]:
    return [p.user for p in Participant.objects.filter(
        meeting=meeting, user__is_active=True, role__in=[Participant.Role.CHAIR, Participant.Role.MEMBER])
        .select_related("user").order_by("role", "pk")]


def notices_due_for(user: User) -> list:
    """The secretary's home: the conclusion notices still to issue for the meetings `user` runs."""
    from signing.notices import pending_notices

    if not user.is_authenticated:
        return []
    return pending_notices(Meeting.objects.filter(pk__in=run_meeting_ids(user)))[:20]


def issued_notice_for_reader(user: User, meeting_id: int) -> ConclusionNotice:
    """The issued notice for those it was sent to: the meeting's participants, the people of the
    units its conclusions assign, and those who handle it (404 for everyone else)."""
    notice = (ConclusionNotice.objects.filter(meeting_id=meeting_id, status=ConclusionNotice.Status.ISSUED)
              .select_related("meeting", "register_entry", "document").first() if user.is_authenticated else None)
    if notice is None:
        raise NotFoundError(_("Document not found."))
    if any(u.pk == user.pk for u in notice_readers(notice.meeting)):
        return notice
    try:
        notice_access(user, meeting_id)
    except (NotFoundError, PermissionDeniedError):
        raise NotFoundError(_("Document not found.")) from None
    return notice


def issuers_of(unit: Unit | None) -> list[User]:
    """The people who may issue `unit`'s papers (told when a notice awaits issuing)."""
    if unit is None:
        return []
    holders = User.objects.filter(is_active=True).filter(
        Q(groups__permissions__codename="issue_documents") | Q(user_permissions__codename="issue_documents")
        | Q(is_superuser=True)).distinct()
    return [u for u in holders if may_issue_papers_of(u, unit) and not u.is_superuser] or \
        [u for u in holders if may_issue_papers_of(u, unit)]


def notices_to_handle(user: User) -> dict[str, list[ConclusionNotice]]:
    """The home page: notices awaiting `user`'s approval, and approved notices `user` may issue."""
    if not user.is_authenticated:
        return {"to_approve": [], "to_issue": []}
    to_approve = list(ConclusionNotice.objects.filter(approver=user, status=ConclusionNotice.Status.SUBMITTED)
                      .select_related("meeting").order_by("due_date")[:20])
    units = unit_ids_with_right(user, "issue_documents")
    # most people issue nothing: no need to read the installation's approved notices for them
    to_issue = [n for n in ConclusionNotice.objects.filter(status=ConclusionNotice.Status.APPROVED)
                .select_related("meeting__unit", "meeting__created_by__unit").order_by("due_date")[:200]
                if (u := issuing_unit(n.meeting)) is not None and u.pk in units][:20] if units else []
    return {"to_approve": to_approve, "to_issue": to_issue}


# --- a meeting's dossier for the archive (fn107) --------------------------------------------------

def may_export_dossier(access: MeetingAccess) -> bool:
    """Those running the meeting export its dossier: its chair and secretaries, its creator, the
    holders of `run_meeting` over its unit (the unit's administrators, and whoever the unit
    gives the right to keep its archive: there is no archivist role of its own) and system
    administrators. They read every document of the meeting, confidential ones too."""
    return access.runs_meeting


def require_may_export_dossier(access: MeetingAccess) -> None:
    """The right (403), then the moment (409): a dossier is the record of an ended meeting."""
    if not may_export_dossier(access):
        raise PermissionDeniedError(_("Only the meeting's chair, secretary or the unit's administrators may "
                                      "export its dossier."))
    if access.meeting.status != Meeting.Status.ENDED:
        raise ConflictError("bad_status", _("The dossier of a meeting is exported once the meeting has ended."))
