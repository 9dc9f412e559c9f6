"""Exports an archive can check offline: files plus a SHA-256 manifest (fn107, the audit export).

One writer for every such export (a meeting's dossier, the audit log): it adds files in the
order given, hashing them as they pass, then writes `manifest.json` (every file with its
SHA-256 and size, plus what the export says about itself) and `manifest.sha256` (the
manifest's own SHA-256 in `sha256sum` format, so `sha256sum -c` checks it too).
`scripts/verify_export.py` (standard library only) is the reader: the format below and that
script change together.

Deterministic: the same content gives the same bytes (fixed order, one fixed timestamp for
every ZIP entry, no compression of PDFs, which are compressed already), so two exports of an
unchanged meeting have the same SHA-256. Files are copied in chunks: nothing holds a whole
export in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any

FORMAT = "ecabinet-manifest/1"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
_CHUNK = 1 << 20
# ZIP cannot say a date before 1980.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class ArchiveError(Exception):
    """A stored file did not match its recorded checksum while it was copied."""


def canonical_json(data: Any) -> bytes:
    """Readable and stable JSON: sorted keys, UTF-8 not escaped, a final newline."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, default=str) + "\n").encode()


def zip_time(moment: datetime | None) -> tuple[int, int, int, int, int, int]:
    if moment is None:
        return _ZIP_EPOCH
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return max(stamp, _ZIP_EPOCH)


class _Sink:
    def open(self, name: str, *, compress: bool) -> IO[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _ZipSink(_Sink):
    def __init__(self, target: IO[bytes], date_time: tuple[int, int, int, int, int, int]) -> None:
        self.zip = zipfile.ZipFile(target, "w", allowZip64=True)
        self.date_time = date_time

    def open(self, name: str, *, compress: bool) -> IO[bytes]:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return self.zip.open(info, "w", force_zip64=True)

    def close(self) -> None:
        self.zip.close()


class _DirSink(_Sink):
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def open(self, name: str, *, compress: bool) -> IO[bytes]:
        path = self.root.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "wb")


class ManifestWriter:
    """Add files (`add_bytes`, `add_stream`), then `finish(**about)`; returns the manifest's SHA-256."""

    def __init__(self, sink: _Sink, *, kind: str) -> None:
        self.sink = sink
        self.kind = kind
        self.files: list[dict[str, Any]] = []
        self._names: set[str] = set()

    @classmethod
    def zip(cls, target: IO[bytes], *, kind: str, moment: datetime | None) -> ManifestWriter:
        return cls(_ZipSink(target, zip_time(moment)), kind=kind)

    @classmethod
    def directory(cls, root: str | os.PathLike[str], *, kind: str) -> ManifestWriter:
        return cls(_DirSink(Path(root)), kind=kind)

    def _entry(self, name: str, sha256: str, size: int) -> dict[str, Any]:
        entry = {"path": name, "sha256": sha256, "size": size}
        self.files.append(entry)
        return entry

    def _claim(self, name: str) -> None:
        if name in self._names or name in (MANIFEST, MANIFEST_SUM):
            raise ValueError(f"{name} is already in the export")
        self._names.add(name)

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> dict[str, Any]:
        self._claim(name)
        with self.sink.open(name, compress=compress) as out:
            out.write(data)
        return self._entry(name, hashlib.sha256(data).hexdigest(), len(data))

    def add_stream(self, name: str, source: IO[bytes], *, expected_sha256: str | None = None,
                   compress: bool = False) -> dict[str, Any]:
        """Copy `source` in chunks; ArchiveError when its bytes are not `expected_sha256`."""
        self._claim(name)
        sha, size = hashlib.sha256(), 0
        with self.sink.open(name, compress=compress) as out:
            while chunk := source.read(_CHUNK):
                sha.update(chunk)
                size += len(chunk)
                out.write(chunk)
        digest = sha.hexdigest()
        if expected_sha256 is not None and digest != expected_sha256:
            raise ArchiveError(f"{name}: the stored file does not match its recorded SHA-256")
        return self._entry(name, digest, size)

    def open_lines(self, name: str) -> _LineWriter:
        """A file written line by line (JSONL), hashed as it goes; close it to list it."""
        self._claim(name)
        return _LineWriter(self, name, self.sink.open(name, compress=True))

    def abandon(self) -> None:
        """Close an export that failed half way (the caller discards its target)."""
        try:
            self.sink.close()
        except (OSError, ValueError):
            pass

    def finish(self, **about: Any) -> str:
        manifest = {"format": FORMAT, "kind": self.kind, **about, "files": self.files}
        raw = canonical_json(manifest)
        digest = hashlib.sha256(raw).hexdigest()
        with self.sink.open(MANIFEST, compress=True) as out:
            out.write(raw)
        with self.sink.open(MANIFEST_SUM, compress=False) as out:
            out.write(f"{digest}  {MANIFEST}\n".encode())
        self.sink.close()
        return digest


class _LineWriter:
    def __init__(self, writer: ManifestWriter, name: str, out: IO[bytes]) -> None:
        self.writer, self.name, self.out = writer, name, out
        self.sha, self.size = hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.out.write(data)

    def close(self) -> dict[str, Any]:
        self.out.close()
        return self.writer._entry(self.name, self.sha.hexdigest(), self.size)
