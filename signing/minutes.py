"""The draft minutes (biên bản) of an ended meeting, written from its live record.

The result is HTML in the one rich-text subset of the papers (``ecabinet.richtext``): ``h2``/``h3``
headings, ``p``, ``ul``/``li``, ``strong``/``em``. Every value a person typed (names, titles,
reasons, summaries, conclusions) enters through ``richtext.escape``, so none becomes markup.
The secretary edits it in the rich-text editor before it is frozen, so it must read as finished
Vietnamese prose, not as data.

What it holds, and where the rule comes from:
- Decree 30/2020/NĐ-CP, appendix III, form 1.9 (Biên bản): "Thời gian bắt đầu", "Địa điểm",
  "Thành phần tham dự", "Chủ trì (chủ tọa)", "Thư ký (người ghi biên bản)", "Nội dung (theo diễn
  biến cuộc họp)", and "Cuộc họp kết thúc vào … giờ …, ngày … tháng … năm …"; the number, the
  heading and the signature blocks (THƯ KÝ, CHỦ TRÌ) are the PDF's (``signing/minutes_pdf.py``).
- Decision 45/2018/QĐ-TTg (the working regime of meetings): who chaired and who attended, the
  order in which the matters were presented and discussed, what each participant said (the
  secretary's summary of each speech), the result of every vote, the chair's conclusions.

People who ran the meeting (the chair, the secretaries, and whoever started, ended or steered
it) are present by definition: a secretary who never checked herself in is not "vắng mặt".
Secret polls contribute their stored counts only (no voter is ever named); open polls name how
each seat voted, because an open vote is public by definition.

The text is Vietnamese whatever the interface language: it is the document being signed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ecabinet.models import AuditEvent, User
from ecabinet.richtext import escape
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
OPTION_LABELS_VI = {"agree": "Đồng ý", "disagree": "Không đồng ý", "other": "Ý kiến khác",
                    # votes prepared and run: the yes/no and council ballot sets
                    "yes": "Có", "no": "Không", "blank": "Phiếu trắng"}
_COMMITTEE_PREFIX = re.compile(
    r"^(ủy|uỷ)\s+ban\s+nhân\s+dân\s+(tỉnh|thành\s+phố|huyện|quận|thị\s+xã|xã|phường|thị\s+trấn)\s+",
    re.IGNORECASE,
)
# Audited actions that show who ran the meeting (on the meeting row itself).
RUNNING_ACTIONS = ("meeting.start", "meeting.end", "meeting.current_item", "meeting.conclusion")
RUNNER_ROLES = (Participant.Role.CHAIR, Participant.Role.SECRETARY)
CLOSING = ("Biên bản được lập thành bản điện tử, có chữ ký số của thư ký và chủ trì cuộc họp, "
           "được gửi các thành viên dự họp và lưu vào hồ sơ cuộc họp./.")


@dataclass(frozen=True)
class Signatories:
    """Who signs the minutes, in order: the secretary, then the chair (None when missing)."""

    secretary: User | None
    chair: User | None


def local(value: datetime) -> datetime:
    return value.astimezone(LOCAL)


def clock(value: datetime) -> str:
    v = local(value)
    return f"{v.hour:02d} giờ {v.minute:02d} phút"


def day(value: datetime) -> str:
    v = local(value)
    return f"ngày {v.day:02d} tháng {v.month:02d} năm {v.year}"


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} giờ {minutes:02d} phút"
    if minutes:
        return f"{minutes} phút {secs:02d} giây"
    return f"{secs} giây"


def name_of(user: User) -> str:
    """The person's name, escaped."""
    return escape(user.full_name or user.username)


def person(user: User, *, with_position: bool = True) -> str:
    """"Name, position, unit", escaped."""
    parts = [user.full_name or user.username]
    if with_position and user.position is not None:
        parts.append(user.position.name)
    if with_position and user.unit is not None:
        parts.append(user.unit.name)
    return escape(", ".join(p for p in parts if p.strip()))


def paragraphs(text: str) -> list[str]:
    """Multi-line typed text: one escaped line per non-empty line."""
    return [escape(line) for line in (text or "").splitlines() if line.strip()]


