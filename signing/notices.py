"""The conclusion notice (thông báo kết luận, fn102): its draft written from the conclusions,
its deadline, and who receives it.

The form is Decree 30/2020/NĐ-CP's for a document with a type name (appendix III, form 1.4 —
"THÔNG BÁO", number ``…/TB-…``); the content is what Decision 45/2018/QĐ-TTg asks of a notice:
when and where, who chaired, who attended, what was heard, the chair's conclusions point by
point, and who is to carry them out. It is due within 5 working days after the meeting.

The draft is HTML of the ``ecabinet.richtext`` subset; every value typed by someone is escaped.
The text is Vietnamese whatever the interface language: it is the paper being issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ecabinet.models import Unit, User
from ecabinet.richtext import escape
from ecabinet.workdays import add_working_days
from meetings.models import AgendaItem, Attendance, Meeting, Participant, RoomState
from signing.minutes import day, signatories
from signing.models import ConclusionNotice

DUE_WORKING_DAYS = 5
# Meetings that ended longer ago than this are no longer tracked (nor reminded of): the deadline
# is counted for the notices this feature can still help with, not for years of old meetings.
TRACKED_DAYS = 45


def due_date(meeting: Meeting) -> date:
    """The 5th working day after the day the meeting ended (Decision 45/2018/QĐ-TTg)."""
    ended = meeting.ended_at or meeting.ends_at
    return add_working_days(timezone.localtime(ended).date(), DUE_WORKING_DAYS)


def issuing_unit(meeting: Meeting) -> Unit | None:
    return meeting.unit or getattr(meeting.created_by, "unit", None)


def office_name(unit: Unit | None) -> str:
    """"Văn phòng Ủy ban nhân dân tỉnh An Phước": the office that issues the notice."""
    return f"Văn phòng {unit.name}" if unit is not None else "Văn phòng"


def name_and_position(user: User) -> str:
    """"Nguyễn Văn A, Chủ tịch UBND tỉnh" (the position when there is one)."""
    name = " ".join((user.full_name or user.username).split())
    return f"{name}, {user.position.name}" if user.position_id and user.position else name


def _name(user: User) -> str:
    return escape(user.full_name or user.username)


def _paragraphs(text: str) -> list[str]:
    return [f"<p>{escape(line)}</p>" for line in (text or "").splitlines() if line.strip()]


def _units_phrase(units: list[Unit]) -> str:
    return ", ".join(escape(u.name) for u in units)


def present_participants(meeting: Meeting) -> list[Participant]:
    present = set(Attendance.objects.filter(meeting=meeting).values_list("participant_id", flat=True))
    return [p for p in Participant.objects.filter(meeting=meeting).select_related("user__unit", "user__position")
            .order_by("pk") if p.pk in present]


def build_notice_html(meeting: Meeting) -> str:
    """The draft notice of `meeting`: the opening paragraph, the conclusions numbered 1, 2, …
    (each item's conclusion and the units it assigns, then the meeting's own conclusion), and
    the office's closing sentence."""
    meeting = Meeting.objects.select_related("unit", "room", "created_by__unit").get(pk=meeting.pk)
    chair = signatories(meeting).chair
    started = meeting.started_at or meeting.starts_at
    room = meeting.room
    place = room.name if room is not None else meeting.location
    if room is not None and room.address:
        place = f"{place}, {room.address}"
    chair_text = f"đồng chí {escape(name_and_position(chair))}" if chair else "(chưa xác định người chủ trì)"

    attendees = [p for p in present_participants(meeting) if chair is None or p.user_id != chair.pk]
    units: list[Unit] = []
    people: list[str] = []
    for p in attendees:
        if p.role == Participant.Role.SECRETARY:
            continue
        if p.user.unit is not None:
            if p.user.unit not in units:
                units.append(p.user.unit)
        else:
            people.append(_name(p.user))
    who = []
    if units:
        who.append(f"đại diện lãnh đạo {_units_phrase(units)}")
    if people:
        who.append(f"các đồng chí {', '.join(people)}")
    attended = "; ".join(who) or "các thành viên được mời"

    where = f", tại {escape(place)}" if place else " (họp trực tuyến)"
    opening = (f"<p>{day(started)[0].upper()}{day(started)[1:]}{where}, {chair_text} chủ trì cuộc họp "
               f"{escape(meeting.title)}; tham dự có {attended}.</p>")

    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("presenter", "presenting_unit")
                 .prefetch_related("assigned_units").order_by("position", "pk"))
    heard = []
    for item in items:
        by = item.presenting_unit.name if item.presenting_unit else (
            (item.presenter.full_name or item.presenter.username) if item.presenter else "")
        heard.append(f"{escape(by)} báo cáo về {escape(item.title)}" if by else f"báo cáo về {escape(item.title)}")
    listening = ("Sau khi nghe " + "; ".join(heard) + " và ý kiến của các đại biểu dự họp, ") if heard else \
        "Sau khi nghe ý kiến của các đại biểu dự họp, "
    chair_name = f"đồng chí {_name(chair)}" if chair else "người chủ trì cuộc họp"
    parts = [opening, f"<p>{listening}{chair_name} kết luận như sau:</p>"]

    number = 0
    for item in items:
        if not item.conclusion.strip() and not item.assigned_units.all():
            continue
        number += 1
        parts.append(f"<p><strong>{number}. {escape(item.title)}</strong></p>")
        parts += _paragraphs(item.conclusion) or ["<p>(Chưa ghi nhận kết luận.)</p>"]
        assigned = list(item.assigned_units.all())
        if assigned:
            parts.append(f"<p><em>Đơn vị thực hiện: {_units_phrase(assigned)}.</em></p>")
    room_state = RoomState.objects.filter(meeting=meeting).first()
    closing = (room_state.conclusion if room_state else "").strip()
    if closing:
        number += 1
        parts.append(f"<p><strong>{number}. Kết luận chung</strong></p>")
        parts += _paragraphs(closing)
    if number == 0:
        parts.append("<p>(Chưa ghi nhận kết luận.)</p>")
    parts.append(f"<p>{escape(office_name(issuing_unit(meeting)))} thông báo để các cơ quan, đơn vị biết, "
                 "thực hiện./.</p>")
    return "\n".join(parts)


