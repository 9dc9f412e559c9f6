"""Office documents to PDF (Circular 39/2017 formats): .docx, .doc, .odt, .rtf, .xlsx, .pptx.

Called by the one intake (ecabinet/intake.py), which keeps the uploaded source and passes the PDF
made here through `intake_pdf` like any upload. Two steps, both on a private copy of the file in
a temporary folder outside MEDIA_ROOT that the intake removes afterwards:

1. `inspect_office(path, extension)`, in-process and cheap (zip directory, the OLE compound
   file's directory, a few small XML parts), refuses before LibreOffice ever sees the file:
   - damaged: not the container its extension promises (a .docx that is not a zip, a zip
     without the main part of its kind, a .doc that is not a compound file, an .rtf without
     `{\\rtf`), a cut-off zip or compound file;
   - encrypted: OOXML with a password is an OLE compound file holding `EncryptionInfo` and
     `EncryptedPackage`; a .doc whose FIB has fEncrypted; ODF whose manifest has
     `encryption-data`; a zip with encrypted entries;
   - macros: OOXML with a macro-enabled content type or a `vbaProject.bin`; ODF with `Basic/`
     or `Scripts/` libraries; a .doc with a `Macros` / `_VBA_PROJECT` storage; and the
     macro-enabled extensions themselves (.docm, .xlsm, .pptm, ...);
   - bomb: a zip that declares more than the inflate budget or an absurd number of entries.
2. `convert_to_pdf(path, workdir, ...)` runs `soffice --headless --convert-to pdf` in the one
   sandbox (ecabinet/sandbox.py: time and memory limits, no network, a clean environment) with
   a fresh profile made for this conversion only (`-env:UserInstallation=`), whose settings
   turn macro execution off and macro security to "very high" besides.

Refusals are `OfficeRefusal(code)`; the intake turns them into Vietnamese ActionErrors. No
Django here: the intake passes the limits it reads from settings.
"""

from __future__ import annotations

import os
import shutil
import struct
import zipfile
from pathlib import Path

from ecabinet.sandbox import run_sandboxed

