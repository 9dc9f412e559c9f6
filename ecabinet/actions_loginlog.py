"""The login log's housekeeping (tender fn3): the retention period administrators set, and the
deletion of entries older than it (from the page, and by the scheduled job as the system)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.access import require_may_purge_login_log
from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError
from ecabinet.loginlog import cutoff_for
from ecabinet.models import LoginLogSettings, LoginRecord, User


def _settings_row() -> LoginLogSettings:
    LoginLogSettings.objects.get_or_create(pk=1)
    return LoginLogSettings.objects.select_for_update().get(pk=1)


@transaction.atomic(durable=True)
def do_set_login_retention(*, actor: User, months: int) -> LoginLogSettings:
    """The retention period in months (1–120; the schema refuses others)."""
    require_may_purge_login_log(actor)
    row = _settings_row()
    before = row.retention_months
    if before != months:
        row.retention_months, row.updated_at, row.updated_by = months, timezone.now(), actor
        row.save(update_fields=["retention_months", "updated_at", "updated_by"])
        record_audit(actor=actor, action="login_log.retention", obj=row, details={"from": before, "to": months})
    return row


@transaction.atomic(durable=True)
def do_purge_login_records(*, actor: User | None, now: datetime | None = None,
                           confirmed_months: int | None = None) -> tuple[int, datetime]:
    """Delete the entries older than the retention period; returns how many and the cutoff.

    `actor` None: the scheduled job (audited as the system). From the page, `confirmed_months`
    is the period the person saw and confirmed; a period changed since is refused (409)."""
    if actor is not None:
        require_may_purge_login_log(actor)
    row = _settings_row()  # the lock: two purges run one after the other
    months = row.retention_months
    if confirmed_months is not None and confirmed_months != months:
        raise ConflictError("retention_changed", _("The retention period was changed meanwhile. Check it and "
                                                   "confirm the deletion again."))
    cutoff = cutoff_for(months, now or timezone.now())
    old = LoginRecord.objects.filter(at__lt=cutoff)
    count = old.count()
    if count:
        old.delete()
        record_audit(actor=actor, action="login_log.purge", obj=row,
                     details={"count": count, "cutoff": cutoff.isoformat(), "months": months,
                              "by": "user" if actor is not None else "schedule"})
    elif actor is not None:
        # an explicit deletion is audited even when nothing was old enough
        record_audit(actor=actor, action="login_log.purge", obj=row,
                     details={"count": 0, "cutoff": cutoff.isoformat(), "months": months, "by": "user"})
    return count, cutoff
