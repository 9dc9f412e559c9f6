"""A session or an API token alone never signs as its owner (issue 8, point 1).

Issuing, importing, registering or re-protecting a signing key, and lifting a PIN lock, need the
account password typed again (or an administrator acting for the person); API tokens never can.
A signing request is fulfilled only by a certificate that leads to a trusted root and names the
person asked. The person hears of every new, replaced, revoked or locked certificate.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ecabinet.actions import do_issue_api_token
from ecabinet.models import AuditEvent, LoginRecord, Notification
from signing.actions import current_certificate, do_add_trust_root
from signing.models import SignatureRecord, SigningCertificate
from signing.pdf import pki
from signing.trust import installation_ca
from tests.kit.cases import PIN, SigningTestCase
from tests.kit.users import PASSWORD

NEW_PIN = "pin-mới-an-toàn-1"


def p12_upload(p12: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("chung-thu.p12", p12, content_type="application/x-pkcs12")


def make_p12(ca: tuple | None, full_name: str, *, email: str | None = None) -> bytes:
    """A PKCS#12 for `full_name`: from `ca` (key, cert), or self-made (its own CA) when None."""
    ca_key, ca_cert = ca if ca is not None else pki.create_ca("CA tự lập", "Không ai tin")
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(ca_key, ca_cert, full_name=full_name, unit_name="Sở Tài chính",
                                         email=email, public_key=key.public_key())
    return pkcs12.serialize_key_and_certificates(b"p12", key, cert, [ca_cert],
                                                 serialization.BestAvailableEncryption(b"mat-khau-tep"))


class KeyChangeTestCase(SigningTestCase):
    def client_for(self, user) -> Client:
        # one browser per person for the whole test: signing in again would reset django-axes'
        # failure count, which a thief holding a stolen session never does
        clients = self.__dict__.setdefault("_clients", {})
        if user.pk not in clients:
            clients[user.pk] = super().client_for(user)
        return clients[user.pk]

    def token_for(self, user) -> str:
        return do_issue_api_token(actor=user)[1]

    def issue(self, *, user=None, token=None, password: str | None = PASSWORD, pin: str = NEW_PIN):
        body = {"pin": pin, "pin_confirm": pin}
        if password is not None:
            body["password"] = password
        return self.api("post", "/api/v1/signing/certificate", body, user=None if token else (user or self.owner),
                        token=token)

    def import_p12(self, p12: bytes, *, user=None, token=None, password: str | None = PASSWORD):
        client = Client() if token else self.client_for(user or self.owner)
        data = {"file": p12_upload(p12), "file_password": "mat-khau-tep", "pin": NEW_PIN}
        if password is not None:
            data["password"] = password
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return client.post("/api/v1/signing/certificate/import", data, **headers)

    def lock_owner(self, document) -> SigningCertificate:
        for _ in range(5):
            self.sign(document, self.owner, pin="sai-pin-000")
        cert = current_certificate(self.owner)
        self.assertIsNotNone(cert.locked_at)
        return cert


