"""The administrator's pages for the province's platforms (issue 13 part 5): only a system
administrator registers, deactivates and rotates; secrets are shown once; bad input is a clear
Vietnamese refusal that writes nothing; every change is audited."""

from __future__ import annotations

from django.test import override_settings

from ecabinet.models import AuditEvent
from ecabinet.models_integration import ClientSystem, WebhookEndpoint
from tests.kit.cases import BaseTestCase
from tests.kit.users import client_for

PAGES = ("/integration/",)


class IntegrationPagesTests(BaseTestCase):
    def vi(self, user):
        client = client_for(user)
        client.cookies["django_language"] = "vi"
        return client

    def register_client(self, **extra):
        data = {"name": "Nền tảng LGSP", "units": [self.department.pk], "include_subunits": "1", **extra}
        return self.vi(self.admin).post("/integration/clients/", data)

    def register_webhook(self, **extra):
        data = {"name": "Trục LGSP", "url": "https://lgsp.example.gov.vn/hooks/ecabinet",
                "units": [self.department.pk], "events": ["meeting.scheduled", "notice.issued"], **extra}
        return self.vi(self.admin).post("/integration/webhooks/", data)

    def test_the_administrator_sees_the_page_in_vietnamese(self):
        response = self.vi(self.admin).get("/integration/")
        self.assertContains(response, "Hệ thống kết nối")
        self.assertContains(response, "Đăng ký địa chỉ nhận webhook")
        self.assertContains(self.vi(self.admin).get("/"), 'data-testid="integration-link"')

    def test_others_are_refused_and_anonymous_sent_to_sign_in(self):
        for user in (self.owner, self.member, self.outsider, self.guest):
            self.assertEqual(self.vi(user).get("/integration/").status_code, 403)
            self.assertEqual(self.vi(user).post("/integration/clients/", {"name": "x", "units": [1]}).status_code,
                             403)
            self.assertNotContains(self.vi(user).get("/"), 'data-testid="integration-link"')
        response = self.client.get("/integration/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
        self.assertEqual(ClientSystem.objects.count(), 0)

    def test_registering_a_client_shows_its_secret_once(self):
        response = self.register_client()
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        system = ClientSystem.objects.get()
        secret = response.context["secret"]
        self.assertContains(response, secret)
        self.assertContains(response, system.application.client_id)
        self.assertContains(response, "chỉ hiển thị một lần")
        detail = self.vi(self.admin).get(f"/integration/clients/{system.pk}/")
        self.assertContains(detail, system.application.client_id)
        self.assertNotContains(detail, secret)
        self.assertNotEqual(system.application.client_secret, secret)  # kept only as a hash
        self.assertTrue(AuditEvent.objects.filter(action="integration.client.register", actor=self.admin).exists())

    def test_deactivate_and_rotate_from_the_page(self):
        self.register_client()
        system = ClientSystem.objects.get()
        admin = self.vi(self.admin)
        response = admin.post(f"/integration/clients/{system.pk}/active/", {"active": "0"})
        self.assertRedirects(response, f"/integration/clients/{system.pk}/", fetch_redirect_response=False)
        system.refresh_from_db()
        self.assertFalse(system.active)
        again = admin.post(f"/integration/clients/{system.pk}/active/", {"active": "0"}, follow=True)
        self.assertContains(again, "Hệ thống đã bị ngừng rồi.")  # the refusal, back on the page
        before = system.application.client_secret
        rotated = admin.post(f"/integration/clients/{system.pk}/rotate/")
        self.assertContains(rotated, "Khóa bí mật mới")
        system.application.refresh_from_db()
        self.assertNotEqual(system.application.client_secret, before)
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        self.assertTrue({"integration.client.deactivate", "integration.client.rotate_secret"} <= actions)
        for user in (self.owner, self.member):
            self.assertEqual(self.vi(user).post(f"/integration/clients/{system.pk}/rotate/").status_code, 403)

    def test_registering_a_webhook_shows_its_whsec_secret_once(self):
        response = self.register_webhook()
        self.assertEqual(response.status_code, 200)
        endpoint = WebhookEndpoint.objects.get()
        self.assertTrue(endpoint.secret.startswith("whsec_"))
        self.assertContains(response, endpoint.secret)
        self.assertEqual(endpoint.event_types, ["meeting.scheduled", "notice.issued"])
        self.assertNotContains(self.vi(self.admin).get(f"/integration/webhooks/{endpoint.pk}/"), endpoint.secret)
        self.assertNotContains(self.vi(self.admin).get("/integration/"), endpoint.secret)
        self.assertEqual(self.vi(self.member).get(f"/integration/webhooks/{endpoint.pk}/").status_code, 403)

    @override_settings(WEBHOOK_ALLOW_HTTP=False, WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
    def test_bad_input_is_refused_in_vietnamese_and_writes_nothing(self):
        cases = [
            ({"url": "http://lgsp.example.gov.vn/hook"}, "https://"),
            ({"url": "https://10.1.2.3/hook"}, "mạng nội bộ"),
            ({"events": ["meeting.exploded"]}, None),
            ({"units": []}, None),
            ({"units": [999999]}, "Chọn đơn vị trong danh sách"),
            ({"name": ""}, None),
        ]
        for change, message in cases:
            with self.subTest(change=change):
                response = self.register_webhook(**change)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, 'data-testid="page-error"', status_code=400)
                if message:
                    self.assertContains(response, message, status_code=400)
        self.assertEqual(WebhookEndpoint.objects.count(), 0)
        self.assertEqual(self.register_client(units=["abc"]).status_code, 400)
        self.assertEqual(ClientSystem.objects.count(), 0)

    def test_unknown_objects_are_404(self):
        admin = self.vi(self.admin)
        self.assertEqual(admin.get("/integration/clients/999/").status_code, 404)
        self.assertEqual(admin.get("/integration/webhooks/999/").status_code, 404)
        self.assertEqual(admin.post("/integration/deliveries/999/replay/").status_code, 404)
