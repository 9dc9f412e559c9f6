"""The papers of record in the Decree 30/2020 layout (ecabinet.paper), and the minutes' signatures
in their own blocks: empty fields made at freeze at the THƯ KÝ / CHỦ TRÌ blocks, each signer's
visible signature in its field, both valid in verify_pdf and poppler's pdfsig."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, date, datetime

from cryptography.hazmat.primitives import serialization
from pypdf import PdfReader

from ecabinet import paper
from meetings.models import Document
from signing.minutes_pdf import FIELD_CHAIR, FIELD_SECRETARY, text_to_html
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots
from tests.conftest import require_tool
from tests.kit.meetings import ITEM1_CONCLUSION, run_meeting
from tests.signing.test_minutes import MinutesTestCase, url

MM = 72 / 25.4

HEAD = paper.PaperHead(
    authority="Ủy ban nhân dân huyện Hòa Bình", issuer="Ủy ban nhân dân xã An Phước", kind="Thông báo",
    summary="Kết luận của Chủ tịch tại cuộc họp giao ban", number="05/TB-UBND", place="An Phước",
    date=datetime(2026, 2, 3, 20, 30, tzinfo=UTC),  # 4 February in Vietnam
)
BODY = (
    "<h2>I. Nội dung</h2><p>Đồng chí <strong>Nguyễn Văn Ánh</strong> <em>chủ trì</em> <u>cuộc họp</u>; "
    "các đại biểu thống nhất chuyển đổi số.</p>"
    "<ul><li><p>Mục một: ể ỗ ự ỹ</p></li><li><p>Mục hai</p></li></ul><ol><li><p>Thứ nhất</p></li></ol>"
    "<blockquote><p>Ý kiến trích dẫn.</p></blockquote>"
    "<table><tr><th>Họ và tên</th><th>Chức vụ</th></tr><tr><td>Lê Thị Bình</td><td>Thư ký</td></tr></table>"
    "<h3>Tiểu mục</h3><script>alert(1)</script><p>Kết thúc<br>dòng mới.</p>"
)
SLOT = paper.SignerBlock("CoQuan", "TM. Ủy ban nhân dân", "Chủ tịch", "Nguyễn Văn Ánh")


def text_of(data: bytes, *, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    if layout:
        args.append("-layout")
    out = subprocess.run([*args, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return out if layout else " ".join(out.split())


def words(data: bytes, page: int) -> list[tuple[str, float, float, float, float]]:
    """pdftotext -bbox: (word, x1, y1, x2, y2) in points from the top-left corner."""
    import re

    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"], input=data,
                         capture_output=True, check=True).stdout.decode()
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in found]


def sig_fields(data: bytes) -> dict[str, tuple[int, tuple[float, ...], bool]]:
    reader = PdfReader(io.BytesIO(data))
    out: dict[str, tuple[int, tuple[float, ...], bool]] = {}
    for ix, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/FT") == "/Sig":
                out[str(a["/T"])] = (ix, tuple(float(v) for v in a["/Rect"]), a.get("/V") is not None)
    return out


def test_header_title_body_and_closing_in_decree_30_order() -> None:
    require_tool("pdftotext", "poppler-utils")
    rendered = paper.render(HEAD, BODY, slots=[SLOT], recipients=["Như trên", "Lưu: VT"])
    text = text_of(rendered.pdf)
    expected = ["ỦY BAN NHÂN DÂN HUYỆN HÒA BÌNH", "ỦY BAN NHÂN DÂN XÃ AN PHƯỚC", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc", "Số: 05/TB-UBND", "An Phước, ngày 04 tháng 02 năm 2026",
                "THÔNG BÁO", "Kết luận của Chủ tịch tại cuộc họp giao ban", "I. Nội dung", "Nguyễn Văn Ánh chủ trì",
                "Mục một: ể ỗ ự ỹ", "Thứ nhất", "Ý kiến trích dẫn.", "Họ và tên", "Lê Thị Bình", "Tiểu mục",
                "Kết thúc", "dòng mới.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    for part in expected:
        assert part in text, part
    assert "alert" not in text
    # in the order of the form (the header's two columns are read left column first)
    assert text.index("THÔNG BÁO") < text.index("I. Nội dung") < text.index("Kết thúc") < text.index("CHỦ TỊCH")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (210, 297)  # A4
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all("Tinos" in f for f in fonts), fonts  # Times New Roman metrics, embedded
    assert all("/FontFile2" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
               for f in reader.pages[0]["/Resources"]["/Font"].values())


def test_margins_sizes_and_page_numbers_from_page_two() -> None:
    require_tool("pdftotext", "poppler-utils")
    long = "Nguyễn Văn Chủ, Sở Tài chính: phát biểu lúc 07 giờ 59 phút, thời lượng 1 giờ 02 phút. " * 3
    body = (f"<ul><li><p>{long}</p><ul><li><p>{long}</p></li></ul></li></ul><blockquote><p>{long}</p></blockquote>"
            + "".join(f"<p>Đoạn văn thứ {i} của biên bản, đủ dài để xuống dòng và căn đều hai bên lề giấy.</p>"
                      for i in range(60)))
    rendered = paper.render(HEAD, body, slots=[SLOT])
    assert rendered.pages >= 2
    first = words(rendered.pdf, 1)
    # no page number on page 1; body text between the left (30 mm) and right (15 mm) margins
    body_words = [w for w in first if w[0] == "Đoạn"]
    assert body_words
    assert min(w[1] for w in body_words) >= 30 * MM - 1
    assert max(w[3] for w in first if w[2] > 60 * MM) <= (210 - 15) * MM + 1
    assert max(w[4] for w in first) <= (297 - 20) * MM + 1  # bottom margin
    second = words(rendered.pdf, 2)
    top = min(second, key=lambda w: w[2])
    assert top[0] == "2" and top[4] < 20 * MM  # centred in the top margin
    assert abs((top[1] + top[3]) / 2 - (30 + (210 - 45) / 2) * MM) < 3 * MM
    assert text_of(rendered.pdf, first=2, last=2).startswith("2 ")


def test_dates_and_numbers_as_the_decree_writes_them() -> None:
    assert paper.date_line("Hà Nội", date(2026, 3, 5)) == "Hà Nội, ngày 05 tháng 3 năm 2026"
    assert paper.date_line("Hà Nội", date(2026, 1, 15)) == "Hà Nội, ngày 15 tháng 01 năm 2026"
    assert paper.date_line("Hà Nội", date(2026, 12, 31)) == "Hà Nội, ngày 31 tháng 12 năm 2026"
    assert paper.date_line("", None).startswith("ngày ")
    assert paper.number_line(paper.PaperHead(issuer="x", number="12/BB-UBND")) == "Số: 12/BB-UBND"
    assert paper.number_line(paper.PaperHead(issuer="x", number="Số: 12/BB-UBND")) == "Số: 12/BB-UBND"
    assert paper.number_line(paper.PaperHead(issuer="x", notation="BB-UBND")).endswith("/BB-UBND")


def test_two_signers_make_two_fields_at_their_blocks() -> None:
    require_tool("pdftotext", "poppler-utils")
    slots = [paper.SignerBlock("ThuKy", "Thư ký", "", "Lê Thị Bình"),
             paper.SignerBlock("ChuTri", "Chủ trì", "", "Nguyễn Văn Ánh")]
    rendered = paper.render(HEAD, BODY, slots=slots, recipients=["Lưu: VT"])
    data = rendered.with_fields()
    found = sig_fields(data)
    assert set(found) == {"ThuKy", "ChuTri"}
    for place in rendered.fields:
        page, rect, filled = found[place.name]
        assert page == place.page and not filled
        assert all(abs(a - b) < 0.5 for a, b in zip(rect, place.box, strict=True))
    thuky, chutri = found["ThuKy"][1], found["ChuTri"][1]
    assert thuky[2] <= 30 * MM + (210 - 45) / 2 * MM + 1 < chutri[0]  # left block, right block
    # each box lies between its block's label and its name
    page_words = words(data, found["ThuKy"][0] + 1)
    height = 297 * MM
    label = next(w for w in page_words if w[0] == "THƯ")
    name = next(w for w in page_words if w[0] == "Bình" and w[2] > label[2] and thuky[0] <= w[1] <= thuky[2])
    assert label[4] <= height - thuky[3] + 1 and height - thuky[1] <= name[2] + 1
    assert thuky[0] <= label[1] and label[3] <= thuky[2]


def test_render_html_is_the_same_paper_escaped() -> None:
    head = paper.PaperHead(issuer="UBND xã <b>A</b>", kind="Biên bản", summary="Họp & bàn", place="A",
                           date=date(2026, 3, 5))
    html = str(paper.render_html(head, BODY, slots=[SLOT], recipients=["Lưu: VT"]))
    assert "UBND XÃ &lt;B&gt;A&lt;/B&gt;" in html and "Họp &amp; bàn" in html
    assert "<script" not in html and "<strong>Nguyễn Văn Ánh</strong>" in html
    for part in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "A, ngày 05 tháng 3 năm 2026", "BIÊN BẢN",
                 'data-field="CoQuan"', "Nơi nhận:", "- Lưu: VT."):
        assert part in html, part


def test_old_markdown_minutes_become_html() -> None:
    html = text_to_html("## I. Thành phần\nChủ trì: **Nguyễn Văn A**\n- một <b>\n- hai\n\n### Mục\nLẻ ** dấu")
    assert html == ("<h2>I. Thành phần</h2><p>Chủ trì: <strong>Nguyễn Văn A</strong></p>"
                    "<ul><li><p>một &lt;b&gt;</p></li><li><p>hai</p></li></ul><h3>Mục</h3><p>Lẻ ** dấu</p>")
    assert text_to_html(html) == html


class MinutesSignatureFieldsTests(MinutesTestCase):
    def test_fields_at_the_blocks_and_each_signature_in_its_own(self) -> None:
        require_tool("pdftotext", "poppler-utils")
        rec = run_meeting(self)
        self.generate(rec.meeting)
        frozen = self.api("post", url(rec.meeting, "/freeze"), user=self.secretary)
        self.assertEqual(frozen.status_code, 200, frozen.content[:500])
        document = Document.objects.get(pk=frozen.json()["document"])
        data = self.latest_bytes(document)
        self.assertIn(ITEM1_CONCLUSION, text_of(data))
        found = sig_fields(data)
        self.assertEqual(set(found), {FIELD_SECRETARY, FIELD_CHAIR})
        self.assertFalse(any(filled for _, _, filled in found.values()))
        (page, secretary_rect, _), (chair_page, chair_rect, _) = found[FIELD_SECRETARY], found[FIELD_CHAIR]
        self.assertEqual(page, chair_page)
        self.assertLess(secretary_rect[2], chair_rect[0])  # THƯ KÝ left, CHỦ TRÌ right
        height = float(PdfReader(io.BytesIO(data)).pages[page].mediabox.height)
        on_page = words(data, page + 1)
        for label, name, rect in (("THƯ", self.secretary.full_name.split()[-1], secretary_rect),
                                  ("CHỦ", self.chair.full_name.split()[-1], chair_rect)):
            top = next(w for w in on_page if w[0] == label and rect[0] <= w[1] <= rect[2])
            bottom = next(w for w in on_page if w[0] == name and rect[0] <= w[1] <= rect[2] and w[2] > top[2])
            self.assertLessEqual(top[4], height - rect[3] + 1)  # the label above the box
            self.assertLessEqual(height - rect[1], bottom[2] + 1)  # the name under it

        self.assertEqual(self.sign(document, self.secretary).status_code, 201)
        after_one = sig_fields(self.latest_bytes(document))
        self.assertTrue(after_one[FIELD_SECRETARY][2])
        self.assertFalse(after_one[FIELD_CHAIR][2])
        self.assertEqual(self.sign(document, self.chair).status_code, 201)
        signed = self.latest_bytes(document)
        after = sig_fields(signed)
        self.assertEqual(set(after), {FIELD_SECRETARY, FIELD_CHAIR})  # no new field in a corner
        self.assertEqual(after[FIELD_SECRETARY], (page, secretary_rect, True))
        self.assertEqual(after[FIELD_CHAIR], (page, chair_rect, True))
        # the visible signature is drawn in each box (an appearance stream with the signer's name)
        reader = PdfReader(io.BytesIO(signed))
        for annot in reader.pages[page]["/Annots"]:
            a = annot.get_object()
            if a.get("/FT") == "/Sig":
                self.assertIn("/N", a["/AP"])
        report = verify_pdf_bytes(signed, trust_roots=[*installation_trust_roots()])
        self.assertEqual(report["status"], "valid", report)
        self.assertEqual([s["signer"] for s in report["signatures"]], [self.secretary.full_name, self.chair.full_name])
        self.assertEqual([s["field"] for s in report["signatures"]], [FIELD_SECRETARY, FIELD_CHAIR])
        self._pdfsig(signed)

    def _pdfsig(self, signed: bytes) -> None:
        require_tool("pdfsig", "poppler-utils")
        require_tool("certutil", "libnss3-tools")
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "signed.pdf").write_bytes(signed)
            nss = root / "nss"
            nss.mkdir()
            subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
            for i, cert in enumerate(installation_trust_roots()):
                pem = root / f"ca{i}.pem"
                pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
                subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", f"ca{i}", "-t", "CT,C,C", "-i", str(pem)],
                               check=True)
            out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(root / "signed.pdf")],
                                 capture_output=True, text=True).stdout
        self.assertEqual(out.count("Signature is Valid."), 2, out)
        self.assertEqual(out.count("Certificate is Trusted."), 2, out)


def test_the_data_migration_turns_old_minutes_into_html(db) -> None:
    import importlib

    from django.apps import apps

    from signing.minutes_pdf import text_to_html as current
    from signing.models import Minutes
    from tests.kit.factories import make_meeting
    from tests.kit.users import make_user

    migration = importlib.import_module("signing.migrations.0005_minutes_html")
    old = "## I. Thành phần\nChủ trì: **Nguyễn Văn A** <x>\n- một\n- hai\n\nĐoạn ** lẻ"
    assert migration.text_to_html(old) == current(old)
    from ecabinet.models import Unit
    from ecabinet.roles import ORGANISER

    unit = Unit.objects.create(name="Ủy ban nhân dân xã Cũ", code="ubnd-cu", kind="committee")
    user = make_user("migrator", unit=unit, roles=(ORGANISER,))
    meeting = make_meeting(by=user, title="Họp cũ")
    row = Minutes.objects.create(meeting=meeting, text=old, created_by=user, updated_by=user)
    html_row_text = "<p>Đã là <strong>HTML</strong></p>"
    migration.forwards(apps, None)
    row.refresh_from_db()
    assert row.text == ("<h2>I. Thành phần</h2><p>Chủ trì: <strong>Nguyễn Văn A</strong> &lt;x&gt;</p>"
                        "<ul><li><p>một</p></li><li><p>hai</p></li></ul><p>Đoạn ** lẻ</p>")
    assert migration.text_to_html(html_row_text) == html_row_text


class MinutesHtmlSaveTests(MinutesTestCase):
    def test_saved_html_is_sanitized_and_empty_or_long_refused(self) -> None:
        rec = run_meeting(self)
        self.generate(rec.meeting)
        saved = self.api("put", url(rec.meeting), {
            "text": '<h2 style="color:red">Kết luận</h2><p onclick="x()">Xin <strong>chào</strong> <em>đồng chí</em>'
                    '<img src=x onerror=alert(1)><a href="javascript:x">liên kết</a></p><script>alert(1)</script>',
            "version": 1}, user=self.secretary)
        self.assertEqual(saved.status_code, 200, saved.content[:500])
        text = saved.json()["text"]
        self.assertEqual(text, "<h2>Kết luận</h2><p>Xin <strong>chào</strong> <em>đồng chí</em>liên kết</p>")
        for bad, code in (("<p></p><p> </p>", "empty"), ("<script>alert(1)</script>", "empty"),
                          ("<p>" + "dài " * 60_000 + "</p>", "too_long")):
            self.assert_error(self.api("put", url(rec.meeting), {"text": bad, "version": 2}, user=self.secretary),
                              400, code)
        # those who do not run the meeting: refused, nothing written
        self.assert_error(self.api("put", url(rec.meeting), {"text": "<p>x</p>", "version": 2}, user=self.member), 403)
        self.assert_error(self.api("put", url(rec.meeting), {"text": "<p>x</p>", "version": 2}, user=self.outsider),
                          404)
        self.assertEqual(self.api("get", url(rec.meeting), user=self.secretary).json()["text"], text)

    def test_page_shows_the_editor_and_the_paper_preview(self) -> None:
        rec = run_meeting(self)
        self.generate(rec.meeting)
        page = f"/meetings/{rec.meeting.pk}/minutes/"
        response = self.client_for(self.secretary).get(page)
        self.assertContains(response, "data-minutes-editor")
        self.assertContains(response, "signing/minutes_editor.js")
        self.assertContains(response, 'class="paper"')
        self.assertContains(response, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        self.assertNotContains(response, "mono")
        self.assertEqual(self.client_for(self.outsider).get(page).status_code, 404)
        anonymous = self.client.get(page)
        self.assertEqual(anonymous.status_code, 302)
        from django.contrib.staticfiles import finders

        for path in ("ecabinet/paper.css", "fonts/tinos/400Regular/Tinos_400Regular.ttf",
                     "fonts/tinos/700Bold_Italic/Tinos_700Bold_Italic.ttf",
                     "django_prose_editor/editor.js", "signing/minutes_editor.js"):
            self.assertTrue(finders.find(path), path)  # served by WhiteNoise from the finders
