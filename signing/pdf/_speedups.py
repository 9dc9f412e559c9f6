"""Behaviour-identical speed-ups for the hot spots of pyHanko validation.

1. Hex strings.
pyHanko reads ``<...>`` hex strings one byte per Python call (``read_non_whitespace``).
A signature's ``/Contents`` is such a string of several thousand hex digits, read once
per revision that references it: ~5 ms of a ~12 ms verification and a good part of
signing an already signed PDF.

:func:`install` replaces ``pyhanko.pdf_utils.generic.read_hex_string_from_stream`` with a
version that scans the string with one regular expression when it holds only hex digits
and PDF whitespace, and otherwise (comments, bad bytes, end of file) rewinds and hands the
stream to pyHanko's own reader, so errors and odd inputs behave exactly as before.

2. Name objects (``/Type``...). pyHanko reads them one byte per call too and decodes
them byte by byte: ~13% of a verification. The fast reader takes the run up to the next
delimiter with one regular expression; a name with ``#`` escapes or bytes outside
printable ASCII is decoded by pyHanko's own ``_decode_name`` (and its errors).

3. Distinguished-name comparison. asn1crypto compares names after RFC 4518 string
preparation (a dozen regular expressions and a stringprep pass per attribute), and
pyHanko's ESS signing-certificate check compares an explicitly tagged name with a plain
one, so its byte-for-byte shortcut never applies: ~18% of a verification, repeated for
the same CA names on every call. Equality and ``hashable`` are pure functions of the
names' DER encodings, so they are memoised on those bytes; the first computation is
asn1crypto's own, and an exception it raises propagates (and is not cached) as before.

4. Byte-range digests. pyHanko hashes a signature's byte range in 4 KB ``readinto``
chunks (2,500 Python iterations for 10 MB, ~2 ms); over an in-memory stream the same
bytes are hashed from a memoryview of its buffer. Other streams and any unusual range
(negative numbers, non-integers) go to pyHanko's function.

Tested against the originals in tests/signing/test_verify.py.
"""

from __future__ import annotations

import binascii
import re
import threading
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from pyhanko.pdf_utils import generic
from pyhanko.sign import general as sign_general
from pyhanko.sign.validation import pdf_embedded

# hex digits and PDF whitespace (pyhanko.pdf_utils.misc.PDF_WHITESPACE), then the closing >
_SIMPLE = re.compile(rb"[0-9A-Fa-f \n\r\t\f\x00]*>")
_WS = re.compile(rb"[ \n\r\t\f\x00]+")
# most hex strings are short (/ID); a signature's /Contents is a few KB to tens of KB
_FIRST_READ = 512
_MAX_READ = 1024 * 1024
_MAX_FAST = 64 * 1024 * 1024  # longer strings take pyHanko's path (bounded memory)

_original = generic.read_hex_string_from_stream
_original_read_name = generic.NameObject.read_from_stream
# a run of regular characters: anything but PDF whitespace and delimiters
_NAME_RUN = re.compile(rb"[^ \n\r\t\f\x00()<>\[\]{}/%]*")
_PLAIN_NAME = re.compile(rb"[\x21-\x22\x24-\x7e]*")  # printable ASCII without "#"
_original_byte_range_digest = sign_general.byte_range_digest
_original_name_eq = asn1_x509.Name.__eq__
_original_name_hashable = asn1_x509.Name.hashable
_MEMO_LIMIT = 4096
_eq_memo: dict[tuple[bytes, bytes], bool] = {}
_hashable_memo: dict[bytes, str] = {}
_lock = threading.Lock()
_installed = False


def read_hex_string_from_stream(stream: Any) -> Any:
    start = stream.tell()
    stream.read(1)  # the opening "<"
    buf = b""
    size = _FIRST_READ
    while True:
        chunk = stream.read(size)
        size = min(2 * size, _MAX_READ)
        # only what was just read can hold the first ">" (the earlier part had none)
        end = chunk.find(b">")
        if end >= 0:
            buf += chunk[: end + 1]
            break
        buf += chunk
        if not chunk or len(buf) > _MAX_FAST:
            stream.seek(start)
            return _original(stream)
    if _SIMPLE.fullmatch(buf) is None:
        stream.seek(start)
        return _original(stream)
    stream.seek(start + 1 + len(buf))
    digits = _WS.sub(b"", buf[:-1])
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def read_name_from_stream(stream: Any) -> generic.NameObject:
    if stream.read(1) != b"/":
        raise generic.PdfReadError("Name object should start with /")
    start = stream.tell()
    run = b""
    size = 64
    while True:
        chunk = stream.read(size)
        part = _NAME_RUN.match(chunk).group()  # type: ignore[union-attr]
        run += part
        if len(part) < len(chunk):
            stream.seek(start + len(run))  # rewound to the delimiter, as pyHanko does
            break
        if len(chunk) < size:
            break  # end of the stream: pyHanko stays at the end too
        size = min(size * 4, 1 << 20)
    if _PLAIN_NAME.fullmatch(run):
        return generic.NameObject("/" + run.decode("ascii"))
    return generic._decode_name(run)


def _remember(memo: dict, key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()  # bounded; the working set is a handful of CA names
    memo[key] = value


def name_eq(self: asn1_x509.Name, other: object) -> bool:
    if not isinstance(other, asn1_x509.Name):
        return False
    key = (self.chosen.dump(), other.chosen.dump())
    try:
        return _eq_memo[key]
    except KeyError:
        pass
    result = _original_name_eq(self, other)
    _remember(_eq_memo, key, result)
    return result


def name_hashable(self: asn1_x509.Name) -> str:
    key = self.chosen.dump()
    try:
        return _hashable_memo[key]
    except KeyError:
        pass
    result = _original_name_hashable.fget(self)
    _remember(_hashable_memo, key, result)
    return result


def byte_range_digest(
    stream: Any, byte_range: Any, md_algorithm: str, chunk_size: int = 4096
) -> tuple[int, bytes]:
    ranges = list(byte_range)
    if (
        not isinstance(stream, BytesIO)
        or len(ranges) % 2
        or not all(type(v) is int or isinstance(v, generic.NumberObject) for v in ranges)
        or any(v < 0 for v in ranges)
    ):
        return _original_byte_range_digest(stream, byte_range, md_algorithm, chunk_size)
    md = hashes.Hash(sign_general.get_pyca_cryptography_hash(md_algorithm))
    total = 0
    view = stream.getbuffer()
    try:
        size = len(view)
        pos = stream.tell()
        for lo, length in zip(ranges[::2], ranges[1::2], strict=True):
            md.update(view[lo : lo + length])
            pos = lo + max(0, min(length, size - lo))
            total += length
    finally:
        view.release()
    if ranges:
        stream.seek(pos)  # where pyHanko's chunked reads would have left it
    return total, md.finalize()


def install() -> None:
    """Idempotent; safe to call from several threads."""
    global _installed
    if _installed:
        return
    with _lock:
        if not _installed:
            generic.read_hex_string_from_stream = read_hex_string_from_stream
            generic.NameObject.read_from_stream = staticmethod(read_name_from_stream)  # type: ignore[method-assign]
            pdf_embedded.byte_range_digest = byte_range_digest
            asn1_x509.Name.__eq__ = name_eq
            asn1_x509.Name.hashable = property(name_hashable)
            _installed = True
