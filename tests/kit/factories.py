"""Meetings, agendas, participants, documents, polls, rounds, certificates and signing requests,
built THROUGH the actions with an actor who may do it, so a test starts from a state the
application can really reach (and every audit row and event is there, as in production).

Every action call of the test suite's setup lives here: when an action's signature changes,
this is the one file to adapt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ecabinet.models import Unit, User
from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.actions.agenda import do_add_agenda_item
from meetings.actions.documents import do_add_meeting_document, do_review_document
from meetings.actions.opinions import do_create_round
from meetings.actions.preparation import (
    do_add_participant,
    do_answer_invitation,
    do_create_meeting,
    do_schedule_meeting,
)
from meetings.models import (
    AgendaItem,
    Document,
    Meeting,
    OpinionRound,
    Participant,
    Poll,
    SpeakerRequest,
)
from tests.kit.files import pdf_upload

Status = Meeting.Status
Role = Participant.Role


# --- meetings --------------------------------------------------------------------------------

def make_meeting(
    *, by: User, title: str = "Phiên họp thường kỳ tháng 11", starts_at: datetime | None = None,
    hours: float = 3, unit: Unit | None = None, chair: User | None = None, secretary: User | None = None,
    members: Iterable[User] = (), guests: Iterable[User] = (), items: Sequence[str | dict[str, Any]] = (),
    status: str = Status.DRAFT, **fields: Any,
) -> Meeting:
    """A meeting created by `by` (an organiser of `unit`, or of their own unit), with its people
    and agenda, then brought to `status` (draft, scheduled, in_progress, ended) by the actions.

    `items`: titles, or keyword dicts for do_add_agenda_item (title, presenter, duration_minutes...).
    Extra `fields` go to do_create_meeting (location, room, meeting_type, online_url, description).
    """
    starts_at = starts_at or timezone.now().replace(microsecond=0) + timedelta(days=2)
    meeting = do_create_meeting(actor=by, title=title, starts_at=starts_at,
                                ends_at=starts_at + timedelta(hours=hours), unit=unit, chair=chair,
                                secretary=secretary, **fields)
    for user in members:
        do_add_participant(meeting, actor=by, user=user, role=Role.MEMBER)
    for user in guests:
        do_add_participant(meeting, actor=by, user=user, role=Role.GUEST)
    for item in items:
        spec = {"title": item} if isinstance(item, str) else dict(item)
        do_add_agenda_item(meeting, actor=by, **spec)
    bring_to(meeting, status, by=by)
    return meeting


def bring_to(meeting: Meeting, status: str, *, by: User) -> Meeting:
    """Move a meeting forward to `status` the way its secretary would."""
    order = [Status.DRAFT, Status.SCHEDULED, Status.IN_PROGRESS, Status.ENDED]
    if status not in order:
        raise ValueError(f"no action path to {status!r}; use cancel_meeting or build that state explicitly")
    meeting.refresh_from_db()
    while order.index(meeting.status) < order.index(status):
        if meeting.status == Status.DRAFT and status != Status.IN_PROGRESS:
            do_schedule_meeting(meeting, actor=by)
        elif meeting.status in (Status.DRAFT, Status.SCHEDULED):
            room_actions.do_start_meeting(meeting, actor=by)
        else:
            room_actions.do_end_meeting(meeting, actor=by)
        meeting.refresh_from_db()
    return meeting


def schedule_meeting(meeting: Meeting, *, by: User) -> Meeting:
    do_schedule_meeting(meeting, actor=by)
    meeting.refresh_from_db()
    return meeting


def start_meeting(meeting: Meeting, *, by: User) -> Meeting:
    return room_actions.do_start_meeting(meeting, actor=by)


def end_meeting(meeting: Meeting, *, by: User) -> Meeting:
    return room_actions.do_end_meeting(meeting, actor=by)


def add_participant(meeting: Meeting, user: User, *, by: User, role: str = Role.MEMBER, seat: str = "") -> Participant:
    return do_add_participant(meeting, actor=by, user=user, role=role, seat=seat)


def add_item(meeting: Meeting, title: str, *, by: User, **fields: Any) -> AgendaItem:
    return do_add_agenda_item(meeting, actor=by, title=title, **fields)


def answer_invitation(meeting: Meeting, *, by: User, response: str, reason: str = "",
                      delegate: User | None = None) -> Participant:
    return do_answer_invitation(meeting, actor=by, response=response, reason=reason, delegate=delegate)


# --- the room --------------------------------------------------------------------------------

def check_in(meeting: Meeting, *, by: User, remote: bool = False):
    return room_actions.do_check_in(meeting, actor=by, remote=remote)


def check_in_for(meeting: Meeting, participant: Participant, *, by: User, remote: bool = False) -> None:
    room_actions.do_secretary_check_in(participant, actor=by, remote=remote)


def set_current_item(meeting: Meeting, item: AgendaItem | None, *, by: User) -> Meeting:
    return room_actions.do_set_current_item(meeting, item, actor=by)


def give_floor(meeting: Meeting, speaker: User, *, chair: User, kind: str = "speak",
               finish: bool = True) -> SpeakerRequest:
    """`speaker` asks for the floor, `chair` grants it (and ends the turn unless finish=False)."""
    turn = room_actions.do_request_floor(meeting, actor=speaker, kind=kind)
    room_actions.do_grant_floor(turn, actor=chair)
    if finish:
        room_actions.do_finish_floor(turn, actor=chair)
    turn.refresh_from_db()
    return turn


def conclude_item(item: AgendaItem, text: str, *, by: User) -> AgendaItem:
    return room_actions.do_record_item_conclusion(item, actor=by, text=text)


def conclude_meeting(meeting: Meeting, text: str, *, by: User) -> None:
    room_actions.do_record_meeting_conclusion(meeting, actor=by, text=text)


def make_poll(meeting: Meeting, *, by: User, question: str = "Thông qua dự thảo", opened_by: User | None = None,
              votes: dict[User, Any] | None = None, close: bool = False, **fields: Any) -> Poll:
    """A poll created by the secretary `by`; opened (by `opened_by`, the chair) if votes or close
    are asked for, ballots cast as `votes` {voter: choice}, then closed if `close`."""
    poll = room_polls.do_create_poll(meeting, actor=by, question=question, **fields)
    runner = opened_by or by
    if opened_by is not None or votes or close:
        room_polls.do_open_poll(poll, actor=runner)
    for voter, choice in (votes or {}).items():
        room_polls.do_cast_ballot(poll, actor=voter, choice=choice)
    if close:
        room_polls.do_close_poll(poll, actor=runner)
    poll.refresh_from_db()
    return poll


# --- documents and opinion rounds --------------------------------------------------------------

def upload_document(meeting: Meeting, *, by: User, title: str = "Tờ trình", data: bytes | None = None,
                    approve_as: User | None = None, item: AgendaItem | None = None, **fields: Any) -> Document:
    """A meeting document uploaded by `by`: released at once when `by` runs the meeting, else
    pending until `approve_as` (who runs it) approves."""
    document = do_add_meeting_document(meeting, actor=by, upload=pdf_upload(data), title=title,
                                       agenda_item=item, **fields)
    if approve_as is not None and document.status == Document.Status.PENDING:
        document = do_review_document(document, actor=approve_as, approve=True)
    return document


def upload_own_document(*, by: User, title: str = "Tờ trình", data: bytes | None = None) -> Document:
    """A PDF of `by`'s own, outside any meeting, to sign or have signed."""
    from signing.actions.documents import do_upload_for_signing

    return do_upload_for_signing(actor=by, upload=pdf_upload(data), title=title)


