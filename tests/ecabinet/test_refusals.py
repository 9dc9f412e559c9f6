"""The one refusal handler (ecabinet/refusals.py) and the one input parser (parse_input)."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.http import QueryDict
from django.test import RequestFactory, SimpleTestCase, override_settings
from django.utils import translation
from ninja import Schema

from ecabinet.errors import ActionError, ConflictError, NotFoundError, PermissionDeniedError
from ecabinet.inputs import Id, parse_input
from ecabinet.refusals import FormPage, RefusalMiddleware, refusal_response


class Change(Schema):
    title: str
    seats: int
    members: list[Id] = []
    note: str | None = None


class ParseInputTests(SimpleTestCase):
    def test_a_form_parses_like_the_api(self):
        data = QueryDict(mutable=True)
        data.update({"title": "Họp giao ban", "seats": "12", "csrfmiddlewaretoken": "x", "note": ""})
        data.setlist("members", ["3", "4"])
        change = parse_input(Change, data)
        self.assertEqual((change.title, change.seats, change.members, change.note),
                         ("Họp giao ban", 12, [3, 4], None))
        self.assertEqual(parse_input(Change, {"title": "A", "seats": 1}).seats, 1)

    def test_bad_fields_are_named_in_vietnamese(self):
        with translation.override("vi"), self.assertRaises(ActionError) as caught:
            parse_input(Change, QueryDict("seats=abc&members=0"))
        exc = caught.exception
        self.assertEqual((exc.status, exc.code), (400, "bad_request"))
        fields = {f["field"]: f["message"] for f in exc.extra["fields"]}
        self.assertEqual(fields["title"], "Trường này là bắt buộc.")
        self.assertEqual(fields["seats"], "Nhập một số nguyên.")
        self.assertEqual(fields["members.0"], "Nhập giá trị không nhỏ hơn 1.")


@override_settings(ROOT_URLCONF="ecabinet.urls")
class RefusalResponseTests(SimpleTestCase):
    def setUp(self):
        self.factory = RequestFactory()

    def _post(self, **headers):
        request = self.factory.post("/meetings/1/edit/", {"title": "x"}, **headers)
        request.session = {}
        from django.contrib.messages.storage.fallback import FallbackStorage
        request._messages = FallbackStorage(request)
        return request

    def test_json_callers_get_the_envelope(self):
        request = self._post(HTTP_ACCEPT="application/json")
        response = refusal_response(request, ConflictError("stale", "Đã có người sửa trước.", extra={"version": 3}))
        self.assertEqual(response.status_code, 409)
        self.assertJSONEqual(response.content, {"error": {"code": "stale", "message": "Đã có người sửa trước.",
                                                          "version": 3}})

    def test_a_refused_form_post_goes_back_with_the_message(self):
        request = self._post(HTTP_REFERER="http://testserver/meetings/1/")
        response = refusal_response(request, ActionError("bad", "Sai rồi."))
        self.assertEqual((response.status_code, response["Location"]), (302, "http://testserver/meetings/1/"))
        self.assertEqual([m.message for m in get_messages(request)], ["Sai rồi."])

    def test_another_site_as_referer_is_not_followed(self):
        request = self._post(HTTP_REFERER="https://evil.example/")
        response = refusal_response(request, ActionError("bad", "Sai rồi."))
        self.assertEqual(response["Location"], "/")

    def test_not_found_leaks_nothing(self):
        with translation.override("vi"):
            response = refusal_response(self.factory.get("/meetings/9/"), NotFoundError("Cuộc họp bí mật X"))
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("bí mật X", response.content.decode())

    def test_forbidden_is_said_on_a_page(self):
        with translation.override("vi"):
            response = refusal_response(self.factory.get("/x/"), PermissionDeniedError("Chỉ thư ký mới được làm."))
        self.assertEqual(response.status_code, 403)
        self.assertIn("Chỉ thư ký mới được làm.", response.content.decode())

    def test_a_form_comes_back_with_its_values_and_field_errors(self):
        exc = ActionError("bad_request", "Dữ liệu sai.", extra={"fields": [{"field": "title", "message": "Bắt buộc."}]})
        request = self._post()
        response = refusal_response(request, exc, form=FormPage("refused.html", {"message": "ignored"}))
        self.assertEqual(response.status_code, 400)

    def test_the_middleware_answers_only_action_errors(self):
        middleware = RefusalMiddleware(lambda request: None)
        request = self.factory.get("/x/")
        self.assertIsNone(middleware.process_exception(request, ValueError("boom")))
        self.assertEqual(middleware.process_exception(request, PermissionDeniedError("Không.")).status_code, 403)
