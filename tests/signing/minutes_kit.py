"""A meeting run from invitation to end through the real actions, for the minutes tests.

People (from tests/signing/flow.py, all with certificates): secretary (creator), chair, member
and owner (members), guest; plus an absent member with a reason (absent1), one who delegated
(absent2 -> deputy). The meeting: two agenda items, check-ins (one remote, one by the
secretary), speakers with known durations, an open poll and a secret poll on item 1,
conclusions per item and for the meeting, then ended.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from meetings.actions import preparation as prep
from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.actions.agenda import do_add_agenda_item
from meetings.models import Participant, SpeakerRequest
from tests.base import make_user

ITEM1_CONCLUSION = "Thống nhất thông qua dự thảo Quyết định phân bổ vốn đầu tư công năm 2027."
ITEM2_CONCLUSION = "Giao Sở Y tế hoàn thiện đề án, trình lại trong tháng 12."
MEETING_CONCLUSION = "Các sở, ngành khẩn trương triển khai các nội dung đã thống nhất tại cuộc họp."


def run_meeting(case, *, title: str = "Phiên họp UBND tỉnh thường kỳ tháng 11", end: bool = True) -> SimpleNamespace:
    """Everything through the actions; speaker times are then set to known durations."""
    secretary, chair = case.secretary, case.chair
    absent1 = make_user("absent1", unit=case.department, full_name="Phạm Thị Vắng")
    absent2 = make_user("absent2", unit=case.department, full_name="Hoàng Văn Ủy")
    deputy = make_user("deputy", unit=case.department, full_name="Đỗ Minh Thay")
    now = timezone.now()
    meeting = prep.do_create_meeting(
        actor=secretary, title=title, starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=3),
        unit=case.committee, location="Phòng họp số 1, Trụ sở UBND tỉnh", chair=chair,
        online_url="https://hop.example.gov.vn/ubnd-11",
    )
    for user in (case.member, case.owner, absent1, absent2):
        prep.do_add_participant(meeting, actor=secretary, user=user, role=Participant.Role.MEMBER)
    prep.do_add_participant(meeting, actor=secretary, user=case.guest, role=Participant.Role.GUEST)
    item1 = do_add_agenda_item(meeting, actor=secretary, title="Phân bổ vốn đầu tư công năm 2027",
                               presenter=case.owner, duration_minutes=30)
    item2 = do_add_agenda_item(meeting, actor=secretary, title="Đề án phát triển y tế cơ sở",
                               duration_minutes=20)
    prep.do_schedule_meeting(meeting, actor=secretary)
    prep.do_answer_invitation(meeting, actor=absent1, response="decline", reason="Đi công tác tại Hà Nội")
    prep.do_answer_invitation(meeting, actor=absent2, response="delegate", delegate=deputy)

    room_actions.do_start_meeting(meeting, actor=secretary)
    for user in (chair, secretary, case.member, deputy):
        room_actions.do_check_in(meeting, actor=user)
    room_actions.do_check_in(meeting, actor=case.owner, remote=True)
    guest_part = Participant.objects.get(meeting=meeting, user=case.guest)
    room_actions.do_secretary_check_in(guest_part, actor=secretary)

    room_actions.do_set_current_item(meeting, item1, actor=secretary)
    speech = room_actions.do_request_floor(meeting, actor=case.member)
    room_actions.do_grant_floor(speech, actor=chair)
    room_actions.do_finish_floor(speech, actor=chair)
    question = room_actions.do_request_floor(meeting, actor=case.guest, kind="question")
    room_actions.do_grant_floor(question, actor=chair)
    room_actions.do_finish_floor(question, actor=chair)

    open_poll = room_polls.do_create_poll(meeting, actor=secretary, question="Thông qua phương án phân bổ vốn")
    room_polls.do_open_poll(open_poll, actor=chair)
    room_polls.do_cast_ballot(open_poll, actor=case.member, choice="agree")
    room_polls.do_cast_ballot(open_poll, actor=chair, choice="agree")
    room_polls.do_cast_ballot(open_poll, actor=case.owner, choice="disagree")
    room_polls.do_close_poll(open_poll, actor=chair)
    secret_poll = room_polls.do_create_poll(meeting, actor=secretary, secret=True,
                                            question="Nhân sự Giám đốc Ban quản lý dự án")
    room_polls.do_open_poll(secret_poll, actor=chair)
    room_polls.do_cast_ballot(secret_poll, actor=case.member, choice="agree")
    room_polls.do_cast_ballot(secret_poll, actor=chair, choice="disagree")
    room_polls.do_cast_ballot(secret_poll, actor=deputy, choice="agree")
    room_polls.do_close_poll(secret_poll, actor=chair)
    room_actions.do_record_item_conclusion(item1, actor=secretary, text=ITEM1_CONCLUSION)

    room_actions.do_set_current_item(meeting, item2, actor=secretary)
    speech2 = room_actions.do_request_floor(meeting, actor=case.owner)
    room_actions.do_grant_floor(speech2, actor=chair)
    room_actions.do_record_item_conclusion(item2, actor=secretary, text=ITEM2_CONCLUSION)
    room_actions.do_record_meeting_conclusion(meeting, actor=chair, text=MEETING_CONCLUSION)
    if end:
        room_actions.do_end_meeting(meeting, actor=secretary)  # finishes speech2 too
        # The actions ran within milliseconds: give the turns real lengths to report.
        for turn, seconds in ((speech, 200), (question, 45), (speech2, 3725)):
            turn.refresh_from_db()
            SpeakerRequest.objects.filter(pk=turn.pk).update(ended_at=turn.started_at + timedelta(seconds=seconds))
    meeting.refresh_from_db()
    return SimpleNamespace(meeting=meeting, item1=item1, item2=item2, open_poll=open_poll, secret_poll=secret_poll,
                           absent1=absent1, absent2=absent2, deputy=deputy)
