"""Numbers typed into headers and hidden form fields: "²" and 5,000-digit strings are not
numbers, and no entry point answers them with a 500 (the fuzzer sends ASCII only)."""

from __future__ import annotations

from ecabinet.actions import do_issue_api_token
from ecabinet.inputs import whole_number
from tests.kit.cases import BaseTestCase

NOT_NUMBERS = ["²", "١٢", "9" * 5000, "-1", "1.0", " ", "0x1"]


class WholeNumberTests(BaseTestCase):
    def test_only_ascii_digits_make_a_number(self) -> None:
        for value in NOT_NUMBERS:
            with self.subTest(value=value):
                self.assertIsNone(whole_number(value))
        self.assertEqual(whole_number(" 42 "), 42)
        self.assertIsNone(whole_number("1" * 19))

    def test_minutes_if_match_header(self) -> None:
        token = do_issue_api_token(actor=self.owner)[1]
        for value in NOT_NUMBERS:
            with self.subTest(value=value):
                response = self.api("put", "/api/v1/meetings/1/minutes", {"text": "x"}, token=token,
                                    HTTP_IF_MATCH=value.encode().decode("latin-1"))
                self.assertLess(response.status_code, 500)
                self.assertIn("error", response.json())

    def test_minutes_page_version_field(self) -> None:
        client = self.client_for(self.owner)
        for verb in ("generate", "save", "freeze"):
            with self.subTest(verb=verb):
                response = client.post(f"/meetings/1/minutes/{verb}/", {"version": "²"})
                self.assertLess(response.status_code, 500)

    def test_certificate_page_service_and_sign_page_fields(self) -> None:
        client = self.client_for(self.owner)
        response = client.post("/signing/certificate/", {"action": "csc", "service": "²", "password": "x"})
        self.assertLess(response.status_code, 500)
        response = client.post("/signing/documents/1/sign/", {"page": "²", "pin": "123456"})
        self.assertLess(response.status_code, 500)
