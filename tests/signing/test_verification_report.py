"""A verification report an official can read (issue 10 part 9, fn146): per signature the issuing
CA, the signer, the signing time in Vietnam time (timestamp or claimed), integrity, validity at
signing time and trust, in Vietnamese (English when asked), plain words instead of "PAdES B-LT"
and "Sig1"; the verifier's English errors become Vietnamese."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from signing.verification import explain, explain_signature
from tests.ecabinet.test_pages_vietnamese import (
    ALLOWED,
    EXTRA_ENGLISH,
    WORD,
    catalog_words,
    visible_words,
)
from tests.kit.cases import SigningTestCase
from tests.kit.files import encrypted_pdf

BASE = {"field": "Sig1", "signer": "Nguyễn Văn Chủ", "signed_at": "2026-11-30T02:15:02+00:00", "intact": True,
        "trusted": True, "modified_after": False, "coverage": "entire_file", "timestamped": True,
        "status": "valid", "signer_organization": "Sở Tài chính", "signer_unit": None,
        "issuer": "eCabinet CA", "issuer_organization": "UBND tỉnh Thử", "certificate_serial": "1A",
        "certificate_valid_from": "2026-01-01T00:00:00+00:00", "certificate_valid_to": "2029-01-01T00:00:00+00:00",
        "signed_at_source": "timestamp", "timestamp_authority": "TSA Thử", "timestamp_trusted": True,
        "chain_trusted": True, "certificate_at_signing": "valid", "revoked_at": None, "level": "B-LT"}


def lines(sig: dict) -> dict[str, str]:
    return {line["topic"]: f"{line['label']}: {line['text']}" for line in sig["details"]}


class ExplainTests(SigningTestCase):
    def test_timestamped_time_in_vietnam_time(self):
        with translation.override("vi"):
            out = explain_signature(BASE, 1)
        text = lines(out)
        self.assertEqual(out["signed_at_local"], "2026-11-30T09:15:02+07:00")
        self.assertTrue(text["time"].startswith(
            "Thời điểm ký (dấu thời gian): 09:15:02 ngày 30/11/2026 (giờ Việt Nam, UTC+7)"), text["time"])
        self.assertEqual(text["issuer"], "Tổ chức cung cấp dịch vụ chứng thực: eCabinet CA, UBND tỉnh Thử")
        self.assertEqual(text["signer"], "Người ký: Nguyễn Văn Chủ, Sở Tài chính")
        self.assertEqual(text["integrity"], "Toàn vẹn: tài liệu không bị thay đổi sau khi ký")
        self.assertIn("còn hiệu lực tại thời điểm ký", text["certificate"])
        self.assertIn("tổ chức chứng thực gốc được tin cậy", text["trust"])
        self.assertIn("Chữ ký có kèm dấu thời gian và thông tin kiểm tra hiệu lực dài hạn", text["level"])
        self.assertNotIn("B-LT", " ".join(text.values()))

    def test_claimed_time_is_labelled_as_claimed(self):
        sig = BASE | {"timestamped": False, "signed_at_source": "claimed", "timestamp_authority": None, "level": "B-B"}
        with translation.override("vi"):
            text = lines(explain_signature(sig, 1))
        self.assertIn("do máy tính của người ký ghi, chưa được chứng thực", text["time"])
        self.assertIn("09:15:02 ngày 30/11/2026", text["time"])

    def test_validity_at_signing_time(self):
        with translation.override("vi"):
            expired = lines(explain_signature(BASE | {"certificate_at_signing": "expired"}, 1))
            early = lines(explain_signature(BASE | {"certificate_at_signing": "not_yet_valid"}, 1))
            revoked = lines(explain_signature(BASE | {"certificate_at_signing": "revoked",
                                                      "revoked_at": "2026-06-01T00:00:00+00:00"}, 1))
            untrusted = lines(explain_signature(BASE | {"chain_trusted": False}, 1))
        self.assertIn("đã hết hạn ngày 01/01/2029", expired["certificate"])
        self.assertIn("chưa có hiệu lực", early["certificate"])
        self.assertIn("đã bị thu hồi ngày 01/06/2026", revoked["certificate"])
        self.assertIn("không thuộc tổ chức chứng thực gốc", untrusted["trust"])

    def test_no_name_no_sig1(self):
        with translation.override("vi"):
            self.assertEqual(explain_signature(BASE | {"signer": None}, 2)["name"], "Chữ ký số 2")

    def test_english(self):
        with translation.override("en"):
            out = explain({"file": "x.pdf", "status": "valid", "error": None, "signatures": [BASE]})
        text = lines(out["signatures"][0])
        self.assertIn("09:15:02 on 30/11/2026 (Vietnam time, UTC+7)", text["time"])
        self.assertEqual(text["integrity"], "Integrity: the document was not changed after signing")

    def test_errors_in_vietnamese(self):
        with translation.override("vi"):
            for error in ("encrypted PDF (password required)", "cannot read the PDF: bad xref", "validation failed",
                          "validation timed out", "file too large"):
                report = explain({"file": "x.pdf", "status": "error", "error": error, "signatures": []})
                self.assertEqual(report["error"], error)  # the stable field as it was
                self.assertNotIn("PDF (", report["error_message"])
                self.assertRegex(report["error_message"], "[ệạằốđ]")


class PageAndApiTests(SigningTestCase):
    def signed(self) -> bytes:
        document = self.make_own_document(self.owner)
        self.assertEqual(self.sign(document, self.owner).status_code, 201)
        return self.latest_bytes(document)

    def post(self, data: bytes, name: str = "to-trinh.pdf", language: str = "vi"):
        client = Client(headers={"accept-language": language})
        client.cookies["django_language"] = language
        return client.post("/verify/", {"file": SimpleUploadedFile(name, data)})

    def test_real_signature_in_vietnamese_without_english(self):
        response = self.post(self.signed())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for text in ("Tổ chức cung cấp dịch vụ chứng thực", "Người ký", "Nguyễn Văn Chủ", "Toàn vẹn",
                     "tài liệu không bị thay đổi sau khi ký", "còn hiệu lực tại thời điểm ký",
                     "(giờ Việt Nam, UTC+7)", "do máy tính của người ký ghi", "tổ chức chứng thực gốc được tin cậy"):
            self.assertIn(text, html)
        self.assertIn('data-signed-at="', html)
        self.assertRegex(html, r'data-signed-at="[^"]+\+07:00"')
        self.assertNotIn("Sig1", html)
        english, vietnamese = catalog_words()
        english = (english | EXTRA_ENGLISH) - vietnamese - ALLOWED
        from signing.models import TrustRoot

        data = " ".join(["to trinh pdf eCabinet CA", *TrustRoot.objects.values_list("name", flat=True)])
        names = {w.lower() for w in WORD.findall(data)}
        left = {w for w in visible_words(html) if len(w) >= 3 and w.lower() in english and w.lower() not in names}
        self.assertEqual(left, set())

    def test_english_page(self):
        html = self.post(self.signed(), language="en").content.decode()
        self.assertIn("Certification service provider", html)
        self.assertIn("(Vietnam time, UTC+7)", html)

    def test_tampered(self):
        data = bytearray(self.signed())
        pos = data.index(b"/MediaBox")
        data[pos + 2] ^= 0x20
        html = self.post(bytes(data)).content.decode()
        self.assertIn("tài liệu đã bị thay đổi sau khi ký", html)
        self.assertNotIn('data-status="valid"', html)

    def test_encrypted_and_not_pdf(self):
        html = self.post(encrypted_pdf()).content.decode()
        self.assertIn("được bảo vệ bằng mật khẩu", html)
        self.assertNotIn("encrypted PDF", html)
        garbage = self.post(b"\x00 not a pdf", "x.pdf")
        self.assertEqual(garbage.status_code, 415)
        self.assertIn("không phải PDF", garbage.content.decode())

    def test_api_keeps_fields_and_adds_the_readers(self):
        response = Client(headers={"accept-language": "vi"}).post(
            "/api/v1/verify", {"file": SimpleUploadedFile("to-trinh.pdf", self.signed())})
        self.assertEqual(response.status_code, 200, response.content)
        sig = response.json()["signatures"][0]
        self.assertTrue(sig["signed_at"].endswith("+00:00"))
        self.assertTrue(sig["signed_at_local"].endswith("+07:00"))
        self.assertEqual(sig["field"], "Sig1")
        self.assertEqual(sig["certificate_at_signing"], "valid")
        self.assertTrue(sig["chain_trusted"])
        self.assertEqual(sig["signed_at_source"], "claimed")
        self.assertEqual(sig["level"], "B-B")
        self.assertIn("Toàn vẹn", [line["label"] for line in sig["details"]])
