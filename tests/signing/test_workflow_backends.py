"""Every signer backend through the same workflow: a two-person sequential request where one
signer holds their key on a SoftHSM2 token (PKCS#11) and the other at a remote CSC service."""

from __future__ import annotations

import json
import subprocess
import tempfile
from contextlib import ExitStack
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.test import override_settings

from ecabinet.models import AuditEvent
from signing.actions import current_certificate, do_add_trust_root, do_save_signing_service
from signing.backends import reset_service_calls
from signing.models import SignatureRecord, SigningCertificate, SigningService, TrustRoot
from tests.conftest import require_tool
from tests.kit.cases import SigningTestCase
from tests.kit.users import PASSWORD
from tests.signing.servers.csc import Credential, CSCServer, CSCService
from tests.signing.servers.softhsm import MULTI, SINGLE
from tests.signing.servers.softhsm import PIN as TOKEN_PIN
from tests.signing.servers.testpki import issue, make_ca

CSC_PIN = "8642"


def verify_with_roots(pdf: bytes, roots: list) -> dict:
    """`manage.py verify_pdf FILE --trust ROOT.pem ... --json`, in this process."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "signed.pdf"
        path.write_bytes(pdf)
        args = [str(path), "--json"]
        for i, root in enumerate(roots):
            pem = Path(tmp) / f"root{i}.pem"
            pem.write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
            args += ["--trust", str(pem)]
        out = StringIO()
        try:
            call_command("verify_pdf", *args, stdout=out)
        except SystemExit:
            pass
    return json.loads(out.getvalue())


class BackendTestCase(SigningTestCase):
    """A SoftHSM2 token (conftest ``hsm``) and a CSC service on loopback, for every test."""

    @pytest.fixture(autouse=True)
    def _backends(self, hsm):
        # the token holds keys issued by hsm.ca; the remote service one issued by another CA
        self.hsm = hsm
        self.remote_ca = make_ca("eCabinet Test Remote Signing CA")
        # named by the chair's e-mail, so the chair's signatures may fulfil signing requests
        self.remote_holder = issue(self.remote_ca, "Nguyen Van Thanh (remote)", key_type="ec",
                                   email="chair@example.gov.vn")
        self.service = CSCService(credentials=[
            Credential("cred-chair", self.remote_holder, chain=(self.remote_ca,), pin=CSC_PIN, scal=1),
            Credential("cred-chair-scal2", self.remote_holder, chain=(self.remote_ca,), pin=CSC_PIN, scal=2),
        ])
        with ExitStack() as stack:
            self.csc = stack.enter_context(CSCServer(self.service))
            stack.enter_context(override_settings(SIGNING_PKCS11_MODULE=hsm.module))
            yield

    def setUp(self) -> None:
        super().setUp()
        # (here, inside the test's transaction) the administrators approved this loopback
        # service and trust both CAs
        self.catalogue = do_save_signing_service(SigningService(
            name="Dịch vụ ký số thử", base_url=self.csc.url, api_version="v1"), actor=self.admin)
        for name, ca in (("CA token thử", self.hsm.ca), ("CA ký số từ xa thử", self.remote_ca)):
            do_add_trust_root(actor=self.admin, pem=ca.cert.public_bytes(serialization.Encoding.PEM), name=name)
        for user in (self.owner, self.member, self.chair):
            reset_service_calls(user)

    # --- helpers ----------------------------------------------------------------------------

    def register_token(self, user, *, key_label="signer-ec", token_label=MULTI, by=None, **extra):
        by = by or self.admin
        password = {"password": PASSWORD} if by == user else {}
        return self.api("post", "/api/v1/signing/certificate/pkcs11",
                        {"token_label": token_label, "key_label": key_label, "username": user.username,
                         **password, **extra}, user=by)

    def register_remote(self, user, *, credential_id="cred-chair", token=None, by=None):
        return self.api("post", "/api/v1/signing/certificate/csc",
                        {"service": self.catalogue.pk, "credential_id": credential_id,
                         "access_token": self.service.token if token is None else token, "password": PASSWORD},
                        user=by or user)

    def sign_remote(self, document, user, pin=CSC_PIN, token=None, **extra):
        return self.sign(document, user, pin=pin,
                         access_token=self.service.token if token is None else token, **extra)

    def assert_unchanged(self, document, versions, files):
        self.assertEqual(list(document.versions.values_list("number", "sha256")), versions)
        self.assertEqual(self.media_files(), files)

    def snapshot(self, document):
        return list(document.versions.values_list("number", "sha256")), self.media_files()

    def sign_by_token_then_remote(self, document) -> bytes:
        """member signs on the token, then chair at the remote service, in one sequential request."""
        self.assertEqual(self.register_token(self.member).status_code, 201)
        self.assertEqual(self.register_remote(self.chair).status_code, 201)
        self.assertEqual(self.ask(document, [self.member, self.chair], user=self.secretary).status_code, 201)
        self.assertEqual(self.sign(document, self.member, pin=TOKEN_PIN).status_code, 201)
        self.assertEqual(self.sign_remote(document, self.chair).status_code, 201)
        return self.latest_bytes(document)



class BackendWorkflowTests(BackendTestCase):

    def test_token_and_remote_signers_in_one_sequential_request(self):
        token = self.register_token(self.member)
        self.assertEqual(token.status_code, 201, token.content)
        self.assertEqual(token.json()["certificate"]["kind"], "pkcs11")
        self.assertIn("Tran Thi B (EC token)", token.json()["certificate"]["subject"])
        self.assertEqual(token.json()["certificate"]["backend"]["token_label"], MULTI)
        remote = self.register_remote(self.chair)
        self.assertEqual(remote.status_code, 201, remote.content)
        self.assertEqual(remote.json()["certificate"]["kind"], "csc")
        self.assertNotIn(self.service.token, json.dumps(remote.json()))
        self.assertNotIn(self.service.token, json.dumps(list(AuditEvent.objects.values_list("details", flat=True))))

        response = self.ask(self.minutes, [self.member, self.chair], user=self.secretary)
        self.assertEqual(response.status_code, 201, response.content)
        versions, files = self.snapshot(self.minutes)

        # a wrong token PIN: a clear 400, counted like any wrong PIN, nothing written
        error = self.assert_error(self.sign(self.minutes, self.member, pin="000000"), 400, "wrong_pin")
        self.assertEqual(error["remaining_attempts"], 4)
        self.assertEqual(current_certificate(self.member).wrong_pin_count, 1)
        self.assert_unchanged(self.minutes, versions, files)
        self.assert_error(self.sign_remote(self.minutes, self.chair), 409, "not_your_turn")

        first = self.sign(self.minutes, self.member, pin=TOKEN_PIN, reason="Đã kiểm tra")
        self.assertEqual(first.status_code, 201, first.content)
        self.assertEqual(first.json()["version"], 2)
        self.assertEqual(current_certificate(self.member).wrong_pin_count, 0)

        # the remote signer: the access token is needed, a wrong credential PIN is counted
        self.assert_error(self.sign(self.minutes, self.chair, pin=CSC_PIN), 400, "access_token_required")
        self.assert_error(self.sign_remote(self.minutes, self.chair, token="stolen"), 400, "access_token_refused")
        self.assert_error(self.sign_remote(self.minutes, self.chair, pin="0000"), 400, "wrong_pin")
        self.assertEqual(current_certificate(self.chair).wrong_pin_count, 1)
        self.assertEqual(self.minutes.versions.count(), 2)
        second = self.sign_remote(self.minutes, self.chair, reason="Phê duyệt")
        self.assertEqual(second.status_code, 201, second.content)
        self.assertEqual(second.json()["version"], 3)
        self.assertEqual(self.service.calls[-1], "signatures/signHash")

        records = SignatureRecord.objects.filter(document=self.minutes).select_related("certificate")
        self.assertEqual([r.certificate.kind for r in records], ["pkcs11", "csc"])
        signed = self.latest_bytes(self.minutes)
        report = verify_with_roots(signed, [self.hsm.ca, self.remote_ca])
        self.assertEqual(report["status"], "valid", report)
        self.assertEqual([s["status"] for s in report["signatures"]], ["valid", "valid"])
        self.assertEqual([s["signer"] for s in report["signatures"]],
                         ["Tran Thi B (EC token)", "Nguyen Van Thanh (remote)"])
        # without the token's and the service's roots the same file is not trusted
        TrustRoot.objects.filter(source=TrustRoot.Source.IMPORTED).update(active=False)
        self.assertEqual(verify_with_roots(signed, [])["status"], "untrusted")

    def test_pdfsig_trusts_token_and_remote_signatures(self):
        """poppler's pdfsig (NSS) with the token's and the service's roots: both valid, trusted."""
        require_tool("pdfsig", "poppler-utils")
        require_tool("certutil", "libnss3-tools")
        signed = self.sign_by_token_then_remote(self.minutes)
        with tempfile.TemporaryDirectory() as tmp:
            where = Path(tmp)
            pdf = where / "signed.pdf"
            pdf.write_bytes(signed)
            nss = where / "nss"
            nss.mkdir()
            subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True,
                           capture_output=True)

            def pdfsig() -> str:
                return subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True,
                                      text=True, timeout=60).stdout

            # with no roots: intact, but not trusted (so the trust below comes from the roots added)
            untrusted = pdfsig()
            self.assertEqual(untrusted.count("Signature is Valid."), 2, untrusted)
            self.assertNotIn("Certificate is Trusted.", untrusted)
            for name, root in (("token-ca", self.hsm.ca), ("remote-ca", self.remote_ca)):
                pem = where / f"{name}.pem"
                pem.write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
                subprocess.run(["certutil", "-A", "-n", name, "-t", "CT,C,C", "-i", str(pem), "-d", f"sql:{nss}"],
                               check=True, capture_output=True)
            out = pdfsig()
        self.assertEqual(out.count("Signature is Valid."), 2, out)
        self.assertEqual(out.count("Certificate is Trusted."), 2, out)
        self.assertIn("Tran Thi B (EC token)", out)
        self.assertIn("Nguyen Van Thanh (remote)", out)
        self.assertLess(out.index("Tran Thi B (EC token)"), out.index("Nguyen Van Thanh (remote)"))

    def test_scal2_credential_checks_the_pin_while_signing_and_leaves_nothing(self):
        self.assertEqual(self.register_remote(self.owner, credential_id="cred-chair-scal2").status_code, 201)
        document = self.make_own_document(self.owner)
        versions, files = self.snapshot(document)
        self.assert_error(self.sign_remote(document, self.owner, pin="0000"), 400, "wrong_pin")
        self.assertEqual(current_certificate(self.owner).wrong_pin_count, 1)
        self.assert_unchanged(document, versions, files)
        self.assertFalse(SignatureRecord.objects.filter(document=document).exists())
        self.assertEqual(self.sign_remote(document, self.owner).status_code, 201)

    def test_service_down_is_a_clear_error_and_changes_nothing(self):
        self.assertEqual(self.register_remote(self.owner).status_code, 201)
        document = self.make_own_document(self.owner)
        versions, files = self.snapshot(document)
        self.csc.__exit__(None, None, None)  # the service goes away
        error = self.assert_error(self.sign_remote(document, self.owner), 400, "signing_service_unavailable")
        self.assertIn("chưa có nội dung nào được ký", error["message"])  # the user's language
        self.assert_unchanged(document, versions, files)
        self.assertEqual(current_certificate(self.owner).wrong_pin_count, 0)

    def test_token_gone_or_key_swapped_is_refused_and_changes_nothing(self):
        self.assertEqual(self.register_token(self.owner).status_code, 201)
        document = self.make_own_document(self.owner)
        versions, files = self.snapshot(document)
        cert = current_certificate(self.owner)
        cert.backend_config = {**cert.backend_config, "token_label": "unplugged"}
        cert.save(update_fields=["backend_config"])
        self.assert_error(self.sign(document, self.owner, pin=TOKEN_PIN), 400, "token_unavailable")
        # another key on the token than the registered certificate's: refused, not signed
        cert.backend_config = {**cert.backend_config, "token_label": MULTI, "key_label": "signer-rsa"}
        cert.save(update_fields=["backend_config"])
        self.assert_error(self.sign(document, self.owner, pin=TOKEN_PIN), 409, "certificate_mismatch")
        self.assert_unchanged(document, versions, files)

    def test_batch_signing_with_a_token(self):
        self.assertEqual(self.register_token(self.owner, key_label="only-key", token_label=SINGLE).status_code, 201)
        documents = [self.make_own_document(self.owner, f"Tờ trình {i}") for i in range(3)]
        response = self.api("post", "/api/v1/signing/batch",
                            {"documents": [d.pk for d in documents], "pin": TOKEN_PIN}, user=self.owner)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["signed"], 3)
        for document in documents:
            report = verify_with_roots(self.latest_bytes(document), [self.hsm.ca])
            self.assertEqual(report["status"], "valid", report)

    # --- registering ------------------------------------------------------------------------

    def test_who_may_register_and_bad_input(self):
        # a user for themselves with the configured module; an administrator for someone else
        self.assertEqual(self.register_token(self.owner, by=self.owner).status_code, 201)
        self.assert_error(self.register_token(self.owner, by=self.member), 404)
        self.assert_error(self.register_token(self.owner, by=self.outsider), 404)
        self.assert_error(self.api("post", "/api/v1/signing/certificate/pkcs11",
                                   {"token_label": MULTI, "key_label": "signer-ec"}), 401)
        # only an administrator may load another module (it runs code in the server)
        self.assert_error(self.register_token(self.owner, by=self.owner, module_path="/usr/lib/libc.so.6"), 403)
        self.assert_error(self.register_token(self.owner, key_label="nope"), 400, "token_certificate_not_found")
        self.assert_error(self.register_token(self.owner, token_label="nope"), 400, "token_certificate_not_found")
        self.assert_error(self.register_token(self.owner, key_label=""), 400, "bad_label")
        with override_settings(SIGNING_PKCS11_MODULE=None):
            self.assert_error(self.register_token(self.owner, by=self.owner), 400, "no_pkcs11_module")

        self.assert_error(self.register_remote(self.member, token="stolen"), 400, "access_token_refused")
        self.assert_error(self.register_remote(self.member, credential_id="nope"), 400, "signing_service_refused")
        self.assert_error(self.api("post", "/api/v1/signing/certificate/csc",
                                   {"service": self.catalogue.pk, "credential_id": "cred-chair", "password": PASSWORD},
                                   user=self.member), 400, "access_token_required")
        self.assertFalse(SigningCertificate.objects.filter(user=self.member, kind="csc").exists())
        self.assertEqual(self.register_remote(self.member).status_code, 201)
        # the new certificate replaces the one issued here, which goes on the CRL as superseded
        self.assertEqual(SigningCertificate.objects.filter(user=self.member, replaced_at__isnull=True).count(), 1)
        old = SigningCertificate.objects.get(user=self.member, kind="pin-key")
        self.assertEqual(old.revocation_reason, "superseded")


