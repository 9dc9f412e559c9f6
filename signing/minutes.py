"""The draft minutes (biên bản) of an ended meeting, written from its live record.

The result is plain text with a few Markdown-like marks the PDF renderer understands
(``signing/minutes_pdf.py``): ``## `` a section heading, ``### `` a sub-heading, ``- `` a list
entry, ``**bold**`` inside a line, an empty line between paragraphs. The secretary edits it in
a textarea before it is frozen, so it must read as finished Vietnamese prose, not as data.

The text is Vietnamese whatever the interface language: it is the document being signed.
Secret polls contribute their stored counts only (no voter is ever named); open polls name
how each seat voted, because an open vote is public by definition.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ecabinet.models import User
from meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    Participant,
    Poll,
    PollVoter,
    RoomState,
    SpeakerRequest,
)

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
OPTION_LABELS_VI = {"agree": "Đồng ý", "disagree": "Không đồng ý", "other": "Ý kiến khác"}
_COMMITTEE_PREFIX = re.compile(
    r"^(ủy|uỷ)\s+ban\s+nhân\s+dân\s+(tỉnh|thành\s+phố|huyện|quận|thị\s+xã|xã|phường|thị\s+trấn)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Signatories:
    """Who signs the minutes, in order: the secretary, then the chair (None when missing)."""

    secretary: User | None
    chair: User | None


def _plain(text: str) -> str:
    """User-entered text inside a generated line: one line, trimmed (the renderer escapes markers)."""
    return " ".join((text or "").split())


def local(value: datetime) -> datetime:
    return value.astimezone(LOCAL)


def clock(value: datetime) -> str:
    v = local(value)
    return f"{v.hour:02d} giờ {v.minute:02d} phút"


def day(value: datetime) -> str:
    v = local(value)
    return f"ngày {v.day:02d}/{v.month:02d}/{v.year}"


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} giờ {minutes:02d} phút"
    if minutes:
        return f"{minutes} phút {secs:02d} giây"
    return f"{secs} giây"


def person(user, *, with_position: bool = True) -> str:  # noqa: ANN001 - ecabinet.User
    name = user.full_name or user.username
    extra = []
    if with_position and user.position_id:
        extra.append(user.position.name)
    if with_position and user.unit_id:
        extra.append(user.unit.name)
    return _plain(", ".join([name, *extra]))


def signatories(meeting: Meeting, actor: User | None = None) -> Signatories:
    """The secretary who signs first (the acting secretary when the actor is one) and the chair."""
    people = list(Participant.objects.filter(meeting=meeting, role__in=[Participant.Role.CHAIR,
                                                                        Participant.Role.SECRETARY])
                  .select_related("user").order_by("pk"))
    chairs = [p.user for p in people if p.role == Participant.Role.CHAIR]
    secretaries = [p.user for p in people if p.role == Participant.Role.SECRETARY]
    secretary = next((u for u in secretaries if actor is not None and u.pk == actor.pk), None)
    if secretary is None:
        secretary = secretaries[0] if secretaries else meeting.created_by
    return Signatories(secretary=secretary, chair=chairs[0] if chairs else None)


def place_name(meeting: Meeting) -> str:
    """"An Phước" from "Ủy ban nhân dân tỉnh An Phước" (the top unit above the meeting's unit)."""
    unit = meeting.unit or getattr(meeting.created_by, "unit", None)
    while unit is not None and unit.parent_id:
        unit = unit.parent
    if unit is None:
        return ""
    name = _COMMITTEE_PREFIX.sub("", unit.name.strip())
    return name if name != unit.name.strip() else ""


def _option_label(option) -> str:  # noqa: ANN001 - PollOption
    return OPTION_LABELS_VI.get(option.key, _plain(option.label))


def _poll_lines(poll: Poll, voters_by_option: dict[int, list[str]]) -> list[str]:
    kind = "bỏ phiếu kín" if poll.secret else "biểu quyết công khai"
    lines = [f"**Biểu quyết** ({kind}): {_plain(poll.question)}"]
    options = list(poll.options.all())
    if poll.status != Poll.Status.CLOSED or not poll.result:
        lines.append("- Cuộc biểu quyết chưa được kết thúc; không có kết quả.")
        return lines
    result = poll.result
    counts = result.get("counts", {})
    for option in options:
        line = f"- {_option_label(option)}: {counts.get(option.key, 0)} phiếu"
        names = voters_by_option.get(option.pk) if not poll.secret else None
        if names:
            line += f" ({', '.join(names)})"
        lines.append(line + ".")
    lines.append(f"- Số phiếu biểu quyết: {result.get('cast', 0)}/{result.get('eligible', 0)} đại biểu có quyền "
                 f"biểu quyết; có mặt {result.get('present', 0)}.")
    if not result.get("quorum", True):
        verdict = "Không đủ số đại biểu có mặt theo quy định; kết quả không có giá trị thông qua."
    elif result.get("passed"):
        verdict = "Thông qua."
    else:
        verdict = "Không thông qua."
    lines.append(f"- **Kết quả:** {verdict}")
    return lines


def _open_voters(polls: list[Poll]) -> dict[int, list[str]]:
    """option id -> names of the seats that chose it, for OPEN polls only (never secret ones), in
    the order of the participant list: the voting order is not stored."""
    open_ids = [p.pk for p in polls if not p.secret]
    by_option: dict[int, list[str]] = defaultdict(list)
    if not open_ids:
        return by_option
    voters = (PollVoter.objects.filter(poll_id__in=open_ids, poll__secret=False, option__isnull=False)
              .select_related("seat__user", "cast_by").order_by("seat_id"))
    for voter in voters:
        if voter.option_id is None:  # filtered out above; says so to the type checker
            continue
        name = _plain(voter.seat.user.full_name or voter.seat.user.username)
        if voter.cast_by_id != voter.seat.user_id:
            name += f" do {_plain(voter.cast_by.full_name or voter.cast_by.username)} biểu quyết thay"
        by_option[voter.option_id].append(name)
    return by_option


def _speech_lines(turns: list[SpeakerRequest]) -> list[str]:
    lines = []
    for turn in turns:
        if turn.started_at is None:  # only turns that were given the floor are listed
            continue
        what = "đặt câu hỏi" if turn.kind == SpeakerRequest.Kind.QUESTION else "phát biểu"
        seconds = ((turn.ended_at or turn.started_at) - turn.started_at).total_seconds()
        lines.append(f"- {person(turn.participant.user)}: {what} lúc {clock(turn.started_at)}, "
                     f"thời lượng {duration(seconds)}.")
    return lines


def _attendance_lines(meeting: Meeting) -> list[str]:
    participants = list(Participant.objects.filter(meeting=meeting)
                        .select_related("user__position", "user__unit", "delegate_for__user").order_by("pk"))
    present = {a.participant_id: a for a in Attendance.objects.filter(meeting=meeting)}
    delegates: dict[int, list[Participant]] = defaultdict(list)
    for p in participants:
        if p.delegate_for_id:
            delegates[p.delegate_for_id].append(p)
    rank: dict[str, int] = {Participant.Role.CHAIR: 0, Participant.Role.SECRETARY: 1, Participant.Role.MEMBER: 2,
            Participant.Role.GUEST: 3}
    participants.sort(key=lambda p: (rank.get(p.role, 9), p.pk))

    def present_line(p: Participant) -> str:
        line = f"- {person(p.user)}"
        notes = []
        if p.delegate_for is not None:
            notes.append(f"dự thay {_plain(p.delegate_for.user.full_name or p.delegate_for.user.username)}")
        if present[p.pk].remote:
            notes.append("tham dự trực tuyến")
        return line + (f" ({'; '.join(notes)})" if notes else "") + "."

    members = [p for p in participants if p.pk in present and (p.role != Participant.Role.GUEST or p.delegate_for_id)]
    guests = [p for p in participants if p.pk in present and p.role == Participant.Role.GUEST
              and not p.delegate_for_id]
    absent = [p for p in participants if p.pk not in present and p.role != Participant.Role.GUEST]
    lines = [f"### Đại biểu có mặt ({len(members)})"]
    lines += [present_line(p) for p in members] or ["- Không có."]
    if guests:
        lines += ["", f"### Khách mời có mặt ({len(guests)})"]
        lines += [present_line(p) for p in guests]
    lines += ["", f"### Đại biểu vắng mặt ({len(absent)})"]
    if not absent:
        lines.append("- Không có.")
    for p in absent:
        reason = _plain(p.response_reason)
        if p.response == Participant.Response.DELEGATE or delegates.get(p.pk):
            names = ", ".join(_plain(d.user.full_name or d.user.username) for d in delegates.get(p.pk, []))
            text = f"ủy quyền cho {names} dự thay" if names else "có ủy quyền"
        elif p.response == Participant.Response.DECLINE:
            text = "vắng có lý do"
        elif p.response == Participant.Response.ATTEND:
            text = "đã xác nhận tham dự nhưng không điểm danh"
        else:
            text = "không báo lý do"
        lines.append(f"- {person(p.user)}: {text}" + (f" ({reason})" if reason else "") + ".")
    return lines


def build_minutes_text(meeting: Meeting) -> str:
    """The draft minutes of `meeting` from its live record (attendance, agenda, floor, polls)."""
    meeting = Meeting.objects.select_related("unit", "room", "created_by__unit").get(pk=meeting.pk)
    who = signatories(meeting)
    started = meeting.started_at or meeting.starts_at
    ended = meeting.ended_at or meeting.ends_at
    room = meeting.room
    place = room.name if room is not None else meeting.location
    if room is not None and room.address:
        place = f"{place}, {room.address}"

    lines = [f"Cuộc họp: **{_plain(meeting.title)}**", ""]
    lines += ["## I. THỜI GIAN, ĐỊA ĐIỂM VÀ THÀNH PHẦN", ""]
    lines.append(f"- Thời gian: bắt đầu lúc {clock(started)} {day(started)}.")
    lines.append(f"- Địa điểm: {_plain(place) or 'họp trực tuyến'}.")
    if meeting.online_url:
        lines.append(f"- Đường dẫn họp trực tuyến: {meeting.online_url}")
    lines.append(f"- Chủ trì: {person(who.chair) if who.chair else '(chưa xác định)'}.")
    lines.append(f"- Thư ký: {person(who.secretary) if who.secretary else '(chưa xác định)'}.")
    lines.append("")
    lines += _attendance_lines(meeting)

    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("presenter", "presenting_unit")
                 .order_by("position", "pk"))
    turns_by_item: dict[int | None, list[SpeakerRequest]] = defaultdict(list)
    for turn in (SpeakerRequest.objects.filter(meeting=meeting, started_at__isnull=False)
                 .exclude(status=SpeakerRequest.Status.WITHDRAWN)
                 .select_related("participant__user__position", "participant__user__unit").order_by("started_at", "pk")):
        turns_by_item[turn.item_id].append(turn)
    polls = list(Poll.objects.filter(meeting=meeting).exclude(status=Poll.Status.DRAFT)
                 .prefetch_related("options").order_by("pk"))
    polls_by_item: dict[int | None, list[Poll]] = defaultdict(list)
    for poll in polls:
        polls_by_item[poll.item_id].append(poll)
    voters = _open_voters(polls)
    item_ids = {item.pk for item in items}

    lines += ["", "## II. NỘI DUNG CUỘC HỌP", ""]
    if not items:
        lines += ["Cuộc họp không có chương trình họp được lập trước.", ""]
    for number, item in enumerate(items, start=1):
        heading = f"### {number}. {_plain(item.title)}"
        if item.status == AgendaItem.Status.POSTPONED:
            heading += " (hoãn thảo luận)"
        lines.append(heading)
        presenter = []
        if item.presenter is not None:
            presenter.append(_plain(item.presenter.full_name or item.presenter.username))
        if item.presenting_unit is not None:
            presenter.append(_plain(item.presenting_unit.name))
        if presenter:
            lines.append(f"Trình bày: {', '.join(presenter)}.")
        if item.started_at and item.ended_at:
            lines.append(f"Thảo luận từ {clock(item.started_at)} đến {clock(item.ended_at)} "
                         f"({duration((item.ended_at - item.started_at).total_seconds())}).")
        turns = turns_by_item.get(item.pk, [])
        if turns:
            lines.append("**Ý kiến phát biểu:**")
            lines += _speech_lines(turns)
        for poll in polls_by_item.get(item.pk, []):
            lines += _poll_lines(poll, voters)
        conclusion = [line.rstrip() for line in (item.conclusion or "").strip().splitlines()]
        if len(conclusion) == 1:
            lines.append(f"**Kết luận:** {conclusion[0]}")
        else:
            lines += ["**Kết luận:**", *conclusion] if conclusion else ["**Kết luận:** (chưa ghi nhận)"]
        lines.append("")

    other_turns = [t for key, ts in turns_by_item.items() if key not in item_ids for t in ts]
    other_polls = [p for key, ps in polls_by_item.items() if key not in item_ids for p in ps]
    if other_turns or other_polls:
        lines += ["### Ý kiến và biểu quyết ngoài chương trình"]
        if other_turns:
            lines += _speech_lines(sorted(other_turns, key=lambda t: (t.started_at, t.pk)))
        for poll in other_polls:
            lines += _poll_lines(poll, voters)
        lines.append("")

    room_state = RoomState.objects.filter(meeting=meeting).first()
    closing = (room_state.conclusion if room_state else "").strip()
    lines += ["## III. KẾT LUẬN CỦA CHỦ TRÌ CUỘC HỌP", ""]
    lines += [line.rstrip() for line in closing.splitlines()] if closing else ["(Chưa ghi nhận kết luận.)"]
    lines += ["", f"Cuộc họp kết thúc lúc {clock(ended)} {day(ended)}."]
    if started and ended and ended > started:
        lines[-1] = lines[-1][:-1] + f", tổng thời gian {duration((ended - started).total_seconds())}."
    return "\n".join(lines).strip() + "\n"


__all__ = ["Signatories", "build_minutes_text", "duration", "place_name", "signatories"]
