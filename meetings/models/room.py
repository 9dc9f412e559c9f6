"""The live room: attendance, the floor, votes and conclusions.

Secret ballots keep no per-ballot choice at all: a vote adds one to its option's `tally` and
writes a `PollVoter` row (that the seat voted, never what). The threat model is in `Poll`.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "RoomState", "Attendance", "SpeakerRequest", "Poll", "PollOption", "PollVoter", "PollReady",
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

    class Meta:
        verbose_name = _("room state")
        verbose_name_plural = _("room states")

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
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"attendance {self.participant_id}"


class SpeakerRequest(models.Model):
    class Kind(models.TextChoices):
        SPEAK = "speak", _("to speak")
        QUESTION = "question", _("to ask a question")

    class Status(models.TextChoices):
        WAITING = "waiting", pgettext_lazy("speaking queue", "waiting")
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
    # What the speaker said, in the secretary's words: it goes into the minutes under the item.
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("request to speak")
        verbose_name_plural = _("requests to speak")
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
    """A vote on a question. Results are computed once, at close, and stored in `result`.

    Open (not secret) polls are public: each `PollVoter` row carries the seat's option.

    Secret polls - threat model. The asset is the link between a voter and a choice; who voted
    and the totals are not secret (the minutes publish both).

    What is stored: per option a `tally` (incremented with F() by each ballot); per seat a
    `PollVoter` row (random UUID key, poll, seat, who cast it; no option, no timestamp); one
    audit row `poll.ballot` per ballot (actor, time, empty details); per ballot a `poll` event
    carrying only the number of ballots cast (option counts stay null until close) and a
    `my_vote` event to the voter saying THAT the seat voted, never what (the voter's own screen
    may remember the choice in the browser only). So the audit chain and the event log give the
    order in which people voted, but nothing next to that order moves per option.

    When the poll closes, in the closing transaction, the poll's voter rows are deleted and
    re-inserted in a random order under new random keys, and every tally row is rewritten, so
    the physical order of the rows (SQLite rowid, PostgreSQL heap/ctid order, dump order) is
    random and every row's PostgreSQL xmin is the closing transaction's. SQLite runs with
    `PRAGMA secure_delete=ON` (freed pages keep no old rows) and its WAL is checkpointed and
    truncated after the close commits.

    Covered, after the poll is closed: anyone holding a logical dump (dumpdata, pg_dump, the
    admin, the API), a copy of the SQLite file with its WAL, the audit chain or the event log,
    and an ordinary SQL login to PostgreSQL (system columns included) can count votes and list
    voters but cannot pair a voter with a choice.

    Not covered: (1) copies taken WHILE the poll is open: two copies on either side of one
    known ballot differ by one in one tally, and a live PostgreSQL's xmin of a tally row points
    at the transaction of the last ballot for that option (no scheme that counts ballots as they
    arrive can hide this: do not take backups during a secret vote); (2) PostgreSQL's WAL and
    WAL archives (PITR) and statement logging (`log_statement`), which record every ballot's
    transaction with its option, and dead row versions left in the heap until VACUUM;
    (3) raw access to the server's disks or memory (freed SQLite pages after a crash before the
    checkpoint, filesystem journals, swap). Those are for the operator: keep WAL archives and
    server access to the people trusted with the count, and run VACUUM after a secret vote.

    Readiness (`PollReady`) says that a seat was ready to vote, never what it chose. A secret
    poll never takes signed ballots (a signature names the voter: `signed` is refused with
    `secret`), so `signing.SignedBallot` rows exist only for open polls, whose choices are public.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("not opened")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Majority(models.TextChoices):
        CAST = "cast", _("of votes cast")
        PRESENT = "present", _("of members present")

    class BallotSet(models.TextChoices):
        # The options a poll offers (fn19, fn111, fn112); every set is one ballot per seat, no revote.
        AGREE = "agree", _("Agree / disagree / other opinion")
        YES_NO = "yes_no", _("Yes / no")
        COUNCIL = "council", _("Agree / disagree / blank ballot (council)")
        CUSTOM = "custom", _("Custom options")

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
    # --- the prepared vote list (fn19, fn41-fn43, fn108) ---
    # Order among the polls of the same agenda item (1-based); the chair goes through them in it.
    position = models.PositiveIntegerField(_("order"), default=0)
    ballot_set = models.CharField(_("ballot set"), max_length=16, choices=BallotSet.choices, default=BallotSet.AGREE)
    # An open poll paused by the chair: ballots are refused until it is resumed (status stays open).
    paused = models.BooleanField(_("paused"), default=False)
    # Open polls only: each ballot is a JWS signed with the voter's own key (signing.SignedBallot).
    signed = models.BooleanField(_("signed ballots required"), default=False)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(max_length=32)
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    # Ballots for this option, incremented with F() in the ballot's transaction (secret and
    # open polls alike): the count is the only stored trace of a secret choice.
    tally = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("vote option")
        verbose_name_plural = _("vote options")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["poll", "key"], name="one_option_key_per_poll")]

    def __str__(self) -> str:
        return self.label


class PollVoter(models.Model):
    """That a seat has voted; what it chose only for an open poll (an open vote is public).

    `seat` is the member whose vote it is; a delegate votes in place of its principal, so the
    principal's seat is used up. The key is a random UUID and there is no timestamp, so the
    key carries no voting order; the physical order of a secret poll's rows is destroyed when
    the poll closes (see the module docstring for the whole threat model).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters")
    seat = models.ForeignKey("meetings.Participant", on_delete=models.CASCADE, related_name="+")
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Open polls only; always NULL for a secret poll.
    option = models.ForeignKey(PollOption, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [models.UniqueConstraint(fields=["poll", "seat"], name="one_ballot_per_seat")]

    def __str__(self) -> str:
        return f"voter {self.pk}"


class PollReady(models.Model):
    """A member's "ready to vote" for one poll (fn42): the seat, and who marked it (the member or
    the delegate standing in). Seen by those running the meeting and by the one who marked it."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ready_marks")
    seat = models.ForeignKey("meetings.Participant", on_delete=models.CASCADE, related_name="+")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ready to vote")
        verbose_name_plural = _("ready to vote")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["poll", "seat"], name="one_ready_mark_per_seat")]

    def __str__(self) -> str:
        return f"ready {self.seat_id} for {self.poll_id}"


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
        verbose_name = _("conclusion attachment")
        verbose_name_plural = _("conclusion attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title
