"""Signed ballots (fn108): a ballot of an open poll signed as a compact JWS with the voter's own key;
it verifies with the voter's certificate, fails when its choice is altered; a wrong PIN casts
nothing; the results export carries every signed ballot and `manage.py verify_ballots` checks it."""

from __future__ import annotations

import base64
import io
import json

import pytest
from cryptography import x509
from django.core.management import call_command

from ecabinet.errors import ActionError
from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.models import PollOption, PollVoter
from signing.actions.ballots import do_cast_signed_ballot
from signing.ballots import (
    b64url,
    b64url_decode,
    make_statement,
    sign_statement,
    verify_ballot,
    verify_signature_only,
)
from signing.models import SignedBallot, SigningCertificate
from tests.kit.cases import OTHER_PIN, PIN, BaseTestCase
from tests.kit.factories import give_certificate
from tests.kit.rooms import make_room


def _altered(jws: str, **changes) -> str:
    head, body, sig = jws.split(".")
    statement = json.loads(b64url_decode(body))
    statement.update(changes)
    return ".".join([head, b64url(json.dumps(statement, ensure_ascii=False, separators=(",", ":")).encode()), sig])


class SignedBallotTests(BaseTestCase):
    def setUp(self):
        self.room = make_room(prefix="s")
        self.m = self.room.meeting
        self.poll = room_polls.do_create_poll(self.m, self.room.items[0], actor=self.room.secretary,
                                              question="Thông qua tờ trình?", ballot_set="council", signed=True)
        room_polls.do_open_poll(self.poll, actor=self.room.chair)
        for user in (self.room.member, self.room.members[1], self.room.guest):
            room_actions.do_check_in(self.m, actor=user)
        give_certificate(self.room.member, PIN)
        give_certificate(self.room.members[1], PIN, key_kind="rsa")
        self.url = f"/api/v1/polls/{self.poll.pk}/signed-ballot"

    def test_a_signed_ballot_verifies_with_the_voters_certificate_and_fails_when_altered(self):
        response = self.api("post", self.url, {"choice": "agree", "pin": PIN}, user=self.room.member)
        self.assertEqual(response.status_code, 201, response.content)
        token = response.json()["jws"]
        ballot = SignedBallot.objects.get()
        self.assertEqual((ballot.option_key, ballot.seat_id, ballot.voter_id),
                         ("agree", self.room.member_parts[0].pk, self.room.member.pk))
        self.assertEqual(PollVoter.objects.get(poll=self.poll).option.key, "agree")
        self.assertEqual(PollOption.objects.get(poll=self.poll, key="agree").tally, 1)
        header = json.loads(b64url_decode(token.split(".")[0]))
        self.assertEqual(header["alg"], "ES256")
        leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        self.assertEqual(leaf, SigningCertificate.objects.get(user=self.room.member).certificate)
        check = verify_ballot(token)
        self.assertTrue(check.ok, check.problems)
        self.assertTrue(check.signature_valid and check.chain_trusted and check.names_voter)
        self.assertEqual(check.statement["option"], "agree")
        self.assertEqual(check.statement["option_label"], "Đồng ý")
        self.assertEqual(check.statement["poll"], self.poll.pk)
        self.assertEqual(check.statement["voter"], self.room.member.full_name)
        for field in ("meeting", "question", "seat", "time", "nonce"):
            self.assertIn(field, check.statement)
        # the choice altered in the payload: the signature no longer matches
        altered = verify_ballot(_altered(token, option="disagree", option_label="Không đồng ý"))
        self.assertFalse(altered.ok)
        self.assertFalse(altered.signature_valid)
        self.assertTrue(any("bị sửa" in p for p in altered.problems))
        self.assertFalse(verify_signature_only(_altered(token, option="blank")))
        # one vote only
        self.assert_error(self.api("post", self.url, {"choice": "disagree", "pin": PIN}, user=self.room.member),
                          409, "already_voted")

    def test_rsa_keys_sign_rs256(self):
        response = self.api("post", self.url, {"choice": "blank", "pin": PIN}, user=self.room.members[1])
        self.assertEqual(response.status_code, 201, response.content)
        token = response.json()["jws"]
        self.assertEqual(json.loads(b64url_decode(token.split(".")[0]))["alg"], "RS256")
        self.assertTrue(verify_ballot(token).ok)
        self.assertFalse(verify_ballot(_altered(token, option="agree")).ok)

    def test_a_wrong_pin_casts_nothing(self):
        error = self.assert_error(self.api("post", self.url, {"choice": "agree", "pin": OTHER_PIN}, user=self.room.member),
                                  400, "wrong_pin")
        self.assertIn("PIN", error["message"])
        self.assertFalse(PollVoter.objects.exists())
        self.assertFalse(SignedBallot.objects.exists())
        self.assertEqual(PollOption.objects.get(poll=self.poll, key="agree").tally, 0)

    def test_refusals(self):
        # an unsigned ballot in a poll that requires signatures
        error = self.assert_error(self.api("post", f"/api/v1/polls/{self.poll.pk}/ballot", {"choice": "agree"},
                                           user=self.room.member), 409, "signature_required")
        self.assertIn("ký số", error["message"])
        # who may not
        self.assert_error(self.api("post", self.url, {"choice": "agree", "pin": PIN}, user=self.room.guest), 403)
        self.assert_error(self.api("post", self.url, {"choice": "agree", "pin": PIN}, user=self.outsider), 404)
        self.assert_error(self.api("post", self.url, {"choice": "agree", "pin": PIN}), 401)
        # no certificate (the chair holds none), bad choice, bad body
        room_actions.do_check_in(self.m, actor=self.room.chair)
        self.assert_error(self.api("post", self.url, {"choice": "agree", "pin": PIN}, user=self.room.chair), 403,
                          "no_certificate")
        self.assert_error(self.api("post", self.url, {"choice": "nope", "pin": PIN}, user=self.room.member), 400,
                          "bad_request")
        self.assert_error(self.api("post", self.url, {"choice": "agree"}, user=self.room.member), 400)
        self.assert_error(self.api("post", "/api/v1/polls/999999/signed-ballot", {"choice": "agree", "pin": PIN},
                                   user=self.room.member), 404)
        # paused
        self.api("post", f"/api/v1/polls/{self.poll.pk}/pause", user=self.room.chair)
        self.assert_error(self.api("post", self.url, {"choice": "agree", "pin": PIN}, user=self.room.member), 409,
                          "poll_paused")
        # a poll that does not take signed ballots
        plain = room_polls.do_create_poll(self.m, actor=self.room.secretary, question="Thường?")
        room_polls.do_open_poll(plain, actor=self.room.chair)
        self.assert_error(self.api("post", f"/api/v1/polls/{plain.pk}/signed-ballot", {"choice": "agree", "pin": PIN},
                                   user=self.room.member), 409, "not_signed")
        self.assertFalse(PollVoter.objects.exists())
        self.assertFalse(SignedBallot.objects.exists())

    def test_garbage_does_not_verify(self):
        for token in ("", "a.b.c", "x" * 70000, "eyJhbGciOiJub25lIn0.e30.", "...."):
            check = verify_ballot(token)
            self.assertFalse(check.ok)
            self.assertTrue(check.problems)
        response = self.api("post", "/api/v1/ballots/verify", {"jws": "a.b.c"}, user=self.room.member)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.json()["ok"])

    def test_the_results_export_carries_the_signed_ballots_and_verifies_offline(self):
        self.api("post", self.url, {"choice": "agree", "pin": PIN}, user=self.room.member)
        self.api("post", self.url, {"choice": "disagree", "pin": PIN}, user=self.room.members[1])
        # open and not showing live counts: the choices are not exported yet
        export = self.client_for(self.room.member).get(f"/meetings/{self.m.pk}/votes/results.json")
        self.assertEqual(export.status_code, 200)
        poll_row = next(p for p in export.json()["polls"] if p["id"] == self.poll.pk)
        self.assertEqual(poll_row["signed_ballots"], [])
        room_polls.do_close_poll(self.poll, actor=self.room.chair)
        data = self.client_for(self.room.guest).get(f"/meetings/{self.m.pk}/votes/results.json").json()
        poll_row = next(p for p in data["polls"] if p["id"] == self.poll.pk)
        self.assertEqual(len(poll_row["signed_ballots"]), 2)
        self.assertEqual(self.api("get", f"/api/v1/meetings/{self.m.pk}/votes/export", user=self.room.member).json()
                         ["polls"][0]["signed_ballots"], poll_row["signed_ballots"])
        self.assertEqual(self.client_for(self.outsider).get(f"/meetings/{self.m.pk}/votes/results.json").status_code, 404)
        path = self.tmp_file(json.dumps(data))
        out = io.StringIO()
        call_command("verify_ballots", path, stdout=out)
        lines = out.getvalue().splitlines()
        self.assertEqual(sum(line.startswith("ok\t") for line in lines), 2, lines)
        # one ballot's choice altered in the export: that ballot fails, the command says so
        poll_row["signed_ballots"][0]["jws"] = _altered(poll_row["signed_ballots"][0]["jws"], option="blank")
        out = io.StringIO()
        with pytest.raises(SystemExit):
            call_command("verify_ballots", self.tmp_file(json.dumps(data)), stdout=out)
        self.assertEqual(sum(line.startswith("FAILED\t") for line in out.getvalue().splitlines()), 1)
        # the export's own line changed, the signature intact: also a failure
        poll_row["signed_ballots"][0]["jws"] = SignedBallot.objects.get(voter=self.room.member).jws
        poll_row["signed_ballots"][0]["option"] = "blank"
        with pytest.raises(SystemExit):
            call_command("verify_ballots", self.tmp_file(json.dumps(data)), stdout=io.StringIO())

    def tmp_file(self, text: str) -> str:
        import tempfile

        handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")
        handle.write(text)
        handle.close()
        self.addCleanup(lambda: __import__("os").unlink(handle.name))
        return handle.name


