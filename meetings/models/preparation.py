"""Catalogs (meeting types, rooms with seat maps, issuing bodies) and personal calendar feeds."""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["MeetingType", "MeetingRoom", "IssuingBody", "CalendarFeed"]


class MeetingType(models.Model):
    """Thường kỳ, chuyên đề, đột xuất, giao ban... A null unit means the whole installation.

    Documents for a regular meeting are due `documents_due_working_days` working days before it
    (Decision 45/2018/QĐ-TTg, art. 10: "chậm nhất 03 ngày làm việc trước ngày họp"); for an ad-hoc
    meeting the convener decides, so a type that is not regular, or 0 days, sets no deadline
    (meetings/deadlines.py)."""

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        "ecabinet.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("in use"), default=True)
    regular = models.BooleanField(
        _("regular meeting"), default=True,
        help_text=_("Regular meetings have a deadline for their documents; ad-hoc meetings do not."),
    )
    documents_due_working_days = models.PositiveSmallIntegerField(
        _("documents due (working days before)"), default=3, validators=[MaxValueValidator(30)],
        help_text=_("Documents are due this many working days before the meeting; 0 means no deadline."),
    )
    # --- absence requests (fn113) ---
    # A member's "cannot attend" (or "someone attends in my place") is a request the chair
    # approves or refuses (meetings/actions/absence.py); until then the member is expected.
    absence_needs_approval = models.BooleanField(
        _("absence needs the chair's approval"), default=False,
        help_text=_("A member who cannot attend, or sends someone in their place, asks the chair; "
                    "until the chair approves, the member is still expected."),
    )
    # --- end absence requests ---

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting type")
        verbose_name_plural = _("meeting types")

    def __str__(self) -> str:
        return self.name


class MeetingRoom(models.Model):
    """A room with a rectangular seat map: rows A, B, C… and seats 1..N in each row (A1, A2…)."""

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        "ecabinet.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    seat_rows = models.PositiveSmallIntegerField(
        _("seat rows"), default=0, validators=[MaxValueValidator(26)]
    )
    seats_per_row = models.PositiveSmallIntegerField(
        _("seats per row"), default=0, validators=[MinValueValidator(0), MaxValueValidator(200)]
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting room")
        verbose_name_plural = _("meeting rooms")

    def __str__(self) -> str:
        return self.name

    def seat_grid(self) -> list[list[str]]:
        """Seat names row by row, as the room's seat map shows them."""
        letters = string.ascii_uppercase[: self.seat_rows]
        return [[f"{row}{n}" for n in range(1, self.seats_per_row + 1)] for row in letters]

    def seat_names(self) -> list[str]:
        return [seat for row in self.seat_grid() for seat in row]

    def has_seat(self, seat: str) -> bool:
        if not seat or seat[0] not in string.ascii_uppercase[: self.seat_rows]:
            return False
        number = seat[1:]
        return number.isascii() and number.isdigit() and len(number) <= 4 and str(int(number)) == number and 1 <= int(number) <= self.seats_per_row


class IssuingBody(models.Model):
    """Cơ quan ban hành: who issues the documents a meeting discusses."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("issuing body")
        verbose_name_plural = _("issuing bodies")

    def __str__(self) -> str:
        return self.name


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The secret part of a person's iCalendar feed URL; regenerating it kills the old URL."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} calendar"
