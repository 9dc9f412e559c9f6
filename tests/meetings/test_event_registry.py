"""The declared live protocol (meetings/event_types.py): every declared event type is emitted by
a real action, with data of its declared shape, and snapshot(r) + events(r..s) == snapshot(s)
for every role when the registry's own reducer applies them. Undeclared or malformed events are
refused before anything is written."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from meetings.access import meeting_access
from meetings.actions import absence as absence_actions
from meetings.actions import agenda as agenda_actions
from meetings.actions import documents as document_actions
from meetings.actions import preparation as preparation_actions
from meetings.actions import room as actions
from meetings.actions import room_polls as polls
from meetings.actions import votes as vote_actions
from meetings.event_types import EVENTS, UndeclaredEvent, apply_event, check_event
from meetings.events import emit, may_see
from meetings.live.snapshot import build_snapshot
from meetings.models import Meeting, MeetingEvent, MeetingRoom, MeetingType
from tests.kit.files import make_pdf
from tests.kit.rooms import make_room, normalized
from tests.kit.users import make_user
from tests.meetings.roomkit import room_object

pytestmark = pytest.mark.django_db

ROLES = ("member", "voter", "guest", "chair")
ROOT = Path(__file__).resolve().parents[2]


class Checker:
    """Takes each role's snapshot, runs one change, applies the role's events to the old
    snapshot with the registry's reducer and compares with a new snapshot."""

    def __init__(self, room):
        self.room = room
        self.viewers = {"member": room.member, "voter": room.members[1], "guest": room.guest, "chair": room.chair}
        self.snaps = {role: build_snapshot(self._access(role)) for role in ROLES}
        self.seen: set[str] = set()
        self.hidden_for: set[str] = set()

    def _access(self, role):
        return meeting_access(self.viewers[role], self.room.meeting.pk)

    def step(self, change):
        result = change()
        for role in ROLES:
            access = self._access(role)
            before = self.snaps[role]
            state = before["state"]
            rows = MeetingEvent.objects.filter(meeting_id=self.room.meeting.pk,
                                               revision__gt=before["revision"]).order_by("revision")
            count = 0
            for event in rows:
                count += 1
                check_event(event.type, event.data)  # what was stored has the declared shape
                if may_see(event.audience, user_id=access.user_id, role=access.role,
                           runs_meeting=access.runs_meeting):
                    state = apply_event(state, event.type, event.data)
                    self.seen.add(event.type)
                else:
                    state = apply_event(state, "hidden", None)
                    self.hidden_for.add(role)
            after = build_snapshot(access)
            assert after["revision"] == before["revision"] + count
            assert normalized(state) == normalized(after["state"]), (role, change)
            self.snaps[role] = after
        return result


def _agenda_version(meeting: Meeting) -> int:
    return Meeting.objects.values_list("agenda_version", flat=True).get(pk=meeting.pk)


