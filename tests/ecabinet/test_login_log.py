"""The login log for administrators (issue 12, part 7; tender fn3): filters with exact rows,
pagination with pinned queries, CSV, the retention period, deletion from the page and by the
scheduled job (audited, only older rows, idempotent), and who may do what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ecabinet.loginlog import cutoff_for, purge_old_login_records
from ecabinet.models import AuditEvent, LoginLogSettings, LoginRecord
from ecabinet.reminders import collectors
from tests.kit.cases import BaseTestCase
from tests.kit.users import make_user


class LoginLogTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit_admin = make_user("unitadmin", unit=cls.department, full_name="Đỗ Quản Lý", is_unit_admin=True)
        now = timezone.now()

        def record(name, user, *, days, ip, success=True, channel="web", reason=""):
            return LoginRecord.objects.create(username=name, user=user, success=success, ip_address=ip,
                                              channel=channel, reason=reason, at=now - timedelta(days=days),
                                              user_agent="Mozilla/5.0")

        cls.r_member_web = record("member", cls.member, days=1, ip="10.2.3.4")
        cls.r_member_api = record("member", cls.member, days=2, ip="10.2.15.9", channel="api")
        cls.r_member_fail = record("member", None, days=3, ip="10.3.0.1", success=False, reason="invalid_credentials")
        cls.r_outsider = record("outsider", cls.outsider, days=4, ip="192.168.1.20")
        cls.r_unknown = record("ai-do", None, days=5, ip="10.2.16.1", success=False, reason="invalid_credentials")
        cls.r_admin = record("admin", cls.admin, days=6, ip="2001:db8::1")
        cls.r_old_owner = record("owner", cls.owner, days=400, ip="10.2.3.5")
        cls.r_older = record("member", cls.member, days=800, ip="10.2.3.6")

    def client_for(self, user) -> Client:
        """Signed in without a login record of its own: the fixture's rows are the log."""
        client = super().client_for(user)
        LoginRecord.objects.filter(username=user.username, ip_address__isnull=True).delete()
        return client

    def rows(self, user, query: str = "") -> list[int]:
        response = self.client_for(user).get("/login-log/" + query)
        self.assertEqual(response.status_code, 200, response.content[:300])
        return [r.pk for r in response.context["page"].object_list]


