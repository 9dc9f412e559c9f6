"""The `issue_certificates` right decides who administers other people's signing certificates,
over the units in its scope; managing people alone does not."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from ecabinet.errors import NotFoundError, PermissionDeniedError
from signing.actions.certificates import (
    do_reset_pin_lock,
    do_revoke_certificate,
    issue_certificate_for,
)
from tests.kit.cases import BaseTestCase
from tests.kit.users import make_user


def group_with(name: str, *rights: str) -> Group:
    group = Group.objects.create(name=name)
    group.permissions.set(Permission.objects.filter(content_type__app_label="ecabinet", codename__in=rights))
    return group


class CertificateRightTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.people_manager = make_user("nhansu", unit=cls.department, full_name="Phạm Văn Nhân Sự", is_staff=True)
        cls.people_manager.groups.add(group_with("Chỉ quản lý người dùng", "manage_users"))
        cls.issuer = make_user("capchungthu", unit=cls.department, full_name="Vũ Thị Cấp", is_staff=True)
        cls.issuer.groups.add(group_with("Cấp chứng thư", "issue_certificates"))

    def setUp(self) -> None:
        self.cert = issue_certificate_for(self.member, "PIN-123456")

    def test_managing_people_does_not_administer_their_certificates(self) -> None:
        with self.assertRaises(PermissionDeniedError):
            do_revoke_certificate(self.cert, actor=self.people_manager, reason="Mất thiết bị")
        response = self.api("post", f"/api/v1/signing/certificates/{self.cert.pk}/revoke",
                            {"reason": "Mất thiết bị"}, user=self.people_manager)
        self.assert_error(response, 404)
        self.cert.refresh_from_db()
        self.assertIsNone(self.cert.revoked_at)

    def test_the_issue_certificates_right_does_within_its_units(self) -> None:
        do_reset_pin_lock(self.cert, actor=self.issuer)
        revoked = do_revoke_certificate(self.cert, actor=self.issuer, reason="Mất thiết bị")
        self.assertIsNotNone(revoked.revoked_at)

    def test_not_outside_its_units(self) -> None:
        stranger_cert = issue_certificate_for(self.outsider, "PIN-123456")
        with self.assertRaises(PermissionDeniedError):
            do_revoke_certificate(stranger_cert, actor=self.issuer, reason="Mất thiết bị")

    def test_the_admin_page_follows_the_right(self) -> None:
        issue_certificate_for(self.outsider, "PIN-123456")
        self.assertEqual(self.client_for(self.people_manager).get("/admin/signing/signingcertificate/").status_code,
                         403)
        page = self.client_for(self.issuer).get("/admin/signing/signingcertificate/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, self.member.full_name)
        self.assertNotContains(page, self.outsider.full_name)

    def test_registering_for_someone_needs_the_right(self) -> None:
        from signing.access import certificate_holder

        with self.assertRaises(NotFoundError):
            certificate_holder(self.people_manager, self.member.username)
        self.assertEqual(certificate_holder(self.issuer, self.member.username), self.member)