class TokenAndSessionTests(KeyChangeTestCase):
    def test_an_api_token_cannot_change_a_key_even_with_the_password(self):
        before = current_certificate(self.owner)
        token = self.token_for(self.owner)
        self.assert_error(self.issue(token=token), 403, "session_required")
        self.assert_error(self.import_p12(make_p12(None, "Nguyễn Văn Chủ"), token=token), 403, "session_required")
        self.assert_error(self.api("post", "/api/v1/signing/certificate/pkcs11",
                                   {"token_label": "t", "key_label": "k", "password": PASSWORD}, token=token),
                          403, "session_required")
        self.assert_error(self.api("post", "/api/v1/signing/certificate/csc",
                                   {"service": 1, "credential_id": "c", "access_token": "x", "password": PASSWORD},
                                   token=token), 403, "session_required")
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{before.pk}/unlock",
                                   {"password": PASSWORD}, token=token), 403, "session_required")
        # an administrator's token neither: registering for someone, revoking, unlocking
        admin_token = self.token_for(self.admin)
        self.assert_error(self.api("post", "/api/v1/signing/certificate/pkcs11",
                                   {"token_label": "t", "key_label": "k", "username": "owner"}, token=admin_token),
                          403, "session_required")
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{before.pk}/revoke",
                                   {"reason": "Mất máy"}, token=admin_token), 403, "session_required")
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{before.pk}/unlock", token=admin_token),
                          403, "session_required")
        # nothing changed, and the wrong channel burnt no password try
        self.assertEqual(current_certificate(self.owner), before)
        self.assertIsNone(current_certificate(self.owner).revoked_at)
        self.assertFalse(AuditEvent.objects.filter(action="auth.password_recheck_failed").exists())
        # the same token still reads, and the owner in a session with the password gets the certificate
        self.assertEqual(self.api("get", "/api/v1/signing/certificate", token=token).status_code, 200)
        self.assertEqual(self.issue().status_code, 201)

    def test_a_session_alone_cannot_issue_or_import(self):
        before = current_certificate(self.owner)
        self.assert_error(self.issue(password=None), 403, "password_required")
        self.assert_error(self.import_p12(make_p12(None, "Nguyễn Văn Chủ"), password=None), 403, "password_required")
        # nor on the page
        page = self.client_for(self.owner).post("/signing/certificate/", {
            "action": "issue", "pin": NEW_PIN, "pin_confirm": NEW_PIN})
        self.assertEqual(page.status_code, 403)
        self.assertContains(page, "mật khẩu", status_code=403)
        self.assertEqual(current_certificate(self.owner), before)
        self.assertEqual(SigningCertificate.objects.filter(user=self.owner).count(), 1)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_wrong_password_refused_counted_audited_and_locks_like_the_login(self):
        before = current_certificate(self.owner)
        error = self.assert_error(self.issue(password="mật-khẩu-sai"), 403, "wrong_password")
        self.assertNotIn("mật-khẩu-sai", error["message"])
        self.assertEqual(current_certificate(self.owner), before)
        audit = AuditEvent.objects.filter(action="auth.password_recheck_failed", actor=self.owner)
        self.assertEqual(audit.count(), 1)
        self.assertEqual(audit.get().details, {"purpose": "certificate_issue", "outcome": "wrong_password"})
        self.assertEqual(LoginRecord.objects.filter(username="owner", success=False).count(), 1)
        self.assertNotIn("mật-khẩu-sai", str(list(AuditEvent.objects.values_list("details", flat=True))))
        # guessing on: the third wrong password locks the account like three failed sign-ins
        self.assert_error(self.import_p12(make_p12(None, "Nguyễn Văn Chủ"), password="sai-2"), 403, "wrong_password")
        self.issue(password="sai-3")
        self.assert_error(self.issue(), 403, "locked_out")  # even the right password now
        self.assertEqual(current_certificate(self.owner), before)
        login = Client().post("/login/", {"username": "owner", "password": PASSWORD})
        self.assertEqual(login.status_code, 403)
        # other people (elsewhere: the address is locked too, as for sign-ins) are not affected
        response = self.api("post", "/api/v1/signing/certificate", {"pin": NEW_PIN, "password": PASSWORD},
                            user=self.member, REMOTE_ADDR="10.9.9.9")
        self.assertEqual(response.status_code, 201, response.content)

    def test_right_password_issues_notifies_and_puts_the_old_certificate_on_the_crl(self):
        old = current_certificate(self.owner)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.issue()
        self.assertEqual(response.status_code, 201, response.content)
        old.refresh_from_db()
        self.assertEqual(old.revocation_reason, "superseded")
        crl = x509.load_der_x509_crl(self.client.get("/signing/crl.der").content)
        self.assertTrue(crl.is_signature_valid(installation_ca().certificate.public_key()))
        self.assertIsNotNone(crl.get_revoked_certificate_by_serial_number(int(old.serial, 16)))
        new = current_certificate(self.owner)
        self.assertIsNone(crl.get_revoked_certificate_by_serial_number(int(new.serial, 16)))
        note = Notification.objects.get(user=self.owner, kind="signing.certificate_replaced")
        self.assertIn(new.serial, note.body)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["owner@example.gov.vn"])
        self.assertIn(old.serial, mail.outbox[0].body)
        # the old PIN no longer signs, the new one does
        document = self.make_own_document(self.owner)
        self.assert_error(self.sign(document, self.owner, pin=PIN), 400, "wrong_pin")
        self.assertEqual(self.sign(document, self.owner, pin=NEW_PIN).status_code, 201)

    def test_first_certificate_is_announced_as_issued(self):
        SigningCertificate.objects.filter(user=self.member).delete()
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.issue(user=self.member).status_code, 201)
        self.assertTrue(Notification.objects.filter(user=self.member, kind="signing.certificate_issued").exists())
        self.assertEqual([m.to for m in mail.outbox], [["member@example.gov.vn"]])

    def test_revoke_and_lock_notify_in_the_app_and_by_mail(self):
        cert = current_certificate(self.owner)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.api("post", f"/api/v1/signing/certificates/{cert.pk}/revoke",
                                      {"reason": "Mất thiết bị"}, user=self.admin).status_code, 200)
        self.assertTrue(Notification.objects.filter(user=self.owner, kind="signing.certificate_revoked").exists())
        self.assertEqual(len(mail.outbox), 1)
        document = self.make_own_document(self.member)
        with self.captureOnCommitCallbacks(execute=True):
            for _ in range(5):
                self.sign(document, self.member, pin="sai-pin-000")
        notes = Notification.objects.filter(user=self.member, kind="signing.locked")
        self.assertEqual(notes.count(), 1)  # once, when it locks, not on every wrong PIN
        self.assertEqual([m.to for m in mail.outbox[1:]], [["member@example.gov.vn"]])


