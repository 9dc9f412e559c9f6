"""Who may see a document for signing, ask for signatures and follow a request, in one place."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ecabinet.access import (
    FreshPassword,
    has_fresh_password,
    is_system_admin,
    may_administer_certificate_of,
)
from ecabinet.errors import NotFoundError, PermissionDeniedError
from ecabinet.models import User
from meetings.access import run_meeting_ids, runs_meeting_of
from meetings.models import Document
from signing.models import SigningCertificate, SigningRequest


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


def may_manage_request(user: User, signing_request: SigningRequest) -> bool:
    """The requester, the meeting's runners and system admins may cancel or remind."""
    if is_system_admin(user) or signing_request.requester_id == user.pk:
        return True
    return runs_document_meeting(user, signing_request.document)


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
