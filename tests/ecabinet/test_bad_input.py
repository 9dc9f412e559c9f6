"""The four causes of the fuzzer's server errors, each with its exact input, on the API and pages:
integers past 64 bits, a time like 12:99, date arithmetic at 9999-12-31, unreadable multipart
bodies (no boundary, a 5,000-character file name). Each answers 4xx with the envelope (API) or
a Vietnamese page, and writes nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client, override_settings
from django.utils import timezone

from ecabinet.actions import do_issue_api_token
from ecabinet.inputs import clean_file_name
from meetings.models import AgendaItem, DocumentVersion, Meeting, OpinionRound
from tests.kit.cases import PrepTestCase
from tests.kit.files import make_pdf

HUGE = str(2**64)  # one past what a 64-bit column holds, and then some
NO_BOUNDARY = "multipart/form-data"


class IntegersPast64BitsTests(PrepTestCase):
    def test_query_parameters(self):
        for query in (f"offset={HUGE}", f"limit={HUGE}", f"unit={HUGE}", "offset=-1"):
            with self.subTest(query=query):
                error = self.assert_error(self.api("get", f"/api/v1/meetings?{query}", user=self.owner),
                                          400, "bad_request")
                self.assertEqual(error["fields"][0]["field"], query.split("=")[0])

    def test_path_parameters(self):
        for path in (f"/api/v1/meetings/{HUGE}", f"/api/v1/documents/{HUGE}", f"/api/v1/polls/{HUGE}/open",
                     f"/api/v1/signing/requests/{HUGE}", f"/api/v1/opinions/{HUGE}", "/api/v1/meetings/0"):
            with self.subTest(path=path):
                method = "post" if path.endswith("/open") else "get"
                self.assert_error(self.api(method, path, user=self.owner), 400, "bad_request")
        # a real id still works, and an unknown one in range is a 404 as before
        self.assertEqual(self.api("get", self.url(), user=self.owner).status_code, 200)
        self.assert_error(self.api("get", f"/api/v1/meetings/{2**63 - 1}", user=self.owner), 404)

    def test_body_integers_write_nothing(self):
        items = AgendaItem.objects.count()
        response = self.api("post", self.url("/agenda"), {"title": "Mục mới", "duration_minutes": 2**64},
                            user=self.owner)
        self.assert_error(response, 400, "bad_request")
        response = self.api("post", self.url("/agenda"), {"title": "Mục mới", "presenting_unit": 2**64},
                            user=self.owner)
        self.assert_error(response, 400, "bad_request")
        self.assertEqual(AgendaItem.objects.count(), items)

    def test_form_integers(self):
        response = self.client_for(self.owner).post(
            self.url("/documents"), {"file": _upload(), "agenda_item": HUGE})
        self.assert_error(response, 400, "bad_request")
        self.assertFalse(DocumentVersion.objects.exists())

    def test_page_filters_ignore_huge_numbers(self):
        page = self.client_for(self.owner).get(f"/meetings/?unit={HUGE}&page={HUGE}")
        self.assertEqual(page.status_code, 200)

    def test_page_paths(self):
        client = self.client_for(self.owner)
        for path in (f"/meetings/{HUGE}/", f"/documents/{HUGE}/", f"/meetings/{HUGE}/documents/"):
            with self.subTest(path=path):
                self.assertContains(client.get(path), "Không tìm thấy", status_code=404)

    def test_anonymous_still_gets_401_first(self):
        # authentication runs before parameters are read: no token, nothing learnt about inputs
        self.assert_error(self.api("get", "/api/v1/meetings"), 401)
        self.assert_error(self.api("get", f"/api/v1/meetings/{HUGE}"), 401)
        self.assert_error(self.api("get", "/api/v1/meetings", token="forged-token"), 401)

    def test_outsider_and_participant_in_range(self):
        # a valid id keeps the usual answers: the participant sees it, the outsider gets a 404
        self.schedule()
        self.assertEqual(self.api("get", self.url(), user=self.member).status_code, 200)
        self.assert_error(self.api("get", self.url(), user=self.outsider), 404)
        self.assert_error(self.api("get", f"/api/v1/meetings/{HUGE}", user=self.outsider), 400)


class TimesAndDatesTests(PrepTestCase):
    def test_time_like_12_99_in_a_body(self):
        count = Meeting.objects.count()
        response = self.api("post", "/api/v1/meetings", {
            "title": "Họp", "starts_at": "2026-12-01T12:99", "ends_at": "2026-12-01T14:00"}, user=self.owner)
        self.assert_error(response, 400, "bad_request")
        self.assertEqual(Meeting.objects.count(), count)

    def test_time_like_12_99_in_a_filter(self):
        for value in ("2026-12-01T12:99", "12:99", "2026-02-30"):
            with self.subTest(value=value):
                error = self.assert_error(self.api("get", f"/api/v1/meetings?from={value}", user=self.owner), 400)
                self.assertEqual(error["fields"][0]["field"], "from")

    def test_time_like_12_99_in_a_multipart_deadline(self):
        response = self.client_for(self.owner).post("/api/v1/opinions", {
            "file": _upload(), "title": "Dự thảo", "question": "Ý kiến?", "asked": "member",
            "deadline": "2026-12-01T12:99", "meeting": self.meeting.pk})
        self.assert_error(response, 400, "bad_deadline")
        self.assertFalse(OpinionRound.objects.exists())

    def test_dates_at_the_edge_of_the_calendar(self):
        for value in ("9999-12-31", "0001-01-01", "9999-12-31T23:59:59-12:00"):
            with self.subTest(value=value):
                self.assert_error(self.api("get", f"/api/v1/meetings?to={value}", user=self.owner), 400)
        response = self.api("post", "/api/v1/meetings", {
            "title": "Họp", "starts_at": "9999-12-31T23:00:00-12:00", "ends_at": "9999-12-31T23:30:00-12:00"},
            user=self.owner)
        self.assert_error(response, 400, "bad_request")
        response = self.api("patch", self.url(), {"starts_at": "0001-01-01T00:00:00+14:00"}, user=self.owner)
        self.assert_error(response, 400, "bad_request")

    def test_ordinary_dates_still_work(self):
        day = timezone.localtime(self.meeting.starts_at).date()
        after = timezone.localtime(self.meeting.ends_at + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
        response = self.api("get", f"/api/v1/meetings?from={day.isoformat()}&to={after}", user=self.owner)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([m["id"] for m in response.json()], [self.meeting.pk])


class NulAndOffsetTests(PrepTestCase):
    """Found by the fuzzer on PostgreSQL: NUL characters and a +21:22 offset it cannot store."""

    def test_nul_in_json_query_and_forms(self):
        count = Meeting.objects.count()
        # JSON bodies: Ninja reports the refusal as an unreadable body
        self.assert_error(self.api("post", "/api/v1/auth/token", {"username": "a\x00b", "password": "x"}), 400)
        self.assert_error(self.api("post", "/api/v1/meetings", {
            "title": "Họp\x00", "starts_at": "2026-12-01T08:00", "ends_at": "2026-12-01T10:00"}, user=self.owner),
            400)
        self.assert_error(self.api("get", "/api/v1/meetings?q=a%00b", user=self.owner), 400)
        response = self.client_for(self.owner).post(self.url("/documents"), {"file": _upload(), "title": "a\x00"})
        self.assert_error(response, 400, "invalid")
        self.assertEqual(Meeting.objects.count(), count)
        self.assertFalse(DocumentVersion.objects.exists())

    def test_nul_on_pages_is_a_vietnamese_400(self):
        client = self.client_for(self.owner)
        self.assertContains(client.get("/meetings/?q=a%00b"), "Yêu cầu không hợp lệ", status_code=400)
        page = client.post(f"/meetings/{self.meeting.pk}/cancel/", {"reason": "x\x00"})
        self.assertContains(page, "Yêu cầu không hợp lệ", status_code=400)
        self.assertEqual(Meeting.objects.get(pk=self.meeting.pk).status, Meeting.Status.DRAFT)

    def test_offset_beyond_what_postgresql_stores(self):
        response = self.api("post", "/api/v1/meetings", {
            "title": "Họp", "starts_at": "2295-09-28T07:46:06+21:22", "ends_at": "2295-09-28T09:46:06+21:22"},
            user=self.owner)
        self.assertEqual(response.status_code, 201, response.content[:300])
        meeting = Meeting.objects.get(pk=response.json()["id"])
        self.assertEqual(meeting.starts_at.isoformat(), "2295-09-27T10:24:06+00:00")


class WeekPageTests(PrepTestCase):
    def test_last_day_of_the_calendar_is_a_vietnamese_400(self):
        for value in ("9999-12-31", "0001-01-01", "3000-01-01"):
            with self.subTest(d=value):
                page = self.client_for(self.owner).get(f"/meetings/week/?d={value}")
                self.assertEqual(page.status_code, 400)
                self.assertContains(page, "Hãy nhập", status_code=400)

    def test_list_page_ignores_dates_past_the_calendar(self):
        # list filters are lenient (as for any date that is not one): ignored, never a 500
        page = self.client_for(self.owner).get("/meetings/?from=9999-12-31&to=0001-01-01&when=any")
        self.assertContains(page, self.meeting.title)

    def test_ordinary_week(self):
        page = self.client_for(self.owner).get("/meetings/week/?d=2026-12-02")
        self.assertEqual(page.status_code, 200)
        # not a date at all: this week, as before
        self.assertEqual(self.client_for(self.owner).get("/meetings/week/?d=2026-13-45").status_code, 200)

    def test_anonymous_is_sent_to_sign_in(self):
        self.assertEqual(Client().get("/meetings/week/?d=9999-12-31").status_code, 302)


class MultipartTests(PrepTestCase):
    def setUp(self):
        super().setUp()
        self.token = do_issue_api_token(actor=self.owner)[1]

    def post_raw(self, path: str, body: bytes, content_type: str, *, client: Client | None = None,
                 token: bool = True):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if token else {}
        return (client or Client()).generic("POST", path, body, content_type=content_type, **headers)

    def test_api_without_boundary(self):
        for path in (self.url("/documents"), "/api/v1/verify", "/api/v1/opinions",
                     self.url("/conclusion/attachments"), "/api/v1/signing/documents"):
            with self.subTest(path=path):
                response = self.post_raw(path, b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--",
                                         NO_BOUNDARY)
                self.assert_error(response, 400, "bad_request")
        self.assertFalse(DocumentVersion.objects.exists())

    def test_api_without_boundary_anonymous_verify(self):
        response = self.post_raw("/api/v1/verify", b"garbage", NO_BOUNDARY, token=False)
        self.assert_error(response, 400, "bad_request")

    def test_page_without_boundary_is_a_vietnamese_400(self):
        client = self.client_for(self.owner)
        response = self.post_raw(f"/meetings/{self.meeting.pk}/documents/", b"garbage", NO_BOUNDARY,
                                 client=client, token=False)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Yêu cầu không hợp lệ", status_code=400)

    def test_five_thousand_character_file_name(self):
        name = "t" * 5000 + ".pdf"
        response = self.client_for(self.owner).post(self.url("/documents"), {"file": _upload(name)})
        self.assertEqual(response.status_code, 201, response.content[:300])
        version = DocumentVersion.objects.get()
        self.assertLessEqual(len(version.original_name), 255)
        self.assertTrue(version.original_name.endswith(".pdf"))
        verify = self.client_for(self.owner).post("/api/v1/verify", {"file": _upload(name)})
        self.assertEqual(verify.status_code, 200, verify.content[:300])
        self.assertLessEqual(len(verify.json()["file"]), 255)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
    def test_too_big_form_on_a_page_is_a_vietnamese_413(self):
        page = self.client_for(self.owner).post(f"/meetings/{self.meeting.pk}/cancel/", {"reason": "x" * 4096})
        self.assertContains(page, "Nội dung yêu cầu quá lớn", status_code=413)
        self.assertEqual(Meeting.objects.get(pk=self.meeting.pk).status, Meeting.Status.DRAFT)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
    def test_too_big_json_body_is_413(self):
        body = json.dumps({"text": "x" * 4096})
        response = self.client_for(self.owner).post("/api/v1/notes", body, content_type="application/json")
        self.assert_error(response, 413, "too_large")


class ErrorHandlerTests(PrepTestCase):
    def test_unknown_api_path_is_the_envelope(self):
        self.assert_error(Client().get("/api/v2/nothing"), 404, "not_found")

    def test_pages_get_vietnamese_error_templates(self):
        from django.test import RequestFactory

        from ecabinet import error_pages

        request = RequestFactory().get("/meetings/x/")
        for view, status, text in ((error_pages.bad_request, 400, "Yêu cầu không hợp lệ"),
                                   (error_pages.permission_denied, 403, "Không có quyền truy cập"),
                                   (error_pages.page_not_found, 404, "Không tìm thấy trang")):
            with self.subTest(status=status):
                request.user = self.owner
                response = view(request, Exception())
                self.assertEqual(response.status_code, status)
                self.assertIn(text, response.content.decode())
        with self.assertNumQueries(0):
            response = error_pages.server_error(RequestFactory().get("/meetings/"))
        self.assertEqual(response.status_code, 500)
        self.assertIn("Lỗi máy chủ", response.content.decode())
        api = error_pages.server_error(RequestFactory().get("/api/v1/meetings"))
        self.assertEqual(json.loads(api.content)["error"]["code"], "server_error")


class CleanFileNameTests(PrepTestCase):
    def test_names(self):
        self.assertEqual(clean_file_name("Tờ trình số 12.pdf"), "Tờ trình số 12.pdf")
        self.assertEqual(clean_file_name("../../etc/passwd"), "passwd")
        self.assertEqual(clean_file_name("C:\\Users\\a\\Báo cáo.pdf"), "Báo cáo.pdf")
        self.assertEqual(clean_file_name("a\x00b\nc.pdf"), "abc.pdf")
        self.assertEqual(clean_file_name("", default="upload.pdf"), "upload.pdf")
        long = clean_file_name("a" * 5000 + ".pdf")
        self.assertEqual(len(long), 255)
        self.assertTrue(long.endswith(".pdf"))
        self.assertEqual(len(clean_file_name("x." + "y" * 300)), 255)


def _upload(name: str = "to-trinh.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, make_pdf(1), content_type="application/pdf")
