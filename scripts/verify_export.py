#!/usr/bin/env python3
"""Verify an eCabinet export offline: a meeting's dossier (ZIP) or an audit-log export.

    python scripts/verify_export.py DOSSIER.zip|AUDIT_EXPORT [--head SHA256]

Standalone on purpose: the standard library of Python 3.11 only, no Django, nothing from the
project, so an archivist can run it years later on any machine with this one file.

What it checks:
- `manifest.sha256` (one line in `sha256sum` format) names the SHA-256 of `manifest.json`;
- every file `manifest.json` lists is there with that SHA-256 and size; none is missing, none
  was added (`manifest.json` and `manifest.sha256` themselves excepted);
- for an audit export (`"kind": "audit"`), the hash chain row by row: each row follows the one
  before it (`prev_hash`), its `row_hash` is SHA-256(prev_hash + canonical content), the
  sequence numbers have no gap, and the last row is the manifest's `last_hash` (and the
  chain's head at export time when the export reached it). The first broken link is named.
  `--head` compares the last row with a head hash kept elsewhere (someone who rewrote every
  row and the manifest would otherwise stay unseen: keep manifest.sha256 or the head apart).

Exit status: 0 intact, 1 broken (a file or a link; each problem is printed), 2 unreadable (not
an export, or a manifest that cannot be read).

KEEP IN STEP with ecabinet/audit.py: `canonical_content` and `chain_hash` below are the same
canonicalisation as the functions of those names there (sorted keys, no whitespace, UTF-8 not
escaped, `default=str`; the hash over prev_hash's ASCII then the content). A change to one
without the other breaks every export; tests/ecabinet/test_verify_export.py compares them on
real rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

FORMAT = "ecabinet-manifest/1"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
GENESIS_HASH = "0" * 64
CANONICAL_FIELDS = ("seq", "at", "actor_id", "actor_label", "action", "object_type", "object_id", "details")
EXIT_OK, EXIT_BROKEN, EXIT_UNREADABLE = 0, 1, 2
_CHUNK = 1 << 20


class Unreadable(Exception):
    """The input is not an export this script can read (exit 2)."""


class Corrupt(Exception):
    """A ZIP member whose bytes fail the ZIP's own CRC or compression check: it was changed."""


# What reading a changed member of a ZIP raises (a CRC mismatch, a broken deflate stream).
_ZIP_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError)


# --- the audit chain's canonicalisation (KEEP IN STEP with ecabinet/audit.py) --------------------

def canonical_content(row: dict[str, Any]) -> bytes:
    return json.dumps(
        {key: row.get(key) for key in CANONICAL_FIELDS},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    ).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


# --- reading a ZIP or a directory the same way ---------------------------------------------------

class Source:
    def names(self) -> set[str]:
        raise NotImplementedError

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError


class ZipSource(Source):
    def __init__(self, path: str) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise Unreadable(f"{path}: not a readable ZIP file ({exc})") from None

    def names(self) -> set[str]:
        return {info.filename for info in self.zip.infolist() if not info.is_dir()}

    def open(self, name: str) -> IO[bytes]:
        return self.zip.open(name)


class DirSource(Source):
    def __init__(self, path: str) -> None:
        self.root = os.path.abspath(path)

    def names(self) -> set[str]:
        found = set()
        for folder, _dirs, files in os.walk(self.root):
            for file in files:
                found.add(os.path.relpath(os.path.join(folder, file), self.root).replace(os.sep, "/"))
        return found

    def open(self, name: str) -> IO[bytes]:
        return open(os.path.join(self.root, *name.split("/")), "rb")


def open_source(path: str) -> Source:
    if os.path.isdir(path):
        return DirSource(path)
    if not os.path.exists(path):
        raise Unreadable(f"{path}: no such file or directory")
    return ZipSource(path)


def digest(source: Source, name: str) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    try:
        with source.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                sha.update(chunk)
                size += len(chunk)
    except _ZIP_DAMAGE as exc:
        raise Corrupt(str(exc)) from None
    return sha.hexdigest(), size