class FilterTests(LoginLogTestCase):
    def test_filters_give_exact_rows(self):
        every = [self.r_member_web, self.r_member_api, self.r_member_fail, self.r_outsider, self.r_unknown, self.r_admin,
                 self.r_old_owner, self.r_older]
        cases = {
            "": every,
            "?account=member": [self.r_member_web, self.r_member_api, self.r_member_fail, self.r_older],
            "?account=MEMBER": [self.r_member_web, self.r_member_api, self.r_member_fail, self.r_older],
            "?address=10.2.3.4": [self.r_member_web],
            "?address=10.2.": [self.r_member_web, self.r_member_api, self.r_unknown, self.r_old_owner, self.r_older],
            "?address=10.2": [self.r_member_web, self.r_member_api, self.r_unknown, self.r_old_owner, self.r_older],
            "?address=10.2.0.0/20": [self.r_member_web, self.r_member_api, self.r_old_owner, self.r_older],
            "?address=10.2.3.0/24": [self.r_member_web, self.r_old_owner, self.r_older],
            "?address=10.2.3.4/32": [self.r_member_web],
            "?address=10.0.0.0/8": [self.r_member_web, self.r_member_api, self.r_member_fail, self.r_unknown,
                                    self.r_old_owner, self.r_older],
            "?address=2001:db8::1": [self.r_admin],
            "?result=failed": [self.r_member_fail, self.r_unknown],
            "?result=success&channel=api": [self.r_member_api],
            "?account=member&address=10.2.": [self.r_member_web, self.r_member_api, self.r_older],
        }
        for query, expected in cases.items():
            self.assertEqual(self.rows(self.admin, query), [r.pk for r in expected], query)
        today = timezone.localdate()
        since = (today - timedelta(days=3)).isoformat()
        until = (today - timedelta(days=2)).isoformat()
        self.assertEqual(self.rows(self.admin, f"?since={since}&until={until}"),
                         [r.pk for r in (self.r_member_api, self.r_member_fail)])

    def test_bad_filters_are_refused_in_vietnamese(self):
        client = self.client_for(self.admin)
        for query, text in (("?address=10.2.x", "Hãy nhập một địa chỉ IP"),
                            ("?address=300.1.", "Hãy nhập một địa chỉ IP"),
                            ("?address=10.0.0.0/99", "Hãy nhập một địa chỉ IP"),
                            ("?address=2001:db8::/32", "Chỉ tìm theo dải mạng được với địa chỉ IPv4"),
                            ("?since=2026-13-01", "Hãy nhập ngày"), ("?result=maybe", "Chọn một trong các giá trị"),
                            ("?since=2026-05-02&until=2026-05-01", "Ngày kết thúc trước ngày bắt đầu"),
                            ("?page=0", "")):
            response = client.get("/login-log/" + query)
            self.assertEqual(response.status_code, 400, query)
            self.assertContains(response, text, status_code=400)

    def test_a_unit_administrator_sees_their_peoples_sign_ins_only(self):
        # the member and the owner are in the unit administrator's department; failed attempts
        # without a known account and other units' people are not theirs
        self.assertEqual(self.rows(self.unit_admin), [r.pk for r in (self.r_member_web, self.r_member_api,
                                                                     self.r_old_owner, self.r_older)])
        self.assertEqual(self.rows(self.unit_admin, "?account=outsider"), [])
        page = self.client_for(self.unit_admin).get("/login-log/")
        self.assertNotContains(page, 'data-testid="login-retention"')
        self.assertContains(page, 'data-testid="login-log-link"')

    def test_others_may_not_see_it(self):
        for user in (self.member, self.owner, self.guest, self.outsider):
            client = self.client_for(user)
            response = client.get("/login-log/")
            self.assertEqual(response.status_code, 403)
            self.assertContains(response, "Chỉ quản trị mới được xem nhật ký đăng nhập.", status_code=403)
            self.assertEqual(client.get("/login-log/export.csv").status_code, 403)
            self.assertNotContains(client.get("/notifications/"), 'data-testid="login-log-link"')
        for url in ("/login-log/", "/login-log/export.csv"):
            response = Client().get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn("/login/", response["Location"])

    def test_pages_of_fifty_with_a_fixed_number_of_queries(self):
        now = timezone.now()
        LoginRecord.objects.bulk_create([
            LoginRecord(username="member", user=self.member, success=True, ip_address=f"10.9.0.{i}",
                        at=now - timedelta(minutes=i)) for i in range(70)])
        client = self.client_for(self.admin)
        # the menu's to-do and unread counts: counted on the first page, then kept
        # (ecabinet/menu_counts.py); the session is read from the cache (SESSION_ENGINE)
        client.get("/login-log/")
        with self.assertNumQueries(6):
            first = client.get("/login-log/?account=member")
        self.assertEqual(len(first.context["page"].object_list), 50)
        self.assertEqual(first.context["total"], 74)
        self.assertContains(first, "page=2")
        with self.assertNumQueries(6):
            second = client.get("/login-log/?account=member&page=2")
        self.assertEqual(len(second.context["page"].object_list), 24)
        unit = self.client_for(self.unit_admin)
        unit.get("/login-log/")
        with self.assertNumQueries(7):
            unit.get("/login-log/?page=2")

    def test_csv_export_with_the_same_filters(self):
        LoginRecord.objects.create(username="=HYPERLINK(\"x\")", success=False, ip_address="10.2.9.9",
                                   at=timezone.now())
        response = self.client_for(self.admin).get("/login-log/export.csv?address=10.2.")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:3], ["Thời gian", "Tên đăng nhập đã nhập", "Tài khoản"])
        self.assertEqual(len(rows), 1 + 6)
        self.assertEqual(rows[1][1], "'=HYPERLINK(\"x\")")  # never a formula
        self.assertEqual({r[6] for r in rows[1:]}, {"10.2.9.9", "10.2.3.4", "10.2.15.9", "10.2.16.1", "10.2.3.5", "10.2.3.6"})
        unit_rows = list(csv.reader(io.StringIO(self.client_for(self.unit_admin).get("/login-log/export.csv")
                                                .content.decode("utf-8-sig"))))
        self.assertEqual(len(unit_rows), 1 + 4)


