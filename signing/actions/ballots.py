"""A signed ballot (fn108): the voter signs their statement with their own key (signing.ballots),
then one durable block casts the ballot through meetings' cast helper and keeps the token.

Not one atomic block on purpose, like ``do_sign_document``: the signature talks to a key, a token
or a remote service and a wrong PIN is counted in its own transaction; the ballot and the
SignedBallot row are one durable transaction (``_store_signed_ballot``). What would refuse the
ballot is checked before the PIN is used, and again under the meeting's lock.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError
from ecabinet.models import User
from meetings.access import meeting_access, require_present, vote_seat
from meetings.actions.room_polls import ballot_option, cast_ballot_locked, check_ballot
from meetings.models import Participant, Poll, PollVoter
from signing.actions.certificates import check_usable, current_certificate
from signing.backends import signer_for
from signing.ballots import make_statement, sign_statement, verify_signature_only
from signing.models import SignedBallot


def do_cast_signed_ballot(poll: Poll, *, actor: User, choice: str, pin: str,
                          access_token: str | None = None) -> SignedBallot:
    """The caller's ballot in `poll` (which requires signed ballots), signed with their own key."""
    access = meeting_access(actor, poll.meeting_id)
    poll = Poll.objects.get(pk=poll.pk)
    if not poll.signed:
        raise ConflictError("not_signed", _("This vote does not take signed ballots."))
    check_ballot(poll, signed=True)
    seat = vote_seat(access.participant)
    assert access.participant is not None  # vote_seat refuses everyone without a participant row
    require_present(access.participant)
    option = ballot_option(poll, str(choice))
    if PollVoter.objects.filter(poll=poll, seat=seat).exists():
        raise ConflictError("already_voted", _("This vote has already been cast."))
    cert = check_usable(current_certificate(actor))
    statement = make_statement(meeting=access.meeting, poll=poll, option=option, voter=actor, seat=seat)
    with signer_for(cert, pin, actor=actor, access_token=access_token) as signer:
        token = sign_statement(signer, cert.certificate, list(cert.chain), statement)
    if not verify_signature_only(token):  # a backend that signed something else must not cast
        raise ActionError("signature_failed", _("The ballot could not be signed. Try again."), status=409)
    return _store_signed_ballot(poll, actor=actor, seat=seat, option_key=option.key, token=token, cert_id=cert.pk)


@transaction.atomic(durable=True)
def _store_signed_ballot(poll: Poll, *, actor: User, seat: Participant, option_key: str, token: str,
                         cert_id: int) -> SignedBallot:
    poll, cast_seat, option = cast_ballot_locked(poll, actor=actor, choice=option_key, signed=True)
    if cast_seat.pk != seat.pk:  # the delegation changed while the voter signed
        raise ConflictError("seat_changed", _("Your seat changed while you signed; sign the ballot again."))
    ballot = SignedBallot.objects.create(poll=poll, seat=cast_seat, voter=actor, certificate_id=cert_id,
                                         option_key=option.key, jws=token)
    record_audit(actor=actor, action="poll.signed_ballot", obj=poll,
                 details={"choice": option.key, "seat": cast_seat.pk, "signed_ballot": ballot.pk})
    return ballot
