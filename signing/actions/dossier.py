"""Exporting a meeting's dossier for the archive (fn107): an audited action."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import transaction

from ecabinet.audit import record_audit
from ecabinet.models import User
from meetings.access import meeting_access
from meetings.models import Meeting
from signing.access import require_may_export_dossier
from signing.dossier import build_dossier, file_name, require_within_bound


@dataclass(frozen=True)
class ExportedDossier:
    file: IO[bytes]  # positioned at the start; the caller sends it and closes it
    filename: str
    size: int
    sha256: str
    manifest_sha256: str


def do_export_dossier(meeting: Meeting, *, actor: User) -> ExportedDossier:
    """Build the meeting's dossier ZIP (signing/dossier.py) and record who exported it.

    The durable block is the audit row after the build, not the whole function: a big meeting's
    files take seconds to copy, and the audit chain's head row (locked by record_audit) must
    not wait for that. The right and the moment are checked before the build and again inside
    the block; the ZIP is spooled (memory, then a temporary file) and deleted when it is
    closed, so a refusal leaves nothing behind."""
    access = meeting_access(actor, meeting.pk)
    require_may_export_dossier(access)
    require_within_bound(access)
    spool = tempfile.SpooledTemporaryFile(max_size=settings.DOSSIER_SPOOL_BYTES)  # noqa: SIM115 - returned open
    try:
        info = build_dossier(access, spool)
        size = spool.tell()
        spool.seek(0)
        sha = hashlib.sha256()
        while chunk := spool.read(1 << 20):
            sha.update(chunk)
        spool.seek(0)
        with transaction.atomic(durable=True):
            access = meeting_access(actor, meeting.pk)
            require_may_export_dossier(access)
            record_audit(actor=actor, action="meeting.dossier_export", obj=access.meeting, details={
                "sha256": sha.hexdigest(), "size": size, "manifest_sha256": info.manifest_sha256,
                "files": info.files,
            })
    except BaseException:
        spool.close()
        raise
    return ExportedDossier(file=spool, filename=file_name(meeting.pk), size=size, sha256=sha.hexdigest(),
                           manifest_sha256=info.manifest_sha256)
