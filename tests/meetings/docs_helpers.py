"""Real PDFs (good, damaged, encrypted, bombs) and a meeting with its people, for the documents tests."""

from __future__ import annotations

import io
import os
import zlib
from datetime import timedelta

import font_roboto
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from fpdf import FPDF
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject

from meetings.models import AgendaItem, Meeting, Participant
from tests.kit.users import make_user

ROBOTO = os.path.join(os.path.dirname(font_roboto.__file__), "files", "Roboto-Regular.ttf")


def pdf_bytes(pages: int = 2, text: str = "Tờ trình dự thảo Quyết định") -> bytes:
    pdf = FPDF()
    pdf.add_font("Roboto", "", ROBOTO)
    pdf.set_font("Roboto", "", 14)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"{text} — trang {number + 1}")
    return bytes(pdf.output())


def upload(data: bytes | None = None, name: str = "to-trinh.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data, content_type=content_type)


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes(1)))
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    # A real .docx is a zip; the magic bytes are what the check looks at.
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def deflate_bomb(megabytes: int = 200) -> bytes:
    """One page whose content stream inflates to `megabytes` MB of zeros (about 200 KB on disk)."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    compressor = zlib.compressobj(1)
    chunk = b"0" * (1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    stream = StreamObject()
    stream._data = data
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count_bomb(pages: int = 200_000) -> bytes:
    """A page tree claiming (and holding) far more pages than allowed, all sharing one page dict."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    # Rewrite /Count and /Kids of the page tree: many references to the same page object.
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter(clone_from=reader)
    root_pages = writer._root_object["/Pages"].get_object()
    kid = root_pages["/Kids"][0]
    leaves = []
    per_node = 1000
    for start in range(0, pages, per_node):
        in_node = min(per_node, pages - start)
        node = DictionaryObject({NameObject("/Type"): NameObject("/Pages"),
                                 NameObject("/Kids"): ArrayObject([kid] * in_node),
                                 NameObject("/Count"): NumberObject(in_node)})
        leaves.append(writer._add_object(node))
    root_pages[NameObject("/Kids")] = ArrayObject(leaves)
    root_pages[NameObject("/Count")] = NumberObject(pages)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_meeting(case, *, status: str = Meeting.Status.SCHEDULED) -> Meeting:
    """owner = secretary (creator); member = member of Sở Tài chính; a chair; an item presented
    by the member's unit and one by another unit; a reader-to-be; outsider is not invited."""
    # ORM on purpose: a committee meeting whose creator-secretary organises only a department,
    # with no event or audit row yet (tests assert a refused upload writes none); no action makes it.
    meeting = Meeting.objects.create(
        title="Họp thường kỳ tháng 3 — tuyệt mật", starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=3), status=status, created_by=case.owner,
        unit=case.committee,
    )
    Participant.objects.create(meeting=meeting, user=case.owner, role=Participant.Role.SECRETARY)
    Participant.objects.create(meeting=meeting, user=case.member, role=Participant.Role.MEMBER)
    case.chair = make_user("chair", unit=case.committee, full_name="Phạm Chủ Trì")
    case.colleague = make_user("colleague", unit=case.other_unit, full_name="Đỗ Đồng Nghiệp")
    Participant.objects.create(meeting=meeting, user=case.chair, role=Participant.Role.CHAIR)
    Participant.objects.create(meeting=meeting, user=case.colleague, role=Participant.Role.MEMBER)
    case.item_mine = AgendaItem.objects.create(meeting=meeting, position=1, title="Dự toán ngân sách",
                                               presenting_unit=case.department)
    case.item_other = AgendaItem.objects.create(meeting=meeting, position=2, title="Y tế cơ sở",
                                                presenting_unit=case.other_unit)
    return meeting


def media_files(settings) -> list[str]:
    root = str(settings.MEDIA_ROOT)
    found = []
    for folder, _dirs, files in os.walk(root):
        found.extend(os.path.join(folder, f) for f in files)
    return found
