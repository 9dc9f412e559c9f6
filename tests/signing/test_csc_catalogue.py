"""Remote signing services are chosen by administrators, not typed by users (issue 8, point 3).

Against a real CSC service on loopback (tests/signing/servers/csc.py), approved by an
administrator, and a loopback server that redirects to it (servers/redirect.py)."""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest
from django.test import TransactionTestCase, override_settings

from ecabinet.errors import ActionError, PermissionDeniedError
from ecabinet.models import AuditEvent
from signing.actions import current_certificate, do_save_signing_service
from signing.backends import reset_service_calls
from signing.models import SigningCertificate, SigningService
from tests.kit.cases import SigningTestCase
from tests.kit.users import PASSWORD
from tests.signing.servers.csc import Credential, CSCServer, CSCService
from tests.signing.servers.redirect import RedirectingServer, SilentServer
from tests.signing.servers.testpki import issue, make_ca

CSC_PIN = "8642"


class CatalogueTestCase(SigningTestCase):
    @pytest.fixture(autouse=True)
    def _remote(self):
        ca = make_ca("eCabinet Test Remote Signing CA")
        holder = issue(ca, "Nguyen Van Chu (remote)", key_type="ec", email="owner@example.gov.vn")
        self.service = CSCService(credentials=[Credential("cred-owner", holder, chain=(ca,), pin=CSC_PIN)])
        with CSCServer(self.service) as csc:
            self.csc = csc
            yield

    def setUp(self) -> None:
        super().setUp()
        self.approved = self.add_service("Dịch vụ ký số thử", self.csc.url)
        for user in (self.owner, self.member, self.outsider):
            reset_service_calls(user)

    def add_service(self, name: str, url: str, **extra) -> SigningService:
        return do_save_signing_service(SigningService(name=name, base_url=url, **extra), actor=self.admin)

    def register(self, user=None, *, service=None, credential_id="cred-owner", token=None, **extra):
        body = {"service": (service or self.approved).pk, "credential_id": credential_id,
                "access_token": self.service.token if token is None else token, "password": PASSWORD, **extra}
        return self.api("post", "/api/v1/signing/certificate/csc", body, user=user or self.owner)


