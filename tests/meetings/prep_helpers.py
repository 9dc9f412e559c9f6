"""Shared setup for the preparation tests: a draft meeting run by `owner` with `member` invited."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecabinet.models import User
from meetings.models import Meeting, MeetingRoom, MeetingType
from tests.base import BaseTestCase, make_user
from tests.kit import factories


class PrepTestCase(BaseTestCase):
    """owner: secretary (creator); chair: the chair; member: invited member; member2: another
    invitee; unit_admin: admin of the committee; outsider: signed in, unrelated."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.chair = make_user("chair", unit=cls.committee, full_name="Nguyễn Văn Chủ Tịch")
        cls.member2 = make_user("member2", unit=cls.department, full_name="Phạm Thị Hai")
        cls.deputy = make_user("deputy", unit=cls.department, full_name="Hoàng Văn Phó")
        cls.unit_admin = make_user("unitadmin", unit=cls.department, full_name="Đỗ Quản Lý", is_unit_admin=True)
        cls.room = MeetingRoom.objects.create(name="Phòng họp số 1", unit=cls.committee, capacity=60,
                                              seat_rows=6, seats_per_row=10)
        cls.kind = MeetingType.objects.create(name="Họp thường kỳ")

    def setUp(self) -> None:
        super().setUp()
        self.meeting = self.make_meeting()

    def make_meeting(self, *, title: str = "Phiên họp thường kỳ tháng 11", days: int = 3,
                     scheduled: bool = False, actor: User | None = None) -> Meeting:
        start = timezone.now().replace(microsecond=0) + timedelta(days=days)
        actor = actor or self.owner
        meeting = factories.make_meeting(
            by=actor, title=title, starts_at=start, hours=3, unit=self.department, meeting_type=self.kind,
            room=self.room, chair=self.chair, members=[self.member],
            items=[{"title": "Báo cáo tình hình kinh tế - xã hội", "duration_minutes": 30}],
            status=Meeting.Status.SCHEDULED if scheduled else Meeting.Status.DRAFT,
        )
        meeting.refresh_from_db()
        return meeting

    def schedule(self, meeting: Meeting | None = None) -> Meeting:
        meeting = meeting or self.meeting
        return factories.schedule_meeting(meeting, by=self.owner)

    def api(self, *args, **kwargs):
        # TestCase never commits: run the after-commit work (emails, live notices) like production.
        with self.captureOnCommitCallbacks(execute=True):
            return super().api(*args, **kwargs)

    def url(self, suffix: str = "", meeting: Meeting | None = None) -> str:
        return f"/api/v1/meetings/{(meeting or self.meeting).pk}{suffix}"