class BackendPagesTests(BackendTestCase):
    """Admin pages to register token / remote credentials; the user's pages to use them."""

    def test_admin_registers_a_token_key_for_a_person(self):
        client = self.client_for(self.admin)
        changelist = client.get("/admin/signing/signingcertificate/")
        self.assertContains(changelist, "/admin/signing/signingcertificate/register-token/")
        page = client.get("/admin/signing/signingcertificate/register-token/")
        self.assertEqual(page.status_code, 200)
        bad = client.post("/admin/signing/signingcertificate/register-token/",
                          {"user": self.member.pk, "token_label": MULTI, "key_label": "nope"})
        self.assertEqual(bad.status_code, 400)
        self.assertFalse(SigningCertificate.objects.filter(user=self.member, kind="pkcs11").exists())
        response = client.post("/admin/signing/signingcertificate/register-token/",
                               {"user": self.member.pk, "token_label": MULTI, "key_label": "signer-rsa"})
        self.assertEqual(response.status_code, 302, response.content[:2000])
        cert = current_certificate(self.member)
        self.assertEqual((cert.kind, cert.backend_config["key_label"]), ("pkcs11", "signer-rsa"))
        # the member signs their own document from the document page with the token PIN
        document = self.make_own_document(self.member)
        member = self.client_for(self.member)
        self.assertContains(member.get(f"/signing/documents/{document.pk}/"), 'name="pin"')
        member.post(f"/signing/documents/{document.pk}/sign/", {"pin": TOKEN_PIN})
        self.assertEqual(document.versions.count(), 2)
        # people outside the admin get no page
        self.assertNotEqual(self.client_for(self.member).get(
            "/admin/signing/signingcertificate/register-token/").status_code, 200)
        self.assertEqual(self.client.get("/admin/signing/signingcertificate/register-token/").status_code, 302)

    def test_admin_registers_a_remote_credential_and_the_user_signs_from_the_page(self):
        client = self.client_for(self.admin)
        v2 = do_save_signing_service(SigningService(
            name="Dịch vụ ký số thử (v2)", base_url=self.csc.url, api_version="v2"), actor=self.admin)
        response = client.post("/admin/signing/signingcertificate/register-remote/", {
            "user": self.owner.pk, "service": v2.pk, "credential_id": "cred-chair",
            "access_token": self.service.token})
        self.assertEqual(response.status_code, 302, response.content[:2000])
        cert = current_certificate(self.owner)
        self.assertEqual((cert.kind, cert.backend_config["api_version"]), ("csc", "v2"))
        self.assertNotIn(self.service.token, json.dumps(cert.backend_config))
        document = self.make_own_document(self.owner)
        owner = self.client_for(self.owner)
        self.assertContains(owner.get(f"/signing/documents/{document.pk}/"), 'name="access_token"')
        owner.post(f"/signing/documents/{document.pk}/sign/", {"pin": CSC_PIN, "access_token": self.service.token})
        self.assertEqual(document.versions.count(), 2)
        self.assertEqual(verify_with_roots(self.latest_bytes(document), [self.remote_ca])["status"], "valid")

    def test_user_registers_their_remote_credential_on_my_certificate(self):
        client = self.client_for(self.member)
        response = client.post("/signing/certificate/", {"action": "csc", "service": self.catalogue.pk,
                                                         "credential_id": "cred-chair", "access_token": "stolen",
                                                         "password": PASSWORD})
        self.assertEqual(response.status_code, 400)
        self.assertContains(client.get("/signing/certificate/"), "Dịch vụ ký số thử")
        response = client.post("/signing/certificate/", {"action": "csc", "service": self.catalogue.pk,
                                                         "credential_id": "cred-chair",
                                                         "access_token": self.service.token, "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
        page = client.get("/signing/certificate/")
        self.assertContains(page, "Dịch vụ ký số thử")
        self.assertNotContains(page, self.csc.url)
        self.assertEqual(current_certificate(self.member).kind, "csc")
