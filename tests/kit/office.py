"""Real office documents for the conversion tests and bench/convert.py, built by hand from the
minimal parts each format needs (no python-docx or openpyxl): .docx, .xlsx, .odt, .rtf, and a
.pptx that LibreOffice itself writes from a hand-built .odp. Plus the bad ones: macro-bearing,
password-protected (an OOXML encrypted package is an OLE compound file; ODF has an encryption
manifest), cut off."""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
from functools import lru_cache
from xml.sax.saxutils import escape

VIETNAMESE = "Ủy ban nhân dân tỉnh An Phước — Tờ trình về dự toán ngân sách năm 2027"
FILLER = ("Căn cứ Luật Ngân sách nhà nước, Ủy ban nhân dân tỉnh trình Hội đồng nhân dân tỉnh xem xét, "
          "quyết định dự toán thu, chi ngân sách địa phương và phương án phân bổ ngân sách năm 2027.")

_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _zip(parts: dict[str, str | bytes], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(zipfile.ZipInfo(stored_first), parts[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, data in parts.items():
            if name != stored_first:
                archive.writestr(name, data)
    return out.getvalue()


def _rels(target: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_REL}">'
            f'<Relationship Id="rId1" Type="{_OFFICE_DOC}" Target="{target}"/></Relationships>')


def docx_parts(title: str = VIETNAMESE, *, pages: int = 1, main_type: str = DOCX_MAIN) -> dict[str, str | bytes]:
    run = '<w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>' \
          '<w:sz w:val="28"/></w:rPr>'
    body = []
    for page in range(pages):
        if page:
            body.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        body.append(f'<w:p><w:r>{run}<w:t>{escape(title)}</w:t></w:r></w:p>')
        body.extend(f'<w:p><w:r>{run}<w:t>{escape(FILLER)} ({page + 1}.{n + 1})</w:t></w:r></w:p>' for n in range(8))
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                + "".join(body)
                + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" '
                  'w:left="1701" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>')
    types = (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT}">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>')
    return {"[Content_Types].xml": types, "_rels/.rels": _rels("word/document.xml"), "word/document.xml": document}


def docx_bytes(title: str = VIETNAMESE, *, pages: int = 1) -> bytes:
    return _zip(docx_parts(title, pages=pages))


def docm_bytes() -> bytes:
    """A Word document with a VBA project, named .docx or .docm alike."""
    parts = docx_parts(main_type=DOCM_MAIN)
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    return _zip(parts)


def xlsx_bytes(title: str = VIETNAMESE) -> bytes:
    types = (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT}">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
             '<Override PartName="/xl/worksheets/sheet1.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rns}><sheets>'
                '<sheet name="Dự toán" sheetId="1" r:id="rId1"/></sheets></workbook>')
    workbook_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_REL}"><Relationship Id="rId1" '
                     'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                     'Target="worksheets/sheet1.xml"/></Relationships>')
    rows = [(title, None), ("Thu ngân sách (triệu đồng)", 12500), ("Chi ngân sách (triệu đồng)", 11800)]
    cells = []
    for index, (label, value) in enumerate(rows, start=1):
        cell = f'<c r="A{index}" t="inlineStr"><is><t>{escape(label)}</t></is></c>'
        if value is not None:
            cell += f'<c r="B{index}"><v>{value}</v></c>'
        cells.append(f'<row r="{index}">{cell}</row>')
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><cols><col min="1" max="1" width="70" customWidth="1"/></cols><sheetData>{"".join(cells)}</sheetData></worksheet>'
    return _zip({"[Content_Types].xml": types, "_rels/.rels": _rels("xl/workbook.xml"), "xl/workbook.xml": workbook,
                 "xl/_rels/workbook.xml.rels": workbook_rels, "xl/worksheets/sheet1.xml": sheet})


_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
           'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
           'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"')


def _odf(mimetype: str, body: str, *, manifest_extra: str = "", extra: dict[str, str | bytes] | None = None) -> bytes:
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                f'{manifest_extra}</manifest:file-entry></manifest:manifest>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS} office:version="1.2">'
               f'<office:body>{body}</office:body></office:document-content>')
    parts: dict[str, str | bytes] = {"mimetype": mimetype, "META-INF/manifest.xml": manifest, "content.xml": content}
    parts.update(extra or {})
    return _zip(parts, stored_first="mimetype")


def odt_bytes(title: str = VIETNAMESE, *, manifest_extra: str = "", extra: dict[str, str | bytes] | None = None) -> bytes:
    body = f"<office:text><text:p>{escape(title)}</text:p><text:p>{escape(FILLER)}</text:p></office:text>"
    return _odf("application/vnd.oasis.opendocument.text", body, manifest_extra=manifest_extra, extra=extra)