def test_every_declared_event_comes_from_a_real_action_and_converges_for_every_role():
    room = make_room(status="scheduled")
    m, chair, secretary, member, guest = room.meeting, room.chair, room.secretary, room.member, room.guest
    member2 = room.members[1]
    check = Checker(room)
    step = check.step

    # preparation: participants and the agenda
    late = step(lambda: preparation_actions.do_add_participant(m, actor=secretary, user=make_user("late")))
    step(lambda: preparation_actions.do_remove_participant(late, actor=secretary))
    extra = step(lambda: agenda_actions.do_add_agenda_item(m, actor=secretary, title="Nội dung bổ sung",
                                                           agenda_version=_agenda_version(m)))
    step(lambda: agenda_actions.do_remove_agenda_item(extra, actor=secretary, agenda_version=_agenda_version(m)))
    step(lambda: agenda_actions.do_reorder_agenda(m, actor=secretary, agenda_version=_agenda_version(m),
                                                  order=[room.items[2].pk, room.items[0].pk, room.items[1].pk]))
    # --- live seat map (fn117) and absence requests (fn113): the room's grid goes with the meeting's
    # room; a member's absence under a type that needs approval, refused then asked again, approved
    hall = MeetingRoom.objects.create(name="Hội trường A", seat_rows=2, seats_per_row=3)
    kind = MeetingType.objects.create(name="Họp UBND tỉnh", absence_needs_approval=True)
    step(lambda: preparation_actions.do_update_meeting(m, actor=secretary, room=hall, meeting_type=kind))
    step(lambda: preparation_actions.do_update_participant(room.parts["chair"], actor=secretary, seat="A1"))
    absentee = make_user("absentee")
    away = step(lambda: preparation_actions.do_add_participant(m, actor=secretary, user=absentee, seat="B1"))
    step(lambda: preparation_actions.do_answer_invitation(m, actor=absentee, response="decline", reason="Ốm"))
    step(lambda: absence_actions.do_decide_absence_request(away, actor=chair, approve=False, note="Cần dự."))
    deputy = make_user("deputy")
    step(lambda: preparation_actions.do_answer_invitation(m, actor=absentee, response="delegate", delegate=deputy))
    step(lambda: absence_actions.do_decide_absence_request(away, actor=chair, approve=True))
    # --- end
    # documents: one for everyone, one confidential (runners only: hidden for the others), one removed
    open_doc = step(lambda: document_actions.do_add_meeting_document(
        m, actor=secretary, upload=ContentFile(make_pdf(1), name="to-trinh.pdf"), title="Tờ trình"))
    step(lambda: document_actions.do_add_meeting_document(
        m, actor=secretary, upload=ContentFile(make_pdf(1), name="mat.pdf"), title="Tài liệu mật",
        confidential=True))
    step(lambda: document_actions.do_delete_document(open_doc, actor=secretary))

    # the room
    step(lambda: actions.do_start_meeting(m, actor=secretary))
    step(lambda: actions.do_set_current_item(m, room.items[0], actor=chair))
    step(lambda: actions.do_record_item_conclusion(room.items[0], actor=chair, text="Thống nhất thông qua."))
    step(lambda: actions.do_set_quorum(m, actor=chair, fraction=0.66))
    step(lambda: actions.do_attach_conclusion_file(m, actor=chair, title="Kết luận.pdf",
                                                   upload=ContentFile(make_pdf(1), name="kl.pdf"),
                                                   item=room.items[0]))
    step(lambda: actions.do_check_in(m, actor=member))
    step(lambda: actions.do_check_in(m, actor=guest))
    # someone checked in who is then taken off the list: their attendance leaves with them
    leaver = make_user("leaver")
    leaving = step(lambda: preparation_actions.do_add_participant(m, actor=secretary, user=leaver))
    step(lambda: actions.do_check_in(m, actor=leaver))
    step(lambda: preparation_actions.do_remove_participant(leaving, actor=secretary))
    step(lambda: actions.do_secretary_check_in(room.parts["guest"], actor=secretary, present=False))
    speech = step(lambda: actions.do_request_floor(m, actor=member))
    step(lambda: actions.do_grant_floor(speech, actor=chair))
    # the secretary's note on the speech: runners only (hidden for the others), then cleared
    step(lambda: actions.do_record_speech_summary(speech, actor=secretary, text="Đề nghị bổ sung số liệu."))
    step(lambda: actions.do_record_speech_summary(speech, actor=secretary, text=""))
    step(lambda: actions.do_record_speech_summary(speech, actor=chair, text="Đề nghị làm rõ nguồn vốn."))
    poll = step(lambda: polls.do_create_poll(m, actor=chair, question="Thông qua?", show_live=True))
    # --- votes prepared and run: the list edited, reordered, a draft deleted with a ready mark on it
    later = step(lambda: polls.do_create_poll(m, room.items[0], actor=secretary, question="Sau?", ballot_set="council"))
    step(lambda: vote_actions.do_update_poll(later, actor=secretary, question="Sau (sửa)?", ballot_set="yes_no"))
    step(lambda: vote_actions.do_reorder_polls(m, room.items[0], actor=secretary, order=[later.pk, poll.pk]))
    step(lambda: vote_actions.do_mark_ready(later, actor=member))
    step(lambda: vote_actions.do_delete_poll(later, actor=secretary))
    # someone ready to vote is taken off the list: their mark leaves with them
    leaver2 = make_user("leaver2")
    leaving2 = step(lambda: preparation_actions.do_add_participant(m, actor=secretary, user=leaver2))
    step(lambda: actions.do_check_in(m, actor=leaver2))
    step(lambda: vote_actions.do_mark_ready(poll, actor=leaver2))
    step(lambda: preparation_actions.do_remove_participant(leaving2, actor=secretary))
    step(lambda: vote_actions.do_mark_ready(poll, actor=member))
    step(lambda: vote_actions.do_unmark_ready(poll, actor=member))
    step(lambda: vote_actions.do_mark_ready(poll, actor=member))
    step(lambda: polls.do_open_poll(poll, actor=chair))
    step(lambda: vote_actions.do_pause_poll(poll, actor=chair))
    step(lambda: vote_actions.do_resume_poll(poll, actor=chair))
    step(lambda: actions.do_check_in(m, actor=member2))
    step(lambda: polls.do_cast_ballot(poll, actor=member2, choice="agree"))
    step(lambda: polls.do_close_poll(poll, actor=chair))
    step(lambda: actions.do_end_meeting(m, actor=chair))

    assert check.seen == set(EVENTS), f"declared but never emitted: {set(EVENTS) - check.seen}"
    # the confidential document and another member's vote are hidden from someone
    assert {"member", "guest"} <= check.hidden_for


def test_an_undeclared_event_is_refused_and_nothing_is_written():
    room = make_room()
    before = MeetingEvent.objects.filter(meeting=room.meeting).count()
    with pytest.raises(UndeclaredEvent), transaction.atomic():
        emit(room.meeting, "note.upserted", {"note": {"id": 1}})
    assert MeetingEvent.objects.filter(meeting=room.meeting).count() == before
    assert Meeting.objects.get(pk=room.meeting.pk).revision == room.meeting.revision


@pytest.mark.parametrize("data", [
    {},  # the object is missing
    {"room": {"quorum_fraction": 0.5}},  # a field is missing
    {"room": {**room_object("x"), "secret": "leak"}},  # an undeclared field
    {"room": {**room_object("x"), "quorum_fraction": "half"}},  # a field of the wrong type
    {"room": {**room_object("x"), "quorum": {"present": 1, "eligible": 2}}},  # a nested field is missing
])
def test_data_that_does_not_match_its_schema_is_refused(data):
    room = make_room()  # built through the actions: it has events of its own already
    before = MeetingEvent.objects.filter(meeting=room.meeting).count()
    with pytest.raises(UndeclaredEvent), transaction.atomic():
        emit(room.meeting, "room.updated", data)
    assert MeetingEvent.objects.filter(meeting=room.meeting).count() == before


def _emitted_names() -> set[str]:
    """Event names written literally in `emit(meeting, "<name>", …)` calls of the app code."""
    names = set()
    for path in (ROOT / "meetings").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "emit" and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)):
                names.add(node.args[1].value)
    for path in (ROOT / "signing").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "emit(" in text:
            for node in ast.walk(ast.parse(text)):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "emit"
                        and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)):
                    names.add(node.args[1].value)
    return names


def test_every_event_name_in_the_code_is_declared():
    names = _emitted_names()
    assert names, "no emit() call found: the scan is broken"
    assert names <= set(EVENTS), names - set(EVENTS)
