"""A person's choice of meeting reminders (fn126): a day before, 30 minutes before, both or none.

Only one's own: the action takes no other person, so nobody sets anyone else's choice."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ActionError
from ecabinet.models import User


@transaction.atomic(durable=True)
def do_set_meeting_reminders(*, actor: User, choice: str) -> str:
    """Set when `actor` is reminded of their meetings; returns the choice in force."""
    if choice not in User.MeetingReminders.values:
        raise ActionError("bad_choice", _("Unknown reminder choice: %(name)s") % {"name": str(choice)[:40]})
    user = User.objects.select_for_update().get(pk=actor.pk)
    before = user.meeting_reminders
    if before != choice:
        user.meeting_reminders = choice
        user.save(update_fields=["meeting_reminders"])
        record_audit(actor=actor, action="reminders.meeting_preference", obj=user,
                     details={"from": before, "to": choice})
    actor.meeting_reminders = choice
    return choice