def test_a_signer_that_only_signs_pdfs_is_refused(db):
    room = make_room(prefix="q")
    poll = room_polls.do_create_poll(room.meeting, actor=room.secretary, question="Q?", signed=True)
    cert = give_certificate(room.member, PIN)

    class PdfOnly:
        async def async_sign_raw(self, data, digest, dry_run=False):
            raise NotImplementedError

    statement = make_statement(meeting=room.meeting, poll=poll, option=poll.options.first(), voter=room.member,
                               seat=room.member_parts[0])
    with pytest.raises(ActionError) as refused:
        sign_statement(PdfOnly(), cert.certificate, [], statement)
    assert refused.value.code == "raw_signing_unsupported"
    with pytest.raises(ActionError):
        sign_statement(object(), cert.certificate, [], statement)


def test_a_signed_poll_cannot_be_secret(db):
    room = make_room(prefix="t")
    with pytest.raises(ActionError) as refused:
        room_polls.do_create_poll(room.meeting, actor=room.secretary, question="Q?", signed=True, secret=True)
    assert refused.value.code == "bad_request"


@pytest.mark.parametrize(("key_label", "alg"), [("signer-rsa", "RS256"), ("signer-ec", "ES256")])
def test_a_pkcs11_token_signs_a_ballot(db, hsm, key_label, alg):
    from signing.pdf.backends.pkcs11 import open_pkcs11_signer
    from tests.signing.servers.softhsm import MULTI
    from tests.signing.servers.softhsm import PIN as TOKEN_PIN

    room = make_room(prefix="h")
    poll = room_polls.do_create_poll(room.meeting, actor=room.secretary, question="Q?", signed=True)
    statement = make_statement(meeting=room.meeting, poll=poll, option=poll.options.first(), voter=room.member,
                               seat=room.member_parts[0])
    with open_pkcs11_signer(module_path=hsm.module, token_label=MULTI, pin=TOKEN_PIN, key_label=key_label) as signer:
        leaf = x509.load_der_x509_certificate(signer.signing_cert.dump())
        token = sign_statement(signer, leaf, [hsm.ca.cert], statement)
    assert json.loads(b64url_decode(token.split(".")[0]))["alg"] == alg
    assert verify_signature_only(token)
    check = verify_ballot(token)
    assert check.signature_valid  # the test PKI's root is not this installation's: not trusted
    assert not check.chain_trusted and not check.ok
    assert not verify_signature_only(_altered(token, option="disagree"))


