"""The organisation's signature (signing/unit_seal.py): a unit's certificate issued by the
installation CA, its key held encrypted by the server, and papers sealed in the unit's name."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from ecabinet.errors import ActionError
from ecabinet.models import AuditEvent
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import trust_roots_pem
from signing.unit_seal import sign_as_unit
from tests.kit.cases import BaseTestCase
from tests.kit.factories import give_unit_certificate
from tests.kit.files import make_pdf


def appearance_xobjects(pdf: bytes) -> list:
    """The XObjects named in the resources of every signature widget's normal appearance."""
    found = []
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            widget = annot.get_object()
            if widget.get("/FT") != "/Sig":
                continue
            stack = [widget["/AP"]["/N"].get_object()]
            while stack:
                stream = stack.pop()
                for obj in (stream.get("/Resources") or {}).get("/XObject", {}).values():
                    obj = obj.get_object()
                    found.append(obj)
                    if obj.get("/Subtype") == "/Form":
                        stack.append(obj)
    return found


class SignAsUnitTests(BaseTestCase):
    def test_sealed_pdf_validates_and_names_the_unit(self):
        give_unit_certificate(self.department, by=self.admin)
        signed = sign_as_unit(make_pdf(1, "Thông báo kết luận"), unit=self.department, actor=self.admin,
                              field_name=None, reason="Ban hành thông báo")
        report = verify_pdf_bytes(signed, trust_roots=[trust_roots_pem().encode()])
        assert report["status"] == "valid", report
        sig = report["signatures"][0]
        assert "Sở Tài chính" in str(sig), sig
        assert AuditEvent.objects.filter(action="signing.unit_seal").count() == 1

    def test_no_certificate_is_refused(self):
        with self.assertRaises(ActionError) as ctx:
            sign_as_unit(make_pdf(1), unit=self.other_unit, actor=self.admin, field_name=None, reason="x")
        assert ctx.exception.code == "no_unit_certificate"


class SealAppearanceTests(BaseTestCase):
    def test_seal_image_is_in_the_appearance_and_pdfsig_accepts(self):
        from signing.actions.images import do_set_seal_image
        from tests.kit.files import image_upload, seal_png

        give_unit_certificate(self.department, by=self.admin)
        do_set_seal_image(self.department, actor=self.admin, upload=image_upload(seal_png(), "con-dau.png"))
        signed = sign_as_unit(make_pdf(1, "Giấy mời"), unit=self.department, actor=self.admin,
                              field_name=None, reason="Ban hành giấy mời")
        images = [x for x in appearance_xobjects(signed) if x.get("/Subtype") == "/Image"]
        assert images and images[0].get("/SMask") is not None
        Path("/tmp/seal/sealed.pdf").write_bytes(signed)