def odt_encrypted_bytes() -> bytes:
    """What a password-protected .odt declares: encryption data in the manifest (ODF 1.2, 3.8)."""
    return odt_bytes(manifest_extra=(
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
        '<manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" '
        'manifest:salt="AAAA"/></manifest:encryption-data>'))


def odt_with_basic_bytes() -> bytes:
    """An .odt carrying a Basic macro library (runs on open when bound to an event)."""
    module = ('<?xml version="1.0" encoding="UTF-8"?><script:module xmlns:script="http://openoffice.org/2000/script" '
              'script:name="Module1" script:language="StarBasic">Sub Main\nShell("id")\nEnd Sub</script:module>')
    return odt_bytes(extra={"Basic/Standard/Module1.xml": module,
                            "Basic/script-lc.xml": '<?xml version="1.0" encoding="UTF-8"?><library:libraries '
                                                   'xmlns:library="http://openoffice.org/2000/library"/>'})


def rtf_bytes(title: str = VIETNAMESE) -> bytes:
    def rtf_escape(text: str) -> str:
        return "".join(ch if ord(ch) < 128 else f"\\u{ord(ch) if ord(ch) < 32768 else ord(ch) - 65536}?"
                       for ch in text)
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs28 "
            + rtf_escape(title) + "\\par " + rtf_escape(FILLER) + "\\par}").encode("ascii")


def _odp_bytes(title: str) -> bytes:
    body = ('<office:presentation><draw:page draw:name="Trang1"><draw:frame svg:x="2cm" svg:y="2cm" '
            f'svg:width="24cm" svg:height="4cm"><draw:text-box><text:p>{escape(title)}</text:p></draw:text-box>'
            '</draw:frame></draw:page></office:presentation>')
    return _odf("application/vnd.oasis.opendocument.presentation", body)


def libreoffice_writes(data: bytes, source_extension: str, target: str) -> bytes:
    """`data` (a `source_extension` file) saved by LibreOffice as `target` (needs soffice)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError(f"soffice is needed to write the .{target} sample")
    with tempfile.TemporaryDirectory(prefix="ecb-sample-") as work:
        source = os.path.join(work, "mau" + source_extension)
        with open(source, "wb") as fh:
            fh.write(data)
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{work}/profile",
                        "--convert-to", target, "--outdir", os.path.join(work, "out"), source],
                       check=True, capture_output=True, timeout=120,
                       env={"PATH": os.environ.get("PATH", ""), "HOME": work})
        with open(os.path.join(work, "out", "mau." + target.split(":")[0]), "rb") as fh:
            return fh.read()


@lru_cache(maxsize=4)
def pptx_bytes(title: str = VIETNAMESE) -> bytes:
    """A real .pptx, written by LibreOffice Impress from a hand-built .odp."""
    return libreoffice_writes(_odp_bytes(title), ".odp", "pptx")


@lru_cache(maxsize=4)
def doc_bytes(title: str = VIETNAMESE) -> bytes:
    """A real Word 97 .doc (an OLE compound file), written by LibreOffice from the .docx above."""
    return libreoffice_writes(docx_bytes(title), ".docx", "doc")


def cfb_bytes(stream_names: list[str]) -> bytes:
    """An OLE compound file (MS-CFB, version 3) whose directory holds the given (empty) streams:
    ["EncryptionInfo", "EncryptedPackage"] is what Office writes for a password-protected
    .docx/.xlsx/.pptx; a storage named "Macros" is where Word 97 keeps VBA."""
    sector = 512
    names = ["Root Entry", *stream_names]
    directory = b""
    for index, name in enumerate(names):
        encoded = name.encode("utf-16-le") + b"\0\0"
        kind = 5 if index == 0 else 2
        child = 1 if index == 0 and len(names) > 1 else 0xFFFFFFFF
        right = index + 1 if 0 < index < len(names) - 1 else 0xFFFFFFFF
        entry = encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
        entry += struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        entry += struct.pack("<IQ", 0xFFFFFFFE, 0)
        directory += entry
    directory = directory.ljust(((len(directory) + sector - 1) // sector) * sector, b"\0")
    dir_sectors = len(directory) // sector
    # sector 0: the FAT; sectors 1..n: the directory chain
    fat = [0xFFFFFFFD] + [i + 2 for i in range(dir_sectors - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9)
    header += struct.pack("<H", 6) + b"\0" * 6 + struct.pack("<IIII", 0, 1, 1, 0)
    header += struct.pack("<IIIII", 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    header += struct.pack("<109I", 0, *([0xFFFFFFFF] * 108))
    assert len(header) == 512
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory
