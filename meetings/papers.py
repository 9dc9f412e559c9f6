"""Papers that a meeting's own changes issue: today the invitation (giấy mời, Decision 45/2018
art. 10, fn98) when a meeting is scheduled and its numbered replacement when the time or the
place changes.

The meetings app does not know how a paper is drawn, numbered or sealed (that is the signing
app's, which meetings must not import): scheduling and updating call the hooks registered here,
inside their own transaction, and the signing app registers them in its AppConfig.ready. With no
hook registered (an installation without signing, some unit tests) nothing is issued and the
invitations go out as before, without attachments.

- an issuer `fn(meeting, *, actor, reason, fields) -> None` runs inside the meeting's action,
  after its change is written and before the participants are told; `reason` is SCHEDULED or
  CHANGED (then `fields` names what changed among TIME_AND_PLACE);
- an attachment source `fn(meeting) -> list[Attachment]` gives the papers in force that the
  invitation e-mail carries (and the in-app notification links to).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ecabinet.models import User
    from meetings.models import Meeting

# A change of these fields on a scheduled meeting makes the invitation wrong: a replacement is due.
TIME_AND_PLACE = frozenset({"starts_at", "ends_at", "location", "online_url", "room"})


class Reason(StrEnum):
    SCHEDULED = "scheduled"
    CHANGED = "changed"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str
    # Where the paper lives in eCabinet (a path on this site), or "".
    url: str = ""


class Issuer(Protocol):
    def __call__(self, meeting: Meeting, *, actor: User, reason: Reason, fields: frozenset[str]) -> None: ...


AttachmentSource = Callable[["Meeting"], list[Attachment]]

_issuers: list[Issuer] = []
_sources: list[AttachmentSource] = []


def register_issuer(fn: Issuer) -> Issuer:
    if fn not in _issuers:
        _issuers.append(fn)
    return fn


def register_attachments(fn: AttachmentSource) -> AttachmentSource:
    if fn not in _sources:
        _sources.append(fn)
    return fn


def issue(meeting: Meeting, *, actor: User, reason: Reason, fields: frozenset[str] = frozenset()) -> None:
    """Run every issuer (inside the caller's transaction)."""
    for fn in list(_issuers):
        fn(meeting, actor=actor, reason=reason, fields=fields)


def attachments(meeting: Meeting) -> list[Attachment]:
    """The papers in force for `meeting`, to attach to what is sent to its participants."""
    found: list[Attachment] = []
    for fn in list(_sources):
        found.extend(fn(meeting))
    return found
