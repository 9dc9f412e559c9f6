"""The live room: attendance, the floor, votes and conclusions.

Secret ballots: a `PollVoter` row (poll, seat) enforces one vote per seat in the database, and
the choice goes into a `Ballot` row with a random UUID key, no voter reference and no
timestamp, so nothing stored (no column, no key order, no time) ties a choice to a voter.
Open ballots carry the voter on the Ballot, because an open vote is public by definition.
No event, audit row or API answer of a secret poll carries a per-option count before close.
Limit: PostgreSQL's system columns (xmin) and its WAL record which rows one transaction wrote;
someone with raw access to the database server (not the app's admin, API or logs) could pair
a PollVoter with its Ballot that way.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "RoomState", "Attendance", "SpeakerRequest", "Poll", "PollOption", "PollVoter", "Ballot",
    "ConclusionAttachment",
]


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


class RoomState(models.Model):
    """Per-meeting room settings and the meeting's own conclusion (one row per meeting)."""

    meeting = models.OneToOneField("meetings.Meeting", on_delete=models.CASCADE, related_name="room_state")
    # Quorum: present voting seats must be MORE than this fraction of the voting seats.
    quorum_fraction = models.DecimalField(max_digits=4, decimal_places=3, default=0.5)
    conclusion = models.TextField(_("conclusion"), blank=True)
    # Mixed into the rotating check-in QR token; replacing it revokes every printed code.
    checkin_secret = models.CharField(max_length=64, default=_new_secret)

    def __str__(self) -> str:
        return f"room of {self.meeting_id}"


class Attendance(models.Model):
    class Method(models.TextChoices):
        SELF = "self", _("self check-in")
        SECRETARY = "secretary", _("by the secretary")
        QR = "qr", _("QR code")

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="attendances")
    participant = models.OneToOneField("meetings.Participant", on_delete=models.CASCADE, related_name="attendance")
    checked_in_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.SELF)
    remote = models.BooleanField(_("remote"), default=False)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"attendance {self.participant_id}"


class SpeakerRequest(models.Model):
    class Kind(models.TextChoices):
        SPEAK = "speak", _("to speak")
        QUESTION = "question", _("to ask a question")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        SPEAKING = "speaking", _("speaking")
        DONE = "done", _("has spoken")
        WITHDRAWN = "withdrawn", _("withdrawn")

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="speaker_requests")
    item = models.ForeignKey("meetings.AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    participant = models.ForeignKey("meetings.Participant", on_delete=models.CASCADE, related_name="speaker_requests")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SPEAK)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Set by the chair when giving the floor; screens count down, nobody is cut off automatically.
    time_limit_minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            # One live request per person and queue: a second "raise hand" is refused by the DB.
            models.UniqueConstraint(
                fields=["participant", "kind"], condition=models.Q(status__in=["waiting", "speaking"]),
                name="one_live_request_per_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.participant_id} ({self.status})"


class Poll(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("not opened")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Majority(models.TextChoices):
        CAST = "cast", _("of votes cast")
        PRESENT = "present", _("of members present")

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="polls")
    item = models.ForeignKey("meetings.AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    question = models.CharField(_("question"), max_length=1000)
    secret = models.BooleanField(_("secret ballot"), default=False)
    majority = models.CharField(max_length=16, choices=Majority.choices, default=Majority.CAST)
    show_live = models.BooleanField(_("show counts while open"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    votes_cast = models.PositiveIntegerField(default=0)
    # Computed once, at close: {"counts": {key: n}, "cast", "present", "eligible", "quorum", "passed"}.
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(max_length=32)
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["poll", "key"], name="one_option_key_per_poll")]

    def __str__(self) -> str:
        return self.label


class PollVoter(models.Model):
    """That a seat has voted (never what). `seat` is the member whose vote it is; a delegate
    votes in place of its principal, so the principal's seat is used up."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters")
    seat = models.ForeignKey("meetings.Participant", on_delete=models.CASCADE, related_name="+")
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "seat"], name="one_ballot_per_seat")]

    def __str__(self) -> str:
        return f"voter {self.pk}"


class Ballot(models.Model):
    """A choice. Random key and no timestamp; `voter` is set for open polls only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="ballots")
    voter = models.OneToOneField(PollVoter, null=True, blank=True, on_delete=models.CASCADE, related_name="ballot")

    class Meta:
        constraints = [
            # Open polls: at most one ballot per voter row (the PollVoter constraint does the rest).
            models.UniqueConstraint(fields=["poll", "voter"], name="one_open_ballot_per_voter"),
        ]

    def __str__(self) -> str:
        return "ballot"


def attachment_path(instance: ConclusionAttachment, filename: str) -> str:
    return f"conclusions/{instance.sha256[:2]}/{instance.sha256}.pdf"


class ConclusionAttachment(models.Model):
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="conclusion_attachments")
    item = models.ForeignKey("meetings.AgendaItem", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=255)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title
