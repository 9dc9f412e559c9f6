"""Signing one's own written opinion (lấy ý kiến bằng văn bản): the answer becomes a one-page PDF
signed with the person's certificate, through the same backends and the same signing core as any
document (``signing.backends.signer_for`` -> ``sign_into_new_version``).

The signed PDF is a document without meeting owned by the person answering; each signature adds
one version to it. The answer row records it; changing the answer later clears ``signed_at``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign.signers import Signer

from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError, NotFoundError
from ecabinet.models import User
from meetings.models import Document, OpinionAnswer, OpinionRound
from signing.access import own_answer
from signing.actions.certificates import check_usable, current_certificate
from signing.actions.documents import delete_files, resolve_level, sign_into_new_version
from signing.backends import signer_for
from signing.models import SignatureRecord, SigningCertificate
from signing.opinion_pdf import answer_pdf


def _refuse_if_closed(rnd: OpinionRound) -> None:
    if not rnd.accepts_answers:
        raise ConflictError("round_closed", _("This round is closed or past its deadline."))


def do_sign_answer(rnd: OpinionRound, *, actor: User, pin: str, access_token: str | None = None,
                   level: str | None = None) -> SignatureRecord:
    """The caller signs their answer in `rnd` (404 if they have none, 409 once closed).

    Not one atomic block on purpose, like ``do_sign_document``: a wrong PIN is counted in its own
    transaction; the PDF, its version, the signature record and the answer are one durable
    transaction (``_sign_answer_locked``)."""
    answer = own_answer(rnd, actor)
    _refuse_if_closed(answer.round)
    if level is not None:
        resolve_level(level)
    cert = check_usable(current_certificate(actor))
    written: list[str] = []
    with signer_for(cert, pin, actor=actor, access_token=access_token) as signer:
        try:
            return _sign_answer_locked(answer.pk, actor=actor, cert_id=cert.pk, signer=signer, level=level,
                                       written=written)
        except BaseException:
            delete_files(written)
            raise


@transaction.atomic(durable=True)
def _sign_answer_locked(answer_id: int, *, actor: User, cert_id: int, signer: Signer, level: str | None,
                        written: list[str]) -> SignatureRecord:
    # Same lock order as meetings' do_answer (round, then answer): an answer cannot change, nor the
    # round close, between the PDF being written and the signature being recorded.
    round_id = OpinionAnswer.objects.values_list("round_id", flat=True).get(pk=answer_id)
    rnd = OpinionRound.objects.select_for_update().get(pk=round_id)
    _refuse_if_closed(rnd)
    answer = OpinionAnswer.objects.select_for_update(of=("self",)).select_related(
        "user", "user__unit", "user__unit__parent", "user__position").get(pk=answer_id)
    if answer.user_id != actor.pk:
        raise NotFoundError(_("You have no answer to sign in this round."))
    answer.round = rnd
    cert = check_usable(SigningCertificate.objects.get(pk=cert_id))
    level = resolve_level(level)
    signed_at = timezone.now()
    document = answer.signed_document
    if document is None:
        document = Document.objects.create(
            meeting=None, status=Document.Status.RELEASED, uploaded_by=actor,
            title=(_("Written opinion of %(name)s: %(title)s")
                   % {"name": actor.full_name or actor.username, "title": rnd.title})[:500],
        )
    data = answer_pdf(answer, signed_at=signed_at)
    record = sign_into_new_version(
        document, data, actor=actor, cert=cert, signer=signer, level=level, written=written,
        reason=_("Written opinion: %(choice)s") % {"choice": answer.get_choice_display()},
        original_name=f"y-kien-{rnd.pk}-{actor.username}.pdf", pages=None,
    )
    answer.signed_document = document
    answer.signed_at = record.signed_at
    answer.save(update_fields=["signed_document", "signed_at"])
    record_audit(actor=actor, action="opinion.answer_sign", obj=rnd, details={
        "answer": answer.pk, "choice": answer.choice, "document": document.pk,
        "version": record.version.number, "sha256": record.version.sha256, "certificate": cert.serial,
    })
    return record
