"""The signing page of a document lists no one (issue 13): its "who signs" field is filled from a
lookup scoped to the document, GET /api/v1/signing/documents/{id}/people, asked as one types.

Who may look up: whoever may ask for signatures on the document (signing/access.py
document_to_request: the meeting's runners, the uploader of their own document, system
administrators). A reader who may not ask gets 403; anyone who may not read the document 404
(an outsider learns nothing); anonymous 401."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecabinet.models import User
from meetings.models import Document
from signing.models import SigningRequest
from tests.kit.cases import SigningTestCase
from tests.kit.users import make_user

EXTRA = 50
MAY_NOT_ASK = "Chỉ chủ trì, thư ký cuộc họp hoặc người tải lên tài liệu mới được gửi yêu cầu ký."


def lookup(document: Document | int, q: str | None = None) -> str:
    pk = document.pk if isinstance(document, Document) else document
    return f"/api/v1/signing/documents/{pk}/people" + (f"?q={q}" if q is not None else "")


def extra_people() -> list[User]:
    """Fifty more active people: none of them may appear on the document's page."""
    return User.objects.bulk_create([User(username=f"nguoithem{n:02d}", full_name=f"Người Thêm Số {n:02d}")
                                     for n in range(EXTRA)])


class SignerLookupApiTests(SigningTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.own = cls.make_own_document(cls.owner, "Tờ trình xin ý kiến")

    def test_who_may_ask_finds_people_by_name_or_username(self):
        # the meeting's secretary and chair, a system administrator on the minutes; the uploader
        # on their own document
        member = {"username": "member", "full_name": "Trần Thị Thành Viên",
                  "unit": self.member.unit.short_name or self.member.unit.name}
        for user, document in ((self.secretary, self.minutes), (self.chair, self.minutes),
                               (self.admin, self.minutes), (self.owner, self.own)):
            with self.subTest(user=user.username, document=document.title):
                response = self.api("get", lookup(document, "Thành Viên"), user=user)
                self.assertEqual(response.status_code, 200, response.content[:300])
                self.assertEqual(response.json(), [member])
        by_username = self.api("get", lookup(self.own, "outsid"), user=self.owner).json()
        self.assertEqual([p["username"] for p in by_username], ["outsider"])
        # a username's case does not matter
        self.assertEqual([p["username"] for p in self.api("get", lookup(self.own, "OUTSID"), user=self.owner).json()],
                         ["outsider"])

    def test_marks_and_case_aside(self):
        # "tran thi thanh vien" on a phone finds "Trần Thị Thành Viên", as the directory does
        member = {"username": "member", "full_name": "Trần Thị Thành Viên",
                  "unit": self.member.unit.short_name or self.member.unit.name}
        for q in ("tran+thi+thanh+vien", "THÀNH+VIÊN", "thanh+vien"):
            with self.subTest(q=q):
                self.assertEqual(self.api("get", lookup(self.minutes, q), user=self.secretary).json(), [member])

    def test_the_same_answer_as_the_directory_lookup(self):
        mine = self.api("get", lookup(self.minutes, "Văn"), user=self.admin).json()
        directory = self.api("get", "/api/v1/people?q=Văn", user=self.admin).json()
        self.assertGreater(len(mine), 1)
        self.assertEqual(mine, directory)

    def test_a_reader_who_may_not_ask_gets_403(self):
        # the meeting's member and guest read the minutes but do not run the meeting
        for user in (self.member, self.guest):
            with self.subTest(user=user.username):
                self.assertEqual(self.client_for(user).get(f"/signing/documents/{self.minutes.pk}/").status_code, 200)
                error = self.assert_error(self.api("get", lookup(self.minutes, "Thành"), user=user,
                                                   HTTP_ACCEPT_LANGUAGE="vi"), 403, "forbidden")
                self.assertEqual(error["message"], MAY_NOT_ASK)
        # asked to sign someone's own document: reads it, may not ask others
        self.assertEqual(self.ask(self.own, [self.member], user=self.owner).status_code, 201)
        self.assert_error(self.api("get", lookup(self.own, "Thành"), user=self.member), 403, "forbidden")

    def test_who_may_not_read_gets_404_and_learns_nothing(self):
        cases = ((self.outsider, self.minutes), (self.secretary, self.own), (self.chair, self.own),
                 (self.outsider, self.own))
        for user, document in cases:
            with self.subTest(user=user.username, document=document.title):
                response = self.api("get", lookup(document, "Thành"), user=user)
                error = self.assert_error(response, 404, "not_found")
                self.assertNotIn(document.title, response.content.decode())
                self.assertNotIn("member", response.content.decode())
                self.assertTrue(error["message"])
        self.assert_error(self.api("get", lookup(987654, "Thành"), user=self.admin), 404, "not_found")

    def test_anonymous_gets_401(self):
        self.assert_error(self.api("get", lookup(self.minutes, "Thành")), 401)
        self.assert_error(self.api("get", lookup(self.own, "Thành")), 401)

    def test_at_most_twenty_never_the_inactive_and_nothing_for_nothing(self):
        extra_people()
        make_user("nghiviec", full_name="Người Thêm Đã Nghỉ")
        User.objects.filter(username="nghiviec").update(is_active=False)
        found = self.api("get", lookup(self.minutes, "Người Thêm"), user=self.secretary).json()
        self.assertEqual(len(found), 20)
        self.assertEqual([p["username"] for p in found], [f"nguoithem{n:02d}" for n in range(20)])  # by name
        self.assertNotIn("nghiviec", [p["username"] for p in found])
        self.assertEqual(self.api("get", lookup(self.minutes, "nghiviec"), user=self.secretary).json(), [])
        self.assertEqual(self.api("get", lookup(self.minutes, ""), user=self.secretary).json(), [])
        self.assertEqual(self.api("get", lookup(self.minutes), user=self.secretary).json(), [])

    def test_a_long_question_is_a_clear_error(self):
        error = self.assert_error(self.api("get", lookup(self.minutes, "a" * 101), user=self.secretary,
                                           HTTP_ACCEPT_LANGUAGE="vi"), 400)
        self.assertEqual(error["fields"], [{"field": "q", "message": "Nhập tối đa 100 ký tự."}])
        self.assertEqual(self.api("get", lookup(self.minutes, "a" * 100), user=self.secretary).json(), [])

    def test_in_the_openapi_document(self):
        paths = self.api("get", "/api/v1/openapi.json", user=self.owner).json()["paths"]
        operation = paths["/api/v1/signing/documents/{document_id}/people"]["get"]
        self.assertIn("ask to sign", operation["summary"])
        self.assertIn("Tìm người ký", operation["summary"])
        self.assertIn("vi: Tìm người để đề nghị ký", operation["description"])
        self.assertIn("en: Find people to ask to sign", operation["description"])
        self.assertEqual(set(operation["responses"]) >= {"200", "401", "403", "404"}, True)
        self.assertEqual([p["name"] for p in operation["parameters"]], ["document_id", "q"])


class SigningPageTests(SigningTestCase):
    def page(self, user: User, document: Document) -> tuple[bytes, int]:
        client = self.client_for(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/signing/documents/{document.pk}/")
        self.assertEqual(response.status_code, 200)
        return response.content, len(queries.captured_queries)

    def test_the_page_lists_no_one_and_points_the_field_at_the_documents_lookup(self):
        own = self.make_own_document(self.owner)
        pages = ((self.secretary, self.minutes), (self.owner, own))
        counts = {}
        for user, document in pages:
            html, counts[user.pk] = self.page(user, document)
            self.assertIn(f'<datalist id="signer-lookup" data-url="{lookup(document)}"></datalist>'.encode(), html)
            self.assertIn(b'list="signer-lookup" data-append-to="signers"', html)
            self.assertIn(b'name="signers_text"', html)
            self.assertIn(b"people_lookup", html)  # the lookup's script
            self.assertIn("Thêm người ký".encode(), html)
            self.assertNotIn(b"<option", html.split(b'id="signer-lookup"')[1].split(b"</datalist>")[0])
        extra_people()
        for user, document in pages:
            with self.subTest(user=user.username, extra=EXTRA):
                html, queries = self.page(user, document)
                self.assertNotIn(b"nguoithem", html)
                self.assertNotIn("Người Thêm".encode(), html)
                self.assertNotIn(b"outsider", html)  # nor anyone else of the directory
                self.assertNotIn("Lê Văn Ngoài".encode(), html)
                self.assertEqual(queries, counts[user.pk])  # the same with fifty more people

    def test_a_reader_who_may_not_ask_gets_no_field_and_no_lookup(self):
        html, _ = self.page(self.member, self.minutes)
        self.assertNotIn(b"signer-lookup", html)
        self.assertNotIn(b"signers_text", html)
        self.assertNotIn(b"people_lookup", html)

    def post(self, user: User, document: Document, data: dict, **extra):
        return self.client_for(user).post(f"/signing/documents/{document.pk}/request/", data, **extra)

    def signers_of_open_request(self, document: Document) -> list[str]:
        request = SigningRequest.objects.get(document=document, status="open")
        return [s.user.username for s in request.signers.order_by("order")]

    def test_the_lines_then_a_username_left_in_the_add_field(self):
        # what the lookup appended to the textarea comes first; a username typed in full in the
        # "add a signer" field (no JavaScript) is the last signer
        response = self.post(self.secretary, self.minutes,
                             {"signers_text": "member\nchair", "signers": " guest ", "sequential": "1"})
        self.assertEqual(response.status_code, 302, response.content[:300])
        self.assertEqual(self.signers_of_open_request(self.minutes), ["member", "chair", "guest"])

    def test_the_add_field_alone_without_javascript(self):
        own = self.make_own_document(self.owner)
        response = self.post(self.owner, own, {"signers_text": "", "signers": "member"})
        self.assertEqual(response.status_code, 302, response.content[:300])
        self.assertEqual(self.signers_of_open_request(own), ["member"])

    def test_a_name_not_picked_is_refused_in_vietnamese_and_nothing_is_written(self):
        response = self.post(self.secretary, self.minutes, {"signers_text": "member", "signers": "Thành Vi"},
                             HTTP_ACCEPT_LANGUAGE="vi", follow=True)
        self.assertContains(response, "Không tìm thấy người dùng: Thành Vi.")
        self.assertFalse(SigningRequest.objects.filter(document=self.minutes).exists())

    def test_a_reader_who_may_not_ask_cannot_post(self):
        response = self.post(self.member, self.minutes, {"signers": "chair"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.post(self.outsider, self.minutes, {"signers": "chair"}).status_code, 404)
        self.assertFalse(SigningRequest.objects.filter(document=self.minutes).exists())