class PinLockTests(KeyChangeTestCase):
    def setUp(self) -> None:
        self.document = self.make_own_document(self.owner)

    def test_locked_user_cannot_escape_the_lock_without_the_password(self):
        locked = self.lock_owner(self.document)
        self.assert_error(self.issue(password=None), 403, "password_required")
        self.assert_error(self.import_p12(make_p12(None, "Nguyễn Văn Chủ"), password=None), 403, "password_required")
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{locked.pk}/unlock", user=self.owner),
                          403, "password_required")
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{locked.pk}/unlock",
                                   {"password": "đoán-bừa"}, user=self.owner), 403, "wrong_password")
        self.assertEqual(current_certificate(self.owner), locked)
        self.assert_error(self.sign(self.document, self.owner), 403, "signing_locked")
        self.assertEqual(self.document.versions.count(), 1)

    def test_fresh_password_lifts_the_lock(self):
        locked = self.lock_owner(self.document)
        response = self.api("post", f"/api/v1/signing/certificates/{locked.pk}/unlock", {"password": PASSWORD},
                            user=self.owner)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(response.json()["certificate"]["locked"])
        self.assertTrue(AuditEvent.objects.filter(action="signing.pin_reset", details__by="holder").exists())
        self.assertEqual(self.sign(self.document, self.owner).status_code, 201)

    def test_unlock_from_the_page_needs_the_password(self):
        self.lock_owner(self.document)
        client = self.client_for(self.owner)
        page = client.get("/signing/certificate/")
        self.assertContains(page, 'data-testid="unlock-form"')
        self.assertContains(page, "Hoặc tự mở khóa bằng cách xác nhận mật khẩu tài khoản.")
        self.assertContains(page, "Mật khẩu tài khoản của bạn (để xác nhận đúng là bạn)")
        self.assertEqual(client.post("/signing/certificate/", {"action": "unlock"}).status_code, 403)
        self.assertIsNotNone(current_certificate(self.owner).locked_at)
        self.assertEqual(client.post("/signing/certificate/", {"action": "unlock", "password": PASSWORD}).status_code,
                         302)
        self.assertIsNone(current_certificate(self.owner).locked_at)

    def test_nobody_else_lifts_the_lock_but_an_administrator(self):
        locked = self.lock_owner(self.document)
        for user in (self.member, self.outsider):
            self.assert_error(self.api("post", f"/api/v1/signing/certificates/{locked.pk}/unlock",
                                       {"password": PASSWORD}, user=user), 404)
        self.assert_error(self.api("post", f"/api/v1/signing/certificates/{locked.pk}/unlock",
                                   {"password": PASSWORD}), 401)
        self.assertIsNotNone(current_certificate(self.owner).locked_at)
        self.assertEqual(self.api("post", f"/api/v1/signing/certificates/{locked.pk}/unlock",
                                  user=self.admin).status_code, 200)


