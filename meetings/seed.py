"""Demo meetings for `manage.py seed_demo`: one today, one upcoming, one ended. Idempotent: a
meeting with the same title is left as it is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from ecabinet.audit import record_audit
from ecabinet.models import Unit, User
from meetings.actions.agenda import do_add_agenda_item
from meetings.actions.preparation import (
    do_add_participant,
    do_answer_invitation,
    do_create_meeting,
    do_schedule_meeting,
)
from meetings.events import emit
from meetings.models import IssuingBody, Meeting, MeetingRoom, MeetingType
from meetings.serializers import serialize_agenda_item, serialize_meeting

AGENDA_MONTHLY = [
    ("Báo cáo tình hình kinh tế - xã hội tháng 11 và nhiệm vụ trọng tâm tháng 12 năm 2026", "member4", 30),
    ("Báo cáo tình hình thu, chi ngân sách nhà nước 11 tháng năm 2026", "member3", 20),
    ("Tờ trình dự toán ngân sách địa phương và phương án phân bổ ngân sách năm 2027", "member3", 25),
    ("Tờ trình kế hoạch đầu tư công trung hạn giai đoạn 2026 – 2030 (điều chỉnh)", "member4", 25),
    ("Dự thảo Nghị quyết quy định chính sách hỗ trợ chuyển đổi số cấp xã", "member5", 20),
    ("Báo cáo kết quả công tác cải cách hành chính năm 2026", "member5", 15),
    ("Dự thảo Quyết định ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh", "member6", 15),
    ("Kết luận của Chủ tịch Ủy ban nhân dân tỉnh", "chair", 10),
]
AGENDA_TOPIC = [
    ("Báo cáo tiến độ giải phóng mặt bằng dự án đường ven biển", "member7", 30),
    ("Phương án bố trí tái định cư cho các hộ dân xã Hòa Thành", "member8", 30),
    ("Ý kiến của các sở, ngành về vướng mắc thủ tục đất đai", "member6", 30),
]
AGENDA_PAST = [
    ("Báo cáo tình hình kinh tế - xã hội tháng 10 năm 2026", "member4", 30),
    ("Báo cáo công tác phòng, chống thiên tai mùa mưa bão", "member7", 20),
    ("Kết luận của Chủ tịch Ủy ban nhân dân tỉnh", "chair", 10),
]


def _at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _make(users: dict[str, User], *, title: str, start: datetime, hours: int, agenda, members: list[str],
          kind: MeetingType, room: MeetingRoom | None, unit: Unit | None, online_url: str = "",
          guests: Sequence[str] = (), description: str = "") -> Meeting | None:
    if Meeting.objects.filter(title=title).exists():
        return None
    secretary, chair = users["secretary"], users["chair"]
    meeting = do_create_meeting(actor=secretary, title=title, starts_at=start, ends_at=start + timedelta(hours=hours),
                                unit=unit, meeting_type=kind, room=room, chair=chair, online_url=online_url,
                                description=description)
    seats = iter(room.seat_names()) if room else iter(())
    for name in members:
        do_add_participant(meeting, actor=secretary, user=users[name], seat=next(seats, ""))
    for name in guests:
        do_add_participant(meeting, actor=secretary, user=users[name], role="guest")
    for title_, presenter, minutes in agenda:
        do_add_agenda_item(meeting, actor=secretary, title=title_, presenter=users.get(presenter),
                           duration_minutes=minutes)
    do_schedule_meeting(meeting, actor=secretary)
    return meeting


def seed_demo(users: dict[str, User], password: str, stdout) -> None:
    today = timezone.localdate()
    # No transaction around the whole: every meeting is made by durable actions (each its own
    # transaction), and a meeting already there is skipped, so a second run completes the first.
    units = {u.code: u for u in Unit.objects.all()}
    regular, _ = MeetingType.objects.get_or_create(name="Phiên họp thường kỳ")
    topic, _ = MeetingType.objects.get_or_create(name="Họp chuyên đề")
    # Decision 45/2018, art. 10: an ad-hoc meeting's documents come when its convener says.
    MeetingType.objects.get_or_create(name="Họp đột xuất", defaults={"regular": False})
    MeetingType.objects.get_or_create(name="Giao ban")
    room, _ = MeetingRoom.objects.get_or_create(
        name="Phòng họp số 1 – Trụ sở UBND tỉnh",
        defaults={"unit": units.get("ubnd-tinh"), "address": "Số 1 Quảng trường Trung tâm",
                  "capacity": 60, "seat_rows": 6, "seats_per_row": 10})
    small, _ = MeetingRoom.objects.get_or_create(
        name="Phòng họp số 2", defaults={"unit": units.get("vp-ubnd"), "capacity": 24, "seat_rows": 4,
                                         "seats_per_row": 6})
    for name, short in (("Ủy ban nhân dân tỉnh", "UBND tỉnh"), ("Hội đồng nhân dân tỉnh", "HĐND tỉnh"),
                        ("Sở Tài chính", "STC"), ("Sở Kế hoạch và Đầu tư", "SKHĐT")):
        IssuingBody.objects.get_or_create(name=name, defaults={"short_name": short})
    everyone = ["member1", "member2", "member3", "member4", "member5", "member6", "member7", "member8"]
    monthly = _make(
        users, title="Phiên họp thường kỳ tháng 11 năm 2026 của UBND tỉnh", start=_at(today, 8),
        hours=8, agenda=AGENDA_MONTHLY, members=everyone, guests=["guest"], kind=regular, room=room,
        unit=units.get("ubnd-tinh"), online_url="https://hop.anphuoc.gov.vn/thuong-ky-thang-11",
        description="Phiên họp thường kỳ thảo luận tình hình kinh tế - xã hội và dự toán ngân sách năm 2027.",
    )
    if monthly is not None:
        do_answer_invitation(monthly, actor=users["member1"], response="attend")
        do_answer_invitation(monthly, actor=users["member2"], response="decline",
                             reason="Đi công tác tại Hà Nội theo Quyết định số 215/QĐ-UBND")
        do_answer_invitation(monthly, actor=users["member6"], response="attend")
    _make(
        users, title="Họp chuyên đề giải phóng mặt bằng dự án đường ven biển",
        start=_at(today + timedelta(days=3), 14), hours=2, agenda=AGENDA_TOPIC,
        members=["member1", "member4", "member6", "member7", "member8"], kind=topic, room=small,
        unit=units.get("ubnd-tinh"),
    )
    past = _make(
        users, title="Phiên họp thường kỳ tháng 10 năm 2026 của UBND tỉnh",
        start=_at(today - timedelta(days=28), 8), hours=4, agenda=AGENDA_PAST, members=everyone,
        kind=regular, room=room, unit=units.get("ubnd-tinh"),
    )
    if past is not None:
        with transaction.atomic():  # history written as one change, like an action's
            # Last month's meeting is history: ended, every item done (through the event log too).
            past = Meeting.objects.get(pk=past.pk)
            past.status, past.started_at, past.ended_at = Meeting.Status.ENDED, past.starts_at, past.ends_at
            past.save(update_fields=["status", "started_at", "ended_at"])
            for item in past.agenda_items.all():
                item.status = "done"
                item.save(update_fields=["status"])
                emit(past, "agenda_item.upserted", {"agenda_item": serialize_agenda_item(item)})
            emit(past, "meeting.updated", {"meeting": serialize_meeting(past)})
            record_audit(actor=None, action="demo.meeting_ended", obj=past)
    stdout.write("Demo meetings: today, in three days, and last month's (ended).")
