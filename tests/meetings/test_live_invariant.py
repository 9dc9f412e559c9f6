"""snapshot(r) + events(r..s) == snapshot(s), for every event type, per role, hidden ones included."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile

from meetings.access import meeting_access
from meetings.actions import agenda as agenda_actions
from meetings.actions import documents as document_actions
from meetings.actions import preparation as prep_actions
from meetings.actions import room as actions
from meetings.actions import room_polls as polls
from meetings.event_types import apply_event
from meetings.events import may_see
from meetings.live.snapshot import build_snapshot
from meetings.models import Document, MeetingEvent
from tests.kit.files import make_pdf
from tests.kit.rooms import make_room, normalized
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db

ROLES = ("member", "guest", "chair")


def _viewer(room, role):
    user = {"member": room.member, "guest": room.guest, "chair": room.chair}[role]
    return meeting_access(user, room.meeting.pk)


def _events(meeting_id: int, after: int, access) -> list[tuple[str, dict | None]]:
    out = []
    for event in MeetingEvent.objects.filter(meeting_id=meeting_id, revision__gt=after).order_by("revision"):
        if may_see(event.audience, user_id=access.user_id, role=access.role, runs_meeting=access.runs_meeting):
            out.append((event.type, event.data))
        else:
            out.append(("hidden", None))
    return out


class Checker:
    def __init__(self, room):
        self.room = room
        self.snaps = {role: build_snapshot(_viewer(room, role)) for role in ROLES}
        self.seen_types: set[str] = set()
        self.hidden_for: set[str] = set()

    def step(self, change):
        result = change()
        for role in ROLES:
            access = _viewer(self.room, role)
            before = self.snaps[role]
            events = _events(self.room.meeting.pk, before["revision"], access)
            state = before["state"]
            for name, data in events:
                state = apply_event(state, name, data)
                if name == "hidden":
                    self.hidden_for.add(role)
                else:
                    self.seen_types.add(name)
            after = build_snapshot(access)
            assert after["revision"] == before["revision"] + len(events)
            assert normalized(state) == normalized(after["state"]), (role, events)
            self.snaps[role] = after
        return result


def test_every_event_type_converges_for_every_role():
    room = make_room(status="scheduled")
    m, chair, member, guest = room.meeting, room.chair, room.member, room.guest
    member2 = room.members[1]
    check = Checker(room)
    step = check.step
    step(lambda: actions.do_start_meeting(m, actor=room.secretary))
    step(lambda: actions.do_set_current_item(m, room.items[0], actor=chair))
    step(lambda: agenda_actions.do_add_agenda_item(m, actor=chair, title="Nội dung phát sinh", duration_minutes=10))
    step(lambda: agenda_actions.do_update_agenda_item(room.items[2], actor=chair, title="Nội dung 3 (sửa)"))
    step(lambda: agenda_actions.do_reorder_agenda(m, actor=chair, order=[
        room.items[2].pk, room.items[0].pk, room.items[1].pk, *[i.pk for i in m.agenda_items.order_by("pk")][3:]]))
    step(lambda: agenda_actions.do_postpone_agenda_item(room.items[1], actor=chair))
    step(lambda: actions.do_record_item_conclusion(room.items[0], actor=chair, text="Thống nhất thông qua."))
    step(lambda: actions.do_record_meeting_conclusion(m, actor=chair, text="Kết luận chung của cuộc họp."))
    step(lambda: actions.do_set_quorum(m, actor=chair, fraction=0.66))
    step(lambda: actions.do_attach_conclusion_file(m, actor=chair, upload=ContentFile(make_pdf(), name="kl.pdf"),
                                                   title="Kết luận.pdf",
                                                   item=room.items[0]))
    # attendance
    step(lambda: actions.do_check_in(m, actor=member))
    step(lambda: actions.do_check_in(m, actor=member2, remote=True))
    step(lambda: actions.do_check_in(m, actor=guest))
    step(lambda: actions.do_secretary_check_in(room.parts["chair"], actor=room.secretary))
    step(lambda: actions.do_secretary_check_in(room.parts["guest"], actor=room.secretary, present=False))
    # the floor
    req = {}
    step(lambda: req.setdefault("a", actions.do_request_floor(m, actor=member)))
    step(lambda: req.setdefault("b", actions.do_request_floor(m, actor=member2, kind="question")))
    step(lambda: actions.do_grant_floor(req["a"], actor=chair))
    step(lambda: actions.do_finish_floor(req["a"], actor=chair))
    step(lambda: actions.do_withdraw_floor(req["b"], actor=member2))
    # an open poll with live counts, then a secret poll
    poll = {}
    step(lambda: poll.setdefault("open", polls.do_create_poll(m, actor=chair, question="Thông qua?",
                                                              show_live=True)))
    step(lambda: polls.do_open_poll(poll["open"], actor=chair))
    step(lambda: polls.do_cast_ballot(poll["open"], actor=member, choice="agree"))
    step(lambda: polls.do_cast_ballot(poll["open"], actor=chair, choice="disagree"))
    step(lambda: polls.do_close_poll(poll["open"], actor=chair))
    step(lambda: poll.setdefault("secret", polls.do_create_poll(m, actor=chair, question="Bỏ phiếu kín?",
                                                                secret=True, options=["Có", "Không"])))
    step(lambda: polls.do_open_poll(poll["secret"], actor=chair))
    step(lambda: polls.do_cast_ballot(poll["secret"], actor=member2, choice="o1"))
    step(lambda: polls.do_close_poll(poll["secret"], actor=chair))

    # the preparation and documents parts, through their actions too
    late = step(lambda: prep_actions.do_add_participant(m, actor=room.secretary, user=make_user("late")))
    step(lambda: prep_actions.do_remove_participant(late, actor=room.secretary))
    doc = step(lambda: document_actions.do_add_meeting_document(
        m, actor=chair, upload=ContentFile(make_pdf(), name="to-trinh.pdf"), title="Tờ trình"))
    step(lambda: document_actions.do_add_meeting_document(
        m, actor=chair, upload=ContentFile(make_pdf(), name="mat.pdf"), title="Tài liệu mật", confidential=True))
    step(lambda: document_actions.do_delete_document(doc, actor=chair))
    step(lambda: agenda_actions.do_remove_agenda_item(room.items[1], actor=chair))
    step(lambda: actions.do_end_meeting(m, actor=chair))

    assert check.seen_types >= {
        "meeting.updated", "agenda_item.upserted", "agenda_item.removed", "room.updated",
        "attendance.upserted", "attendance.removed", "speaker.upserted", "poll.upserted",
        "poll_voter.upserted", "my_vote.upserted", "conclusion_attachment.upserted",
        "participant.upserted", "participant.removed", "document.upserted", "document.removed",
    }
    # runners too: another voter's "my vote" is hidden from everyone else
    assert check.hidden_for == {"member", "guest", "chair"}


def test_secret_poll_stores_nothing_that_links_choice_to_voter():
    from ecabinet.models import AuditEvent
    from meetings.models import PollVoter

    room = make_room()
    m = room.meeting
    for user in room.members:
        actions.do_check_in(m, actor=user)
    poll = polls.do_create_poll(m, actor=room.chair, question="Kín", secret=True, show_live=True)
    assert poll.show_live is False  # never live counts for a secret poll
    polls.do_open_poll(poll, actor=room.chair)
    polls.do_cast_ballot(poll, actor=room.members[0], choice="agree")
    polls.do_cast_ballot(poll, actor=room.members[1], choice="disagree")
    assert not PollVoter.objects.filter(poll=poll, option__isnull=False).exists()
    assert set(PollVoter.objects.filter(poll=poll).values_list("cast_by", flat=True)) == {u.pk for u in room.members}
    # no event and no audit row carries a choice for the secret poll
    for event in MeetingEvent.objects.filter(meeting=m, type="poll.upserted"):
        if event.data["poll"]["id"] == poll.pk:
            assert all(o["count"] is None for o in event.data["poll"]["options"])
    for row in AuditEvent.objects.filter(action="poll.ballot"):
        assert row.details == {}
    snapshot = build_snapshot(meeting_access(room.chair, m.pk))
    assert snapshot["state"]["poll_voters"] == []
    closed = polls.do_close_poll(poll, actor=room.chair)
    assert closed.result["counts"] == {"agree": 1, "disagree": 1, "other": 0}


def test_snapshot_query_count_is_fixed(django_assert_num_queries):
    room = make_room(members=3)
    for user in room.members:
        actions.do_check_in(room.meeting, actor=user)
    p = polls.do_create_poll(room.meeting, actor=room.chair, question="Q", show_live=True)
    polls.do_open_poll(p, actor=room.chair)
    polls.do_cast_ballot(p, actor=room.member, choice="agree")
    actions.do_request_floor(room.meeting, actor=room.member)
    for i in range(3):
        # ORM on purpose: document rows only (no file to check), to size the snapshot.
        Document.objects.create(meeting=room.meeting, title=f"D{i}", uploaded_by=room.chair, status="released")
    chair_access = meeting_access(room.chair, room.meeting.pk)
    member_access = meeting_access(room.member, room.meeting.pk)
    with django_assert_num_queries(16):  # + the speeches' summaries, for those running the meeting
        build_snapshot(chair_access)  # (16 = 15 + the ready-to-vote marks: votes prepared and run)
    with django_assert_num_queries(14):
        build_snapshot(member_access)
    # more rows, same number of queries
    make_more = make_room(members=8, prefix="x")
    for user in make_more.members:
        actions.do_check_in(make_more.meeting, actor=user)
    for i in range(10):
        # ORM on purpose: document rows only (no file to check), to size the snapshot.
        Document.objects.create(meeting=make_more.meeting, title=f"D{i}", uploaded_by=room.chair, status="released")
    with django_assert_num_queries(14):
        build_snapshot(meeting_access(make_more.member, make_more.meeting.pk))


def test_pdf_helper_is_a_pdf():
    assert make_pdf().startswith(b"%PDF-") and io.BytesIO(make_pdf()).getbuffer().nbytes > 100