class CatalogueTests(CatalogueTestCase):
    def test_users_pick_an_approved_service_and_cannot_give_an_address(self):
        internal = CSCService(credentials=[])
        with CSCServer(internal) as other:
            # an address instead of a catalogue id is not even read
            response = self.api("post", "/api/v1/signing/certificate/csc", {
                "service_url": other.url, "credential_id": "cred-owner", "access_token": "x", "password": PASSWORD},
                user=self.owner)
            self.assert_error(response, 400, "bad_request")
            unknown = self.api("post", "/api/v1/signing/certificate/csc", {
                "service": 999999, "service_url": other.url, "credential_id": "x", "access_token": "x",
                "password": PASSWORD}, user=self.owner)
            self.assert_error(unknown, 400, "unknown_service")
            self.assertEqual(internal.calls, [])
        withdrawn = self.add_service("Dịch vụ đã ngừng", self.csc.url, active=False)
        self.assert_error(self.register(service=withdrawn), 400, "unknown_service")
        self.assertEqual(self.service.calls, [])
        self.assertFalse(SigningCertificate.objects.filter(kind="csc").exists())
        # the approved one (on loopback, because an administrator registered it) works
        response = self.register()
        self.assertEqual(response.status_code, 201, response.content)
        backend = response.json()["certificate"]["backend"]
        self.assertEqual((backend["service"], backend["service_name"]), (self.approved.pk, "Dịch vụ ký số thử"))
        self.assertNotIn("service_url", backend)
        self.assertEqual(self.service.calls, ["credentials/info"])

    def test_the_list_users_see_has_only_active_services_and_no_addresses(self):
        self.add_service("Dịch vụ đã ngừng", "https://old.example.vn", active=False)
        listed = self.api("get", "/api/v1/signing/services", user=self.member).json()
        self.assertEqual([s["name"] for s in listed], ["Dịch vụ ký số thử"])
        self.assertNotIn(self.csc.url, json.dumps(listed))
        self.assert_error(self.api("get", "/api/v1/signing/services"), 401)
        page = self.client_for(self.member).get("/signing/certificate/")
        self.assertContains(page, 'name="service"')
        self.assertNotContains(page, 'name="service_url"')
        self.assertNotContains(page, "Dịch vụ đã ngừng")

    def test_only_system_administrators_keep_the_catalogue(self):
        with self.assertRaises(PermissionDeniedError):
            do_save_signing_service(SigningService(name="x", base_url="http://127.0.0.1:1"), actor=self.member)
        self.member.is_unit_admin = True
        self.member.is_staff = True
        self.member.save()
        member = self.client_for(self.member)
        self.assertIn(member.get("/admin/signing/signingservice/add/").status_code, (302, 403))
        response = member.post("/admin/signing/signingservice/add/", {
            "name": "Máy nội bộ", "base_url": "http://127.0.0.1:6379", "api_version": "v1", "active": "on"})
        self.assertIn(response.status_code, (302, 403))
        self.assertFalse(SigningService.objects.filter(name="Máy nội bộ").exists())
        admin = self.client_for(self.admin)
        bad = admin.post("/admin/signing/signingservice/add/", {
            "name": "Sai địa chỉ", "base_url": "http://user:pw@ky-so.example.vn", "api_version": "v1"})
        self.assertEqual(bad.status_code, 200)
        self.assertFalse(SigningService.objects.filter(name="Sai địa chỉ").exists())
        good = admin.post("/admin/signing/signingservice/add/", {
            "name": "Ký số quốc gia", "base_url": "https://ky-so.example.vn/", "api_version": "v2", "active": "on"})
        self.assertEqual(good.status_code, 302, good.content[:1000])
        added = SigningService.objects.get(name="Ký số quốc gia")
        self.assertEqual(added.base_url, "https://ky-so.example.vn")
        self.assertTrue(AuditEvent.objects.filter(action="signing.service_add", object_id=str(added.pk)).exists())
        # switched off rather than deleted
        self.assertEqual(admin.get(f"/admin/signing/signingservice/{added.pk}/delete/").status_code, 403)

    def test_remote_error_text_is_logged_not_echoed(self):
        with self.assertLogs("signing.backends", "WARNING") as logs:
            error = self.assert_error(self.register(credential_id="nope"), 400, "signing_service_refused")
        self.assertNotIn("Invalid parameter", error["message"])
        self.assertIn("từ chối", error["message"])
        self.assertIn("Invalid parameter credentialID", "\n".join(logs.output))
        with self.assertLogs("signing.backends", "WARNING"):
            error = self.assert_error(self.register(token="stolen"), 400, "access_token_refused")
        self.assertNotIn("The access token is not valid", error["message"])

    def test_withdrawn_service_is_no_longer_called_when_signing(self):
        self.assertEqual(self.register().status_code, 201)
        self.approved.active = False
        do_save_signing_service(self.approved, actor=self.admin)
        self.service.calls.clear()
        document = self.make_own_document(self.owner)
        self.assert_error(self.sign(document, self.owner, pin=CSC_PIN, access_token=self.service.token),
                          409, "signing_service_withdrawn")
        self.assertEqual(self.service.calls, [])
        self.assertEqual(document.versions.count(), 1)
        self.approved.active = True
        do_save_signing_service(self.approved, actor=self.admin)
        response = self.sign(document, self.owner, pin=CSC_PIN, access_token=self.service.token)
        self.assertEqual(response.status_code, 201, response.content)