def make_round(*, by: User, asked: Iterable[User], title: str = "Lấy ý kiến dự thảo",
               question: str = "Đồng ý với dự thảo?", deadline: datetime | None = None,
               meeting: Meeting | None = None, unit: Unit | None = None, data: bytes | None = None) -> OpinionRound:
    return do_create_round(actor=by, title=title, question=question,
                           deadline=deadline or timezone.now() + timedelta(days=3),
                           usernames=[u.username for u in asked], upload=pdf_upload(data),
                           meeting=meeting, unit=unit)


# --- signing ---------------------------------------------------------------------------------

def give_certificate(user: User, pin: str, **options: Any):
    """A certificate from the installation CA (what an administrator issues; see seed_demo)."""
    from signing.actions.certificates import issue_certificate_for
    from signing.trust import ensure_installation_ca

    ensure_installation_ca()
    return issue_certificate_for(user, pin, **options)


def ask_to_sign(document: Document, signers: Sequence[User], *, by: User, sequential: bool = True, **fields: Any):
    from signing.actions import do_create_request

    return do_create_request(document, actor=by, signers=list(signers), sequential=sequential, **fields)


def sign(document: Document, *, by: User, pin: str, **fields: Any):
    from signing.actions.documents import do_sign_document

    return do_sign_document(document, actor=by, pin=pin, **fields)


def give_unit_certificate(unit: Unit, *, by: User):
    """The unit's organisation certificate (signing/unit_seal.py), issued by `by` (an administrator
    of the unit: `admin` will do) through the action; sign with ``signing.unit_seal.sign_as_unit``."""
    from signing.actions.unit_certificates import do_issue_unit_certificate

    return do_issue_unit_certificate(unit, actor=by)


# --- hall screen ---
def make_hall_display(meeting, *, by, label: str = "Hội trường tầng 3"):
    """A hall screen link of `meeting` created by `by` through the action: (display, raw token)."""
    from meetings.actions.hall import do_create_hall_display

    return do_create_hall_display(meeting, actor=by, label=label)
# --- end hall screen ---
