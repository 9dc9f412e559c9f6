"""The document-type catalog page (/meetings/document-types/): unit admins and system admins list
and add types; everyone else is refused; bad input is shown on the page and writes nothing."""

from __future__ import annotations

from ecabinet.models import AuditEvent
from meetings.models import DocumentType
from tests.kit.cases import BaseTestCase
from tests.kit.users import make_user

PAGE = "/meetings/document-types/"


class DocumentTypesPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit_admin = make_user("unitadmin", unit=cls.department, full_name="Đỗ Quản Lý", is_unit_admin=True)
        DocumentType.objects.create(name="Tờ trình", code="to-trinh")
        DocumentType.objects.create(name="Báo cáo của Sở Y tế", code="bao-cao-syt", unit=cls.other_unit)

    def test_unit_admin_lists_and_adds(self) -> None:
        client = self.client_for(self.unit_admin)
        page = client.get(PAGE)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Tờ trình")
        self.assertNotContains(page, "Báo cáo của Sở Y tế")  # another unit's own type
        self.assertContains(page, "Loại tài liệu")  # Vietnamese by default
        self.assertContains(client.get("/meetings/"), f'href="{PAGE}"')
        added = client.post(PAGE, {"name": "Dự thảo Quyết định", "code": "du-thao-qd"})
        self.assertRedirects(added, PAGE)
        doc_type = DocumentType.objects.get(code="du-thao-qd")
        self.assertEqual((doc_type.name, doc_type.unit_id), ("Dự thảo Quyết định", self.department.pk))
        self.assertTrue(AuditEvent.objects.filter(action="document_type.create", actor=self.unit_admin).exists())
        listed = client.get(PAGE)
        self.assertContains(listed, "Dự thảo Quyết định")
        self.assertContains(listed, "Sở Tài chính")

    def test_system_admin_adds_a_type_for_all_units(self) -> None:
        self.assertRedirects(self.client_for(self.admin).post(PAGE, {"name": "Công văn", "code": "cong-van"}), PAGE)
        self.assertIsNone(DocumentType.objects.get(code="cong-van").unit_id)
        self.assertContains(self.client_for(self.admin).get(PAGE), "Báo cáo của Sở Y tế")

    def test_bad_input_is_shown_and_writes_nothing(self) -> None:
        client = self.client_for(self.unit_admin)
        before = DocumentType.objects.count()
        for data, status, message in (
            ({"name": "", "code": "x"}, 400, "Vui lòng nhập tên và mã"),
            ({"name": "Thông báo", "code": "thông báo!"}, 400, None),
            ({"name": "Tờ trình khác", "code": "to-trinh"}, 409, None),
        ):
            with self.subTest(data=data):
                response = client.post(PAGE, data)
                self.assertEqual(response.status_code, status)
                self.assertContains(response, 'data-testid="page-error"', status_code=status)
                self.assertContains(response, f'value="{data["name"]}"', status_code=status)  # kept
                if message:
                    self.assertContains(response, message, status_code=status)
        self.assertEqual(DocumentType.objects.count(), before)

    def test_others_are_refused(self) -> None:
        for user in (self.member, self.owner, self.outsider):
            with self.subTest(user=user.username):
                client = self.client_for(user)
                self.assertEqual(client.get(PAGE).status_code, 403)
                self.assertEqual(client.post(PAGE, {"name": "Lạ", "code": "la"}).status_code, 403)
                self.assertNotContains(client.get("/meetings/"), f'href="{PAGE}"')
        # a unit admin flag without a unit manages nothing
        self.assertEqual(self.client_for(make_user("floating", is_unit_admin=True)).get(PAGE).status_code, 403)
        for response in (self.client.get(PAGE), self.client.post(PAGE, {"name": "Lạ", "code": "la"})):
            self.assertEqual(response.status_code, 302)
            self.assertIn("/login/", response["Location"])
        self.assertFalse(DocumentType.objects.filter(code="la").exists())