class RetentionTests(LoginLogTestCase):
    def test_the_default_is_twelve_months_and_administrators_change_it(self):
        page = self.client_for(self.admin).get("/login-log/")
        self.assertEqual(page.context["months"], 12)
        self.assertEqual(page.context["old_count"], 2)
        response = self.client_for(self.admin).post("/login-log/retention/", {"months": "24"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(LoginLogSettings.objects.get().retention_months, 24)
        audit = AuditEvent.objects.get(action="login_log.retention")
        self.assertEqual((audit.actor, audit.details), (self.admin, {"from": 12, "to": 24}))
        self.assertEqual(self.client_for(self.admin).get("/login-log/").context["old_count"], 1)

    def test_bad_periods_and_other_people_change_nothing(self):
        client = self.client_for(self.admin)
        for value in ("0", "121", "-3", "mười", ""):
            response = client.post("/login-log/retention/", {"months": value})
            self.assertEqual(response.status_code, 302, value)  # refused: back to the page with the message
        self.assertFalse(LoginLogSettings.objects.exists())
        json_refusal = client.post("/login-log/retention/", {"months": "121"}, HTTP_ACCEPT="application/json")
        self.assertEqual(json_refusal.status_code, 400)
        self.assertIn("120", json_refusal.json()["error"]["fields"][0]["message"])
        for user in (self.unit_admin, self.member, self.guest):
            response = self.client_for(user).post("/login-log/retention/", {"months": "1"})
            self.assertEqual(response.status_code, 403)
            self.assertContains(response, "Chỉ quản trị hệ thống mới được thay đổi thời hạn lưu", status_code=403)
            self.assertEqual(self.client_for(user).post("/login-log/purge/", {"months": "12"}).status_code, 403)
        self.assertEqual(Client().post("/login-log/purge/", {"months": "12"}).status_code, 302)
        self.assertEqual(LoginRecord.objects.count(), 8 + 0)
        self.assertFalse(AuditEvent.objects.filter(action__startswith="login_log.").exists())

    def test_deleting_from_the_page_removes_only_older_rows(self):
        before = set(LoginRecord.objects.values_list("pk", flat=True))
        response = self.client_for(self.admin).post("/login-log/purge/", {"months": "12"}, follow=True)
        self.assertContains(response, "Đã xóa 2 bản ghi cũ hơn")
        after = set(LoginRecord.objects.values_list("pk", flat=True))
        self.assertEqual(before - after, {self.r_old_owner.pk, self.r_older.pk})
        audit = AuditEvent.objects.get(action="login_log.purge")
        self.assertEqual((audit.actor, audit.details["count"], audit.details["months"], audit.details["by"]),
                         (self.admin, 2, 12, "user"))
        self.assertLessEqual(abs((timezone.datetime.fromisoformat(audit.details["cutoff"])
                                  - cutoff_for(12)).total_seconds()), 60)

    def test_a_period_changed_meanwhile_is_not_applied_unseen(self):
        self.client_for(self.admin).post("/login-log/retention/", {"months": "1"})
        response = self.client_for(self.admin).post("/login-log/purge/", {"months": "12"},
                                                    HTTP_ACCEPT="application/json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"]["code"], "retention_changed")
        self.assertEqual(LoginRecord.objects.count(), 8)

    def test_the_scheduled_job_deletes_as_the_system_once(self):
        self.assertIs(collectors()["login-log-retention"], purge_old_login_records)
        out = io.StringIO()
        call_command("send_reminders", stdout=out)
        self.assertIn("login-log-retention: 2", out.getvalue())
        self.assertFalse(LoginRecord.objects.filter(pk__in=[self.r_old_owner.pk, self.r_older.pk]).exists())
        self.assertEqual(LoginRecord.objects.count(), 6)
        audit = AuditEvent.objects.get(action="login_log.purge")
        self.assertEqual((audit.actor, audit.actor_label, audit.details["by"]), (None, "system", "schedule"))
        # again: nothing to delete, nothing written
        out = io.StringIO()
        call_command("send_reminders", stdout=out)
        self.assertIn("login-log-retention: 0", out.getvalue())
        self.assertEqual(AuditEvent.objects.filter(action="login_log.purge").count(), 1)
        self.assertEqual(LoginRecord.objects.count(), 6)

    def test_cutoff_is_calendar_months(self):
        now = timezone.datetime(2026, 3, 31, 10, 0, tzinfo=timezone.get_current_timezone())
        self.assertEqual(cutoff_for(1, now).date(), timezone.datetime(2026, 2, 28).date())
        self.assertEqual(cutoff_for(12, now).date(), timezone.datetime(2025, 3, 31).date())
        self.assertEqual(cutoff_for(120, now).date(), timezone.datetime(2016, 3, 31).date())
