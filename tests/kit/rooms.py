"""Rooms: a meeting with a chair, a secretary, members, a guest and an outsider, built through
the actions (make_room) or straight to the tables (make_quiet_room), and `normalized`, to compare
room states as every client must compute them."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from ecabinet.models import Unit, User
from ecabinet.roles import ORGANISER
from meetings.models import AgendaItem, Meeting, Participant
from tests.kit.factories import make_meeting
from tests.kit.users import make_user


def make_room(status: str = Meeting.Status.IN_PROGRESS, *, members: int = 2, prefix: str = "") -> SimpleNamespace:
    """Built through the actions: the secretary (an organiser of their unit) convenes, invites and
    starts the meeting."""
    def user(name: str, **kw) -> User:
        return make_user(f"{prefix}{name}", full_name=kw.pop("full_name", f"Đại biểu {name}"), **kw)

    unit = Unit.objects.create(name="Văn phòng UBND tỉnh", code=f"{prefix}vp-room", kind="office")
    chair = user("chair", full_name="Chủ Tịch")
    secretary = user("secretary", full_name="Thư Ký", unit=unit, roles=(ORGANISER,))
    member_users = [user(f"member{i}") for i in range(1, members + 1)]
    guest, outsider = user("guest", full_name="Khách Mời"), user("outsider")
    meeting = make_meeting(
        by=secretary, title="Phiên họp thường kỳ tháng 11", starts_at=timezone.now(), unit=unit, chair=chair,
        members=member_users, guests=[guest], location="Phòng họp số 1",
        items=[{"title": f"Nội dung {i}", "duration_minutes": 15} for i in (1, 2, 3)], status=status,
    )
    by_user = {p.user_id: p for p in meeting.participants.all()}
    parts = {"chair": by_user[chair.pk], "secretary": by_user[secretary.pk], "guest": by_user[guest.pk]}
    member_parts = [by_user[u.pk] for u in member_users]
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))
    return SimpleNamespace(
        meeting=meeting, chair=chair, secretary=secretary, members=member_users, member=member_users[0],
        guest=guest, outsider=outsider, parts=parts, member_parts=member_parts, items=items,
    )


def make_quiet_room(status: str = Meeting.Status.IN_PROGRESS, *, members: int = 2, prefix: str = "") -> SimpleNamespace:
    """The same room as make_room, written straight to the tables. ORM on purpose: the live
    socket tests count revisions from 0 and expect no notice in flight, and every action emits."""
    def user(name: str, **kw) -> User:
        return make_user(f"{prefix}{name}", full_name=kw.pop("full_name", f"Đại biểu {name}"), **kw)

    chair, secretary = user("chair", full_name="Chủ Tịch"), user("secretary", full_name="Thư Ký")
    member_users = [user(f"member{i}") for i in range(1, members + 1)]
    guest, outsider = user("guest", full_name="Khách Mời"), user("outsider")
    now = timezone.now()
    meeting = Meeting.objects.create(
        title="Phiên họp thường kỳ tháng 11", starts_at=now, ends_at=now + timedelta(hours=3),
        created_by=secretary, status=status, started_at=now if status == Meeting.Status.IN_PROGRESS else None,
        location="Phòng họp số 1",
    )
    parts = {role: Participant.objects.create(meeting=meeting, user=person, role=role)
             for role, person in (("chair", chair), ("secretary", secretary), ("guest", guest))}
    member_parts = [Participant.objects.create(meeting=meeting, user=u, role="member") for u in member_users]
    items = [AgendaItem.objects.create(meeting=meeting, position=i, title=f"Nội dung {i}", duration_minutes=15)
             for i in (1, 2, 3)]
    return SimpleNamespace(
        meeting=meeting, chair=chair, secretary=secretary, members=member_users, member=member_users[0],
        guest=guest, outsider=outsider, parts=parts, member_parts=member_parts, items=items,
    )


def normalized(state: dict[str, Any]) -> dict[str, Any]:
    """Lists compared as sets of objects (order is the client's to compute: position, id)."""
    out = {}
    for key, value in state.items():
        if isinstance(value, list):
            out[key] = sorted(value, key=lambda r: json.dumps(r, sort_keys=True))
        else:
            out[key] = value
    return out
