"""The invitation to a meeting (giấy mời) as a paper of record: what it says and how it is drawn.

Sources: Decision 45/2018/QĐ-TTg art. 10 (the invitation and the meeting's documents are sent
signed, electronically; fn98) and Decree 30/2020/NĐ-CP (appendix I: layout; appendix III: "GM"
for giấy mời, a "văn bản có tên loại"). The paper says, in this order:

- the header: the parent authority and the issuing body (the meeting's unit), "Số: 01/GM-UBND",
  "<place>, ngày … tháng … năm …" (the day the number was taken), "GIẤY MỜI" and its summary
  ("Họp <title>");
- "Kính gửi:" the invitees (not the signer, nor the secretaries who send it): each by name,
  position and unit (up to ADDRESSEE_LIMIT people), else by their units with a count;
- for a replacement, first: "Giấy mời này thay thế Giấy mời số 01/GM-UBND ngày …";
- the meeting: what it is about, who chairs it, "Thời gian: 08 giờ 00 phút, thứ Ba, ngày …",
  "Địa điểm: …" (the room or the place) and/or the online link, the agenda (items with their
  presenting unit and presenter), where the documents are (the meeting's address in eCabinet),
  the contact person (the secretary, with position and phone);
- the signer block: the convener, i.e. the meeting's chair (position as printed, "KT. CHỦ TỊCH"
  above a vice-chair's), else the person who scheduled it; the unit's organisation signature
  with its seal lands in that block (signature field "CoQuan");
- "Nơi nhận:" "Như trên" (the invitees) and "Lưu: VT".

The text is Vietnamese whatever the interface language: it is the paper being signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from ecabinet import paper
from ecabinet.models import Unit, User
from ecabinet.richtext import escape
from meetings.models import Meeting, Participant
from signing.minutes import place_name

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
FIELD_NAME = "CoQuan"
ADDRESSEE_LIMIT = 12
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class Replaced:
    """The invitation a replacement supersedes."""

    number: str
    issued_at: datetime


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def person(user: User, *, phone: bool = False) -> str:
    parts = [user.full_name or user.username]
    if user.position_id and user.position is not None:
        parts.append(user.position.name)
    if user.unit_id and user.unit is not None:
        parts.append(user.unit.name)
    if phone and user.phone:
        parts.append(f"điện thoại {user.phone}")
    return _one_line(", ".join(parts))


def clock(value: datetime) -> str:
    v = value.astimezone(LOCAL)
    return f"{v.hour:02d} giờ {v.minute:02d} phút"


def day(value: datetime) -> str:
    v = value.astimezone(LOCAL)
    return f"{WEEKDAYS[v.weekday()]}, ngày {v.day:02d}/{v.month:02d}/{v.year}"


def short_day(value: datetime) -> str:
    v = value.astimezone(LOCAL)
    return f"{v.day:02d}/{v.month:02d}/{v.year}"


def issuing_head(unit: Unit) -> tuple[str, str]:
    """(authority, issuer): the parent unit above the meeting's unit, or none for a top unit."""
    parent = unit.parent
    return (parent.name if parent is not None else ""), unit.name


def _invitees(meeting: Meeting, signer: User | None) -> list[Participant]:
    people = (meeting.participants.exclude(response=Participant.Response.DECLINE)
              .select_related("user__position", "user__unit").order_by("pk"))
    # Not the signer, nor the secretaries who send it (they are its contact).
    return [p for p in people if (signer is None or p.user_id != signer.pk)
            and p.role != Participant.Role.SECRETARY]


def addressees(meeting: Meeting, signer: User | None) -> tuple[str, ...]:
    people = _invitees(meeting, signer)
    if len(people) <= ADDRESSEE_LIMIT:
        return tuple(f"Đồng chí {person(p.user)}" for p in people)
    units: dict[str, int] = {}
    for p in people:
        name = p.user.unit.name if p.user.unit_id and p.user.unit is not None else "Đại biểu khác"
        units[name] = units.get(name, 0) + 1
    return tuple(f"{name} ({count} đại biểu)" for name, count in units.items())


def signer_of(meeting: Meeting) -> User:
    """The convener who signs: the meeting's chair, else whoever created it."""
    chair = (meeting.participants.filter(role=Participant.Role.CHAIR)
             .select_related("user__position").order_by("pk").first())
    return chair.user if chair is not None else meeting.created_by


