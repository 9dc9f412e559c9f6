"""Signed ballots (fn108): the voter's statement as a compact JWS (RFC 7515), made with the
voter's own key through the signing backends, and its verification.

The statement is a small JSON object (meeting, poll id, question, option key and label, voter,
seat, time, a nonce). The JWS header carries `alg` (RS256 for an RSA key, ES256/ES384 for a
P-256/P-384 key: what the key dictates; ECDSA signatures as r||s, RFC 7518 3.4) and `x5c`, the
voter's certificate chain (leaf first, standard base64 DER, RFC 7515 4.1.6), so anyone holding
the token can check it without this server: `verify_ballot(jws)` checks the signature against
the x5c leaf and that the leaf chains to the installation's trust roots (signing/trust.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign.signers import Signer

from ecabinet.errors import ActionError
from signing.pdf.pades import run_sync

STATEMENT_TYPE = "ecabinet-ballot/1"
EXPORT_FORMAT = "ecabinet-vote-results/1"
MAX_TOKEN = 64 * 1024

# alg -> (hash for cryptography, pyHanko digest name, EC curve or None for RSA, coordinate bytes)
ALGORITHMS: dict[str, tuple[hashes.HashAlgorithm, str, type[ec.EllipticCurve] | None, int]] = {
    "RS256": (hashes.SHA256(), "sha256", None, 0),
    "ES256": (hashes.SHA256(), "sha256", ec.SECP256R1, 32),
    "ES384": (hashes.SHA384(), "sha384", ec.SECP384R1, 48),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def algorithm_for(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey):
        for alg, (_hash, _name, curve, _size) in ALGORITHMS.items():
            if curve is not None and isinstance(key.curve, curve):
                return alg
    raise ActionError("unsupported_key", _("Your certificate's key cannot sign a ballot (RSA, or an EC key on "
                                           "P-256 or P-384, is needed)."), status=409)


def make_statement(*, meeting: Any, poll: Any, option: Any, voter: Any, seat: Any) -> dict[str, Any]:
    """What the voter signs (meetings' Meeting, Poll, PollOption, the User and their seat)."""
    return {
        "typ": STATEMENT_TYPE,
        "meeting": meeting.pk,
        "meeting_title": meeting.title,
        "poll": poll.pk,
        "question": poll.question,
        "option": option.key,
        "option_label": option.label,
        "voter": voter.full_name or voter.username,
        "voter_username": voter.username,
        "seat": seat.pk,
        "time": timezone.now().isoformat(),
        "nonce": secrets.token_urlsafe(16),
    }


def _der_chain(cert: x509.Certificate, chain: list[x509.Certificate]) -> list[str]:
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in [cert, *chain]]


def sign_statement(signer: Signer, cert: x509.Certificate, chain: list[x509.Certificate],
                   statement: dict[str, Any]) -> str:
    """The compact JWS of `statement`, signed by `signer` (any pyHanko signer: stored key, PKCS#11,
    CSC). A signer that cannot sign raw data (only PDFs) is refused with a clear message."""
    alg = algorithm_for(cert)
    hash_algo, digest, curve, size = ALGORITHMS[alg]
    header = {"alg": alg, "typ": "JOSE", "x5c": _der_chain(cert, chain)}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(statement, ensure_ascii=False, separators=(",", ":")).encode()))
    sign_raw = getattr(signer, "async_sign_raw", None)
    if sign_raw is None:
        raise _pdf_only()
    try:
        raw = run_sync(sign_raw(signing_input.encode("ascii"), digest))
    except NotImplementedError:
        raise _pdf_only() from None
    if curve is not None:
        raw = _p1363(raw, size)
    return signing_input + "." + b64url(raw)


def _pdf_only() -> ActionError:
    return ActionError("raw_signing_unsupported",
                       _("Your signing method can only sign PDF documents, not a ballot. Use a certificate "
                         "whose key is kept here or on a token."), status=409)


