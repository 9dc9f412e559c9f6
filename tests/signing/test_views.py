"""Signing pages: access for owner / participant / outsider / anonymous, forms, the public pages."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from meetings.models import Document
from signing.models import SigningRequest
from tests.kit.cases import PIN, SigningTestCase
from tests.kit.files import make_pdf
from tests.kit.users import PASSWORD


class PageAccessTests(SigningTestCase):
    def setUp(self) -> None:
        self.request_id = self.ask(self.minutes, [self.member, self.chair], user=self.secretary).json()["id"]

    def test_anonymous_is_sent_to_login(self):
        for url in ("/signing/", f"/signing/documents/{self.minutes.pk}/", f"/signing/requests/{self.request_id}/",
                    "/signing/certificate/", f"/signing/documents/{self.minutes.pk}/file"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/login/", response["Location"])
        response = self.client.post(f"/signing/documents/{self.minutes.pk}/sign/", {"pin": PIN})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.minutes.versions.count(), 1)

    def test_outsider_gets_404_without_the_title(self):
        client = self.client_for(self.outsider)
        for url in (f"/signing/documents/{self.minutes.pk}/", f"/signing/requests/{self.request_id}/",
                    f"/signing/documents/{self.minutes.pk}/file"):
            response = client.get(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn(self.minutes.title, response.content.decode())
        self.assertEqual(client.post(f"/signing/documents/{self.minutes.pk}/sign/", {"pin": PIN}).status_code, 404)
        self.assertEqual(client.post(f"/signing/requests/{self.request_id}/cancel/").status_code, 404)

    def test_signer_sees_pending_and_signs_through_the_form(self):
        client = self.client_for(self.member)
        home = client.get("/signing/")
        self.assertContains(home, self.minutes.title)
        self.assertContains(home, 'data-testid="batch-sign"')
        page = client.get(f"/signing/documents/{self.minutes.pk}/")
        self.assertContains(page, 'data-testid="sign-button"')
        self.assertNotContains(page, "signers_text")  # members do not ask for signatures
        wrong = client.post(f"/signing/documents/{self.minutes.pk}/sign/", {"pin": "sai-sai-sai"}, follow=True)
        self.assertContains(wrong, "PIN")
        self.assertEqual(self.minutes.versions.count(), 1)
        response = client.post(f"/signing/documents/{self.minutes.pk}/sign/", {"pin": PIN, "reason": "Đồng ý"},
                               follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.minutes.versions.count(), 2)
        pdf = client.get(f"/signing/documents/{self.minutes.pk}/file?version=2")
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(b"".join(pdf.streaming_content).startswith(b"%PDF"))

    def test_chair_out_of_turn_sees_the_reason(self):
        response = self.client_for(self.chair).post(f"/signing/documents/{self.minutes.pk}/sign/", {"pin": PIN},
                                                     follow=True)
        self.assertContains(response, "Trần Thị Thành Viên")  # waiting for the member
        self.assertEqual(self.minutes.versions.count(), 1)

    def test_request_page_decline_cancel_remind(self):
        member = self.client_for(self.member)
        page = member.get(f"/signing/requests/{self.request_id}/")
        self.assertContains(page, 'data-testid="request-status"')
        self.assertContains(page, "decline-reason")
        self.assertNotContains(page, "cancel-reason")
        # not theirs to cancel: the refusal handler's 403 page (a refusal of who may, not of input)
        self.assertEqual(member.post(f"/signing/requests/{self.request_id}/cancel/").status_code, 403)
        self.assertEqual(SigningRequest.objects.get(pk=self.request_id).status, "open")
        secretary = self.client_for(self.secretary)
        self.assertContains(secretary.get(f"/signing/requests/{self.request_id}/"), "cancel-reason")
        secretary.post(f"/signing/requests/{self.request_id}/remind/")
        member.post(f"/signing/requests/{self.request_id}/decline/", {"reason": "Chưa đủ thông tin"})
        self.assertEqual(SigningRequest.objects.get(pk=self.request_id).status, "declined")
        self.assertEqual(member.post(f"/signing/requests/{self.request_id}/bogus/").status_code, 404)

    def test_request_form_next_stays_on_site(self):
        secretary = self.client_for(self.secretary)
        # the first reminder is sent (back to the request); the next ones are refused (sent less than
        # 10 minutes ago) and the refusal handler, finding no safe `next` or Referer, goes home
        expected = [f"/signing/requests/{self.request_id}/", "/", "/"]
        for target, location in zip(("//evil.example", "https://evil.example/", "/\\evil.example"), expected,
                                    strict=True):
            response = secretary.post(f"/signing/requests/{self.request_id}/remind/", {"next": target})
            self.assertEqual(response["Location"], location)
        response = secretary.post(f"/signing/requests/{self.request_id}/remind/", {"next": "/signing/"})
        self.assertEqual(response["Location"], "/signing/")

    def test_runner_creates_request_from_document_page(self):
        SigningRequest.objects.filter(pk=self.request_id).update(status="cancelled")
        client = self.client_for(self.secretary)
        self.assertContains(client.get(f"/signing/documents/{self.minutes.pk}/"), "signers_text")
        response = client.post(f"/signing/documents/{self.minutes.pk}/request/",
                               {"signers_text": "member\nchair", "sequential": "1"})
        self.assertEqual(response.status_code, 302)
        created = SigningRequest.objects.filter(document=self.minutes, status="open").get()
        self.assertEqual([e.user.username for e in created.signers.order_by("order")], ["member", "chair"])
        bad = client.post(f"/signing/documents/{self.minutes.pk}/request/", {"signers_text": "ai-do"}, follow=True)
        self.assertEqual(bad.status_code, 200)
        self.assertEqual(self.client_for(self.member).post(
            f"/signing/documents/{self.minutes.pk}/request/", {"signers_text": "chair"}).status_code, 403)
        self.assertEqual(SigningRequest.objects.filter(document=self.minutes).count(), 2)

    def test_upload_own_document(self):
        client = self.client_for(self.owner)
        response = client.post("/signing/upload/", {"title": "Công văn số 12",
                                                     "file": SimpleUploadedFile("cv.pdf", make_pdf(1))})
        self.assertEqual(response.status_code, 302)
        self.assertContains(client.get(response["Location"]), "Công văn số 12")
        count = Document.objects.count()
        bad = client.post("/signing/upload/", {"file": SimpleUploadedFile("x.pdf", b"not a pdf")}, follow=True)
        # the intake's message, as on every upload, on the refusal page (415)
        self.assertContains(bad, "Tệp này không phải PDF", status_code=415)
        self.assertEqual(Document.objects.count(), count)

    def test_certificate_page(self):
        client = self.client_for(self.owner)
        self.assertContains(client.get("/signing/certificate/"), "Nguyễn Văn Chủ")
        bad = client.post("/signing/certificate/", {"action": "issue", "pin": "123", "pin_confirm": "123",
                                                    "password": PASSWORD})
        self.assertEqual(bad.status_code, 400)
        good = client.post("/signing/certificate/", {"action": "issue", "pin": "pin-moi-7777",
                                                     "pin_confirm": "pin-moi-7777", "password": PASSWORD})
        self.assertEqual(good.status_code, 302)
        bad_p12 = client.post("/signing/certificate/", {"action": "import", "pin": "pin-moi-8888",
                                                        "file_password": "x", "password": PASSWORD,
                                                        "file": SimpleUploadedFile("a.p12", b"garbage")})
        self.assertEqual(bad_p12.status_code, 400)


class PublicPagesTests(SigningTestCase):
    def test_login_page_links_to_verify(self):
        self.assertContains(self.client.get("/login/"), 'href="/verify/"')

    def test_verify_page_public_and_in_vietnamese(self):
        page = self.client.get("/verify/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Kiểm tra")
        document = self.make_own_document(self.owner)
        self.assertEqual(self.sign(document, self.owner).status_code, 201)
        data = self.latest_bytes(document)
        report = self.client.post("/verify/", {"file": SimpleUploadedFile("to-trinh.pdf", data)})
        self.assertContains(report, 'data-status="valid"')
        self.assertContains(report, "Nguyễn Văn Chủ")
        self.assertContains(report, "hợp lệ")
        garbage = self.client.post("/verify/", {"file": SimpleUploadedFile("x.pdf", b"\x00garbage")})
        self.assertContains(garbage, "Tệp này không phải PDF", status_code=415)
        self.assertNotContains(garbage, "data-status=", status_code=415)
        self.assertEqual(self.client.post("/verify/", {}).status_code, 400)
        unsigned = self.client.post("/verify/", {"file": SimpleUploadedFile("u.pdf", make_pdf(1))})
        self.assertContains(unsigned, 'data-status="unsigned"')

    def test_crl_is_public_der(self):
        from cryptography import x509

        response = self.client.get("/signing/crl.der")
        self.assertEqual(response["Content-Type"], "application/pkix-crl")
        x509.load_der_x509_crl(response.content)
