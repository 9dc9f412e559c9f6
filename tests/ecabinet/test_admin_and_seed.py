from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client

from ecabinet.models import AuditEvent, LoginRecord, Unit, User
from tests.kit.cases import BaseTestCase


class AdminAreaTests(BaseTestCase):
    def test_system_admin_browses_and_filters_the_login_log(self):
        Client().post("/login/", {"username": "member", "password": "sai"})
        client = self.client_for(self.admin)
        response = client.get("/admin/ecabinet/loginrecord/?success__exact=0")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "member")
        self.assertEqual(client.get("/admin/ecabinet/auditevent/").status_code, 200)
        self.assertEqual(client.get("/admin/ecabinet/unit/").status_code, 200)

    def test_ordinary_user_and_anonymous_are_kept_out(self):
        self.assertEqual(self.client_for(self.member).get("/admin/ecabinet/loginrecord/").status_code, 302)
        self.assertEqual(Client().get("/admin/ecabinet/user/").status_code, 302)

    def test_unit_admin_sees_only_their_unit_and_cannot_grant_rights(self):
        boss = User.objects.create(username="boss", full_name="Trưởng Phòng", unit=self.department,
                                   is_unit_admin=True, is_staff=True)
        client = self.client_for(boss)
        listing = client.get("/admin/ecabinet/user/")
        self.assertEqual(listing.status_code, 200)
        self.assertContains(listing, "Trần Thị Thành Viên")
        self.assertNotContains(listing, "Lê Văn Ngoài")
        self.assertEqual(client.get(f"/admin/ecabinet/user/{self.outsider.pk}/change/").status_code, 302)
        self.assertEqual(client.get("/admin/ecabinet/unit/").status_code, 403)
        form = client.get(f"/admin/ecabinet/user/{self.member.pk}/change/")
        self.assertEqual(form.status_code, 200)
        self.assertNotContains(form, 'name="is_superuser"')

    def test_admin_edit_is_audited(self):
        client = self.client_for(self.admin)
        response = client.post("/admin/ecabinet/unit/add/", {"name": "Sở Xây dựng", "code": "so-xd",
                                                              "kind": "department", "short_name": ""})
        self.assertEqual(response.status_code, 302, response.content[:2000])
        unit = Unit.objects.get(code="so-xd")
        self.assertTrue(AuditEvent.objects.filter(action="admin.unit.create", object_id=str(unit.pk)).exists())


class SeedDemoTests(BaseTestCase):
    def test_seed_is_idempotent_and_resets_passwords(self):
        out = StringIO()
        call_command("seed_demo", "--password", "demo-1234", stdout=out)
        self.assertIn("secretary", out.getvalue())
        count = User.objects.count()
        chair = User.objects.get(username="chair")
        chair.set_password("changed-later")
        chair.save()
        call_command("seed_demo", "--password", "demo-5678", stdout=StringIO())
        self.assertEqual(User.objects.count(), count)
        chair.refresh_from_db()
        self.assertTrue(chair.check_password("demo-5678"))
        names = set(User.objects.filter(username__regex=r"^member\d$").values_list("username", flat=True))
        self.assertEqual(names, {f"member{i}" for i in range(1, 9)})
        self.assertEqual(chair.full_name, "Nguyễn Văn Thành")
        self.assertEqual(Client().post("/login/", {"username": "guest", "password": "demo-5678"}).status_code, 302)
        self.assertEqual(LoginRecord.objects.filter(success=True).count(), 1)
        # the committee and its office seal their papers (signing/seed.py), issued once
        from signing.models import SignatureImage, UnitCertificate

        sealed = UnitCertificate.objects.filter(replaced_at__isnull=True).values_list("unit__code", flat=True)
        self.assertEqual(set(sealed), {"ubnd-tinh", "vp-ubnd"})
        self.assertEqual(UnitCertificate.objects.count(), 2)
        self.assertEqual(SignatureImage.objects.filter(kind="seal").count(), 2)
