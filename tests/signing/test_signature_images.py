"""Signature and seal images (ecabinet/intake.py:intake_image, signing/actions/images.py): a
transparent PNG only, refused otherwise with nothing stored; a person's image in their visible
signature."""

from __future__ import annotations

import io

from django.test import override_settings
from PIL import Image

from ecabinet.errors import ActionError
from ecabinet.intake import intake_image
from ecabinet.models import AuditEvent
from ecabinet.roles import UNIT_ADMIN
from signing.actions.images import do_remove_seal_image, do_set_seal_image, do_set_signature_image
from signing.models import SignatureImage
from tests.kit.cases import SigningTestCase
from tests.kit.files import image_upload, png_bytes, seal_png
from tests.kit.users import make_user
from tests.signing.test_unit_seal import image_xobjects


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 40), (255, 255, 255)).save(out, format="JPEG")
    return out.getvalue()


def huge_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (2500, 10), (0, 0, 0, 0)).save(out, format="PNG")
    return out.getvalue()


def five_megabytes() -> bytes:
    return png_bytes() + b"\0" * (5 * 1024 * 1024)


BAD_IMAGES = {
    "jpeg": (jpeg_bytes, 415, "image_not_png"),
    "no_alpha": (lambda: png_bytes(mode="RGB"), 400, "image_no_alpha"),
    "huge": (huge_png, 413, "image_too_many_pixels"),
    "truncated": (lambda: png_bytes()[:300], 400, "image_damaged"),
    "five_mb": (five_megabytes, 413, "image_too_large"),
    "pdf": (lambda: b"%PDF-1.7\n%%EOF\n", 415, "image_not_png"),
    "empty": (lambda: b"", 400, "image_empty"),
}


@override_settings(LANGUAGE_CODE="vi")
class IntakeTests(SigningTestCase):
    def test_a_transparent_png_is_accepted_and_re_encoded(self):
        checked = intake_image(image_upload(png_bytes(300, 100)))
        self.assertEqual((checked.width, checked.height), (300, 100))
        with Image.open(io.BytesIO(checked.png)) as picture:
            self.assertEqual((picture.format, picture.mode), ("PNG", "RGBA"))

    def test_a_palette_png_with_a_transparent_colour_is_accepted(self):
        out = io.BytesIO()
        Image.new("P", (50, 20), 0).save(out, format="PNG", transparency=0)
        self.assertEqual(intake_image(image_upload(out.getvalue())).width, 50)

    def test_bad_images_are_refused_with_nothing_stored(self):
        client = self.client_for(self.member)
        for name, (make, status, code) in BAD_IMAGES.items():
            with self.subTest(name), self.assertRaises(ActionError) as ctx:
                do_set_signature_image(actor=self.member, upload=image_upload(make(), f"{name}.png"))
            self.assertEqual((ctx.exception.status, ctx.exception.code), (status, code), name)
            response = client.post("/signing/certificate/", {"action": "signature_image",
                                                             "image": image_upload(make(), f"{name}.png")},
                                   headers={"accept-language": "vi"})
            self.assertEqual(response.status_code, status, name)
            self.assertContains(response, 'data-testid="page-error"', status_code=status)
        self.assertFalse(SignatureImage.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action__startswith="signing.signature_image").exists())

    def test_refusals_are_in_vietnamese(self):
        response = self.client_for(self.member).post(
            "/signing/certificate/", {"action": "signature_image", "image": image_upload(png_bytes(mode="RGB"))},
            headers={"accept-language": "vi"})
        self.assertContains(response, "không có nền trong suốt", status_code=400)
        response = self.client_for(self.member).post(
            "/signing/certificate/", {"action": "signature_image"}, headers={"accept-language": "vi"})
        self.assertContains(response, "Hãy chọn một hình ảnh PNG", status_code=400)


