from __future__ import annotations

from datetime import timedelta

from django.test import Client, override_settings
from django.utils import timezone

from ecabinet.models import ApiToken, AuditEvent, LoginRecord
from tests.kit.cases import BaseTestCase
from tests.kit.users import PASSWORD


class TokenApiTests(BaseTestCase):
    def test_token_is_issued_for_good_credentials_and_stored_hashed(self):
        response = self.api("post", "/api/v1/auth/token", {"username": "member", "password": PASSWORD})
        self.assertEqual(response.status_code, 200)
        raw = response.json()["token"]
        self.assertTrue(response.json()["expires_at"])
        token = ApiToken.objects.get(user=self.member)
        self.assertNotEqual(token.token_hash, raw)
        self.assertNotIn(raw, token.token_hash)
        self.assertTrue(LoginRecord.objects.filter(user=self.member, success=True, channel="api").exists())
        self.assertTrue(AuditEvent.objects.filter(action="api_token.issue").exists())

    def test_wrong_password_gets_generic_401_and_is_logged(self):
        response = self.api("post", "/api/v1/auth/token", {"username": "member", "password": "sai"})
        self.assert_error(response, 401, "invalid_credentials")
        response = self.api("post", "/api/v1/auth/token", {"username": "nobody", "password": "sai"})
        self.assert_error(response, 401, "invalid_credentials")
        failures = LoginRecord.objects.filter(success=False)
        self.assertEqual(sorted(failures.values_list("username", flat=True)), ["member", "nobody"])

    def test_missing_fields_and_malformed_json_are_400(self):
        self.assert_error(self.api("post", "/api/v1/auth/token", {"username": "member"}), 400, "bad_request")
        self.assert_error(self.api("post", "/api/v1/auth/token", "{not json"), 400)
        self.assert_error(self.api("post", "/api/v1/auth/token", "[]"), 400)

    def test_bearer_token_authenticates_and_revocation_ends_it(self):
        raw = self.api("post", "/api/v1/auth/token", {"username": "member", "password": PASSWORD}).json()["token"]
        self.assertEqual(self.api("get", "/api/v1/me", token=raw).json()["username"], "member")
        token = ApiToken.objects.get(user=self.member)
        token.revoked_at = timezone.now()
        token.save()
        self.assert_error(self.api("get", "/api/v1/me", token=raw), 401, "unauthorized")

    def test_expired_and_unknown_tokens_are_401(self):
        raw = self.api("post", "/api/v1/auth/token", {"username": "member", "password": PASSWORD}).json()["token"]
        ApiToken.objects.filter(user=self.member).update(expires_at=timezone.now() - timedelta(seconds=1))
        self.assert_error(self.api("get", "/api/v1/me", token=raw), 401)
        self.assert_error(self.api("get", "/api/v1/me", token="ecb_made_up"), 401)

    def test_anonymous_is_401_and_session_works(self):
        self.assert_error(self.api("get", "/api/v1/me"), 401, "unauthorized")
        self.assertEqual(self.api("get", "/api/v1/me", user=self.outsider).json()["username"], "outsider")

    def test_unknown_api_path_is_json_404(self):
        self.assert_error(self.api("get", "/api/v1/no-such-thing"), 404, "not_found")
        self.assert_error(self.api("get", "/api/v2/anything"), 404, "not_found")

    def test_error_messages_follow_the_language(self):
        vi = self.api("get", "/api/v1/me", HTTP_ACCEPT_LANGUAGE="vi").json()["error"]["message"]
        en = self.api("get", "/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
        self.assertNotEqual(vi, en)
        self.assertIn("đăng nhập", vi)

    def test_openapi_document_lists_the_token_endpoint(self):
        spec = Client().get("/api/v1/openapi.json").json()
        self.assertIn("/api/v1/auth/token", spec["paths"])


@override_settings(AXES_FAILURE_LIMIT=3)
class LockoutTests(BaseTestCase):
    def test_repeated_failures_lock_the_account_with_a_clear_message(self):
        for _ in range(3):
            self.api("post", "/api/v1/auth/token", {"username": "member", "password": "sai"})
        # Even the right password is refused while locked.
        response = self.api("post", "/api/v1/auth/token", {"username": "member", "password": PASSWORD})
        error = self.assert_error(response, 403, "locked_out")
        self.assertIn("quá nhiều", error["message"].lower())
        page = Client().post("/login/", {"username": "member", "password": PASSWORD})
        self.assertEqual(page.status_code, 403)
        self.assertContains(page, "quá nhiều", status_code=403)

    def test_other_accounts_from_another_address_still_sign_in(self):
        for _ in range(3):
            self.api("post", "/api/v1/auth/token", {"username": "member", "password": "sai"})
        response = self.api("post", "/api/v1/auth/token", {"username": "outsider", "password": PASSWORD},
                            REMOTE_ADDR="10.9.9.9")
        self.assertEqual(response.status_code, 200)


class LoginPageTests(BaseTestCase):
    def test_newcomer_sees_the_vietnamese_login_page(self):
        response = Client().get("/", follow=True)
        self.assertEqual(response.redirect_chain[-1][0].split("?")[0], "/login/")
        self.assertContains(response, "Đăng nhập")
        self.assertContains(response, 'lang="vi"')

    def test_login_and_logout(self):
        client = Client()
        response = client.post("/login/", {"username": "member", "password": PASSWORD})
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertContains(client.get("/"), "Trần Thị Thành Viên")
        self.assertTrue(LoginRecord.objects.filter(user=self.member, success=True, channel="web").exists())
        client.post("/logout/")
        self.assertEqual(client.get("/").status_code, 302)

    def test_wrong_password_shows_generic_error_and_is_logged(self):
        response = Client().post("/login/", {"username": "member", "password": "sai"})
        self.assertContains(response, "Sai tên đăng nhập hoặc mật khẩu")
        self.assertTrue(LoginRecord.objects.filter(username="member", success=False).exists())

    def test_english_is_available(self):
        self.member.preferred_language = "en"
        self.member.save()
        self.assertContains(self.client_for(self.member).get("/"), "Upcoming meetings")

    def test_password_change_checks_old_password_and_revokes_tokens(self):
        client = self.client_for(self.member)
        ApiToken.objects.create(user=self.member, token_hash="x" * 64, prefix="ecb_x",
                                expires_at=ApiToken.default_expiry())
        bad = client.post("/account/password/", {"old_password": "sai", "new_password": "Mới-rất-dài-2026"})
        self.assertEqual(bad.status_code, 400)
        good = client.post("/account/password/", {"old_password": PASSWORD, "new_password": "Mới-rất-dài-2026"})
        self.assertEqual(good.status_code, 302)
        self.member.refresh_from_db()
        self.assertTrue(self.member.check_password("Mới-rất-dài-2026"))
        self.assertFalse(ApiToken.objects.filter(user=self.member, revoked_at__isnull=True).exists())

    def test_password_change_to_the_same_password_is_refused(self):
        client = self.client_for(self.member)
        ApiToken.objects.create(user=self.member, token_hash="y" * 64, prefix="ecb_y",
                                expires_at=ApiToken.default_expiry())
        same = client.post("/account/password/", {"old_password": PASSWORD, "new_password": PASSWORD})
        self.assertEqual(same.status_code, 400)
        self.assertContains(same, "Mật khẩu mới phải khác mật khẩu hiện tại.", status_code=400)
        self.member.refresh_from_db()
        self.assertTrue(self.member.check_password(PASSWORD))
        # a refused change revokes nothing
        self.assertTrue(ApiToken.objects.filter(user=self.member, revoked_at__isnull=True).exists())
        self.assertFalse(AuditEvent.objects.filter(action="user.change_password").exists())

    def test_wrong_current_password_is_counted_like_a_failed_sign_in(self):
        client = self.client_for(self.member)
        bad = client.post("/account/password/", {"old_password": "đoán-thử", "new_password": "Mới-rất-dài-2026"})
        self.assertEqual(bad.status_code, 400)
        self.assertContains(bad, "Mật khẩu của bạn không đúng.", status_code=400)
        self.assertEqual(LoginRecord.objects.filter(username="member", success=False).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="auth.password_recheck_failed",
                                                  details__purpose="password_change").exists())

    def test_pages_need_login(self):
        for url in ["/", "/account/password/", "/account/tokens/", "/notifications/"]:
            response = Client().get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith("/login/"), url)


class TokenPageTests(BaseTestCase):
    def test_owner_revokes_own_token_outsider_cannot(self):
        token = ApiToken.objects.create(user=self.owner, token_hash="y" * 64, prefix="ecb_y",
                                        expires_at=ApiToken.default_expiry())
        response = self.client_for(self.outsider).post(f"/account/tokens/{token.pk}/revoke/")
        self.assertEqual(response.status_code, 404)
        token.refresh_from_db()
        self.assertIsNone(token.revoked_at)
        response = self.client_for(self.owner).post(f"/account/tokens/{token.pk}/revoke/")
        self.assertEqual(response.status_code, 302)
        token.refresh_from_db()
        self.assertIsNotNone(token.revoked_at)
        self.assertEqual(Client().post(f"/account/tokens/{token.pk}/revoke/").status_code, 302)


class LanguageTests(BaseTestCase):
    def test_pages_are_vietnamese_even_for_an_english_browser(self):
        response = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        self.assertContains(response, "Đăng nhập")

    def test_switcher_choice_wins(self):
        client = Client()
        client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
        self.assertContains(client.get("/login/"), "Sign in to eCabinet")
