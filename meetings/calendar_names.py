"""Month and weekday names for the calendars, in the reader's language: "Tháng 12 năm 2026",
"Thứ Hai". Django's own Vietnamese names are "Thứ 2" and "Tháng 12"; the calendars spell the
weekdays out as the administration writes them, so they carry their own (context "calendar")."""

from __future__ import annotations

from datetime import date

from django.utils.translation import pgettext, pgettext_lazy

MONTHS = (
    pgettext_lazy("calendar", "January"), pgettext_lazy("calendar", "February"),
    pgettext_lazy("calendar", "March"), pgettext_lazy("calendar", "April"), pgettext_lazy("calendar", "May"),
    pgettext_lazy("calendar", "June"), pgettext_lazy("calendar", "July"), pgettext_lazy("calendar", "August"),
    pgettext_lazy("calendar", "September"), pgettext_lazy("calendar", "October"),
    pgettext_lazy("calendar", "November"), pgettext_lazy("calendar", "December"),
)
WEEKDAYS = (
    pgettext_lazy("calendar", "Monday"), pgettext_lazy("calendar", "Tuesday"),
    pgettext_lazy("calendar", "Wednesday"), pgettext_lazy("calendar", "Thursday"),
    pgettext_lazy("calendar", "Friday"), pgettext_lazy("calendar", "Saturday"), pgettext_lazy("calendar", "Sunday"),
)
# The month grid's column heads on a narrow screen: "T2" … "CN".
WEEKDAYS_SHORT = (
    pgettext_lazy("calendar weekday", "Mon"), pgettext_lazy("calendar weekday", "Tue"),
    pgettext_lazy("calendar weekday", "Wed"), pgettext_lazy("calendar weekday", "Thu"),
    pgettext_lazy("calendar weekday", "Fri"), pgettext_lazy("calendar weekday", "Sat"),
    pgettext_lazy("calendar weekday", "Sun"),
)


def month_title(first: date) -> str:
    """"Tháng 12 năm 2026" / "December 2026"."""
    return pgettext("calendar", "%(month)s %(year)s") % {"month": MONTHS[first.month - 1], "year": first.year}


def weekday_names() -> list[tuple[str, str]]:
    """(full, short) names from Monday."""
    return [(str(full), str(short)) for full, short in zip(WEEKDAYS, WEEKDAYS_SHORT, strict=True)]


def day_label(day: date) -> str:
    """"Thứ Hai, 07/12" — a day of the phone's agenda list."""
    return pgettext("calendar day", "%(weekday)s, %(day)s") % {
        "weekday": WEEKDAYS[day.weekday()], "day": day.strftime("%d/%m")}
