"""The audit log exported for offline checking: `manage.py export_audit [--from --to] OUT`.

OUT is a directory (or a `.zip`) holding `audit.jsonl` (one row a line: the hashed fields as
hashed, `prev_hash`, `row_hash`, the row's `id`) and the manifest of ecabinet/archive.py, whose
`chain` says where the range starts (`first_prev_hash`: the hash of the row before it, the
genesis hash for row 1), where it ends (`to_seq`, `last_hash`) and the chain's head when the
export was written. `scripts/verify_export.py OUT` recomputes every link offline.

A range is by date (the installation's time zone, both ends included) and always exported
as the contiguous run of sequence numbers between its first and last row, so the verifier can
tell a deleted row from the edge of the range.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from ecabinet.archive import ManifestWriter
from ecabinet.audit import GENESIS_HASH, export_row
from ecabinet.models import AuditEvent, AuditHead

ROWS_FILE = "audit.jsonl"


@dataclass(frozen=True)
class AuditExport:
    rows: int
    from_seq: int | None
    to_seq: int | None
    last_hash: str | None
    manifest_sha256: str


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def seq_range(start: date | None, end: date | None) -> tuple[int, int] | None:
    """The first and last sequence number written from `start` to `end` (inclusive), or None."""
    rows = AuditEvent.objects.all()
    if start is not None:
        rows = rows.filter(at__gte=_day_start(start))
    if end is not None:
        rows = rows.filter(at__lt=_day_start(end + timedelta(days=1)))
    first = rows.order_by("seq").values_list("seq", flat=True).first()
    last = rows.order_by("-seq").values_list("seq", flat=True).first()
    return (first, last) if first is not None and last is not None else None


def write_audit_export(out: str | Path, *, start: date | None = None, end: date | None = None,
                       batch_size: int = 2000) -> AuditExport:
    out = Path(out)
    head = AuditHead.objects.filter(pk=1).first()
    bounds = seq_range(start, end)
    as_zip = out.suffix.lower() == ".zip"
    target = open(out, "wb") if as_zip else None  # noqa: SIM115 - closed below
    try:
        writer = (ManifestWriter.zip(target, kind="audit", moment=None) if target is not None
                  else ManifestWriter.directory(out, kind="audit"))
        lines = writer.open_lines(ROWS_FILE)
        count, first_prev, last_hash = 0, None, None
        if bounds is not None:
            rows = AuditEvent.objects.filter(seq__gte=bounds[0], seq__lte=bounds[1]).order_by("seq")
            for row in rows.iterator(chunk_size=batch_size):
                if first_prev is None:
                    first_prev = row.prev_hash
                data = export_row(row)
                lines.write(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n")
                count += 1
                last_hash = row.row_hash
        lines.close()
        digest = writer.finish(
            range={"from": start.isoformat() if start else None, "to": end.isoformat() if end else None},
            chain={
                "file": ROWS_FILE, "rows": count,
                "from_seq": bounds[0] if bounds else None, "to_seq": bounds[1] if bounds else None,
                # The row before the range is what the first row must follow (genesis for row 1).
                "first_prev_hash": first_prev if first_prev is not None else (GENESIS_HASH if bounds else None),
                "last_hash": last_hash,
                "head": {"seq": head.last_seq, "hash": head.last_hash} if head is not None else None,
            },
        )
    finally:
        if target is not None:
            target.close()
    return AuditExport(rows=count, from_seq=bounds[0] if bounds else None, to_seq=bounds[1] if bounds else None,
                       last_hash=last_hash, manifest_sha256=digest)
