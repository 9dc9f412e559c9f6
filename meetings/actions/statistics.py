"""The statistics change nothing; sending one out as a file is audited (who took which figures
of which units, for which period). The PDF's row is its delivery's (meetings/delivery.py)."""

from __future__ import annotations

from django.db import transaction

from ecabinet.access import require_statistics_report, statistics_scope
from ecabinet.audit import record_audit
from ecabinet.models import Unit, User


@transaction.atomic(durable=True)
def do_record_statistics_export(unit: Unit | None, *, actor: User, report: str, fmt: str, period: str) -> None:
    """The audit row of a report exported as XLSX or CSV, on the unit it is filtered on (on the
    person for their own figures or an unfiltered scope)."""
    scope = statistics_scope(actor)
    require_statistics_report(scope, report)
    record_audit(actor=actor, action="statistics.export", obj=unit or actor,
                 details={"report": report, "format": fmt, "period": period,
                          "own_only": scope.own_only})