def _p1363(signature: bytes, size: int) -> bytes:
    """An ECDSA signature as JWS wants it: r||s, each `size` bytes (backends give DER, some raw)."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        if len(signature) == 2 * size:
            return signature
        raise
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


# --- verification -----------------------------------------------------------------------------

@dataclass
class BallotCheck:
    ok: bool
    signature_valid: bool = False
    chain_trusted: bool = False
    names_voter: bool = False
    statement: dict[str, Any] = field(default_factory=dict)
    signer: str = ""
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "signature_valid": self.signature_valid, "chain_trusted": self.chain_trusted,
                "names_voter": self.names_voter, "statement": self.statement, "signer": self.signer,
                "problems": self.problems}


def verify_ballot(jws: str) -> BallotCheck:
    """Check a signed ballot: the signature against the `x5c` leaf (the alg must be the one its key
    dictates), the leaf chaining to the installation's trust roots, and the statement's voter
    being the certificate's holder. Never raises for bad input: the problems are listed."""
    from signing.trust import _plain_name, chains_to_trusted_root

    check = BallotCheck(ok=False)
    try:
        if not isinstance(jws, str) or len(jws) > MAX_TOKEN:
            raise ValueError("not a token")
        head_b64, body_b64, sig_b64 = jws.split(".")
        header = json.loads(b64url_decode(head_b64))
        statement = json.loads(b64url_decode(body_b64))
        signature = b64url_decode(sig_b64)
        if not isinstance(header, dict) or not isinstance(statement, dict):
            raise ValueError("not objects")
        certs = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in header["x5c"]]
    except (ValueError, KeyError, TypeError, binascii.Error):
        check.problems.append(_("This is not a signed ballot (a compact JWS with an x5c header)."))
        return check
    check.statement = statement
    if not certs:
        check.problems.append(_("The ballot carries no certificate."))
        return check
    leaf = certs[0]
    check.signer = leaf.subject.rfc4514_string()
    alg = header.get("alg")
    try:
        expected = algorithm_for(leaf)
    except ActionError:
        expected = None
    if not isinstance(alg, str) or alg not in ALGORITHMS or alg != expected:
        check.problems.append(_("The signature algorithm does not match the certificate's key."))
        return check
    hash_algo, _digest, curve, size = ALGORITHMS[alg]
    signed = f"{head_b64}.{body_b64}".encode("ascii")
    key = leaf.public_key()
    try:
        if curve is None:
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(signature, signed, padding.PKCS1v15(), hash_algo)
        else:
            assert isinstance(key, ec.EllipticCurvePublicKey)
            if len(signature) != 2 * size:
                raise InvalidSignature()
            der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
            key.verify(der, signed, ec.ECDSA(hash_algo))
        check.signature_valid = True
    except InvalidSignature:
        check.problems.append(_("The signature does not match the ballot: it was altered or signed by another key."))
    try:
        check.chain_trusted = chains_to_trusted_root(leaf, certs[1:])
    except Exception:  # noqa: BLE001 - a certificate the validator cannot even read is not trusted
        check.chain_trusted = False
    if not check.chain_trusted:
        check.problems.append(_("The certificate does not chain to a trusted root of this installation."))
    from cryptography.x509.oid import NameOID

    names = {_plain_name(str(a.value)) for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)}
    check.names_voter = _plain_name(str(statement.get("voter", ""))) in names
    if not check.names_voter:
        check.problems.append(_("The certificate is not the voter's named in the ballot."))
    if statement.get("typ") != STATEMENT_TYPE:
        check.problems.append(_("The ballot's statement is not of a known kind."))
    check.ok = check.signature_valid and check.chain_trusted and check.names_voter and not check.problems
    return check


# --- the results export ----------------------------------------------------------------------

def results_export(access: Any) -> dict[str, Any]:
    """The meeting's results table with every signed ballot of the polls whose counts this viewer
    may see (meetings' `poll_counts_visible`: a signed ballot shows its choice)."""
    from meetings.selectors_votes import vote_results
    from signing.models import SignedBallot

    rows = vote_results(access)
    shown = [r["id"] for r in rows if any(o["count"] is not None for o in r["options"])]
    ballots: dict[int, list[dict[str, Any]]] = {}
    for b in SignedBallot.objects.filter(poll_id__in=shown).order_by("poll_id", "pk"):
        ballots.setdefault(b.poll_id, []).append({"seat": b.seat_id, "option": b.option_key, "jws": b.jws})
    meeting = access.meeting
    return {
        "format": EXPORT_FORMAT,
        "meeting": {"id": meeting.pk, "title": meeting.title},
        "exported_at": timezone.now().isoformat(),
        "polls": [{**row, "signed_ballots": ballots.get(row["id"], [])} for row in rows],
    }


def verify_signature_only(jws: str) -> bool:
    """Whether the token's signature matches its x5c leaf (no chain, no database): the check made
    right after signing, before the ballot is cast."""
    try:
        head_b64, body_b64, sig_b64 = jws.split(".")
        header = json.loads(b64url_decode(head_b64))
        leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0], validate=True))
        alg = header["alg"]
        if not isinstance(alg, str) or alg != algorithm_for(leaf):
            return False
        hash_algo, _digest, curve, size = ALGORITHMS[alg]
        signature, signed, key = b64url_decode(sig_b64), f"{head_b64}.{body_b64}".encode("ascii"), leaf.public_key()
        if curve is None:
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(signature, signed, padding.PKCS1v15(), hash_algo)
        else:
            assert isinstance(key, ec.EllipticCurvePublicKey)
            if len(signature) != 2 * size:
                return False
            key.verify(encode_dss_signature(int.from_bytes(signature[:size], "big"),
                                            int.from_bytes(signature[size:], "big")), signed, ec.ECDSA(hash_algo))
    except (InvalidSignature, ValueError, KeyError, TypeError, IndexError, binascii.Error, ActionError):
        return False
    return True
