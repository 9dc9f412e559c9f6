"""Statistics pages (/statistics/…): a tab per report, the period and unit filters, the table,
the chart (an SVG image URL) and the exports (XLSX, CSV, PDF). Who sees which figures is
ecabinet/access.py's `statistics_scope`: the `view_statistics` right over the own unit's subtree
(system administrators: everything); without it, a person's own row in the reports about people."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.access import OWN_STATISTICS_REPORTS, StatisticsScope
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.models import Unit
from meetings.actions.statistics import do_record_statistics_export
from meetings.delivery import deliver_generated_pdf, safe_filename
from meetings.statistics import charts, exports
from meetings.statistics.period import Filters, StatisticsFilterIn, resolve_filters
from meetings.statistics.reports import REPORTS, Report, build_report
from meetings.views.documents import page

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _resolve(request: AuthenticatedHttpRequest, report: str) -> tuple[StatisticsScope, Filters, StatisticsFilterIn]:
    return resolve_filters(request.user, report, request.GET.dict())


def _unit_label(request: AuthenticatedHttpRequest, f: Filters) -> str:
    if f.own_only:
        return _("Own figures of %(name)s") % {"name": request.user.get_full_name()}
    if f.unit is not None:
        return _("%(unit)s and the units under it") % {"unit": f.unit.name}
    return _("Every unit in your statistics")


def _query(request: AuthenticatedHttpRequest) -> str:
    kept = {k: v for k, v in request.GET.dict().items() if k in ("from", "to", "preset", "unit") and v.strip()}
    return urlencode(kept)


def _report_page(request: AuthenticatedHttpRequest, report: str) -> HttpResponse:
    scope, f, data = _resolve(request, report)
    result = build_report(report, f)
    query = _query(request)
    suffix = f"?{query}" if query else ""
    tabs = [(key, label, reverse(f"statistics_{key}") + suffix) for key, (label, _fn) in REPORTS.items()
            if not scope.own_only or key in OWN_STATISTICS_REPORTS]
    units = [] if scope.own_only else list(Unit.objects.filter(pk__in=scope.unit_ids).order_by("name")
                                           .values("pk", "name"))
    return render(request, "meetings/statistics/report.html", {
        "report": result, "key": report, "tabs": tabs, "filters": f, "form": data, "units": units,
        "unit_label": _unit_label(request, f), "own_only": scope.own_only,
        "chart_url": reverse(f"statistics_{report}_chart") + suffix,
        "exports": [(fmt.upper(), reverse(f"statistics_{report}_export", args=[fmt]) + suffix) for fmt in FORMATS],
    })


def _chart(request: AuthenticatedHttpRequest, report: str) -> HttpResponse:
    _scope, f, _data = _resolve(request, report)
    response = HttpResponse(charts.render_svg(build_report(report, f)), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export(request: AuthenticatedHttpRequest, report: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    _scope, f, _data = _resolve(request, report)
    result: Report = build_report(report, f)
    period, unit = f.period.label(), _unit_label(request, f)
    stem = f"thong-ke-{report}-{f.period.first:%Y%m%d}-{f.period.last:%Y%m%d}"
    if fmt == "pdf":
        issued = _("Made by eCabinet on %(when)s for %(name)s") % {
            "when": timezone.localtime().strftime("%H:%M %d/%m/%Y"), "name": request.user.get_full_name()}
        data = exports.to_pdf(result, period=period, unit=unit, chart_svg=charts.render_svg(result), issued=issued)
        return deliver_generated_pdf(request, data, filename=safe_filename(stem, ".pdf"), obj=f.unit or request.user,
                                     action="statistics.export",
                                     details={"report": report, "format": fmt, "period": period})
    body = (exports.to_xlsx if fmt == "xlsx" else exports.to_csv)(result, period=period, unit=unit)
    do_record_statistics_export(f.unit, actor=request.user, report=report, fmt=fmt, period=period)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _views(report: str):
    @page
    def report_page(request: AuthenticatedHttpRequest) -> HttpResponse:
        return _report_page(request, report)

    @page
    def chart(request: AuthenticatedHttpRequest) -> HttpResponse:
        return _chart(request, report)

    @page
    def export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
        return _export(request, report, fmt)

    return report_page, chart, export


def _patterns() -> list[URLPattern]:
    patterns = []
    for report in REPORTS:
        report_page, chart, export = _views(report)
        prefix = "statistics/" if report == "members" else f"statistics/{report}/"
        patterns += [
            path(prefix, report_page, name=f"statistics_{report}"),
            path(f"statistics/{report}/chart.svg", chart, name=f"statistics_{report}_chart"),
            path(f"statistics/{report}/export.<slug:fmt>", export, name=f"statistics_{report}_export"),
        ]
    return patterns


urlpatterns: list[URLPattern] = _patterns()