class OutgoingCallTests(CatalogueTestCase):
    def test_a_redirect_is_not_followed_when_reading_the_certificate(self):
        with RedirectingServer(self.csc.url) as redirector:
            moved = self.add_service("Dịch vụ chuyển hướng", redirector.url)
            error = self.assert_error(self.register(service=moved), 400, "signing_service_refused")
            self.assertEqual(redirector.redirected, ["/csc/v1/credentials/info"])
        # the access token never reached the address the redirect pointed to
        self.assertEqual(self.service.calls, [])
        self.assertNotIn(self.csc.url, error["message"])
        self.assertFalse(SigningCertificate.objects.filter(user=self.owner, kind="csc").exists())

    def test_a_redirect_is_not_followed_while_signing(self):
        self.assertEqual(self.register().status_code, 201)
        document = self.make_own_document(self.owner)
        with RedirectingServer(self.csc.url, redirect_suffixes=("signatures/signHash",)) as redirector:
            # the administrators move the service behind an address that redirects signHash away
            self.approved.base_url = redirector.url
            do_save_signing_service(self.approved, actor=self.admin)
            self.service.calls.clear()
            error = self.assert_error(self.sign(document, self.owner, pin=CSC_PIN, access_token=self.service.token),
                                      400, "signing_service_refused")
            self.assertEqual(redirector.redirected, ["/csc/v1/signatures/signHash"])
        self.assertNotIn("signatures/signHash", self.service.calls)
        self.assertNotIn("307", error["message"])
        self.assertEqual(document.versions.count(), 1)
        self.assertEqual(current_certificate(self.owner).wrong_pin_count, 0)

    @override_settings(SIGNING_SERVICE_TIMEOUT_SECONDS=1)
    def test_a_service_that_does_not_answer_times_out_cleanly(self):
        with SilentServer(delay=4) as silent:
            hanging = self.add_service("Dịch vụ treo", silent.url)
            error = self.assert_error(self.register(service=hanging), 400, "signing_service_unavailable")
            self.assertEqual(silent.requests, 1)
        self.assertIn("thử lại", error["message"])
        self.assertFalse(SigningCertificate.objects.filter(user=self.owner, kind="csc").exists())

    @override_settings(SIGNING_SERVICE_CALLS_PER_MINUTE=3)
    # The limit counts calls per clock minute: the test's calls are all made in one minute (a
    # run that crossed a minute's end began a new count and got 201 where 429 was due).
    @mock.patch("signing.backends.time.time", return_value=(time.time() // 60) * 60 + 5)
    def test_calls_are_rate_limited_per_user(self, _clock):
        self.assertEqual(self.register().status_code, 201)
        for _ in range(2):
            self.assert_error(self.register(token="sai"), 400, "access_token_refused")
        calls = len(self.service.calls)
        error = self.assert_error(self.register(), 429, "rate_limited")
        self.assertTrue(1 <= error["retry_after"] <= 60)
        self.assertIn("giây", error["message"])
        # signing is counted under the same limit
        document = self.make_own_document(self.owner)
        self.assert_error(self.sign(document, self.owner, pin=CSC_PIN, access_token=self.service.token),
                          429, "rate_limited")
        self.assertEqual(len(self.service.calls), calls)  # refused before calling out
        self.assertEqual(document.versions.count(), 1)
        # someone else is not held back by it
        self.assert_error(self.register(user=self.member, credential_id="nope"), 400, "signing_service_refused")
        # the next minute, the owner signs again
        reset_service_calls(self.owner)
        response = self.sign(document, self.owner, pin=CSC_PIN, access_token=self.service.token)
        self.assertEqual(response.status_code, 201, response.content)


class CatalogueMigrationTests(TransactionTestCase):
    """Credentials registered by address before the catalogue existed are kept, pointing at a
    service that stays switched off until an administrator reviews the address."""

    def test_existing_addresses_become_switched_off_services(self):
        from datetime import UTC, datetime

        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        # The other apps stay where they are (the users table as it is now).
        others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "signing"]
        before = [("signing", "0001_initial"), *others]
        after = [("signing", "0002_signing_service_catalogue"), *others]
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        user = old.get_model("ecabinet", "User").objects.create(username="csc-user", full_name="Người dùng CSC")
        row = old.get_model("signing", "SigningCertificate").objects.create(
            user_id=user.pk, kind="csc", cert_pem="-", serial="1", subject="CN=x", issuer="CN=y",
            not_before=datetime(2026, 1, 1, tzinfo=UTC), not_after=datetime(2027, 1, 1, tzinfo=UTC),
            backend_config={"service_url": "http://10.0.0.5:8080", "credential_id": "c", "api_version": "v2"})
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        executor.loader.build_graph()
        new = executor.loader.project_state(after).apps
        service = new.get_model("signing", "SigningService").objects.get()
        self.assertEqual((service.base_url, service.api_version, service.active), ("http://10.0.0.5:8080", "v2", False))
        config = new.get_model("signing", "SigningCertificate").objects.get(pk=row.pk).backend_config
        self.assertEqual(config["service"], service.pk)
        # switched off: signing with it is refused until an administrator approves the address
        from signing.backends import service_for

        with self.assertRaises(ActionError) as refused:
            service_for(config)
        self.assertEqual(refused.exception.code, "signing_service_withdrawn")
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