def read_all(source: Source, name: str) -> bytes:
    try:
        with source.open(name) as fh:
            return fh.read()
    except _ZIP_DAMAGE as exc:
        raise Corrupt(str(exc)) from None


def _safe_path(name: object) -> bool:
    return (isinstance(name, str) and bool(name) and not name.startswith("/") and "\\" not in name
            and all(part not in ("", ".", "..") for part in name.split("/")))


# --- the checks ------------------------------------------------------------------------------------

def read_manifest(source: Source) -> tuple[dict[str, Any] | None, bytes | None, list[str]]:
    """The manifest (None when it cannot be parsed), its raw bytes, and what is wrong with it.

    The manifest's own checksum is compared first: a changed byte that also breaks the JSON is
    a broken export naming manifest.json (exit 1), not an unreadable one."""
    names = source.names()
    if MANIFEST not in names:
        raise Unreadable(f"no {MANIFEST}: this is not an eCabinet export")
    try:
        raw: bytes | None = read_all(source, MANIFEST)
    except Corrupt as exc:
        return None, None, [f"{MANIFEST}: changed (its bytes fail the ZIP's check: {exc})"]
    assert raw is not None
    problems = check_manifest_sum(source, raw)
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if problems:
            return None, raw, problems
        raise Unreadable(f"{MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        if problems:
            return None, raw, problems
        raise Unreadable(f"{MANIFEST} is not an eCabinet manifest (format {FORMAT})")
    return manifest, raw, problems


def check_manifest_sum(source: Source, raw: bytes) -> list[str]:
    if MANIFEST_SUM not in source.names():
        return [f"{MANIFEST_SUM}: missing (the manifest's own SHA-256 cannot be checked)"]
    try:
        text = read_all(source, MANIFEST_SUM).decode("ascii", "replace").split()
    except Corrupt as exc:
        return [f"{MANIFEST_SUM}: changed (its bytes fail the ZIP's check: {exc})"]
    actual = hashlib.sha256(raw).hexdigest()
    if not text or text[0].lower() != actual:
        return [f"{MANIFEST}: changed (its SHA-256 {actual} is not the one in {MANIFEST_SUM})"]
    return []


def check_files(source: Source, manifest: dict[str, Any]) -> tuple[list[str], int]:
    problems: list[str] = []
    listed: set[str] = set()
    present = source.names()
    for entry in manifest["files"]:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not _safe_path(name):
            problems.append(f"manifest: a file entry with an unsafe or missing path: {entry!r}")
            continue
        assert isinstance(name, str)
        listed.add(name)
        if name not in present:
            problems.append(f"{name}: missing")
            continue
        try:
            sha, size = digest(source, name)
        except Corrupt as exc:
            problems.append(f"{name}: changed (its bytes fail the ZIP's check: {exc})")
            continue
        if sha != entry.get("sha256") or size != entry.get("size"):
            problems.append(f"{name}: changed (SHA-256 {sha}, {size} bytes; the manifest says "
                            f"{entry.get('sha256')}, {entry.get('size')} bytes)")
    for name in sorted(present - listed - {MANIFEST, MANIFEST_SUM}):
        problems.append(f"{name}: extra (not in the manifest)")
    return problems, len(listed)


def _rows(source: Source, name: str) -> Iterator[tuple[int, Any]]:
    # A member that fails the ZIP's check is read from its raw bytes where possible: the
    # chain then names the row that changed, not only the file.
    with source.open(name) as fh:
        for number, line in enumerate(_lines(fh), 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError):
                yield number, None


def _lines(fh: IO[bytes]) -> Iterator[bytes]:
    try:
        yield from fh
    except _ZIP_DAMAGE:
        return


def check_chain(source: Source, manifest: dict[str, Any], head: str | None) -> tuple[str | None, str]:
    """The first broken link of the audit chain (None if intact) and a one-line summary."""
    chain = manifest.get("chain")
    if not isinstance(chain, dict) or not _safe_path(chain.get("file")):
        return "manifest: an audit export without its chain description", ""
    name = chain["file"]
    if name not in source.names():
        return f"{name}: missing, the chain cannot be checked", ""
    expected_seq = chain.get("from_seq")
    prev = chain.get("first_prev_hash")
    count, last_seq = 0, None
    for line, row in _rows(source, name):
        where = f"{name} line {line}"
        if not isinstance(row, dict) or not isinstance(row.get("seq"), int):
            return f"first broken link: {where} is not an audit row (unreadable JSON)", ""
        seq, ident = row["seq"], row.get("id")
        label = f"row seq {seq} (id {ident}, {where})"
        if expected_seq is None:
            return f"first broken link: {label}: the manifest says the export has no rows", ""
        if seq > expected_seq:
            return (f"first broken link: row seq {expected_seq} is missing (deleted or moved): "
                    f"the row after seq {expected_seq - 1} is seq {seq} ({where})"), ""
        if seq < expected_seq:
            return f"first broken link: {label} is out of order (after seq {expected_seq - 1})", ""
        if row.get("prev_hash") != prev:
            return (f"first broken link: {label} does not follow the row before it (prev_hash "
                    f"{row.get('prev_hash')}, expected {prev})"), ""
        if chain_hash(str(prev), canonical_content(row)) != row.get("row_hash"):
            return f"first broken link: {label}: its content does not match its hash (edited)", ""
        prev, last_seq = row["row_hash"], seq
        expected_seq += 1
        count += 1
    if count != chain.get("rows"):
        missing = (last_seq + 1) if last_seq is not None else chain.get("from_seq")
        return (f"first broken link: row seq {missing} is missing (deleted): the export has {count} rows, "
                f"the manifest says {chain.get('rows')}"), ""
    if count and (last_seq != chain.get("to_seq") or prev != chain.get("last_hash")):
        return f"first broken link: row seq {last_seq} is not the manifest's last row (seq {chain.get('to_seq')})", ""
    chain_head = chain.get("head") or {}
    if count and last_seq == chain_head.get("seq") and prev != chain_head.get("hash"):
        return f"first broken link: row seq {last_seq} does not match the chain's head at export time", ""
    if head is not None and count and prev != head.lower():
        return f"first broken link: row seq {last_seq} does not match the head hash given (--head)", ""
    if not count:
        return None, "audit chain: no rows in this range"
    return None, f"audit chain: {count} rows intact, seq {chain.get('from_seq')}..{last_seq}, last hash {prev}"


def verify(path: str, *, head: str | None = None, out: IO[str] = sys.stdout) -> int:
    try:
        source = open_source(path)
        manifest, raw, problems = read_manifest(source)
        count, summary = 0, ""
        if manifest is not None:
            file_problems, count = check_files(source, manifest)
            problems += file_problems
            if manifest.get("kind") == "audit":
                broken, summary = check_chain(source, manifest, head)
                if broken:
                    problems.append(broken)
    except Unreadable as exc:
        print(f"UNREADABLE: {exc}", file=out)
        return EXIT_UNREADABLE
    except (OSError, *_ZIP_DAMAGE) as exc:
        print(f"UNREADABLE: {path}: {exc}", file=out)
        return EXIT_UNREADABLE
    kind = manifest.get("kind", "export") if manifest is not None else "export"
    if problems:
        print(f"BROKEN: {path} ({kind})", file=out)
        for problem in problems:
            print(f"  - {problem}", file=out)
        return EXIT_BROKEN
    assert raw is not None
    print(f"OK: {path} ({kind}): {count} files match the manifest "
          f"(manifest SHA-256 {hashlib.sha256(raw).hexdigest()})", file=out)
    if summary:
        print(f"  {summary}", file=out)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify an eCabinet dossier ZIP or audit export offline.")
    parser.add_argument("export", help="a meeting's dossier (.zip) or an audit export (directory or .zip)")
    parser.add_argument("--head", help="the audit chain's head hash, kept apart from the export")
    args = parser.parse_args(argv)
    return verify(args.export, head=args.head)


if __name__ == "__main__":
    sys.exit(main())
