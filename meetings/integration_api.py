"""The integration API's endpoints (ecabinet/api_integration.py): meetings of a unit and of a
person, a meeting's details, its documents. What they read and in which shape is
meetings/integration.py; the client's units come from its token (ecabinet/integration.py)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from ecabinet.inputs import Id
from ecabinet.integration import Client, client_of
from ecabinet.models import User
from meetings.integration import (
    after_cursor,
    document_summary,
    meeting_details,
    meeting_summary,
    outside_documents,
    outside_meetings,
    upcoming_or_past,
)
from meetings.models import Meeting, Participant

router = Router(tags=["Cuộc họp / Meetings"])


class ListQuery(Schema):
    when: Literal["upcoming", "past"] = Field(
        "upcoming", description="upcoming: sắp diễn ra, sớm nhất trước / not yet held, earliest first; "
                                "past: đã họp hoặc đã hủy, gần nhất trước / held or cancelled, latest first")
    limit: int = Field(20, ge=1, le=100, description="Số cuộc họp mỗi trang (1–100) / Meetings per page (1–100)")
    cursor: str | None = Field(None, max_length=200,
                               description="Giá trị next_cursor của trang trước / The previous page's next_cursor")


class MeetingOut(Schema):
    id: int = Field(description="Mã cuộc họp / Meeting id")
    title: str = Field(description="Tên cuộc họp / Title")
    unit_id: int | None = Field(description="Đơn vị tổ chức / Convening unit id")
    status: str = Field(description="scheduled | in_progress | ended | cancelled — trạng thái / status")
    starts_at: str = Field(description="Bắt đầu (ISO 8601) / Start (ISO 8601)")
    ends_at: str = Field(description="Kết thúc dự kiến (ISO 8601) / Planned end (ISO 8601)")
    location: str = Field(description="Địa điểm / Place")
    online: bool = Field(description="Có họp trực tuyến / Has an online link")


class MeetingPage(Schema):
    items: list[MeetingOut] = Field(description="Các cuộc họp / The meetings")
    next_cursor: str | None = Field(description="Trang sau (null: hết) / The next page (null: none)")


class UnitOut(Schema):
    id: int = Field(description="Mã đơn vị / Unit id")
    name: str = Field(description="Tên đơn vị / Unit name")


class AgendaItemOut(Schema):
    id: int = Field(description="Mã nội dung / Item id")
    position: int = Field(description="Thứ tự / Order")
    title: str = Field(description="Nội dung / Title")
    status: str = Field(description="pending | current | done | postponed — trạng thái / status")
    duration_minutes: int = Field(description="Thời lượng dự kiến (phút) / Planned minutes")
    presenter: str | None = Field(description="Người trình bày / Presenter")
    presenting_unit: str | None = Field(description="Đơn vị trình / Presenting unit")


class ParticipantOut(Schema):
    person_id: int = Field(description="Mã người dự / Person id")
    full_name: str = Field(description="Họ tên / Full name")
    unit: str | None = Field(description="Đơn vị / Unit")
    position: str | None = Field(description="Chức vụ / Position")
    role: str = Field(description="chair | secretary | member | guest — vai trò / role")
    response: str = Field(description="pending | attend | decline | delegate — trả lời giấy mời / answer")


class MeetingDetailOut(MeetingOut):
    description: str = Field(description="Mô tả / Description")
    unit: UnitOut | None = Field(description="Đơn vị tổ chức / Convening unit")
    started_at: str | None = Field(description="Thời điểm khai mạc / When it started")
    ended_at: str | None = Field(description="Thời điểm bế mạc / When it ended")
    cancel_reason: str = Field(description="Lý do hủy / Reason for cancelling")
    agenda: list[AgendaItemOut] = Field(description="Chương trình họp / Agenda")
    participants: list[ParticipantOut] = Field(description="Thành phần dự họp / Participants")


class DocumentOut(Schema):
    id: int = Field(description="Mã tài liệu / Document id")
    meeting_id: int = Field(description="Mã cuộc họp / Meeting id")
    title: str = Field(description="Tên tài liệu / Title")
    agenda_item_id: int | None = Field(description="Thuộc nội dung / Agenda item id")
    type: str | None = Field(description="Loại tài liệu / Document type")
    version: int = Field(description="Phiên bản hiện hành / Current version")
    sha256: str = Field(description="SHA-256 của tệp PDF (hex) / SHA-256 of the PDF (hex)")
    size: int = Field(description="Dung lượng (byte) / Size in bytes")
    pages: int = Field(description="Số trang / Pages")
    released_at: str | None = Field(description="Thời điểm phát hành / When it was released")


def _cursor_of(meeting: Meeting) -> str:
    raw = f"{meeting.starts_at.isoformat()}|{meeting.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, pk = raw.split("|")
        starts_at = datetime.fromisoformat(when)
        if starts_at.tzinfo is None or not 0 < int(pk) < 2**63:
            raise ValueError
        return starts_at, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, _("The cursor is not valid: use the next_cursor of the previous page.")) from None


def _page(meetings, query: ListQuery) -> dict:
    meetings = upcoming_or_past(meetings, query.when)
    if query.cursor:
        meetings = after_cursor(meetings, query.when, *_parse_cursor(query.cursor))
    rows = list(meetings[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {"items": [meeting_summary(m) for m in rows],
            "next_cursor": _cursor_of(rows[-1]) if more and rows else None}


def _meeting(client: Client, meeting_id: int) -> Meeting:
    return get_object_or_404(outside_meetings(client.unit_ids).select_related("unit"), pk=meeting_id)


@router.get("/units/{unit_id}/meetings", response=MeetingPage,
            summary="Cuộc họp của một đơn vị / A unit's meetings",
            description="Cuộc họp sắp tới hoặc đã qua của đơn vị (chỉ đơn vị được cấp). / "
                        "The upcoming or past meetings of a unit (granted units only).")
def unit_meetings(request: HttpRequest, unit_id: Id, query: Query[ListQuery]):
    client = client_of(request)
    if unit_id not in client.unit_ids:
        raise HttpError(404, _("Not found."))
    return _page(outside_meetings(frozenset({unit_id})), query)


@router.get("/people/{person_id}/meetings", response=MeetingPage,
            summary="Cuộc họp của một người / A person's meetings",
            description="Cuộc họp có người này tham dự, trong các đơn vị được cấp. / "
                        "The meetings this person takes part in, among the granted units.")
def person_meetings(request: HttpRequest, person_id: Id, query: Query[ListQuery]):
    client = client_of(request)
    meetings = outside_meetings(client.unit_ids)
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or not (person.unit_id in client.unit_ids
                              or Participant.objects.filter(user=person, meeting__in=meetings).exists()):
        raise HttpError(404, _("Not found."))
    return _page(meetings.filter(participants__user=person), query)


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut,
            summary="Chi tiết cuộc họp / A meeting's details",
            description="Chương trình, thành phần, trạng thái, thời gian, địa điểm. / "
                        "Agenda, participants, status, times, place.")
def meeting_detail(request: HttpRequest, meeting_id: Id):
    return meeting_details(_meeting(client_of(request), meeting_id))


@router.get("/meetings/{meeting_id}/documents", response=list[DocumentOut],
            summary="Tài liệu của cuộc họp / A meeting's documents",
            description="Tài liệu đã phát hành cho mọi người dự (không có tài liệu mật): thông tin và SHA-256, "
                        "không kèm tệp. / Documents released to every participant (never a confidential one): "
                        "metadata and SHA-256, no file.")
def meeting_documents(request: HttpRequest, meeting_id: Id):
    meeting = _meeting(client_of(request), meeting_id)
    return [document_summary(document, version) for document, version in outside_documents(meeting)]
