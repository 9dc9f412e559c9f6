"""Statistics as JSON (the same reports as /statistics/, the same rules): GET
/api/v1/statistics/<report>?from=&to=&preset=&unit= for members (fn52), rounds (fn48, fn53),
types, speaking (fn119), paper (fn138) and tasks: one operation per report."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router

from ecabinet.http import AuthenticatedHttpRequest
from meetings.schemas import Out
from meetings.statistics.period import resolve_filters
from meetings.statistics.reports import REPORTS, build_report

router: Router = Router(tags=["statistics"])


class StatisticsColumnOut(Out):
    label: str
    kind: str


class StatisticsTableOut(Out):
    key: str
    title: str
    columns: list[StatisticsColumnOut]
    rows: list[list[Any]]
    total: list[Any] | None
    note: str


class StatisticsFigureOut(Out):
    label: str
    value: Any


class StatisticsOut(Out):
    report: str
    title: str
    date_from: str
    date_to: str
    unit: int | None
    own_only: bool
    summary: list[StatisticsFigureOut]
    tables: list[StatisticsTableOut]


def _report(request: AuthenticatedHttpRequest, report: str, *, date_from: str | None, to: str | None,
            preset: str | None, unit: str | None) -> dict[str, Any]:
    scope, f, _data = resolve_filters(request.user, report, {"from": date_from, "to": to, "preset": preset,
                                                             "unit": unit})
    result = build_report(report, f)
    return {
        "report": report, "title": result.title, "date_from": f.period.first.isoformat(),
        "date_to": f.period.last.isoformat(), "unit": f.unit.pk if f.unit else None, "own_only": scope.own_only,
        "summary": [{"label": label, "value": value} for label, value in result.summary],
        "tables": [{"key": t.key, "title": t.title, "columns": [{"label": c.label, "kind": c.kind} for c in t.columns],
                    "rows": t.rows, "total": t.total, "note": t.note} for t in result.tables],
    }


def _endpoint(report: str) -> None:
    def endpoint(request: AuthenticatedHttpRequest, to: str | None = None, preset: str | None = None,
                 unit: str | None = None, from_: str | None = Query(None, alias="from")):
        return _report(request, report, date_from=from_, to=to, preset=preset, unit=unit)

    endpoint.__name__ = f"statistics_{report}"
    endpoint.__doc__ = DESCRIPTION
    router.get(f"/statistics/{report}", response={200: StatisticsOut}, operation_id=f"statistics_{report}",
               summary=f"Statistics: {report}")(endpoint)


DESCRIPTION = """The period is from/to (inclusive dates) or a preset (month, quarter, year; default this
month); unit narrows to that unit's subtree inside the caller's statistics scope. Without the
`view_statistics` right only members and speaking answer, with the caller's own row."""

for _key in REPORTS:
    _endpoint(_key)
