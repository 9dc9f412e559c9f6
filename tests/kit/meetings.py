"""Whole meetings for the tests that need more than one action's worth of history.

make_documents_meeting: the documents tests' committee meeting (owner is its secretary).
run_meeting: a meeting run from invitation to end through the real actions, for the minutes tests.

run_meeting's people (SigningTestCase's, in tests/kit/cases.py, all with certificates): secretary (creator), chair, member
and owner (members), guest; plus an absent member with a reason (absent1), one who delegated
(absent2 -> deputy). The meeting: two agenda items, check-ins (one remote, one by the
secretary), speakers with known durations, an open poll and a secret poll on item 1,
conclusions per item and for the meeting, then ended.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from meetings.models import AgendaItem, Meeting, Participant, SpeakerRequest
from tests.kit import factories as f
from tests.kit.users import make_user

ITEM1_CONCLUSION = "Thống nhất thông qua dự thảo Quyết định phân bổ vốn đầu tư công năm 2027."
ITEM2_CONCLUSION = "Giao Sở Y tế hoàn thiện đề án, trình lại trong tháng 12."
MEETING_CONCLUSION = "Các sở, ngành khẩn trương triển khai các nội dung đã thống nhất tại cuộc họp."


def make_documents_meeting(case, *, status: str = Meeting.Status.SCHEDULED) -> Meeting:
    """owner = secretary (creator); member = member of Sở Tài chính; a chair; an item presented
    by the member's unit and one by another unit; a reader-to-be; outsider is not invited."""
    # ORM on purpose: a committee meeting whose creator-secretary organises only a department,
    # with no event or audit row yet (tests assert a refused upload writes none); no action makes it.
    meeting = Meeting.objects.create(
        title="Họp thường kỳ tháng 3 — tuyệt mật", starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=3), status=status, created_by=case.owner,
        unit=case.committee,
    )
    Participant.objects.create(meeting=meeting, user=case.owner, role=Participant.Role.SECRETARY)
    Participant.objects.create(meeting=meeting, user=case.member, role=Participant.Role.MEMBER)
    case.chair = make_user("chair", unit=case.committee, full_name="Phạm Chủ Trì")
    case.colleague = make_user("colleague", unit=case.other_unit, full_name="Đỗ Đồng Nghiệp")
    Participant.objects.create(meeting=meeting, user=case.chair, role=Participant.Role.CHAIR)
    Participant.objects.create(meeting=meeting, user=case.colleague, role=Participant.Role.MEMBER)
    case.item_mine = AgendaItem.objects.create(meeting=meeting, position=1, title="Dự toán ngân sách",
                                               presenting_unit=case.department)
    case.item_other = AgendaItem.objects.create(meeting=meeting, position=2, title="Y tế cơ sở",
                                                presenting_unit=case.other_unit)
    return meeting


def run_meeting(case, *, title: str = "Phiên họp UBND tỉnh thường kỳ tháng 11", end: bool = True) -> SimpleNamespace:
    """Everything through the actions; speaker times are then set to known durations."""
    secretary, chair = case.secretary, case.chair
    absent1 = make_user("absent1", unit=case.department, full_name="Phạm Thị Vắng")
    absent2 = make_user("absent2", unit=case.department, full_name="Hoàng Văn Ủy")
    deputy = make_user("deputy", unit=case.department, full_name="Đỗ Minh Thay")
    now = timezone.now()
    meeting = f.make_meeting(
        by=secretary, title=title, starts_at=now + timedelta(hours=1), hours=2, unit=case.committee,
        location="Phòng họp số 1, Trụ sở UBND tỉnh", chair=chair, online_url="https://hop.example.gov.vn/ubnd-11",
        members=[case.member, case.owner, absent1, absent2], guests=[case.guest],
        items=[{"title": "Phân bổ vốn đầu tư công năm 2027", "presenter": case.owner, "duration_minutes": 30},
               {"title": "Đề án phát triển y tế cơ sở", "duration_minutes": 20}],
        status=Meeting.Status.SCHEDULED,
    )
    item1, item2 = AgendaItem.objects.filter(meeting=meeting).order_by("position")
    f.answer_invitation(meeting, by=absent1, response="decline", reason="Đi công tác tại Hà Nội")
    f.answer_invitation(meeting, by=absent2, response="delegate", delegate=deputy)

    f.start_meeting(meeting, by=secretary)
    for user in (chair, secretary, case.member, deputy):
        f.check_in(meeting, by=user)
    f.check_in(meeting, by=case.owner, remote=True)
    f.check_in_for(meeting, Participant.objects.get(meeting=meeting, user=case.guest), by=secretary)

    f.set_current_item(meeting, item1, by=secretary)
    speech = f.give_floor(meeting, case.member, chair=chair)
    question = f.give_floor(meeting, case.guest, chair=chair, kind="question")

    open_poll = f.make_poll(meeting, by=secretary, question="Thông qua phương án phân bổ vốn", opened_by=chair,
                            votes={case.member: "agree", chair: "agree", case.owner: "disagree"}, close=True)
    secret_poll = f.make_poll(meeting, by=secretary, secret=True, question="Nhân sự Giám đốc Ban quản lý dự án",
                              opened_by=chair, votes={case.member: "agree", chair: "disagree", deputy: "agree"},
                              close=True)
    f.conclude_item(item1, ITEM1_CONCLUSION, by=secretary)

    f.set_current_item(meeting, item2, by=secretary)
    speech2 = f.give_floor(meeting, case.owner, chair=chair, finish=False)
    f.conclude_item(item2, ITEM2_CONCLUSION, by=secretary)
    f.conclude_meeting(meeting, MEETING_CONCLUSION, by=chair)
    if end:
        f.end_meeting(meeting, by=secretary)  # finishes speech2 too
        # The actions ran within milliseconds: give the turns real lengths to report
        # (a state no action makes, hence the ORM).
        for turn, seconds in ((speech, 200), (question, 45), (speech2, 3725)):
            turn.refresh_from_db()
            SpeakerRequest.objects.filter(pk=turn.pk).update(ended_at=turn.started_at + timedelta(seconds=seconds))
    meeting.refresh_from_db()
    return SimpleNamespace(meeting=meeting, item1=item1, item2=item2, open_poll=open_poll, secret_poll=secret_poll,
                           absent1=absent1, absent2=absent2, deputy=deputy)