class SignatureImageTests(SigningTestCase):
    def test_upload_show_replace_remove_on_my_certificate_page(self):
        client = self.client_for(self.member)
        self.assertEqual(client.get("/signing/certificate/signature.png").status_code, 404)
        response = client.post("/signing/certificate/", {"action": "signature_image", "image": image_upload(png_bytes())})
        self.assertRedirects(response, "/signing/certificate/", fetch_redirect_response=False)
        first = SignatureImage.objects.get(user=self.member)
        page = client.get("/signing/certificate/")
        self.assertContains(page, 'data-testid="signature-image"')
        image = client.get("/signing/certificate/signature.png")
        self.assertEqual(image["Content-Type"], "image/png")
        self.assertEqual(bytes(image.content), bytes(first.png))
        client.post("/signing/certificate/", {"action": "signature_image", "image": image_upload(png_bytes(400, 120))})
        self.assertEqual(SignatureImage.objects.get(user=self.member).width, 400)
        self.assertEqual(SignatureImage.objects.count(), 1)
        client.post("/signing/certificate/", {"action": "remove_signature_image"})
        self.assertFalse(SignatureImage.objects.exists())
        self.assertEqual(
            list(AuditEvent.objects.filter(action__startswith="signing.signature_image").values_list("action", flat=True)),
            ["signing.signature_image_set", "signing.signature_image_set", "signing.signature_image_remove"])
        # removing what is not there
        again = client.post("/signing/certificate/", {"action": "remove_signature_image"})
        self.assertEqual(again.status_code, 404)

    def test_only_ones_own_image_is_served(self):
        do_set_signature_image(actor=self.member, upload=image_upload(png_bytes()))
        self.assertEqual(self.client_for(self.outsider).get("/signing/certificate/signature.png").status_code, 404)
        anonymous = self.client.get("/signing/certificate/signature.png")
        self.assertEqual(anonymous.status_code, 302)
        self.assertEqual(self.client.post("/signing/certificate/", {"action": "signature_image",
                                                                    "image": image_upload(png_bytes())}).status_code,
                         302)
        self.assertEqual(SignatureImage.objects.count(), 1)

    def test_a_personal_signature_shows_the_uploaded_image(self):
        document = self.make_own_document(self.member)
        response = self.sign(document, self.member)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(image_xobjects(self.latest_bytes(document)), [])

        do_set_signature_image(actor=self.member, upload=image_upload(png_bytes()))
        document = self.make_own_document(self.member, "Tờ trình có chữ ký")
        response = self.sign(document, self.member)
        self.assertEqual(response.status_code, 201, response.content)
        signed = self.latest_bytes(document)
        images = image_xobjects(signed)
        self.assertEqual(len(images), 1)
        self.assertIsNotNone(images[0].get("/SMask"))
        from signing.pdf.verify import verify_pdf_bytes
        from signing.trust import trust_roots_pem

        self.assertEqual(verify_pdf_bytes(signed, trust_roots=[trust_roots_pem().encode()])["status"], "valid")


class SealImageTests(SigningTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit_admin = make_user("unitadmin", unit=cls.department, roles=(UNIT_ADMIN,))
        cls.other_admin = make_user("otheradmin", unit=cls.other_unit, roles=(UNIT_ADMIN,))

    def url(self, verb: str) -> str:
        return f"/signing/units/{self.department.pk}/{verb}/"

    def test_unit_admin_uploads_replaces_and_removes_the_seal(self):
        client = self.client_for(self.unit_admin)
        response = client.post(self.url("seal"), {"image": image_upload(seal_png(), "con-dau.png")})
        self.assertRedirects(response, "/signing/units/", fetch_redirect_response=False)
        row = SignatureImage.objects.get(unit=self.department)
        self.assertEqual(row.kind, SignatureImage.Kind.SEAL)
        client.post(self.url("seal"), {"image": image_upload(seal_png(200), "con-dau.png")})
        self.assertEqual(SignatureImage.objects.get(unit=self.department).width, 200)
        client.post(self.url("remove-seal"))
        self.assertFalse(SignatureImage.objects.filter(unit=self.department).exists())
        self.assertEqual(AuditEvent.objects.filter(action__startswith="signing.seal_image").count(), 3)

    def test_others_may_not_touch_the_seal(self):
        do_set_seal_image(self.department, actor=self.admin, upload=image_upload(seal_png()))
        for user in (self.other_admin, self.member, self.owner):
            self.assertEqual(self.client_for(user).post(self.url("seal"), {"image": image_upload(seal_png(100))})
                             .status_code, 404, user.username)
            self.assertEqual(self.client_for(user).post(self.url("remove-seal")).status_code, 404)
            with self.assertRaises(ActionError) as ctx:
                do_remove_seal_image(self.department, actor=user)
            self.assertEqual(ctx.exception.status, 403)
        self.assertEqual(self.client.post(self.url("seal")).status_code, 302)  # anonymous: to the login page
        self.assertEqual(SignatureImage.objects.get(unit=self.department).width, 300)

    def test_a_bad_seal_is_refused_with_the_page_again(self):
        response = self.client_for(self.unit_admin).post(
            self.url("seal"), {"image": image_upload(jpeg_bytes(), "con-dau.jpg")}, headers={"accept-language": "vi"})
        self.assertContains(response, "Chỉ chấp nhận hình ảnh PNG", status_code=415)
        self.assertContains(response, "Sở Tài chính", status_code=415)
        self.assertFalse(SignatureImage.objects.exists())
