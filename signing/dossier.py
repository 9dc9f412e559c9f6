"""A meeting's dossier for the archive (fn107): one ZIP that an archive keeps and checks offline.

Contents (paths inside the ZIP, in this order):
- `metadata.json`: the meeting (unit, type, times, place, chair and secretaries), its agenda
  with the conclusions, the meeting's own conclusion, the participants, and where each file of
  the dossier sits and what it is;
- `papers/`: the papers the office issued, byte for byte as signed and sealed: every invitation
  (`invitation-<number>.pdf`, a replaced one too: it is part of the record), the minutes
  (`minutes.pdf`) and the conclusion notice (`notice.pdf`);
- `documents/`: the final (latest) version of every released document of the meeting, as
  stored (`document-<id>-v<version>.pdf`). Confidential documents are included: only those
  running the meeting may export its dossier, and they read every document of it
  (meetings.access.documents_visible_to), so the dossier holds what the exporter may read and
  the archive receives the whole record; metadata marks them `confidential`. Documents still
  pending, sent back or withdrawn are not part of the record and stay out;
- `conclusions/`: the files attached to the conclusions;
- `attendance.json` and `attendance.csv`: every invitee, their answer, check-in and delegation;
- `votes.json`: the results export of signing/ballots.py with every signed ballot (JWS);
- `manifest.json` and `manifest.sha256` (ecabinet/archive.py): every file's SHA-256 and size.

Deterministic: no export time inside (the audit row of the export carries it), one timestamp
(the meeting's end) on every ZIP entry, files in a fixed order; two exports of an unchanged
meeting are the same bytes. Streamed: every stored file is copied in chunks into the target
(a spooled temporary file), checked against its recorded SHA-256 on the way.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.archive import ArchiveError, ManifestWriter, canonical_json
from ecabinet.errors import ActionError, ConflictError
from ecabinet.models import User
from meetings.access import MeetingAccess, documents_visible_to
from meetings.models import (
    AgendaItem,
    Attendance,
    ConclusionAttachment,
    Document,
    DocumentVersion,
    Meeting,
    Participant,
    RoomState,
)
from signing.ballots import results_export
from signing.models import ConclusionNotice, Invitation, Minutes

FORMAT = "ecabinet-dossier/1"
KIND = "meeting-dossier"


@dataclass(frozen=True)
class DossierInfo:
    files: int
    manifest_sha256: str


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    position = getattr(user, "position", None)
    return {"id": user.pk, "username": user.username, "name": user.full_name or user.username,
            "unit": user.unit.name if user.unit_id and user.unit else None,
            "position": position.name if position is not None else None}


def _latest_versions(documents: list[Document]) -> dict[int, DocumentVersion]:
    latest: dict[int, DocumentVersion] = {}
    for version in DocumentVersion.objects.filter(document__in=documents).order_by("document_id", "number"):
        latest[version.document_id] = version
    return latest


def _papers(meeting_id: int) -> tuple[list[tuple[str, Invitation]], Minutes | None, ConclusionNotice | None]:
    invitations = [(f"papers/invitation-{inv.pk}.pdf", inv) for inv in
                   Invitation.objects.filter(meeting_id=meeting_id, document__isnull=False).order_by("pk")]
    minutes = Minutes.objects.filter(meeting_id=meeting_id, document__isnull=False).first()
    notice = ConclusionNotice.objects.filter(meeting_id=meeting_id, document__isnull=False,
                                             status=ConclusionNotice.Status.ISSUED).first()
    return invitations, minutes, notice


def dossier_size(access: MeetingAccess) -> int:
    """The bytes of the stored files a dossier would copy (the bound is checked on this)."""
    documents = list(documents_visible_to(access).filter(status=Document.Status.RELEASED))
    stored = sum(v.size for v in _latest_versions(documents).values())
    attachments = ConclusionAttachment.objects.filter(meeting=access.meeting).aggregate(total=Sum("size"))["total"]
    return stored + (attachments or 0)


def require_within_bound(access: MeetingAccess) -> None:
    limit = settings.DOSSIER_MAX_BYTES
    if dossier_size(access) > limit:
        raise ActionError("too_large", _("This meeting's files together exceed %(size)d MB, the largest dossier "
                                         "this installation exports. Ask the administrator.")
                          % {"size": limit // (1024 * 1024)}, status=413)


def _attendance(meeting_id: int) -> list[dict[str, Any]]:
    checked = {a.participant_id: a for a in Attendance.objects.filter(meeting_id=meeting_id)}
    rows = []
    participants = (Participant.objects.filter(meeting_id=meeting_id)
                    .select_related("user__unit", "user__position", "delegate_for__user").order_by("pk"))
    for p in participants:
        seen = checked.get(p.pk)
        rows.append({
            "participant_id": p.pk, "user_id": p.user_id, "name": p.user.full_name or p.user.username,
            "unit": p.user.unit.name if p.user.unit_id and p.user.unit else None,
            "role": p.role, "response": p.response, "reason": p.response_reason,
            "state": p.state, "delegate_for": p.delegate_for.user.full_name if p.delegate_for_id and p.delegate_for else None,
            "present": seen is not None, "checked_in_at": _iso(seen.checked_in_at) if seen else None,
            "method": seen.method if seen else None, "remote": seen.remote if seen else None,
        })
    return rows


def _attendance_csv(rows: list[dict[str, Any]]) -> bytes:
    keys = ["participant_id", "name", "unit", "role", "response", "reason", "state", "delegate_for", "present",
            "checked_in_at", "method", "remote"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow(["" if row[k] is None else row[k] for k in keys])
    # UTF-8 with a byte-order mark: spreadsheet programs then read the Vietnamese names right.
    return ("\ufeff" + text.getvalue()).encode()


def _votes(access: MeetingAccess) -> dict[str, Any]:
    votes = results_export(access)
    # The export time would make two dossiers of one meeting differ; the meeting's end is the
    # moment the results are final.
    votes["exported_at"] = _iso(access.meeting.ended_at)
    return votes


def build_dossier(access: MeetingAccess, target: IO[bytes]) -> DossierInfo:
    """Write the dossier ZIP of the meeting `access` names into `target`. The caller checked the
    permission (signing.access.require_may_export_dossier) and the bound."""
    meeting = access.meeting
    writer = ManifestWriter.zip(target, kind=KIND, moment=timezone.localtime(meeting.ended_at or meeting.starts_at))
    invitations, minutes, notice = _papers(meeting.pk)
    # Papers are read only with their document set (_papers filters on it).
    paper_docs: dict[int | None, str] = {inv.document_id: path for path, inv in invitations}
    if minutes is not None:
        paper_docs[minutes.document_id] = "papers/minutes.pdf"
    if notice is not None:
        paper_docs[notice.document_id] = "papers/notice.pdf"
    released = list(documents_visible_to(access).filter(status=Document.Status.RELEASED)
                    .select_related("doc_type").order_by("pk"))
    for_papers = list(Document.objects.filter(pk__in=paper_docs).order_by("pk"))
    released_ids = {d.pk for d in released}
    latest = _latest_versions(released + [d for d in for_papers if d.pk not in released_ids])
    paths: dict[int | None, str] = {}
    for document in released:
        if document.pk in latest:
            version = latest[document.pk]
            paths[document.pk] = paper_docs.get(document.pk) or f"documents/document-{document.pk}-v{version.number}.pdf"
    for document in for_papers:
        if document.pk in latest:
            paths.setdefault(document.pk, paper_docs[document.pk])
    attachments = list(ConclusionAttachment.objects.filter(meeting=meeting).order_by("pk"))
    items = list(AgendaItem.objects.filter(meeting=meeting)
                 .select_related("presenter__unit", "presenter__position", "presenting_unit")
                 .prefetch_related("assigned_units").order_by("position", "pk"))
    people = list(Participant.objects.filter(meeting=meeting).select_related("user__unit", "user__position")
                  .order_by("pk"))
    room = RoomState.objects.filter(meeting=meeting).first()
    # The catalog rows the metadata names, in one query.
    meeting = Meeting.objects.select_related("unit", "meeting_type", "room").get(pk=meeting.pk)
    doc_by_pk = {d.pk: d for d in released + for_papers}
    metadata = {
        "format": FORMAT,
        "meeting": {
            "id": meeting.pk, "title": meeting.title, "description": meeting.description, "status": meeting.status,
            "unit": {"id": meeting.unit_id, "name": meeting.unit.name} if meeting.unit_id and meeting.unit else None,
            "type": meeting.meeting_type.name if meeting.meeting_type_id and meeting.meeting_type else None,
            "starts_at": _iso(meeting.starts_at), "ends_at": _iso(meeting.ends_at),
            "started_at": _iso(meeting.started_at), "ended_at": _iso(meeting.ended_at),
            "location": meeting.location, "room": meeting.room.name if meeting.room_id and meeting.room else None,
            "online_url": meeting.online_url,
            "chair": [_person(p.user) for p in people if p.role == Participant.Role.CHAIR],
            "secretaries": [_person(p.user) for p in people if p.role == Participant.Role.SECRETARY],
            "conclusion": room.conclusion if room is not None else "",
        },
        "agenda": [{
            "id": item.pk, "position": item.position, "title": item.title, "status": item.status,
            "presenter": _person(item.presenter),
            "presenting_unit": item.presenting_unit.name if item.presenting_unit else None,
            "planned_minutes": item.duration_minutes, "started_at": _iso(item.started_at),
            "ended_at": _iso(item.ended_at), "conclusion": item.conclusion,
            "assigned_units": sorted(u.name for u in item.assigned_units.all()),
        } for item in items],
        "participants": [{**(_person(p.user) or {}), "participant_id": p.pk, "role": p.role,
                          "response": p.response} for p in people],
        "papers": {
            "invitations": [{"number": inv.number, "status": inv.status, "file": paths.get(inv.document_id)}
                            for _path, inv in invitations],
            "minutes": {"number": minutes.number, "file": paths.get(minutes.document_id)} if minutes else None,
            "notice": {"number": notice.number, "file": paths.get(notice.document_id)} if notice else None,
        },
        "documents": [{
            "id": pk, "title": doc_by_pk[pk].title, "file": path, "version": latest[pk].number,
            "sha256": latest[pk].sha256, "confidential": doc_by_pk[pk].confidential,
            "agenda_item": doc_by_pk[pk].agenda_item_id, "type": doc_by_pk[pk].doc_type.name
            if doc_by_pk[pk].doc_type_id and doc_by_pk[pk].doc_type else None,
        } for pk, path in sorted(paths.items(), key=lambda kv: kv[1]) if pk is not None],
        "conclusion_attachments": [{"id": a.pk, "title": a.title, "agenda_item": a.item_id,
                                    "file": f"conclusions/attachment-{a.pk}.pdf"} for a in attachments],
    }
    writer.add_bytes("metadata.json", canonical_json(metadata))
    try:
        for pk, path in sorted(paths.items(), key=lambda kv: kv[1]):
            if pk is None:
                continue
            version = latest[pk]
            with version.file.open("rb") as fh:
                writer.add_stream(path, fh, expected_sha256=version.sha256)
        for attachment in attachments:
            with attachment.file.open("rb") as fh:
                writer.add_stream(f"conclusions/attachment-{attachment.pk}.pdf", fh, expected_sha256=attachment.sha256)
    except ArchiveError:
        writer.abandon()
        raise ConflictError("file_changed", _("A stored file of this meeting does not match its recorded checksum; "
                                              "the dossier is not exported.")) from None
    except OSError:
        writer.abandon()
        raise ConflictError("file_missing", _("A stored file of this meeting is missing; the dossier is not "
                                              "exported.")) from None
    attendance = _attendance(meeting.pk)
    writer.add_bytes("attendance.json", canonical_json(attendance))
    writer.add_bytes("attendance.csv", _attendance_csv(attendance))
    writer.add_bytes("votes.json", canonical_json(_votes(access)))
    digest = writer.finish(meeting={"id": meeting.pk, "title": meeting.title})
    return DossierInfo(files=len(writer.files), manifest_sha256=digest)


def file_name(meeting_id: int) -> str:
    return f"ho-so-cuoc-hop-{meeting_id}.zip"