# The formats converted, by extension: the container each must be and, for OOXML, the content
# type of its main part (ECMA-376 Part 1), for ODF the `mimetype` entry (ODF 1.2, 3.3).
ACCEPTED = {
    ".docx": ("ooxml", b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    ".xlsx": ("ooxml", b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    ".pptx": ("ooxml", b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
    ".odt": ("odf", b"application/vnd.oasis.opendocument.text"),
    ".doc": ("ole", b""),
    ".rtf": ("rtf", b""),
}
MACRO_EXTENSIONS = {".docm", ".dotm", ".xlsm", ".xltm", ".xlsb", ".pptm", ".potm", ".ppsm", ".ppam", ".xlam"}
SOURCE_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".doc": "application/msword",
    ".rtf": "application/rtf",
}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"
MAX_ZIP_ENTRIES = 20_000
MAX_PART_BYTES = 4 * 1024 * 1024  # the small XML parts read here ([Content_Types].xml, manifest)
_MACRO_STREAMS = {"macros", "_vba_project_cur", "_vba_project", "vba"}
_ENCRYPTION_STREAMS = {"encryptedpackage", "encryptioninfo"}


class OfficeRefusal(Exception):
    """code: damaged | encrypted | macros | bomb | timeout | unavailable"""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def accepts(extension: str) -> bool:
    return extension in ACCEPTED


# ---- 1. look before converting ------------------------------------------------------------

def inspect_office(path: str, extension: str, *, max_inflated: int) -> None:
    """Refuse (OfficeRefusal) what must not reach LibreOffice; return None for a file to convert."""
    if extension in MACRO_EXTENSIONS:
        raise OfficeRefusal("macros")
    container, main_type = ACCEPTED[extension]
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        # A .doc, or OOXML protected with a password: Office then writes a compound file.
        _inspect_ole(path, expect_doc=container == "ole")
        if container != "ole":
            raise OfficeRefusal("damaged")
        return
    if container == "ole":
        raise OfficeRefusal("damaged")
    if container == "rtf":
        if not head.startswith(RTF_MAGIC[:5]):
            raise OfficeRefusal("damaged")
        return
    if not head.startswith(ZIP_MAGIC):
        raise OfficeRefusal("damaged")
    _inspect_zip(path, container, main_type, max_inflated=max_inflated)


def _inspect_zip(path: str, container: str, main_type: bytes, *, max_inflated: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > max_inflated:
                raise OfficeRefusal("bomb")
            if any(i.flag_bits & 0x1 for i in infos):
                raise OfficeRefusal("encrypted")
            names = {i.filename: i for i in infos}
            lowered = [name.lower() for name in names]
            if container == "ooxml":
                types = _part(archive, names.get("[Content_Types].xml"))
                if any(name.endswith(("vbaproject.bin", "vbadata.xml")) for name in lowered) or \
                        b"macroenabled" in types.lower() or b"vbaproject" in types.lower():
                    raise OfficeRefusal("macros")
                if main_type not in types:
                    raise OfficeRefusal("damaged")
            else:  # ODF
                manifest = _part(archive, names.get("META-INF/manifest.xml"))
                if b"encryption-data" in manifest:
                    raise OfficeRefusal("encrypted")
                if any(name.startswith(("basic/", "scripts/")) for name in lowered):
                    raise OfficeRefusal("macros")
                if _part(archive, names.get("mimetype")).strip() != main_type or "content.xml" not in names:
                    raise OfficeRefusal("damaged")
            # Read every entry once: a cut-off or corrupt member fails here, not in LibreOffice.
            bad = archive.testzip()
            if bad is not None:
                raise OfficeRefusal("damaged")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise OfficeRefusal("damaged") from None


def _part(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> bytes:
    if info is None or info.file_size > MAX_PART_BYTES:
        raise OfficeRefusal("damaged")
    return archive.read(info)


def _inspect_ole(path: str, *, expect_doc: bool) -> None:
    """Read the compound file's directory (MS-CFB) for encryption and macro storages, and for
    a Word 97 file the FIB's fEncrypted flag (MS-DOC 2.5.2)."""
    data = Path(path).read_bytes()
    entries = _cfb_directory(data)
    names = {name.lower() for name, _start, _size in entries}
    if names & _ENCRYPTION_STREAMS:
        raise OfficeRefusal("encrypted")
    if names & _MACRO_STREAMS:
        raise OfficeRefusal("macros")
    if not expect_doc:
        return
    word = next(((start, size) for name, start, size in entries if name == "WordDocument"), None)
    if word is None:
        raise OfficeRefusal("damaged")  # an .xls or .ppt named .doc, or no Word document at all
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    offset = (word[0] + 1) * sector_size
    if word[1] < 4096 or offset + 12 > len(data):
        raise OfficeRefusal("damaged")
    flags = struct.unpack_from("<H", data, offset + 0x0A)[0]
    if flags & 0x0100:  # fEncrypted (also set for XOR obfuscation)
        raise OfficeRefusal("encrypted")


def _cfb_directory(data: bytes) -> list[tuple[str, int, int]]:
    """(name, start sector, size) of every directory entry; OfficeRefusal('damaged') when the
    structure does not hold together. Bounded by the file's own size."""
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        raise OfficeRefusal("damaged")
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise OfficeRefusal("damaged")
    size = 1 << shift
    sectors = (len(data) - 1) // size  # after the header, which fills sector -1
    num_fat, first_dir = struct.unpack_from("<I", data, 0x2C)[0], struct.unpack_from("<I", data, 0x30)[0]
    first_difat, num_difat = struct.unpack_from("<I", data, 0x44)[0], struct.unpack_from("<I", data, 0x48)[0]
    if num_fat > sectors + 1 or num_difat > sectors + 1:
        raise OfficeRefusal("damaged")

    def sector(index: int) -> bytes:
        if index >= sectors:
            raise OfficeRefusal("damaged")
        start = (index + 1) * size
        return data[start:start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    difat, seen = first_difat, 0
    while difat < 0xFFFFFFFA and seen <= num_difat:
        block = struct.unpack(f"<{size // 4}I", sector(difat))
        fat_sectors.extend(s for s in block[:-1] if s < 0xFFFFFFFA)
        difat, seen = block[-1], seen + 1
    fat: list[int] = []
    for index in fat_sectors[:num_fat]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(index)))
    entries: list[tuple[str, int, int]] = []
    current, steps = first_dir, 0
    while current < 0xFFFFFFFA:
        steps += 1
        if steps > len(fat) or current >= len(fat):
            raise OfficeRefusal("damaged")
        entry_block = sector(current)
        for at in range(0, size, 128):
            raw = entry_block[at:at + 128]
            name_len = struct.unpack_from("<H", raw, 64)[0]
            if raw[66] == 0 or not 2 <= name_len <= 64:
                continue
            name = raw[:name_len - 2].decode("utf-16-le", "replace")
            start, length = struct.unpack_from("<IQ", raw, 116)
            entries.append((name, start, length if shift == 12 else length & 0xFFFFFFFF))
        current = fat[current]
    if not entries:
        raise OfficeRefusal("damaged")
    return entries


# ---- 2. convert -----------------------------------------------------------------------------

# A fresh profile's own settings: no macro runs, whatever the document carries.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Java"><prop oor:name="Enable" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def soffice_path(program: str) -> str | None:
    """The LibreOffice program (`soffice`), or None when it is not installed."""
    return shutil.which(program)


def convert_to_pdf(path: str, workdir: str, *, soffice: str, seconds: int, memory: int, search_path: str) -> str:
    """Convert `path` to PDF inside `workdir` (which the caller removes); returns the PDF's path."""
    profile = os.path.join(workdir, "profile")
    os.makedirs(os.path.join(profile, "user"), exist_ok=True)
    Path(profile, "user", "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
    out = os.path.join(workdir, "out")
    os.makedirs(out, exist_ok=True)
    home = os.path.join(workdir, "home")
    os.makedirs(home, exist_ok=True)
    args = [soffice, "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
            "--nofirststartwizard", f"-env:UserInstallation={Path(profile).as_uri()}",
            "--convert-to", "pdf", "--outdir", out, path]
    env = {"PATH": search_path, "HOME": home, "LANG": "C.UTF-8",
           "TMPDIR": workdir, "SAL_USE_VCLPLUGIN": "svp"}
    outcome = run_sandboxed(args, seconds=seconds, memory=memory, env=env, cwd=workdir)
    if outcome.timed_out:
        raise OfficeRefusal("timeout")
    pdf = os.path.join(out, os.path.splitext(os.path.basename(path))[0] + ".pdf")
    if outcome.returncode != 0 or not os.path.isfile(pdf) or os.path.getsize(pdf) == 0:
        # LibreOffice says "Error: source file could not be loaded" and exits 0 or 1 alike.
        raise OfficeRefusal("damaged")
    return pdf

