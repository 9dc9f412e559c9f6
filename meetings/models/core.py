"""The meeting, its people and its agenda, and the event log that keeps every screen in sync."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ["Meeting", "Participant", "AgendaItem", "MeetingEvent", "AbsenceStatus", "ParticipantState"]


class Meeting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        IN_PROGRESS = "in_progress", _("in progress")
        ENDED = "ended", _("ended")
        CANCELLED = "cancelled", _("cancelled")

    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "ecabinet.Unit", verbose_name=_("chairing unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="meetings",
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=255, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    meeting_type = models.ForeignKey(
        "meetings.MeetingType", verbose_name=_("meeting type"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    room = models.ForeignKey(
        "meetings.MeetingRoom", verbose_name=_("meeting room"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The live revision: +1 for every MeetingEvent, in the same transaction as the change.
    revision = models.PositiveBigIntegerField(default=0)
    # The revisions of the last events that changed the participants (with their seats) and the
    # documents (meetings/events.py emit): what pages keep of those rows is kept by these, so
    # the room's every move (a new revision) does not throw it away.
    participants_revision = models.PositiveBigIntegerField(default=0)
    documents_revision = models.PositiveBigIntegerField(default=0)
    # Optimistic lock for edits of the agenda by two secretaries at once.
    agenda_version = models.PositiveIntegerField(default=0)
    current_item = models.ForeignKey(
        "meetings.AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meeting_detail", args=[self.pk])

    @property
    def group_name(self) -> str:
        return f"meeting-{self.pk}"


class AbsenceStatus(models.TextChoices):
    NONE = "", _("no request")
    PENDING = "pending", _("awaiting the chair's approval")
    APPROVED = "approved", pgettext_lazy("absence request", "approved")
    REFUSED = "refused", pgettext_lazy("absence request", "refused")


class ParticipantState(models.TextChoices):
    """What the pages, the room and the seat map show for an invitee (Participant.state)."""

    NOT_CONFIRMED = "not_confirmed", _("not confirmed")
    CONFIRMED = "confirmed", _("confirmed")
    ABSENCE_REQUESTED = "absence_requested", _("absence requested")
    ABSENT = "absent", pgettext_lazy("participant state", "absent")
    DELEGATED = "delegated", pgettext_lazy("participant state", "delegated")


class Participant(models.Model):
    Absence = AbsenceStatus
    State = ParticipantState

    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        SECRETARY = "secretary", _("secretary")
        MEMBER = "member", _("member")
        GUEST = "guest", _("guest")

    class Response(models.TextChoices):
        PENDING = "pending", _("not answered")
        ATTEND = "attend", _("will attend")
        DECLINE = "decline", pgettext_lazy("attendance", "declined")
        DELEGATE = "delegate", _("delegated")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    response = models.CharField(_("answer"), max_length=16, choices=Response.choices, default=Response.PENDING)
    response_reason = models.TextField(_("reason"), blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # A delegate attends in place of `delegate_for` (ủy quyền); they hold that person's vote.
    delegate_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="delegates"
    )
    seat = models.CharField(_("seat"), max_length=32, blank=True)
    # --- absence requests (fn113) ---
    # Where the meeting's type asks for the chair's approval, a member's decline (or delegation)
    # is first a request: `response` stays "pending" (the member is still expected) and
    # `absence_status` is "pending" until the chair decides. Approved: `response` becomes
    # "decline" (or "delegate", and the proposed `absence_delegate` joins in their place);
    # refused: `response` stays "pending", the member is expected. No approval needed:
    # `absence_status` stays empty and `response` is the answer itself. So "absent with a
    # reason" is always `response == "decline"`; `state` names the five states the pages show.
    absence_status = models.CharField(_("absence request"), max_length=16, choices=AbsenceStatus.choices,
                                      blank=True, default="")
    absence_delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed to attend in place"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    absence_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    absence_decided_at = models.DateTimeField(null=True, blank=True)
    absence_note = models.TextField(_("chair's note"), blank=True)
    # --- end absence requests ---
    invited_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_participation_per_user"),
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def state(self) -> str:
        """not_confirmed / confirmed / absence_requested / absent / delegated (ParticipantState)."""
        if self.response == self.Response.DELEGATE:
            return ParticipantState.DELEGATED
        if self.response == self.Response.DECLINE:
            return ParticipantState.ABSENT
        if self.absence_status == AbsenceStatus.PENDING:
            return ParticipantState.ABSENCE_REQUESTED
        if self.response == self.Response.ATTEND:
            return ParticipantState.CONFIRMED
        return ParticipantState.NOT_CONFIRMED

    def get_state_display(self) -> str:
        return str(ParticipantState(self.state).label)


class AgendaItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("not yet discussed")
        CURRENT = "current", _("under discussion")
        DONE = "done", _("done")
        POSTPONED = "postponed", _("postponed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=500)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("presenter"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    presenting_unit = models.ForeignKey(
        "ecabinet.Unit", verbose_name=_("presenting unit"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    duration_minutes = models.PositiveIntegerField(_("planned minutes"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    conclusion = models.TextField(_("conclusion"), blank=True)
    # The units the conclusion assigns work to: they receive the conclusion notice (fn102).
    assigned_units = models.ManyToManyField("ecabinet.Unit", verbose_name=_("assigned units"), blank=True,
                                            related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class MeetingEvent(models.Model):
    """One change of a meeting as the live protocol delivers it; the log clients catch up from.

    `audience` is null for everyone, else {"roles": [...], "users": [...]}: a user who matches
    neither sees a "hidden" placeholder at this revision.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="events")
    revision = models.PositiveBigIntegerField()
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    audience = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        ordering = ["meeting", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "revision"], name="one_event_per_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}@{self.revision} {self.type}"
