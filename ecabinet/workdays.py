"""Working days in Vietnam: weekends and the public holidays of the Labour Code (``holidays``).

Deadlines of the office count in working days: documents for a regular meeting are due 3 working
days before it (Decision 45/2018/QĐ-TTg), the conclusion notice within 5 working days after it.
Substituted days off the Government announces are in the ``holidays`` calendar too.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=[year]).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def add_working_days(start: date, count: int) -> date:
    """The day `count` working days after `start` (before it when `count` is negative).

    `start` itself is never counted: the 5th working day after a Friday meeting is the next
    Friday when no holiday falls between."""
    step = 1 if count >= 0 else -1
    day, left = start, abs(count)
    while left:
        day += timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n)))
