"""The audit chain: append one row per action and check that no row was edited, deleted or moved."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ecabinet.menu_counts import forget_menu_counts
from ecabinet.models import AuditEvent, AuditHead, User

GENESIS_HASH = "0" * 64


# KEEP IN STEP with scripts/verify_export.py (canonical_content, chain_hash): that standalone
# script recomputes the chain of an export offline with its own copy of these two functions;
# tests/ecabinet/test_verify_export.py compares both on real rows.
def canonical_content(
    *, seq: int, at: str, actor_id: int | None, actor_label: str, action: str,
    object_type: str, object_id: str, details: dict[str, Any],
) -> bytes:
    # Sorted keys, no whitespace, UTF-8: the same row always hashes to the same bytes,
    # whichever database stored it.
    return json.dumps(
        {
            "seq": seq, "at": at, "actor_id": actor_id, "actor_label": actor_label,
            "action": action, "object_type": object_type, "object_id": object_id,
            "details": details,
        },
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    ).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


def _timestamp(value) -> str:
    # Microseconds are kept by both SQLite and PostgreSQL, so the hash survives a round trip.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row_content(row: AuditEvent) -> bytes:
    return canonical_content(
        seq=row.seq, at=_timestamp(row.at), actor_id=row.actor_id, actor_label=row.actor_label,
        action=row.action, object_type=row.object_type, object_id=row.object_id,
        details=row.details,
    )


def export_row(row: AuditEvent) -> dict[str, Any]:
    """One row as the audit export writes it: the hashed fields exactly as hashed (the time as
    its canonical string), then the links; `id` is the database row's, for people to find it."""
    return {
        "id": row.pk, "seq": row.seq, "at": _timestamp(row.at), "actor_id": row.actor_id,
        "actor_label": row.actor_label, "action": row.action, "object_type": row.object_type,
        "object_id": row.object_id, "details": row.details, "prev_hash": row.prev_hash,
        "row_hash": row.row_hash,
    }


def record_audit(
    *, actor: User | None, action: str, obj: models.Model | None = None,
    details: dict[str, Any] | None = None, read_only: bool = False,
) -> AuditEvent:
    """Append one audit row. Must run inside the action's transaction. `read_only`: the actor only
    read something (a file sent to them), which cannot change what they have to do."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_audit must be called inside transaction.atomic")
    # Lock the head row: concurrent actions append one after the other, never on the same seq.
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    # JSON round trip so the stored details are exactly what was hashed (no tuples, no dates).
    clean_details = json.loads(json.dumps(details or {}, default=str, ensure_ascii=False))
    row = AuditEvent(
        seq=head.last_seq + 1,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_full_name() if actor is not None and actor.pk else "system"),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        details=clean_details,
        prev_hash=head.last_hash,
    )
    row.row_hash = chain_hash(row.prev_hash, _row_content(row))
    row.save()
    head.last_seq = row.seq
    head.last_hash = row.row_hash
    head.save(update_fields=["last_seq", "last_hash"])
    if row.actor is not None and not read_only:
        forget_menu_counts([row.actor])  # what they just did may change their to-do
    return row


@dataclass
class ChainProblem:
    seq: int
    kind: str  # edited | deleted | reordered | truncated
    message: str


def verify_chain(batch_size: int = 2000) -> ChainProblem | None:
    """Walk the chain in order; return the first problem found, or None if it is intact."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    seen_hashes: dict[str, int] = {}
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size)
    for row in rows:
        if row.seq != expected_seq:
            return ChainProblem(
                expected_seq, "deleted", f"audit row #{expected_seq} is missing (deleted)"
            )
        if row.prev_hash != prev_hash:
            if row.prev_hash in seen_hashes or row.row_hash in seen_hashes:
                kind, what = "reordered", "is out of order (reordered)"
            else:
                kind, what = "reordered", "does not follow the row before it (reordered or replaced)"
            return ChainProblem(row.seq, kind, f"audit row #{row.seq} {what}")
        if chain_hash(row.prev_hash, _row_content(row)) != row.row_hash:
            return ChainProblem(row.seq, "edited", f"audit row #{row.seq} was edited")
        seen_hashes[row.row_hash] = row.seq
        prev_hash = row.row_hash
        expected_seq += 1
    head = AuditHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        if head.last_seq > last_seq:
            return ChainProblem(last_seq + 1, "deleted", f"audit row #{last_seq + 1} is missing (deleted)")
        return ChainProblem(head.last_seq, "edited", f"audit row #{head.last_seq} does not match the chain head")
    return None
