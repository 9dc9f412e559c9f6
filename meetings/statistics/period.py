"""The filters every report takes: a period (from/to dates or a preset) and a unit subtree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, model_validator

from ecabinet.access import (
    StatisticsScope,
    require_statistics_report,
    statistics_scope,
    statistics_unit,
)
from ecabinet.inputs import Date, Id, parse_input
from ecabinet.models import Unit, User

PRESETS = ("month", "quarter", "year")
# A longer period is a typo (or a way to make the server count forever): ten years at most.
MAX_DAYS = 3660


class StatisticsFilterIn(Schema):
    """`from`/`to` (inclusive days) win over `preset`; neither: this month."""

    date_from: Date | None = Field(None, alias="from")
    date_to: Date | None = Field(None, alias="to")
    preset: Literal["month", "quarter", "year"] | None = None
    unit: Id | None = None

    @model_validator(mode="after")
    def _order(self) -> StatisticsFilterIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(_("The start of the period must not be after its end."))
        if self.date_from and self.date_to and (self.date_to - self.date_from).days > MAX_DAYS:
            raise ValueError(_("Choose a period of at most ten years."))
        return self


@dataclass(frozen=True)
class Period:
    first: date  # inclusive
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    def label(self) -> str:
        return f"{self.first:%d/%m/%Y} – {self.last:%d/%m/%Y}"


def preset_period(preset: str, today: date) -> Period:
    if preset == "year":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31))
    if preset == "quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        first = date(today.year, first_month, 1)
    else:
        first = today.replace(day=1)
        first_month = today.month
    months = 3 if preset == "quarter" else 1
    year, month = divmod(first_month - 1 + months, 12)
    return Period(first, date(today.year + year, month + 1, 1) - timedelta(days=1))


def period_from(data: StatisticsFilterIn, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    if data.date_from or data.date_to:
        first = data.date_from or (data.date_to or today).replace(day=1)
        last = data.date_to or max(first, today)
        if (last - first).days > MAX_DAYS:
            last = first + timedelta(days=MAX_DAYS)
        return Period(first, last)
    return preset_period(data.preset or "month", today)


@dataclass(frozen=True)
class Filters:
    """What one report counts: the period, the units (ids, the chosen unit's subtree within the
    scope) and, for a person without the right, only that person."""

    period: Period
    scope: StatisticsScope
    unit: Unit | None
    unit_ids: frozenset[int]
    unit_names: dict[int, str]

    @property
    def own_only(self) -> bool:
        return self.scope.own_only


def unit_tree() -> tuple[dict[int, list[int]], dict[int, str]]:
    """Children by parent and names of every unit, in one query."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for pk, parent_id, name in Unit.objects.values_list("pk", "parent_id", "name"):
        names[pk] = name
        children.setdefault(parent_id, []).append(pk)
    return children, names


def subtree(unit_id: int, children: dict[int, list[int]]) -> set[int]:
    found, frontier = {unit_id}, [unit_id]
    while frontier:
        frontier = [c for parent in frontier for c in children.get(parent, ()) if c not in found]
        found.update(frontier)
    return found


def build_filters(scope: StatisticsScope, unit: Unit | None, period: Period) -> Filters:
    children, names = unit_tree()
    ids = set(scope.unit_ids)
    if unit is not None:
        ids &= subtree(unit.pk, children)
    return Filters(period=period, scope=scope, unit=unit, unit_ids=frozenset(ids), unit_names=names)


def resolve_filters(user: User, report: str, values: Mapping[str, str | None]) -> tuple[StatisticsScope, Filters,
                                                                             StatisticsFilterIn]:
    """The page's and the API's one way in: who may see `report`, the filters parsed (a 400 naming
    the field), the unit checked against the scope (a 404 outside it)."""
    scope = statistics_scope(user)
    require_statistics_report(scope, report)
    data = parse_input(StatisticsFilterIn, {k: v for k, v in values.items() if v is not None and v.strip()})
    unit = statistics_unit(scope, data.unit)
    return scope, build_filters(scope, unit, period_from(data)), data
