"""The integration API for the province's platforms (issue 13 part 5, fn54–fn59): OAuth2 client
credentials at /o/token/, a client of one unit reads that unit's meetings and nothing else (404,
as for what does not exist), documents without the confidential ones, bad tokens refused."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from ecabinet.actions_integration import (
    do_register_client,
    do_rotate_client_secret,
    do_set_client_active,
)
from ecabinet.schemas_integration import ClientSystemIn
from meetings.models import Meeting
from tests.kit import factories
from tests.kit.cases import BaseTestCase
from tests.kit.users import make_user

API = "/api/integration/v1"


class IntegrationAPITests(BaseTestCase):
    """A client system of Sở Tài chính (department); meetings of the department and of Sở Y tế."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.health_organiser = make_user("yt-organiser", unit=cls.other_unit, full_name="Đinh Văn Tổ Chức",
                                         roles=("organiser",))
        start = timezone.now().replace(microsecond=0) + timedelta(days=2)
        cls.ours = factories.make_meeting(by=cls.owner, title="Họp giao ban Sở Tài chính", unit=cls.department,
                                          starts_at=start, members=[cls.member], items=["Báo cáo thu ngân sách"],
                                          status=Meeting.Status.SCHEDULED, location="Phòng 201")
        cls.later = factories.make_meeting(by=cls.owner, title="Họp chuyên đề", unit=cls.department,
                                           starts_at=start + timedelta(days=1), status=Meeting.Status.SCHEDULED)
        cls.draft = factories.make_meeting(by=cls.owner, title="Bản nháp", unit=cls.department,
                                           starts_at=start, status=Meeting.Status.DRAFT)
        cls.past = factories.make_meeting(by=cls.owner, title="Họp tháng trước", unit=cls.department,
                                          starts_at=start - timedelta(days=40), status=Meeting.Status.ENDED)
        cls.theirs = factories.make_meeting(by=cls.health_organiser, title="Họp Sở Y tế", unit=cls.other_unit,
                                            starts_at=start, members=[cls.outsider], status=Meeting.Status.SCHEDULED)
        cls.open_doc = factories.upload_document(cls.ours, by=cls.owner, title="Tờ trình dự toán")
        cls.secret_doc = factories.upload_document(cls.ours, by=cls.owner, title="Hồ sơ mật", confidential=True)
        cls.system, cls.secret = do_register_client(
            actor=cls.admin, data=ClientSystemIn(name="LGSP tỉnh", units=[cls.department.pk], include_subunits=True))

    def token(self, *, secret: str | None = None, client_id: str | None = None, scope: str | None = None):
        body = {"grant_type": "client_credentials", "client_id": client_id or self.system.application.client_id,
                "client_secret": secret or self.secret}
        if scope:
            body["scope"] = scope
        return Client().post("/o/token/", body)

    def bearer(self) -> str:
        response = self.token()
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["access_token"]

    def get(self, path: str, token: str | None = None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return Client().get(API + path, **headers)


    # --- TokenTests ---
    def test_client_credentials_give_a_token_with_the_read_scope(self):
        response = self.token()
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(data["token_type"], "Bearer")
        self.assertEqual(data["scope"], "meetings:read")
        self.assertNotIn("refresh_token", data)
        self.assertLessEqual(data["expires_in"], 3600)

    def test_the_secret_is_stored_hashed_and_tokens_by_checksum(self):
        self.system.application.refresh_from_db()
        self.assertNotEqual(self.system.application.client_secret, self.secret)
        identify_hasher(self.system.application.client_secret)  # a Django password hash
        token = self.bearer()
        self.assertFalse(AccessToken.objects.filter(token=token).exists())

    def test_wrong_secret_unknown_client_and_other_grants_are_refused(self):
        self.assertEqual(self.token(secret="sai").status_code, 401)
        self.assertEqual(self.token(client_id="khong-co").status_code, 401)
        password = Client().post("/o/token/", {"grant_type": "password", "username": "member", "password": "x",
                                               "client_id": self.system.application.client_id,
                                               "client_secret": self.secret})
        self.assertIn(password.status_code, (400, 401))

    def test_an_unknown_scope_is_refused(self):
        self.assertEqual(self.token(scope="meetings:write").status_code, 400)

    def test_no_authorization_pages_are_mounted(self):
        self.assertEqual(Client().get("/o/authorize/").status_code, 404)
        self.assertEqual(Client().get("/o/applications/").status_code, 404)


    # --- ScopeTests ---
    def test_a_client_reads_its_units_upcoming_meetings(self):
        token = self.bearer()
        response = self.get(f"/units/{self.department.pk}/meetings?when=upcoming", token)
        self.assertEqual(response.status_code, 200, response.content)
        ids = [m["id"] for m in response.json()["items"]]
        self.assertEqual(ids, [self.ours.pk, self.later.pk])  # earliest first, no draft
        first = response.json()["items"][0]
        self.assertEqual(first["title"], "Họp giao ban Sở Tài chính")
        self.assertEqual(first["location"], "Phòng 201")

    def test_past_meetings_and_the_cursor(self):
        token = self.bearer()
        past = self.get(f"/units/{self.department.pk}/meetings?when=past", token).json()
        self.assertEqual([m["id"] for m in past["items"]], [self.past.pk])
        page1 = self.get(f"/units/{self.department.pk}/meetings?limit=1", token).json()
        self.assertEqual([m["id"] for m in page1["items"]], [self.ours.pk])
        page2 = self.get(f"/units/{self.department.pk}/meetings?limit=1&cursor={page1['next_cursor']}", token).json()
        self.assertEqual([m["id"] for m in page2["items"]], [self.later.pk])
        self.assertIsNone(page2["next_cursor"])

    def test_a_bad_cursor_or_limit_is_a_400_in_the_envelope(self):
        token = self.bearer()
        self.assert_error(self.get(f"/units/{self.department.pk}/meetings?cursor=%%%", token), 400)
        self.assert_error(self.get(f"/units/{self.department.pk}/meetings?cursor=bm90LWEtY3Vyc29y", token), 400)
        self.assert_error(self.get(f"/units/{self.department.pk}/meetings?limit=1000", token), 400)
        self.assert_error(self.get(f"/units/{self.department.pk}/meetings?when=tomorrow", token), 400)

    def test_another_units_meetings_are_not_found(self):
        token = self.bearer()
        self.assert_error(self.get(f"/units/{self.other_unit.pk}/meetings", token), 404, "not_found")
        self.assert_error(self.get(f"/units/{self.committee.pk}/meetings", token), 404, "not_found")
        self.assert_error(self.get(f"/meetings/{self.theirs.pk}", token), 404, "not_found")
        self.assert_error(self.get(f"/meetings/{self.theirs.pk}/documents", token), 404, "not_found")
        self.assert_error(self.get(f"/meetings/{self.draft.pk}", token), 404, "not_found")
        self.assert_error(self.get("/meetings/999999", token), 404, "not_found")

    def test_a_persons_meetings_only_within_the_clients_units(self):
        token = self.bearer()
        response = self.get(f"/people/{self.member.pk}/meetings", token)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual([m["id"] for m in response.json()["items"]], [self.ours.pk])
        # the outsider (Sở Y tế) takes part only in Sở Y tế's meeting: not the client's business
        self.assert_error(self.get(f"/people/{self.outsider.pk}/meetings", token), 404, "not_found")
        self.assert_error(self.get("/people/999999/meetings", token), 404, "not_found")

    def test_meeting_details(self):
        data = self.get(f"/meetings/{self.ours.pk}", self.bearer()).json()
        self.assertEqual(data["status"], "scheduled")
        self.assertEqual(data["unit"], {"id": self.department.pk, "name": "Sở Tài chính"})
        self.assertEqual([i["title"] for i in data["agenda"]], ["Báo cáo thu ngân sách"])
        people = {p["full_name"]: p["role"] for p in data["participants"]}
        self.assertEqual(people["Trần Thị Thành Viên"], "member")
        self.assertEqual(people["Nguyễn Văn Chủ"], "secretary")

    def test_documents_list_never_holds_a_confidential_one(self):
        data = self.get(f"/meetings/{self.ours.pk}/documents", self.bearer()).json()
        self.assertEqual([d["title"] for d in data], ["Tờ trình dự toán"])
        version = self.open_doc.versions.get()
        self.assertEqual(data[0]["sha256"], version.sha256)
        self.assertEqual(data[0]["pages"], version.pages)
        self.assertNotIn("Hồ sơ mật", str(data))

    def test_a_client_of_the_committee_with_sub_units_reads_the_departments(self):
        system, secret = do_register_client(actor=self.admin, data=ClientSystemIn(
            name="Cổng tỉnh", units=[self.committee.pk], include_subunits=True))
        token = self.token(secret=secret, client_id=system.application.client_id).json()["access_token"]
        self.assertEqual(self.get(f"/meetings/{self.theirs.pk}", token).status_code, 200)
        narrow, narrow_secret = do_register_client(actor=self.admin, data=ClientSystemIn(
            name="Chỉ UBND", units=[self.committee.pk], include_subunits=False))
        narrow_token = self.token(secret=narrow_secret, client_id=narrow.application.client_id).json()["access_token"]
        self.assert_error(self.get(f"/meetings/{self.theirs.pk}", narrow_token), 404)


    # --- BadTokenTests ---
    def test_no_token_a_wrong_one_or_a_user_api_token_is_a_401(self):
        path = f"/units/{self.department.pk}/meetings"
        self.assert_error(self.get(path), 401, "unauthorized")
        self.assert_error(self.get(path, "not-a-token"), 401, "unauthorized")
        from ecabinet.actions import do_issue_api_token

        _token, raw = do_issue_api_token(actor=self.admin)
        self.assert_error(self.get(path, raw), 401, "unauthorized")

    def test_an_expired_token_is_a_401(self):
        token = self.bearer()
        AccessToken.objects.filter(application=self.system.application).update(
            expires=timezone.now() - timedelta(seconds=1))
        self.assert_error(self.get(f"/meetings/{self.ours.pk}", token), 401)

    def test_a_deactivated_system_or_a_rotated_secret_revokes_its_tokens(self):
        token = self.bearer()
        self.assertEqual(self.get(f"/meetings/{self.ours.pk}", token).status_code, 200)
        do_rotate_client_secret(self.system, actor=self.admin)
        self.assert_error(self.get(f"/meetings/{self.ours.pk}", token), 401)
        self.assertEqual(self.token().status_code, 401)  # the old secret

    def test_deactivated(self):
        token = self.bearer()
        do_set_client_active(self.system, actor=self.admin, active=False)
        self.assert_error(self.get(f"/meetings/{self.ours.pk}", token), 401)
        self.assertEqual(self.token().status_code, 401)

    def test_a_token_in_the_query_string_is_refused(self):
        token = self.bearer()
        self.assert_error(Client().get(f"{API}/meetings/{self.ours.pk}?access_token={token}"), 401)


    # --- OpenApiTests ---
    def test_the_document_is_versioned_and_bilingual(self):
        response = Client().get(f"{API}/openapi.json")
        self.assertEqual(response.status_code, 200)
        doc = response.json()
        self.assertEqual(doc["info"]["version"], "1")
        self.assertIn("/api/integration/v1/units/{unit_id}/meetings", doc["paths"])
        for operations in doc["paths"].values():
            for operation in operations.values():
                self.assertIn(" / ", operation["summary"])
                self.assertIn("401", operation["responses"])
        fields = doc["components"]["schemas"]["DocumentOut"]["properties"]
        self.assertIn("SHA-256 của tệp PDF", fields["sha256"]["description"])
        self.assertIn("SHA-256 of the PDF", fields["sha256"]["description"])
        # the user API is another document
        self.assertNotIn("/api/v1/me", doc["paths"])

    def test_the_docs_page_is_served(self):
        self.assertEqual(Client().get(f"{API}/docs").status_code, 200)
