"""One intake for every uploaded PDF: meeting documents and their new versions, conclusion
attachments, opinion drafts and attachments, signing uploads, generated minutes and the public
verification (API, page and `verify_pdf` command). Every path calls `intake_pdf` and gets the
same limits, the same error codes and statuses and the same messages; nothing else in the
project sniffs for "%PDF-". Images (a person's signature image, a unit's seal) have their own
intake at the end of this module, `intake_image`.

Office documents (.docx, .doc, .odt, .rtf, .xlsx, .pptx; Circular 39/2017 formats) are accepted
for every purpose but the generated minutes and verification (OFFICE_PURPOSES): ecabinet/office.py
looks inside them first (encrypted, macro-bearing, damaged, zip bombs are refused before anything
runs), converts them with LibreOffice headless in the same sandbox, and the PDF made of them goes
through `intake_pdf` like any upload. `CheckedPdf.source` then carries the PDF and what the source
was; callers store `checked.pdf_file(upload)` as the PDF and the upload itself beside it.
Refusals: 400 `office_damaged`, `office_encrypted`, `office_macros`; 413 `office_bomb`,
`office_timeout`; 503 `office_unavailable` (LibreOffice not installed); 415 `unsupported_type`
for other formats and for content that does not match its extension.

The cheap checks (size, empty, office formats, the PDF header, the end-of-file marker) run
in-process. Parsing runs in a separate, short-lived Python process (`python ecabinet/intake.py
FILE ...`) because pypdf is pure Python and a hostile file can keep it busy or eat memory; a
thread cannot be killed, a process can. It runs in the one sandbox (ecabinet/sandbox.py: also no
network, a clean environment, the process group killed on timeout). The child gets:

- a wall-clock limit (settings.PDF_CHECK_SECONDS; the sandbox kills it when
  exceeded) and a matching CPU limit (RLIMIT_CPU),
- an address-space limit (settings.PDF_CHECK_MEMORY_MB, RLIMIT_AS),
- pypdf's decompression limits lowered to settings.PDF_MAX_STREAM_MB per stream, plus a total
  budget of settings.PDF_MAX_INFLATED_MB over all page content streams (deflate bombs),
- a page limit settings.PDF_MAX_PAGES, checked on the declared /Count before the page tree is
  walked and again on the real count (page-count bombs).

Refusals are ActionErrors: 413 `too_large`, `pdf_too_many_pages`, `pdf_bomb`, `pdf_timeout`;
415 `unsupported_type` (not a PDF, office formats); 400 `pdf_empty`, `pdf_damaged`,
`pdf_encrypted`, `pdf_no_pages`. Nothing is written to MEDIA_ROOT here (the child only reads a
temporary copy outside it), so a refusal leaves no file behind.

Verification (purpose VERIFY) differs in one point only. An encrypted PDF is not refused: the
verifier reports it (DESIGN.md's `verify_pdf` report, status "error", "encrypted PDF (password
required)"), and a signed PDF encrypted with an empty user password (permissions only, common
for signed originals) is readable and must be verifiable. Such a file is still opened with the
empty password in the child and held to the same page and inflate limits; one that needs a real
password cannot be decrypted by the verifier either, so none of its streams is ever inflated.
Every other refusal (size, empty, not a PDF, truncated, pages, bombs, time) applies to
verification exactly as to uploads.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

OFFICE_EXTENSIONS = {
    ".doc", ".docx", ".docm", ".dot", ".dotx", ".dotm", ".xls", ".xlsx", ".xlsm", ".xlsb", ".xltm", ".ppt", ".pptx",
    ".pptm", ".potm", ".ppsm", ".ppam", ".xlam", ".odt", ".ods", ".odp", ".rtf",
}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"
PDF_HEADER = b"%PDF-"
# PDF readers accept the header anywhere in the first 1024 bytes (ISO 32000-2, 7.5.2 note).
HEADER_WINDOW = 1024
TRAILER_WINDOW = 2048


class Purpose(StrEnum):
    MEETING_DOCUMENT = "meeting_document"
    DOCUMENT_VERSION = "document_version"
    CONCLUSION_ATTACHMENT = "conclusion_attachment"
    TASK_ATTACHMENT = "task_attachment"  # a follow-up task's progress report
    OPINION_DRAFT = "opinion_draft"
    OPINION_ATTACHMENT = "opinion_attachment"
    SIGNING_UPLOAD = "signing_upload"
    MINUTES = "minutes"
    INVITATION = "invitation"
    VERIFY = "verify"
    HELP = "help"  # a PDF of the user guide (ecabinet/help.py)
    FEEDBACK = "feedback"  # a PDF sent with a message to the operator


# Where an office document (.docx, .doc, .odt, .rtf, .xlsx, .pptx) is converted to PDF and kept
# as the source beside it; the generated minutes and verification take PDF only.
OFFICE_PURPOSES = frozenset({Purpose.MEETING_DOCUMENT, Purpose.DOCUMENT_VERSION, Purpose.CONCLUSION_ATTACHMENT,
                             Purpose.OPINION_DRAFT, Purpose.OPINION_ATTACHMENT, Purpose.SIGNING_UPLOAD,
                             Purpose.TASK_ATTACHMENT})


@dataclass(frozen=True)
class OfficeSource:
    """The office document an upload was: kept beside the PDF made of it."""

    name: str  # as uploaded (the caller cleans it for storage)
    extension: str  # ".docx"
    content_type: str
    sha256: str
    size: int
    pdf: bytes  # the converted PDF, which CheckedPdf's sha256, size and pages describe


@dataclass(frozen=True)
class CheckedPdf:
    sha256: str
    size: int
    pages: int
    seconds: float
    # Only ever True for Purpose.VERIFY: the verifier reports what encryption means for it.
    encrypted: bool = False
    # Set when the upload was an office document converted here: store `pdf_file(upload)`.
    source: OfficeSource | None = None

    def pdf_file(self, upload: IO[bytes]) -> IO[bytes]:
        """What to store as the PDF: the upload itself, or the PDF converted from it."""
        if self.source is None:
            return upload
        from django.core.files.base import ContentFile

        return ContentFile(self.source.pdf, name="converted.pdf")


def limits() -> dict:
    from django.conf import settings

    return {
        "max_bytes": settings.MAX_UPLOAD_MB * 1024 * 1024,
        "max_pages": settings.PDF_MAX_PAGES,
        "max_stream": settings.PDF_MAX_STREAM_MB * 1024 * 1024,
        "max_inflated": settings.PDF_MAX_INFLATED_MB * 1024 * 1024,
        "seconds": settings.PDF_CHECK_SECONDS,
        "memory": settings.PDF_CHECK_MEMORY_MB * 1024 * 1024,
    }


def too_large_error():
    from django.conf import settings
    from django.utils.translation import gettext as _

    from ecabinet.errors import ActionError

    return ActionError(
        "too_large",
        _("The file is too large: the limit is %(limit)s MB.") % {"limit": settings.MAX_UPLOAD_MB},
        status=413,
    )


def _refuse(code: str, **params):
    from django.utils.translation import gettext as _

    from ecabinet.errors import ActionError

    messages = {
        "office": (415, _("Only PDF files are accepted. Converting Word, Excel or PowerPoint files is "
                          "not supported: save the file as PDF and upload the PDF.")),
        "not_pdf": (415, _("This file is not a PDF. Only PDF files are accepted.")),
        "empty": (400, _("The file is empty.")),
        "damaged": (400, _("The PDF file is damaged or incomplete and cannot be opened.")),
        "encrypted": (400, _("The PDF is protected with a password or encryption. Remove the "
                             "protection and upload it again.")),
        "no_pages": (400, _("The PDF has no pages.")),
        "too_many_pages": (413, _("The PDF has too many pages: the limit is %(limit)s pages.")),
        "bomb": (413, _("The PDF contains content that expands to an excessive size and was refused.")),
        "timeout": (413, _("The PDF took too long to check and was refused. It may be damaged or "
                           "deliberately oversized.")),
        "office_format": (415, _("This file type is not accepted. Upload a PDF or an office document: "
                                 ".docx, .doc, .odt, .rtf, .xlsx or .pptx.")),
        "mismatch": (415, _("The file's content does not match its extension. Save it again in its own "
                            "format, or as PDF, and upload it again.")),
        "office_damaged": (400, _("The office document is damaged or not in the format its name says, and "
                                  "cannot be converted to PDF.")),
        "office_encrypted": (400, _("The office document is protected with a password or encrypted. Remove "
                                    "the protection and upload it again.")),
        "office_macros": (400, _("The office document contains macros, which are not accepted. Save it "
                                 "without macros (for example as .docx or .xlsx) and upload it again.")),
        "office_bomb": (413, _("The office document expands to an excessive size and was refused.")),
        "office_timeout": (413, _("Converting the office document to PDF took too long and was stopped. "
                                  "Save it as PDF and upload the PDF.")),
        "office_unavailable": (503, _("The server has no converter for office documents installed. Upload "
                                      "a PDF, or ask the system administrator to install LibreOffice.")),
    }
    status, message = messages.get(code, messages["damaged"])
    api_code = {"office": "unsupported_type", "not_pdf": "unsupported_type", "office_format": "unsupported_type",
                "mismatch": "unsupported_type"}.get(code, code if code.startswith("office_") else f"pdf_{code}")
    return ActionError(api_code, message % params if params else message, status=status)


def intake_pdf(uploaded: IO[bytes] | None, *, name: str = "", purpose: Purpose | str) -> CheckedPdf:
    """Check an uploaded PDF (a Django UploadedFile or any seekable binary file object) before
    anything is stored or parsed in this process.

    Raises ActionError (400/413/415) with a translated message; returns hash, size and pages.
    The file object is left at position 0.
    """
    from django.utils.translation import gettext as _

    from ecabinet.errors import ActionError

    purpose = Purpose(purpose)
    if uploaded is None:
        raise ActionError("no_file", _("Choose a PDF file to upload."))
    started = time.monotonic()
    lim = limits()
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, os.SEEK_END)
        size = uploaded.tell()
    if size > lim["max_bytes"]:
        raise too_large_error()
    if size == 0:
        raise _refuse("empty")
    uploaded.seek(0)
    head = uploaded.read(HEADER_WINDOW)
    uploaded.seek(0)
    extension = os.path.splitext(name or getattr(uploaded, "name", "") or "")[1].lower()
    office_purpose = purpose in OFFICE_PURPOSES
    if PDF_HEADER not in head:
        from ecabinet import office

        if office_purpose and (office.accepts(extension) or extension in office.MACRO_EXTENSIONS):
            return _intake_office(uploaded, name=name or getattr(uploaded, "name", "") or "", extension=extension,
                                  purpose=purpose, lim=lim, started=started)
        if extension in OFFICE_EXTENSIONS or head.startswith((ZIP_MAGIC, OLE_MAGIC, RTF_MAGIC)):
            raise _refuse("office_format" if office_purpose else "office")
        raise _refuse("not_pdf")
    if extension in OFFICE_EXTENSIONS:
        raise _refuse("mismatch" if office_purpose else "office")
    # A complete PDF ends with %%EOF (give or take trailing whitespace or junk); a cut-off
    # upload does not, even when pypdf could rebuild some of its objects.
    uploaded.seek(max(0, size - TRAILER_WINDOW))
    tail = uploaded.read(TRAILER_WINDOW)
    uploaded.seek(0)
    if b"%%EOF" not in tail:
        raise _refuse("damaged")

    digest = hashlib.sha256()
    temp_path = getattr(uploaded, "temporary_file_path", None)
    path = temp_path() if callable(temp_path) else None
    made_temp = None
    try:
        if path is None:
            # In-memory uploads get a private temporary copy outside MEDIA_ROOT for the child.
            fd, made_temp = tempfile.mkstemp(prefix="ecb-intake-", suffix=".pdf")
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(uploaded):
                    digest.update(chunk)
                    out.write(chunk)
            path = made_temp
        else:
            for chunk in _chunks(uploaded):
                digest.update(chunk)
        result = _run_child(path, lim)
    finally:
        if made_temp:
            os.unlink(made_temp)
        uploaded.seek(0)
    seconds = time.monotonic() - started
    if not result.get("ok"):
        code = result.get("code", "damaged")
        if code == "encrypted" and purpose == Purpose.VERIFY:
            # Needs a password: nothing in it can be read, the verifier says so in its report.
            return CheckedPdf(digest.hexdigest(), size, 0, seconds, encrypted=True)
        raise _refuse(code, limit=lim["max_pages"])
    encrypted = bool(result.get("encrypted"))
    if encrypted and purpose != Purpose.VERIFY:
        # Stored documents are watermarked, merged and signed: none of that works on an
        # encrypted file, even one that opens without a password.
        raise _refuse("encrypted")
    return CheckedPdf(digest.hexdigest(), size, int(result["pages"]), seconds, encrypted=encrypted)


def _intake_office(uploaded: IO[bytes], *, name: str, extension: str, purpose: Purpose, lim: dict,
                   started: float) -> CheckedPdf:
    """Convert an office document in the sandbox (ecabinet/office.py), then check the PDF made of
    it with `intake_pdf` like any upload. Everything happens in a private temporary folder outside
    MEDIA_ROOT, removed before this returns or raises."""
    import shutil
    from dataclasses import replace
    from pathlib import Path

    from django.conf import settings
    from django.core.files.base import ContentFile

    from ecabinet import office

    if extension in office.MACRO_EXTENSIONS:
        raise _refuse("office_macros")
    soffice = office.soffice_path(settings.OFFICE_SOFFICE)
    if soffice is None:
        raise _refuse("office_unavailable")
    workdir = tempfile.mkdtemp(prefix=f"ecb-convert-{os.getpid()}-")
    try:
        source = os.path.join(workdir, "source" + extension)
        digest = hashlib.sha256()
        with open(source, "wb") as out:
            for chunk in _chunks(uploaded):
                digest.update(chunk)
                out.write(chunk)
        try:
            office.inspect_office(source, extension, max_inflated=lim["max_inflated"])
            pdf_path = office.convert_to_pdf(source, workdir, soffice=soffice,
                                             seconds=settings.OFFICE_CONVERT_SECONDS,
                                             memory=settings.OFFICE_CONVERT_MEMORY_MB * 1024 * 1024,
                                             search_path=os.environ.get("PATH", "/usr/bin:/bin"))
        except office.OfficeRefusal as refusal:
            raise _refuse(f"office_{refusal.code}") from None
        if os.path.getsize(pdf_path) > lim["max_bytes"]:
            raise too_large_error()
        data = Path(pdf_path).read_bytes()
        source_size = os.path.getsize(source)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        uploaded.seek(0)
    checked = intake_pdf(ContentFile(data, name="converted.pdf"), name="converted.pdf", purpose=purpose)
    return replace(checked, seconds=time.monotonic() - started, source=OfficeSource(
        name=name, extension=extension, content_type=office.SOURCE_TYPES[extension],
        sha256=digest.hexdigest(), size=source_size, pdf=data,
    ))


def _chunks(fileobj: IO[bytes], size: int = 1024 * 1024):
    fileobj.seek(0)
    while True:
        chunk = fileobj.read(size)
        if not chunk:
            return
        yield chunk


def child_env() -> dict[str, str]:
    """The whole environment a sandboxed child (the PDF checker, the page-text reader) gets."""
    return {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}


def _run_child(path: str, lim: dict) -> dict:
    from ecabinet.sandbox import run_sandboxed

    args = [sys.executable, "-I", os.path.abspath(__file__), path,
            str(lim["max_pages"]), str(lim["max_stream"]), str(lim["max_inflated"])]
    proc = run_sandboxed(args, seconds=lim["seconds"], memory=lim["memory"], env=child_env())
    if proc.timed_out:
        return {"ok": False, "code": "timeout"}
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0 or not lines:
        # Killed by a limit (CPU: SIGXCPU, memory: MemoryError/abort) or crashed on the file.
        stderr = proc.stderr.decode("utf-8", "replace")
        return {"ok": False, "code": "bomb" if ("MemoryError" in stderr or proc.returncode < 0) else "damaged"}
    try:
        return json.loads(lines[-1])
    except ValueError:
        return {"ok": False, "code": "damaged"}


# ---- the child process: pypdf only, no Django --------------------------------------------

def inspect_pdf(path: str, max_pages: int, max_stream: int, max_inflated: int) -> dict:
    from pypdf import PasswordType, PdfReader, apply_configuration, get_configuration
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError
    from pypdf.generic import DictionaryObject

    config = get_configuration().with_overwrites(
        zlib_maximum_output_length=max_stream,
        lzw_maximum_output_length=max_stream,
        run_length_maximum_output_length=max_stream,
        array_based_stream_maximum_output_length=max_stream,
        maximum_declared_stream_length=max_stream,
        image_maximum_buffer_size=max_stream,
        stream_decoding_work_maximum_length=max_inflated,
    )
    try:
        with apply_configuration(config):
            reader = PdfReader(path, strict=False)
            encrypted = reader.is_encrypted
            if encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                return {"ok": False, "code": "encrypted"}
            root = reader.trailer["/Root"].get_object()
            pages_root = root["/Pages"].get_object() if isinstance(root, DictionaryObject) else None
            if not isinstance(pages_root, DictionaryObject):
                return {"ok": False, "code": "damaged"}
            declared = int(pages_root.get("/Count", 0))
            if declared > max_pages:
                return {"ok": False, "code": "too_many_pages"}
            count = len(reader.pages)
            if count > max_pages:
                return {"ok": False, "code": "too_many_pages"}
            if count == 0:
                return {"ok": False, "code": "no_pages"}
            inflated = 0
            for page in reader.pages:
                contents = page.get_contents()
                if contents is not None:
                    inflated += len(contents.get_data())
                    if inflated > max_inflated:
                        return {"ok": False, "code": "bomb"}
            return {"ok": True, "pages": count, "encrypted": encrypted}
    except LimitReachedError:
        return {"ok": False, "code": "bomb"}
    except MemoryError:
        return {"ok": False, "code": "bomb"}
    except FileNotDecryptedError:
        return {"ok": False, "code": "encrypted"}
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, AssertionError, UnicodeError, EOFError, NotImplementedError):
        return {"ok": False, "code": "damaged"}


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.CRITICAL)
    file_path, pages_limit, stream_limit, inflated_limit = sys.argv[1:5]
    outcome = inspect_pdf(file_path, int(pages_limit), int(stream_limit), int(inflated_limit))
    sys.stdout.write(json.dumps(outcome) + "\n")


# --- images: a person's signature image, a unit's seal --------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE_MAX_BYTES = 1024 * 1024
IMAGE_MAX_SIDE = 2000


@dataclass(frozen=True)
class CheckedImage:
    """A checked image, re-encoded as an RGBA PNG (what is stored: no chunk of the upload but
    its pixels survives)."""

    png: bytes
    sha256: str
    width: int
    height: int
    # what `png` holds: a picture (help pages, feedback screenshots) may stay a JPEG
    content_type: str = "image/png"


def _refuse_image(code: str):
    from django.utils.translation import gettext as _

    from ecabinet.errors import ActionError

    messages = {
        "no_file": (400, _("Choose a PNG image to upload.")),
        "too_large": (413, _("The image is too large: the limit is 1 MB.")),
        "empty": (400, _("The file is empty.")),
        "not_png": (415, _("Only PNG images with a transparent background are accepted.")),
        "too_many_pixels": (413, _("The image is too large: at most 2000 × 2000 pixels.")),
        "no_alpha": (400, _("The image has no transparent background. Save it as a PNG with "
                            "transparency (an alpha channel) and upload it again.")),
        "damaged": (400, _("The image is damaged or incomplete and cannot be opened.")),
    }
    status, message = messages[code]
    return ActionError(f"image_{code}" if code != "no_file" else "no_file", message, status=status)


def _read_bounded(uploaded: Any, limit: int, *, refuse: Callable[[str], Exception]) -> bytes:
    """The whole of a small upload, refused as "too_large" or "empty" before anything is parsed:
    the declared size is checked first, then what was read (a declared size can lie)."""
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, os.SEEK_END)
        size = uploaded.tell()
    if size > limit:
        raise refuse("too_large")
    if size == 0:
        raise refuse("empty")
    uploaded.seek(0)
    data = uploaded.read(limit + 1)
    uploaded.seek(0)
    if len(data) > limit:
        raise refuse("too_large")
    return data


def intake_image(uploaded: IO[bytes] | None, *, name: str = "", picture: bool = False) -> CheckedImage:
    """Check an uploaded signature or seal image: a real PNG with an alpha channel (or a
    transparent colour), at most IMAGE_MAX_BYTES and IMAGE_MAX_SIDE pixels a side.
    `picture=True`: a picture instead (help pages, feedback screenshots): `intake_picture`.

    In-process, unlike PDFs: the size and the pixel count are checked on the header before a
    single pixel is decoded, so decoding is bounded (2000 × 2000 RGBA is 16 MB) and quick.
    Raises ActionError (400/413/415) with a translated message; nothing is written anywhere."""
    import io

    from PIL import Image, UnidentifiedImageError

    if picture:
        return intake_picture(uploaded, name=name)
    if uploaded is None:
        raise _refuse_image("no_file")
    data = _read_bounded(uploaded, IMAGE_MAX_BYTES, refuse=_refuse_image)
    if not data.startswith(PNG_SIGNATURE):
        raise _refuse_image("not_png")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            if image.width > IMAGE_MAX_SIDE or image.height > IMAGE_MAX_SIDE:
                raise _refuse_image("too_many_pixels")
            if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
                raise _refuse_image("no_alpha")
            image.load()
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse_image("damaged") from None
    out = io.BytesIO()
    rgba.save(out, format="PNG")
    png = out.getvalue()
    return CheckedImage(png=png, sha256=hashlib.sha256(png).hexdigest(), width=rgba.width, height=rgba.height)


# --- pictures: help pages' images, feedback screenshots (PNG or JPEG, no transparency needed) ---

PICTURE_MAX_BYTES = 5 * 1024 * 1024
PICTURE_MAX_SIDE = 8000
PICTURE_MAX_PIXELS = 40_000_000
JPEG_SIGNATURE = b"\xff\xd8\xff"


def _refuse_picture(code: str):
    from django.utils.translation import gettext as _

    from ecabinet.errors import ActionError

    messages = {
        "no_file": (400, _("Choose a PNG or JPEG image to upload.")),
        "too_large": (413, _("The image is too large: the limit is 5 MB.")),
        "empty": (400, _("The file is empty.")),
        "not_picture": (415, _("Only PNG or JPEG images are accepted.")),
        "too_many_pixels": (413, _("The image is too large: at most 8000 pixels a side and 40 million pixels.")),
        "damaged": (400, _("The image is damaged or incomplete and cannot be opened.")),
    }
    status, message = messages[code]
    return ActionError(f"image_{code}" if code != "no_file" else "no_file", message, status=status)


def intake_picture(uploaded: IO[bytes] | None, *, name: str = "") -> CheckedImage:
    """Check an uploaded picture (a help page's image, a feedback screenshot): a real PNG or JPEG
    of at most PICTURE_MAX_BYTES, its size checked on the header before a pixel is decoded, then
    re-encoded (PNG stays PNG, JPEG stays JPEG without its metadata: no chunk of the upload but
    its pixels survives). Raises ActionError (400/413/415); nothing is written anywhere."""
    import io

    from PIL import Image, UnidentifiedImageError

    if uploaded is None:
        raise _refuse_picture("no_file")
    data = _read_bounded(uploaded, PICTURE_MAX_BYTES, refuse=_refuse_picture)
    if data.startswith(PNG_SIGNATURE):
        fmt = "PNG"
    elif data.startswith(JPEG_SIGNATURE):
        fmt = "JPEG"
    else:
        raise _refuse_picture("not_picture")
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as picture:
            if (picture.width > PICTURE_MAX_SIDE or picture.height > PICTURE_MAX_SIDE
                    or picture.width * picture.height > PICTURE_MAX_PIXELS):
                raise _refuse_picture("too_many_pixels")
            picture.load()
            out = io.BytesIO()
            if fmt == "PNG":
                clean = picture.convert("RGBA" if "A" in picture.mode or "transparency" in picture.info else "RGB")
                clean.save(out, format="PNG", optimize=True)
            else:
                clean = picture.convert("RGB")
                clean.save(out, format="JPEG", quality=90)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse_picture("damaged") from None
    encoded = out.getvalue()
    return CheckedImage(png=encoded, sha256=hashlib.sha256(encoded).hexdigest(), width=clean.width,
                        height=clean.height, content_type="image/png" if fmt == "PNG" else "image/jpeg")