def signatories(meeting: Meeting, actor: User | None = None) -> Signatories:
    """The secretary who signs first (the acting secretary when the actor is one) and the chair."""
    people = list(Participant.objects.filter(meeting=meeting, role__in=RUNNER_ROLES)
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


# --- who was there ---------------------------------------------------------------------------

def ran_meeting_user_ids(meeting: Meeting) -> set[int]:
    """Users who ran the meeting by what they did: started, ended or steered it, gave the floor."""
    ids = set(AuditEvent.objects.filter(object_type="meetings.meeting", object_id=str(meeting.pk),
                                        action__in=RUNNING_ACTIONS, actor__isnull=False)
              .values_list("actor_id", flat=True))
    ids |= set(SpeakerRequest.objects.filter(meeting=meeting, granted_by__isnull=False)
               .values_list("granted_by_id", flat=True))
    return {pk for pk in ids if pk is not None}


@dataclass
class Presence:
    participants: list[Participant]
    present: dict[int, bool]  # participant id -> remote
    delegates: dict[int, list[Participant]]  # principal's participant id -> their delegates

    def is_present(self, p: Participant) -> bool:
        return p.pk in self.present

    def remote(self, p: Participant) -> bool:
        return self.present.get(p.pk, False)


def presence(meeting: Meeting) -> Presence:
    participants = list(Participant.objects.filter(meeting=meeting)
                        .select_related("user__position", "user__unit", "delegate_for__user__position")
                        .order_by("pk"))
    present = {a.participant_id: a.remote for a in Attendance.objects.filter(meeting=meeting)}
    ran = ran_meeting_user_ids(meeting)
    for p in participants:
        # Present by definition: who ran the meeting was there, checked in or not.
        if p.pk not in present and (p.role in RUNNER_ROLES or p.user_id in ran):
            present[p.pk] = False
    delegates: dict[int, list[Participant]] = defaultdict(list)
    for p in participants:
        if p.delegate_for_id:
            delegates[p.delegate_for_id].append(p)
    return Presence(participants, present, delegates)


def _present_line(p: Participant, seen: Presence) -> str:
    notes = []
    if p.delegate_for is not None:
        principal = p.delegate_for.user
        who = escape(principal.full_name or principal.username)
        if principal.position is not None:
            who += ", " + escape(principal.position.name)
        notes.append(f"dự thay {who}")
    if seen.remote(p):
        notes.append("tham dự trực tuyến")
    return f"<li>{person(p.user)}" + (f" ({'; '.join(notes)})" if notes else "") + ".</li>"


def _absent_line(p: Participant, seen: Presence) -> str:
    reason = escape(p.response_reason)
    standing_in = [d for d in seen.delegates.get(p.pk, [])]
    if p.response == Participant.Response.DELEGATE or standing_in:
        names = ", ".join(name_of(d.user) for d in standing_in)
        text = f"vắng mặt có lý do, ủy quyền cho {names} dự thay" if names else "vắng mặt có lý do, có ủy quyền"
    elif p.response == Participant.Response.DECLINE:
        text = "vắng mặt có lý do"
    else:
        text = "vắng mặt không có lý do"
    if reason:
        text += f" ({reason})"
    if p.role == Participant.Role.GUEST and not p.delegate_for_id:
        text = "khách mời, " + text
    return f"<li>{person(p.user)}: {text}.</li>"


def _group(title: str, lines: list[str]) -> list[str]:
    if not lines:
        return []
    return [f"<p><em>{title} ({len(lines)}):</em></p>", "<ul>", *lines, "</ul>"]


def _runner_line(label: str, people: Iterable[Participant], seen: Presence, fallback: User | None) -> str:
    names = []
    for p in people:
        name = person(p.user)
        if seen.remote(p):
            name += " (tham dự trực tuyến)"
        names.append(name)
    if not names and fallback is not None:
        names.append(person(fallback))
    return f"<p><strong>{label}:</strong> {'; '.join(names) or '(chưa xác định)'}.</p>"


def _attendance(meeting: Meeting, seen: Presence) -> list[str]:
    ps = seen.participants
    chairs = [p for p in ps if p.role == Participant.Role.CHAIR]
    secretaries = [p for p in ps if p.role == Participant.Role.SECRETARY]
    members = [p for p in ps if p.role == Participant.Role.MEMBER and seen.is_present(p)]
    guests = [p for p in ps if p.role == Participant.Role.GUEST and seen.is_present(p)]
    absent = [p for p in ps if not seen.is_present(p)]
    here = [p for p in ps if seen.is_present(p)]
    remote = sum(1 for p in here if seen.remote(p))
    summary = f"có mặt {len(here)} người"
    if remote:
        summary += f" (trong đó {remote} người tham dự trực tuyến)"
    summary += f"; vắng mặt {len(absent)} người." if absent else "; không có ai vắng mặt."
    lines = [f"<p><strong>Thành phần tham dự:</strong> {summary}</p>"]
    lines += _group("Thành viên dự họp", [_present_line(p, seen) for p in members])
    lines += _group("Khách mời", [_present_line(p, seen) for p in guests])
    lines += _group("Vắng mặt", [_absent_line(p, seen) for p in absent])
    who = signatories(meeting)
    lines.append(_runner_line("Chủ trì (chủ tọa)", chairs, seen, None))
    lines.append(_runner_line("Thư ký (người ghi biên bản)", secretaries, seen,
                              who.secretary if not secretaries else None))
    return lines


# --- what happened ---------------------------------------------------------------------------

def _option_label(option) -> str:  # noqa: ANN001 - PollOption
    return OPTION_LABELS_VI.get(option.key) or escape(option.label)


def _poll(poll: Poll, voters_by_option: dict[int, list[str]]) -> list[str]:
    kind = "bỏ phiếu kín" if poll.secret else "biểu quyết công khai"
    if poll.signed:  # votes prepared and run: each ballot signed by the voter (fn108)
        kind += ", phiếu có ký số"
    lines = [f"<p><strong>Biểu quyết</strong> ({kind}): {escape(poll.question)}</p>", "<ul>"]
    if poll.status != Poll.Status.CLOSED or not poll.result:
        return [*lines, "<li>Cuộc biểu quyết chưa được kết thúc; không có kết quả.</li>", "</ul>"]
    result = poll.result
    counts = result.get("counts", {})
    for option in poll.options.all():
        line = f"<li>{_option_label(option)}: {counts.get(option.key, 0)} phiếu"
        names = voters_by_option.get(option.pk) if not poll.secret else None
        if names:
            line += f" ({', '.join(names)})"
        lines.append(line + ".</li>")
    lines.append(f"<li>Số phiếu biểu quyết: {result.get('cast', 0)}/{result.get('eligible', 0)} đại biểu có quyền "
                 f"biểu quyết; có mặt {result.get('present', 0)}.</li>")
    if not result.get("quorum", True):
        verdict = "Không đủ số đại biểu có mặt theo quy định; kết quả không có giá trị thông qua."
    elif result.get("passed"):
        verdict = "Thông qua."
    else:
        verdict = "Không thông qua."
    lines += [f"<li><strong>Kết quả:</strong> {verdict}</li>", "</ul>"]
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
        name = name_of(voter.seat.user)
        if voter.cast_by_id != voter.seat.user_id:
            name += f" do {name_of(voter.cast_by)} biểu quyết thay"
        by_option[voter.option_id].append(name)
    return by_option


def _speeches(turns: list[SpeakerRequest]) -> list[str]:
    lines = []
    for turn in turns:
        if turn.started_at is None:  # only turns that were given the floor are listed
            continue
        what = "đặt câu hỏi" if turn.kind == SpeakerRequest.Kind.QUESTION else "phát biểu"
        seconds = ((turn.ended_at or turn.started_at) - turn.started_at).total_seconds()
        said = paragraphs(turn.summary)
        summary = "<br>\n".join(said) if said else "<em>(chưa ghi tóm tắt nội dung)</em>"
        lines.append(f"<li><strong>{person(turn.participant.user)}</strong> {what} lúc {clock(turn.started_at)} "
                     f"({duration(seconds)}): {summary}</li>")
    return ["<ul>", *lines, "</ul>"] if lines else []


def _conclusion(text: str) -> list[str]:
    said = paragraphs(text)
    if not said:
        return ["<p><strong>Kết luận:</strong> <em>(chưa ghi nhận)</em></p>"]
    return [f"<p><strong>Kết luận:</strong> {said[0]}</p>", *(f"<p>{line}</p>" for line in said[1:])]


def _item_times(item: AgendaItem) -> str:
    if item.started_at and item.ended_at:
        return (f"<p>Thời gian: từ {clock(item.started_at)} đến {clock(item.ended_at)} "
                f"({duration((item.ended_at - item.started_at).total_seconds())}).</p>")
    if item.started_at:
        return f"<p>Thời gian: bắt đầu lúc {clock(item.started_at)}.</p>"
    return ""


def _presenter(item: AgendaItem) -> str:
    who = []
    if item.presenter is not None:
        who.append(name_of(item.presenter))
    if item.presenting_unit is not None:
        who.append(escape(item.presenting_unit.name))
    return f"<p>Trình bày: {', '.join(who)}.</p>" if who else ""


def _place(meeting: Meeting) -> str:
    room = meeting.room
    place = room.name if room is not None else meeting.location
    if room is not None and room.address:
        place = f"{place}, {room.address}"
    where = escape(place)
    if meeting.online_url:
        link = escape(meeting.online_url)
        where = f"{where}; kết hợp trực tuyến qua đường dẫn {link}" if where else f"họp trực tuyến qua đường dẫn {link}"
    return where or "(chưa xác định)"


def build_minutes_html(meeting: Meeting) -> str:
    """The draft minutes of `meeting` from its live record (attendance, agenda, floor, polls), as
    HTML in the ``ecabinet.richtext`` subset."""
    meeting = Meeting.objects.select_related("unit", "room", "created_by__unit").get(pk=meeting.pk)
    started = meeting.started_at or meeting.starts_at
    ended = meeting.ended_at or meeting.ends_at
    seen = presence(meeting)

    out = [f"<p><strong>Thời gian bắt đầu:</strong> {clock(started)}, {day(started)}.</p>",
           f"<p><strong>Địa điểm:</strong> {_place(meeting)}.</p>"]
    out += _attendance(meeting, seen)

    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("presenter", "presenting_unit")
                 .order_by("position", "pk"))
    turns_by_item: dict[int | None, list[SpeakerRequest]] = defaultdict(list)
    for turn in (SpeakerRequest.objects.filter(meeting=meeting, started_at__isnull=False)
                 .exclude(status=SpeakerRequest.Status.WITHDRAWN)
                 .select_related("participant__user__position", "participant__user__unit")
                 .order_by("started_at", "pk")):
        turns_by_item[turn.item_id].append(turn)
    polls = list(Poll.objects.filter(meeting=meeting).exclude(status=Poll.Status.DRAFT)
                 .prefetch_related("options").order_by("position", "pk"))  # the vote list's order
    polls_by_item: dict[int | None, list[Poll]] = defaultdict(list)
    for poll in polls:
        polls_by_item[poll.item_id].append(poll)
    voters = _open_voters(polls)
    item_ids = {item.pk for item in items}

    out.append("<h2>NỘI DUNG CUỘC HỌP</h2>")
    out.append("<p><em>(Theo diễn biến cuộc họp.)</em></p>")
    # The agenda as it unfolded: the items in the order they were taken up; then those that
    # were not (postponed or left), said so.
    taken = sorted((i for i in items if i.started_at is not None), key=lambda i: (i.started_at, i.pk))
    left = [i for i in items if i.started_at is None]
    if not items:
        out.append("<p>Cuộc họp không có chương trình họp được lập trước.</p>")
    for number, item in enumerate(taken, start=1):
        heading = f"{number}. {escape(item.title)}"
        if item.status == AgendaItem.Status.POSTPONED:
            heading += " (tạm dừng thảo luận, hoãn sang cuộc họp khác)"
        out.append(f"<h3>{heading}</h3>")
        out += [line for line in (_presenter(item), _item_times(item)) if line]
        turns = turns_by_item.get(item.pk, [])
        if turns:
            out.append("<p><strong>Ý kiến phát biểu:</strong></p>")
            out += _speeches(turns)
        for poll in polls_by_item.get(item.pk, []):
            out += _poll(poll, voters)
        out += _conclusion(item.conclusion)
    if left:
        out.append("<p><strong>Nội dung không thảo luận tại cuộc họp:</strong></p>")
        out.append("<ul>")
        for item in left:
            why = "hoãn thảo luận" if item.status == AgendaItem.Status.POSTPONED else "chưa được đưa ra thảo luận"
            out.append(f"<li>{escape(item.title)}: {why}.</li>")
        out.append("</ul>")

    other_turns = [t for key, ts in turns_by_item.items() if key not in item_ids for t in ts]
    other_polls = [p for key, ps in polls_by_item.items() if key not in item_ids for p in ps]
    if other_turns or other_polls:
        out.append("<h3>Ý kiến và biểu quyết ngoài chương trình</h3>")
        out += _speeches(sorted(other_turns, key=lambda t: (t.started_at or ended, t.pk)))
        for poll in other_polls:
            out += _poll(poll, voters)

    room_state = RoomState.objects.filter(meeting=meeting).first()
    closing = paragraphs(room_state.conclusion if room_state else "")
    out.append("<h2>KẾT LUẬN CỦA CHỦ TRÌ CUỘC HỌP</h2>")
    out += [f"<p>{line}</p>" for line in closing] or ["<p><em>(Chưa ghi nhận kết luận.)</em></p>"]
    end_line = f"Cuộc họp kết thúc vào lúc {clock(ended)}, {day(ended)}"
    if ended > started:
        end_line += f"; tổng thời gian {duration((ended - started).total_seconds())}"
    out += [f"<p>{end_line}.</p>", f"<p>{CLOSING}</p>"]
    return "\n".join(out) + "\n"


# The name the minutes' actions know it by.
build_minutes_text = build_minutes_html

__all__ = ["Signatories", "build_minutes_html", "build_minutes_text", "duration", "place_name", "signatories"]