def signer_block(user: User) -> paper.SignerBlock:
    position = user.position.name if user.position_id and user.position is not None else ""
    authority = "KT. CHỦ TỊCH" if position.lower().startswith("phó chủ tịch") else ""
    return paper.SignerBlock(field_name=FIELD_NAME, authority=authority,
                             position=position or "CHỦ TRÌ CUỘC HỌP", name=user.full_name or user.username)


def _secretary(meeting: Meeting) -> User | None:
    row = (meeting.participants.filter(role=Participant.Role.SECRETARY)
           .select_related("user__position", "user__unit").order_by("pk").first())
    return row.user if row is not None else None


def body_html(meeting: Meeting, *, replaces: Replaced | None, chair: User | None) -> str:
    e = escape
    out: list[str] = []
    if replaces is not None:
        out.append(f"<p><em>Giấy mời này thay thế Giấy mời số {e(replaces.number)} ngày "
                   f"{short_day(replaces.issued_at)}.</em></p>")
    unit = meeting.unit
    host = unit.name if unit is not None else "Cơ quan"
    out.append(f"<p>{e(host)} tổ chức cuộc họp {e(_one_line(meeting.title))}, cụ thể như sau:</p>")
    if meeting.description.strip():
        out.append(f"<p><strong>Nội dung:</strong> {e(_one_line(meeting.description))}</p>")
    if chair is not None:
        out.append(f"<p><strong>Chủ trì:</strong> Đồng chí {e(person(chair))}.</p>")
    out.append(f"<p><strong>Thời gian:</strong> {clock(meeting.starts_at)}, {day(meeting.starts_at)} "
               f"(dự kiến kết thúc lúc {clock(meeting.ends_at)}).</p>")
    place = meeting.room.name if meeting.room is not None else meeting.location
    if meeting.room is not None and meeting.room.address:
        place = f"{place}, {meeting.room.address}"
    if place.strip():
        out.append(f"<p><strong>Địa điểm:</strong> {e(_one_line(place))}.</p>")
    if meeting.online_url:
        if not place.strip():
            out.append("<p><strong>Địa điểm:</strong> họp trực tuyến.</p>")
        out.append(f"<p><strong>Đường dẫn họp trực tuyến:</strong> {e(meeting.online_url)}</p>")
    items = list(meeting.agenda_items.select_related("presenter", "presenting_unit").order_by("position", "pk"))
    if items:
        out.append("<p><strong>Chương trình họp:</strong></p><ol>")
        for item in items:
            who = [x for x in (item.presenting_unit.name if item.presenting_unit else "",
                               (item.presenter.full_name or item.presenter.username) if item.presenter else "") if x]
            tail = f" (trình bày: {e(' – '.join(who))})" if who else ""
            out.append(f"<li>{e(_one_line(item.title))}{tail}</li>")
        out.append("</ol>")
    address = f"{settings.PUBLIC_BASE_URL}{meeting.get_absolute_url()}"
    out.append(f"<p><strong>Tài liệu họp:</strong> đăng tải trên Hệ thống họp không giấy eCabinet tại địa chỉ "
               f"{e(address)}; đề nghị các đại biểu nghiên cứu trước khi dự họp.</p>")
    secretary = _secretary(meeting)
    if secretary is not None:
        out.append(f"<p><strong>Liên hệ:</strong> Đồng chí {e(person(secretary, phone=True))}.</p>")
    out.append("<p>Rất mong các đồng chí tham dự đúng thời gian./.</p>")
    return "".join(out)


def render_invitation(meeting: Meeting, *, number: str, issued_at: datetime,
                      replaces: Replaced | None) -> paper.Rendered:
    """The invitation as it is issued now (the meeting's current state, the given number)."""
    unit = meeting.unit
    assert unit is not None  # only a unit's meeting has a register to number it
    authority, issuer = issuing_head(unit)
    signer = signer_of(meeting)
    chair_row = meeting.participants.filter(role=Participant.Role.CHAIR).select_related(
        "user__position", "user__unit").order_by("pk").first()
    head = paper.PaperHead(
        issuer=issuer, authority=authority, kind="GIẤY MỜI", summary=f"Họp {_one_line(meeting.title)}",
        number=number, place=place_name(meeting) or unit.name, date=issued_at,
        addressees=addressees(meeting, signer), title=f"Giấy mời số {number}", author=issuer,
    )
    return paper.render(head, body_html(meeting, replaces=replaces, chair=chair_row.user if chair_row else None),
                        slots=[signer_block(signer)], recipients=["Như trên", "Lưu: VT"])


def file_name(number: str) -> str:
    return "giay-moi-" + "".join(c if c.isalnum() else "-" for c in number).strip("-") + ".pdf"