def test_the_minutes_name_the_ballot_set_and_the_signed_ballots(db):
    from signing.minutes import build_minutes_html

    room = make_room(prefix="mn")
    room_actions.do_set_current_item(room.meeting, room.items[0], actor=room.chair)  # the item taken up
    room_actions.do_check_in(room.meeting, actor=room.member)
    give_certificate(room.member, PIN)
    poll = room_polls.do_create_poll(room.meeting, room.items[0], actor=room.secretary, question="Thông qua?",
                                     ballot_set="council", signed=True)
    room_polls.do_open_poll(poll, actor=room.chair)
    do_cast_signed_ballot(poll, actor=room.member, choice="blank", pin=PIN)
    room_polls.do_close_poll(poll, actor=room.chair)
    html = build_minutes_html(room.meeting)
    assert "phiếu có ký số" in html
    assert "Phiếu trắng: 1 phiếu" in html


@pytest.mark.parametrize("key_kind", ["ec", "rsa"])
def test_a_signed_ballot_is_a_standard_jws(db, key_kind):
    """Any JOSE library verifies it with the x5c leaf's key (joserfc here), and refuses it altered."""
    from cryptography.hazmat.primitives import serialization
    from joserfc import jws
    from joserfc.errors import BadSignatureError
    from joserfc.jwk import ECKey, RSAKey
    from joserfc.jws import JWSRegistry

    room = make_room(prefix="j" + key_kind)
    room_actions.do_check_in(room.meeting, actor=room.member)
    give_certificate(room.member, PIN, key_kind=key_kind)
    poll = room_polls.do_create_poll(room.meeting, actor=room.secretary, question="Thông qua?", signed=True)
    room_polls.do_open_poll(poll, actor=room.chair)
    token = do_cast_signed_ballot(poll, actor=room.member, choice="agree", pin=PIN).jws
    header = json.loads(b64url_decode(token.split(".")[0]))
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    pem = leaf.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    key = (ECKey if key_kind == "ec" else RSAKey).import_key(pem)
    registry = JWSRegistry(algorithms=[header["alg"]])
    registry.max_header_length = 16 * 1024  # the x5c chain makes the header larger than joserfc's default
    verified = jws.deserialize_compact(token, key, registry=registry)
    assert json.loads(verified.payload)["option"] == "agree"
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(_altered(token, option="disagree"), key, registry=registry)
