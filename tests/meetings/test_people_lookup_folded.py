"""People lookups ignore marks and case: a Vietnamese user types "nguyen" on a phone and finds
"Nguyễn Văn An"; "NGUYỄN" finds him on SQLite too (whose LIKE folds ASCII case only); "d" finds
"Đặng". Through the directory (GET /api/v1/people), a meeting's lookup and a document's signers'
lookup, all one query (`people_matching`, on `User.search_name`). A person renamed in the
administration is found by the new name, not the old; an inactive person never."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecabinet.roles import UNIT_ADMIN
from meetings.selectors import people_matching
from tests.kit.users import make_user
from tests.meetings.test_followup import FollowUpCase
from tests.meetings.test_people_lookup import extra_people

DIRECTORY = "/api/v1/people"


class FoldedLookupTests(FollowUpCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.an = make_user("an.nguyen", unit=cls.department, full_name="Nguyễn Văn An")
        cls.dang = make_user("binh", unit=cls.department, full_name="Đặng Bình")
        cls.gone = make_user("nghiviec", unit=cls.department, full_name="Nguyễn Văn Nghỉ", is_active=False)

    def found(self, q: str, *, path: str = DIRECTORY) -> list[str]:
        response = self.api("get", f"{path}?{urlencode({'q': q})}", user=self.owner)
        self.assertEqual(response.status_code, 200, response.content[:300])
        return [person["username"] for person in response.json()]

    def test_without_marks_and_in_any_case(self):
        for q in ("nguyen", "NGUYỄN", "nguyễn", "Nguyen Van", "nguyen van an", "NGUYEN  VAN AN", "Văn An",
                  "van an", "an.nguyen", "AN.NGUYEN", "an nguyen"):
            with self.subTest(q=q):
                self.assertIn("an.nguyen", self.found(q))
        # the answer shows the name as written, marks and all
        answer = self.api("get", f"{DIRECTORY}?q=nguyen+van+an", user=self.owner).json()
        self.assertEqual([p["full_name"] for p in answer], ["Nguyễn Văn An"])
        # "nguyen" finds every Nguyễn, by name: the owner (Nguyễn Văn Chủ) and the chair
        # (Nguyễn Văn Chủ Tịch) too
        self.assertEqual(self.found("nguyen"), ["an.nguyen", "owner", "chair"])

    def test_d_and_đ_are_one_letter(self):
        for q in ("Đặng", "đặng", "ĐẶNG", "dang", "DANG", "đang"):
            with self.subTest(q=q):
                self.assertIn("binh", self.found(q))
        for q in ("đ", "d", "Đ", "D"):
            with self.subTest(q=q):
                self.assertIn("binh", self.found(q))
        self.assertEqual(self.found("dang binh"), ["binh"])
        self.assertEqual(self.found("dang thi"), ["office"])  # Đặng Thị Văn Phòng

    def test_words_of_the_name_and_the_username_do_not_run_together(self):
        # "Đặng Bình" + "binh": "binh binh" is in neither
        self.assertEqual(self.found("binh"), ["binh"])
        self.assertEqual(self.found("binh binh"), [])

    def test_an_inactive_person_is_never_found(self):
        for q in ("nguyen van nghi", "Nguyễn Văn Nghỉ", "nghiviec", "NGHI"):
            with self.subTest(q=q):
                self.assertNotIn("nghiviec", self.found(q))
        self.assertEqual([u.username for u in people_matching("nguyen van")], ["an.nguyen", "owner", "chair"])

    def test_nothing_to_look_for_finds_no_one(self):
        for q in ("", "   ", "...", "-"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q), [])

    def test_the_meetings_and_the_documents_lookups_fold_alike(self):
        directory = self.found("nguyen van")
        self.assertEqual(directory, ["an.nguyen", "owner", "chair"])
        self.assertEqual(self.found("nguyen van", path=f"/api/v1/meetings/{self.meeting.pk}/people"), directory)
        self.assertEqual([u.username for u in people_matching("NGUYỄN VĂN")], directory)

    def test_renamed_in_the_administration_found_by_the_new_name_only(self):
        unit_admin = make_user("qtdv", unit=self.department, roles=(UNIT_ADMIN,), is_staff=True)
        client = self.client_for(unit_admin)
        form = {"username": "an.tran", "full_name": "Trần Thị Ân", "unit": self.department.pk,
                "email": self.an.email, "preferred_language": "vi", "is_active": "on"}
        response = client.post(f"/admin/ecabinet/user/{self.an.pk}/change/", form)
        self.assertEqual(response.status_code, 302, response.content[:2000])
        for q in ("tran thi an", "TRẦN THỊ ÂN", "an.tran"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q), ["an.tran"])
        for q in ("nguyen van an", "Nguyễn Văn An", "an.nguyen"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q), [])
        # a person added in the administration is found at once, without marks
        added = client.post("/admin/ecabinet/user/add/", {
            "username": "hoa.le", "full_name": "Lê Thị Hòa", "unit": self.department.pk, "email": "hoa@example.gov.vn",
            "password1": "Mật-khẩu-mới-2026!", "password2": "Mật-khẩu-mới-2026!", "usable_password": "true"})
        self.assertEqual(added.status_code, 302, added.content[:2000])
        self.assertEqual(self.found("le thi hoa"), ["hoa.le"])

    def test_one_query_for_the_people_whatever_is_found(self):
        extra_people()  # fifty more: "Người Thêm Số nn"

        def queries(q: str) -> list[str]:
            with CaptureQueriesContext(connection) as captured:
                self.found(q)
            return [query["sql"] for query in captured.captured_queries]

        self.found("khong co ai")  # the session and the rights, read once and kept
        found_many = queries("nguoi them")
        self.assertEqual(len(self.found("nguoi them")), 20)  # still at most twenty
        found_none = queries("khong co ai")
        self.assertEqual(len(found_many), len(found_none))
        self.assertEqual(len([sql for sql in found_many if "search_name" in sql and "LIKE" in sql]), 1)
        self.assertFalse([sql for sql in found_many if "full_name" in sql and "LIKE" in sql.upper()
                          and "search_name" not in sql])

