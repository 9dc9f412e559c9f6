"""The one set of test files: real PDFs (good, encrypted, bombs), a .docx, uploads of them, and
what the media folder holds. Every test that needs a file takes it from here."""

from __future__ import annotations

import io
import os
import random
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject

from signing.pdf.stamp import roboto_path


def make_pdf(pages: int = 1, text: str = "Biên bản họp", filler_kb: int = 0) -> bytes:
    """A PDF of `pages` pages, each showing `text` and its page number. Roboto, not a core font:
    the core fonts are latin-1 only and could not draw the Vietnamese text tests search for.
    `filler_kb`: that much more incompressible text, so the file really has the size asked for."""
    # Keep the default text short: tests/signing/test_verify.py::test_truncated cuts a signed
    # two-page file in half and needs the cut to land after the original (few glyphs, small font subset).
    pdf = FPDF()
    pdf.add_font("Roboto", fname=roboto_path())
    pdf.set_font("Roboto", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{text} — trang {number}")
    if filler_kb:
        rnd = random.Random(1)  # seeded: the same bytes on every run
        pdf.set_font("Roboto", size=6)
        chunk = " ".join(f"{rnd.getrandbits(64):016x}" for _ in range(40))
        written = 0
        while written < filler_kb * 1024:
            pdf.multi_cell(w=0, text=chunk)
            written += len(chunk) // 3  # deflate ratio of hex text
    return bytes(pdf.output())


def pdf_upload(data: bytes | None = None, name: str = "to-trinh.pdf",
               content_type: str = "application/pdf") -> SimpleUploadedFile:
    """A file as a form or the API receives it (a two-page PDF unless `data` is given)."""
    return SimpleUploadedFile(name, make_pdf(2) if data is None else data, content_type=content_type)


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf(1)))
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    # A real .docx is a zip; the magic bytes are what the check looks at.
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
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    # Rewrite /Count and /Kids of the page tree: many references to the same page object.
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


def media_files(root: str | os.PathLike[str] | None = None) -> list[str]:
    """The files under `root` (the current MEDIA_ROOT by default), as sorted relative paths:
    a refused upload must leave this list as it was."""
    folder = Path(root if root is not None else settings.MEDIA_ROOT)
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


ATTACK_SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "pdf-attacks"


def require_attack_samples() -> Path:
    """The shared attack PDFs (../shared/pdf-attacks): a failure in CI, a skip elsewhere."""
    if not any(ATTACK_SAMPLES.glob("*.pdf")):
        if os.environ.get("CI"):
            pytest.fail(f"attack samples missing: {ATTACK_SAMPLES}")
        pytest.skip(f"attack samples not found at {ATTACK_SAMPLES}")
    return ATTACK_SAMPLES


# --- images (signature and seal images: ecabinet/intake.py:intake_image) -----------------------

def png_bytes(width: int = 240, height: int = 80, *, mode: str = "RGBA", seal: bool = False) -> bytes:
    """A real PNG: a transparent signature stroke (or, with `seal`, a red ring: a unit's seal);
    `mode="RGB"` gives one without an alpha channel."""
    from PIL import Image, ImageDraw

    picture = Image.new(mode, (width, height), (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255))
    draw = ImageDraw.Draw(picture)
    if seal:
        draw.ellipse((4, 4, width - 5, height - 5), outline=(200, 16, 32), width=max(2, width // 20))
        draw.ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), outline=(200, 16, 32), width=2)
    else:
        draw.line([(10, height - 20), (width // 3, 15), (2 * width // 3, height - 25), (width - 10, 20)],
                  fill=(20, 40, 160), width=4)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def seal_png(size: int = 300) -> bytes:
    return png_bytes(size, size, seal=True)


def image_upload(data: bytes, name: str = "chu-ky.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")