def assigned_units(meeting: Meeting) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for item in AgendaItem.objects.filter(meeting=meeting).prefetch_related("assigned_units").order_by("position", "pk"):
        for unit in item.assigned_units.all():
            seen.setdefault(unit.pk, unit)
    return list(seen.values())


def recipients(meeting: Meeting) -> list[str]:
    """"Nơi nhận:": the participants' units and the assigned units (not the issuing unit itself),
    then the file copy."""
    issuer = issuing_unit(meeting)
    names: list[str] = [issuer.name] if issuer is not None else []
    for p in Participant.objects.filter(meeting=meeting).select_related("user__unit").order_by("pk"):
        if p.user.unit is not None and p.user.unit.name not in names:
            names.append(p.user.unit.name)
    for unit in assigned_units(meeting):
        if unit.name not in names:
            names.append(unit.name)
    return [*names[1 if issuer is not None else 0:], "Lưu: VT"]


def notice_readers(meeting: Meeting) -> list[User]:
    """Who is told of the issued notice: every participant and the people of the assigned units."""
    users = {p.user_id: p.user for p in Participant.objects.filter(meeting=meeting).select_related("user")}
    unit_ids = [u.pk for u in assigned_units(meeting)]
    for user in User.objects.filter(unit_id__in=unit_ids, is_active=True):
        users.setdefault(user.pk, user)
    return list(users.values())


@dataclass(frozen=True)
class PendingNotice:
    """A meeting whose conclusion notice is not issued yet, with its deadline."""

    meeting: Meeting
    notice: ConclusionNotice | None
    due: date
    today: date

    @property
    def overdue(self) -> bool:
        return self.today > self.due

    @property
    def status_label(self) -> str:
        return self.notice.get_status_display() if self.notice is not None else ""


def pending_notices(meetings: QuerySet[Meeting], now: datetime | None = None) -> list[PendingNotice]:
    """Ended meetings among `meetings` (tracked for TRACKED_DAYS) whose notice is not issued, the
    earliest deadline first."""
    now = now or timezone.now()
    rows = (meetings.filter(status=Meeting.Status.ENDED, ended_at__gte=now - timedelta(days=TRACKED_DAYS))
            .exclude(conclusion_notice__status=ConclusionNotice.Status.ISSUED)
            .select_related("conclusion_notice", "created_by"))
    today = timezone.localtime(now).date()
    result = []
    for meeting in rows:
        notice = getattr(meeting, "conclusion_notice", None)
        result.append(PendingNotice(meeting=meeting, notice=notice,
                                    due=notice.due_date if notice is not None else due_date(meeting), today=today))
    return sorted(result, key=lambda p: (p.due, p.meeting.pk))


@dataclass(frozen=True)
class NoticeTitle:
    """The summary line under "THÔNG BÁO": "Kết luận của đồng chí … tại cuộc họp …"."""

    chair: str
    meeting: str

    def __str__(self) -> str:
        who = f"của đồng chí {self.chair} " if self.chair else ""
        return f"Kết luận {who}tại cuộc họp {self.meeting}"


def notice_title(meeting: Meeting, approver: User | None = None) -> NoticeTitle:
    chair = approver or signatories(meeting).chair
    name = name_and_position(chair) if chair is not None else ""
    return NoticeTitle(chair=name, meeting=" ".join(meeting.title.split()))


__all__ = ["DUE_WORKING_DAYS", "NoticeTitle", "assigned_units", "build_notice_html", "due_date", "issuing_unit",
           "notice_readers", "notice_title", "office_name", "pending_notices", "recipients"]
