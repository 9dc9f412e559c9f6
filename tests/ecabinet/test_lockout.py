"""Login lockout per account, the address slowdown, and the client address behind proxies."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from ecabinet.clientip import client_ip, client_ip_from
from ecabinet.loginguard import address_failures, slowdown_seconds
from ecabinet.middleware import LoginSlowdownMiddleware
from ecabinet.models import LoginRecord
from tests.kit.cases import BaseTestCase
from tests.kit.users import PASSWORD

OFFICE = "203.0.113.10"  # the reverse proxy's view of a whole office
ELSEWHERE = "198.51.100.77"


def page_login(username: str, password: str, ip: str = OFFICE, **extra):
    return Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def move_attempts_back(minutes: float) -> None:
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


@override_settings(AXES_FAILURE_LIMIT=5, AXES_COOLOFF_TIME=0.25, LOGIN_SLOWDOWN_MAX_SECONDS=0)
class AccountLockoutTests(BaseTestCase):
    def test_made_up_names_from_one_address_do_not_lock_a_real_user_there(self):
        for n in range(8):
            response = page_login(f"ke-la-{n}", "doan-bua", OFFICE)
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "Sai tên đăng nhập hoặc mật khẩu")
        self.assertEqual(address_failures(OFFICE), 8)
        self.assertRedirects(page_login("member", PASSWORD, OFFICE), "/", fetch_redirect_response=False)
        token = self.api("post", "/api/v1/auth/token", {"username": "owner", "password": PASSWORD},
                         REMOTE_ADDR=OFFICE)
        self.assertEqual(token.status_code, 200)

    def test_wrong_passwords_lock_the_account_from_any_address_and_say_how_long(self):
        for _ in range(5):
            page_login("member", "sai", OFFICE)
        page = page_login("member", PASSWORD, ELSEWHERE)
        self.assertEqual(page.status_code, 403)
        self.assertContains(page, "đăng nhập sai quá nhiều lần", status_code=403)
        self.assertContains(page, "thử lại sau 15 phút", status_code=403)
        # The form is still there, with the name filled in, to try again after the wait.
        self.assertContains(page, 'name="password"', status_code=403)
        self.assertContains(page, 'value="member"', status_code=403)
        self.assertTrue(850 < int(page["Retry-After"]) <= 900)
        self.assertFalse(LoginRecord.objects.filter(username="member", success=True).exists())

        api = self.api("post", "/api/v1/auth/token", {"username": "member", "password": PASSWORD},
                       REMOTE_ADDR=ELSEWHERE)
        error = self.assert_error(api, 403, "locked_out")
        self.assertTrue(850 < error["retry_after"] <= 900)
        self.assertEqual(api["Retry-After"], str(error["retry_after"]))
        self.assertIn("15 phút", error["message"])
        english = self.api("post", "/api/v1/auth/token", {"username": "member", "password": PASSWORD},
                           REMOTE_ADDR=ELSEWHERE, HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn("Try again in 15 minutes", self.assert_error(english, 403, "locked_out")["message"])

        # Other accounts are untouched, from the same office too.
        self.assertRedirects(page_login("owner", PASSWORD, OFFICE), "/", fetch_redirect_response=False)

    def test_the_wait_counts_down_is_not_restarted_by_retrying_and_ends(self):
        for _ in range(5):
            page_login("member", "sai", OFFICE)
        move_attempts_back(10)
        page = page_login("member", PASSWORD, OFFICE)
        self.assertContains(page, "thử lại sau 5 phút", status_code=403)
        # Trying (rightly or wrongly) during the lockout does not move the end of it.
        page_login("member", "sai", OFFICE)
        self.assertContains(page_login("member", PASSWORD, OFFICE), "thử lại sau 5 phút", status_code=403)
        move_attempts_back(5.1)
        self.assertRedirects(page_login("member", PASSWORD, OFFICE), "/", fetch_redirect_response=False)
        self.assertTrue(LoginRecord.objects.filter(user=self.member, success=True, ip_address=OFFICE).exists())

    def test_failures_spread_over_addresses_unlock_when_enough_of_them_age_out(self):
        for _ in range(3):
            page_login("member", "sai", OFFICE)
        move_attempts_back(10)
        for _ in range(2):
            page_login("member", "sai", ELSEWHERE)
        # The three older failures leave the window first (in 5 minutes), which ends the lock.
        self.assertContains(page_login("member", PASSWORD, ELSEWHERE), "thử lại sau 5 phút", status_code=403)

    def test_wrong_password_below_the_limit_is_only_a_wrong_password(self):
        for _ in range(4):
            self.assertContains(page_login("member", "sai", OFFICE), "Sai tên đăng nhập hoặc mật khẩu")
        self.assertRedirects(page_login("member", PASSWORD, OFFICE), "/", fetch_redirect_response=False)
        self.assertFalse(AccessAttempt.objects.filter(username="member").exists())  # reset on success


@override_settings(AXES_FAILURE_LIMIT=5, LOGIN_SLOWDOWN_MAX_SECONDS=0)
class ClientAddressTests(BaseTestCase):
    def test_forged_forwarded_for_from_an_untrusted_client_is_ignored(self):
        for n in range(5):
            page_login("member", "sai", OFFICE, HTTP_X_FORWARDED_FOR=f"10.66.0.{n}")
        self.assertEqual(set(AccessAttempt.objects.values_list("ip_address", flat=True)), {OFFICE})
        self.assertEqual(set(LoginRecord.objects.values_list("ip_address", flat=True)), {OFFICE})
        # Rotating the header did not spread the failures: the account is locked.
        self.assertEqual(page_login("member", PASSWORD, OFFICE, HTTP_X_FORWARDED_FOR="10.66.1.1").status_code, 403)

    def test_garbage_in_forwarded_for_never_reaches_the_login_log(self):
        page_login("member", "sai", OFFICE, HTTP_X_FORWARDED_FOR="'; drop table --, not-an-ip")
        self.assertEqual(LoginRecord.objects.get().ip_address, OFFICE)

    @override_settings(TRUSTED_PROXIES=[ipaddress.ip_network("10.0.0.0/8")])
    def test_forwarded_for_is_honoured_from_a_trusted_proxy(self):
        # The client put a fake hop first; the proxy appended the address it really saw.
        page_login("member", "sai", "10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ELSEWHERE}")
        self.assertEqual(LoginRecord.objects.get().ip_address, ELSEWHERE)
        self.assertEqual(AccessAttempt.objects.get().ip_address, ELSEWHERE)
        # A direct client is still itself, whatever it claims.
        page_login("owner", "sai", OFFICE, HTTP_X_FORWARDED_FOR="10.0.0.9")
        self.assertEqual(LoginRecord.objects.filter(username="owner").get().ip_address, OFFICE)

    def test_the_address_rule(self):
        with override_settings(TRUSTED_PROXIES=[]):
            self.assertEqual(client_ip_from("10.0.0.2", "1.2.3.4"), "10.0.0.2")
        proxies = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]
        with override_settings(TRUSTED_PROXIES=proxies):
            self.assertEqual(client_ip_from("10.0.0.2", "1.2.3.4, 5.6.7.8"), "5.6.7.8")
            # Two proxies in a row: skip both, take the first untrusted from the right.
            self.assertEqual(client_ip_from("10.0.0.2", "1.2.3.4, 5.6.7.8, 10.1.1.1"), "5.6.7.8")
            self.assertEqual(client_ip_from("fd00::1", "[2001:db8::7]:4711"), "2001:db8::7")
            self.assertEqual(client_ip_from("10.0.0.2", "5.6.7.8:1234"), "5.6.7.8")
            # Garbage where the proxy's entry should be: no further than the proxy we trust.
            self.assertEqual(client_ip_from("10.0.0.2", "5.6.7.8, unknown"), "10.0.0.2")
            self.assertEqual(client_ip_from("10.0.0.2", "10.3.3.3"), "10.3.3.3")  # all proxies
            self.assertEqual(client_ip_from("10.0.0.2", None), "10.0.0.2")
            self.assertEqual(client_ip_from("::ffff:10.0.0.2", "5.6.7.8"), "5.6.7.8")
        self.assertIsNone(client_ip_from("", "1.2.3.4"))
        self.assertIsNone(client_ip_from(None, None))
        request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="1.1.1.1")
        self.assertEqual(client_ip(request), "192.0.2.1")


@override_settings(AXES_FAILURE_LIMIT=5, LOGIN_SLOWDOWN_FREE_FAILURES=10, LOGIN_SLOWDOWN_MAX_SECONDS=3)
class AddressSlowdownTests(BaseTestCase):
    def test_the_delay_grows_with_failures_and_is_capped(self):
        self.assertEqual([slowdown_seconds(n) for n in (0, 5, 9)], [0.0, 0.0, 0.0])
        self.assertEqual([slowdown_seconds(n) for n in (10, 11, 12, 13)], [0.25, 0.5, 1.0, 2.0])
        self.assertEqual(slowdown_seconds(14), 3.0)
        self.assertEqual(slowdown_seconds(10_000), 3.0)
        with override_settings(LOGIN_SLOWDOWN_MAX_SECONDS=0):
            self.assertEqual(slowdown_seconds(10_000), 0.0)

    def _delay(self, path: str, ip: str, method: str = "post") -> float:
        request = getattr(RequestFactory(), method)(path, REMOTE_ADDR=ip)
        return LoginSlowdownMiddleware.delay_for(request)

    def test_a_failing_address_is_slowed_but_its_correct_login_succeeds(self):
        with override_settings(LOGIN_SLOWDOWN_MAX_SECONDS=0):
            for n in range(12):
                page_login(f"ke-la-{n}", "doan-bua", OFFICE)
        self.assertEqual(self._delay("/login/", OFFICE), 1.0)
        self.assertEqual(self._delay("/api/v1/auth/token", OFFICE), 1.0)
        self.assertEqual(self._delay("/admin/login/", OFFICE), 1.0)
        # Only sign-in attempts wait; other pages and other addresses do not.
        self.assertEqual(self._delay("/login/", OFFICE, method="get"), 0.0)
        self.assertEqual(self._delay("/meetings/", OFFICE), 0.0)
        self.assertEqual(self._delay("/login/", ELSEWHERE), 0.0)
        # A real sleep, kept short here: the right password from that address still gets in.
        with override_settings(LOGIN_SLOWDOWN_MAX_SECONDS=0.05):
            self.assertEqual(self._delay("/login/", OFFICE), 0.05)
            self.assertRedirects(page_login("member", PASSWORD, OFFICE), "/", fetch_redirect_response=False)
            token = self.api("post", "/api/v1/auth/token", {"username": "owner", "password": PASSWORD},
                             REMOTE_ADDR=OFFICE)
            self.assertEqual(token.status_code, 200)

    def test_old_failures_no_longer_slow_the_address(self):
        with override_settings(LOGIN_SLOWDOWN_MAX_SECONDS=0):
            for n in range(12):
                page_login(f"ke-la-{n}", "doan-bua", OFFICE)
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
        self.assertEqual(self._delay("/login/", OFFICE), 0.0)