class RequestFulfilmentTests(KeyChangeTestCase):
    """Signing requests are fulfilled only by trusted certificates naming the person asked."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.national = pki.create_ca("CA Quốc gia thử", "Bộ Thông tin và Truyền thông")

    def ask_owner(self):
        response = self.ask(self.minutes, [self.owner], user=self.secretary)
        self.assertEqual(response.status_code, 201, response.content)

    def trust_national(self) -> None:
        do_add_trust_root(actor=self.admin, pem=self.national[1].public_bytes(serialization.Encoding.PEM),
                          name="Quốc gia")

    def test_self_made_pkcs12_cannot_fulfil_a_request(self):
        self.assertEqual(self.import_p12(make_p12(None, "Nguyễn Văn Chủ")).status_code, 201)
        self.ask_owner()
        self.assert_error(self.sign(self.minutes, self.owner, pin=NEW_PIN), 403, "certificate_untrusted")
        self.assertEqual(self.minutes.versions.count(), 1)
        self.assertFalse(SignatureRecord.objects.filter(document=self.minutes).exists())
        # and no PIN try was spent on it
        self.assertEqual(current_certificate(self.owner).wrong_pin_count, 0)

    def test_trusted_certificate_naming_someone_else_cannot_fulfil_a_request(self):
        self.trust_national()
        self.assertEqual(self.import_p12(make_p12(self.national, "Lê Văn Ngoài",
                                                  email="outsider@example.gov.vn")).status_code, 201)
        self.ask_owner()
        self.assert_error(self.sign(self.minutes, self.owner, pin=NEW_PIN), 403, "certificate_names_someone_else")
        self.assertEqual(self.minutes.versions.count(), 1)

    def test_trusted_certificate_naming_the_signer_fulfils_the_request(self):
        self.trust_national()
        # a CA that writes names without diacritics still names the same person
        self.assertEqual(self.import_p12(make_p12(self.national, "NGUYEN VAN CHU")).status_code, 201)
        self.ask_owner()
        response = self.sign(self.minutes, self.owner, pin=NEW_PIN)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(self.minutes.signing_requests.get().status, "completed")

    def test_a_withdrawn_root_no_longer_fulfils_requests(self):
        self.trust_national()
        self.assertEqual(self.import_p12(make_p12(self.national, "Nguyễn Văn Chủ")).status_code, 201)
        from signing.models import TrustRoot

        TrustRoot.objects.filter(name="Quốc gia").update(active=False)
        self.ask_owner()
        self.assert_error(self.sign(self.minutes, self.owner, pin=NEW_PIN), 403, "certificate_untrusted")

    def test_a_certificate_issued_here_fulfils_the_request(self):
        self.ask_owner()
        self.assertEqual(self.sign(self.minutes, self.owner).status_code, 201)
