"""Charts of the reports as SVG, drawn by matplotlib (imported here, lazily: never at Django's
start). Text is drawn as paths (`svg.fonttype = "path"`) in Tinos, the font of the PDF papers, so
Vietnamese renders the same in every browser and in the PDF report; ids are salted with a
constant and the date is left out, so one report always gives the same bytes.

The page shows a chart as <img src="…/chart.svg">: an image never runs script and its style
attributes do not meet the page's CSP."""

from __future__ import annotations

import io
import threading
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ecabinet.paper import TINOS, nfc
from meetings.statistics.reports import Report

# Most bars a chart shows (the tables and the exports have every row).
MAX_BARS = 25
COLOURS = ("#1f5fa8", "#5aa0e0", "#f0a030", "#d04040", "#7a7a7a", "#3c9a5f")

_font_ready = False
_LOCK = threading.Lock()


def _setup_font() -> str:
    global _font_ready
    from matplotlib import font_manager

    if not _font_ready:
        for path in TINOS.values():
            font_manager.fontManager.addfont(str(path))
        _font_ready = True
    return "Tinos"


def _short(text: str, limit: int = 32) -> str:
    text = nfc(str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _figure(height_rows: int) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(10, max(2.6, 0.32 * height_rows + 1.4)), dpi=100, layout="constrained")


def _stacked_barh(title: str, labels: list[str], series: list[tuple[str, list[float]]], *, xlabel: str = "") -> Any:
    from matplotlib.ticker import MaxNLocator

    fig = _figure(len(labels) + (2 if len(series) > 1 else 0))
    ax = fig.add_subplot()
    left = [0.0] * len(labels)
    positions = list(range(len(labels)))
    for index, (name, values) in enumerate(series):
        ax.barh(positions, values, left=left, label=nfc(name), color=COLOURS[index % len(COLOURS)])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, [_short(label) for label in labels])
    ax.invert_yaxis()
    ax.set_title(nfc(title))
    if xlabel:
        ax.set_xlabel(nfc(xlabel))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(series) > 1:
        fig.legend(loc="outside lower center", ncols=min(len(series), 5), fontsize=9, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _empty(title: str, message: str) -> Any:
    fig = _figure(1)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(nfc(title))
    ax.text(0.5, 0.5, nfc(message), ha="center", va="center")
    return fig


def _messages() -> dict[str, str]:
    return {
        "empty": _("Nothing to show for this period."), "meetings": _("Meetings"), "people": _("People"),
        "room": _("Attended in the room"), "remote": _("Attended remotely"),
        "with_reason": _("Absent with a reason"), "without_reason": _("Absent without a reason"),
        "delegated": pgettext("statistics", "Delegated"), "agree": _("Agree"), "disagree": _("Disagree"), "other": _("Other opinion"),
        "not_answered": _("Not answered"), "held": _("Meetings held"), "spoke": _("Meetings where they spoke"),
        "silent": _("Attended without speaking"), "sheets": _("Sheets of paper saved"),
        "on_time": pgettext("statistics", "Done on time"), "late": pgettext("statistics", "Done late"), "open": pgettext("statistics", "In progress"), "overdue": pgettext("statistics", "Overdue"),
        "tasks": pgettext("statistics", "Tasks"),
    }


def _figure_for(report: Report) -> Any:
    messages = _messages()
    table = report.tables[0]
    rows = table.rows[:MAX_BARS]
    if not rows:
        return _empty(report.title, messages["empty"])
    labels = [row[0] for row in rows]
    t = messages
    if report.key == "members":
        return _stacked_barh(report.title, labels, [
            (t["room"], [r[3] for r in rows]), (t["remote"], [r[4] for r in rows]),
            (t["with_reason"], [r[6] for r in rows]), (t["without_reason"], [r[7] for r in rows]),
            (t["delegated"], [r[8] for r in rows])], xlabel=t["meetings"])
    if report.key == "rounds":
        return _stacked_barh(report.title, labels, [
            (t["agree"], [r[5] for r in rows]), (t["disagree"], [r[6] for r in rows]),
            (t["other"], [r[7] for r in rows]), (t["not_answered"], [r[8] for r in rows])], xlabel=t["people"])
    if report.key == "types":
        return _stacked_barh(report.title, labels, [(t["held"], [r[1] for r in rows])], xlabel=t["meetings"])
    if report.key == "speaking":
        return _stacked_barh(report.title, labels, [
            (t["spoke"], [r[3] for r in rows]), (t["silent"], [r[2] - r[3] for r in rows])], xlabel=t["meetings"])
    if report.key == "paper":
        months = report.table("months").rows
        if not months:
            return _empty(report.title, messages["empty"])
        return _stacked_barh(report.title, [m[0] for m in months], [(t["sheets"], [m[3] for m in months])],
                             xlabel=t["sheets"])
    # tasks
    return _stacked_barh(report.title, labels, [
        (t["on_time"], [r[2] - r[3] for r in rows]), (t["late"], [r[3] for r in rows]),
        (t["open"], [r[4] for r in rows]), (t["overdue"], [r[5] for r in rows])], xlabel=t["tasks"])


def render_svg(report: Report) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)  # no display, whatever the environment says
    # rc_context changes matplotlib's global settings for the duration: one chart at a time.
    with _LOCK:
        return _render_svg(report, matplotlib)


def _render_svg(report: Report, matplotlib: Any) -> bytes:
    family = _setup_font()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "ecabinet", "font.family": family,
                                "font.size": 10, "axes.titlesize": 13}):
        fig = _figure_for(report)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": "eCabinet"})
    return out.getvalue()
