"""The login log for administrators (tender fn3): sign-ins filtered by account, address, result,
channel and period, paginated, exported as CSV; the retention period and the deletion of older
entries (confirmed) for system administrators. Unit administrators read their people's sign-ins
(ecabinet/access.py `login_records_visible_to`)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ecabinet.access import may_purge_login_log, require_may_view_login_log
from ecabinet.actions_loginlog import do_purge_login_records, do_set_login_retention
from ecabinet.errors import ActionError
from ecabinet.exports import csv_response
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.loginlog import (
    CSV_MAX_ROWS,
    PAGE_SIZE,
    cutoff_for,
    filtered_records,
    retention_months,
)
from ecabinet.models import LoginRecord
from ecabinet.refusals import FormPage, refusal_response
from ecabinet.schemas import LoginLogFilter, LoginPurgeIn, LoginRetentionIn

FILTER_FIELDS = ("account", "address", "result", "channel", "since", "until")


def _filters(request: AuthenticatedHttpRequest) -> tuple[LoginLogFilter, dict]:
    raw = {k: request.GET.get(k, "") for k in (*FILTER_FIELDS, "page")}
    given = {k: v for k, v in raw.items() if v}
    return parse_input(LoginLogFilter, given), raw


@login_required
@require_GET
def login_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_may_view_login_log(request.user)
    raw = {k: request.GET.get(k, "") for k in (*FILTER_FIELDS, "page")}
    try:
        filters, raw = _filters(request)
        rows = filtered_records(request.user, filters)
        paginator = Paginator(rows, PAGE_SIZE)
        page = paginator.get_page(filters.page)
    except ActionError as exc:
        # the filters again, with what is wrong in them
        return refusal_response(request, exc, form=FormPage("ecabinet/loginlog/list.html", {
            "raw": raw, "page": None, "total": 0, "may_purge": False}))
    query = urlencode({k: raw[k] for k in FILTER_FIELDS if raw[k]})
    context = {"page": page, "raw": raw, "query": query, "total": paginator.count,
               "may_purge": may_purge_login_log(request.user)}
    if context["may_purge"]:
        months = retention_months()
        cutoff = cutoff_for(months)
        context |= {"months": months, "cutoff": cutoff,
                    "old_count": LoginRecord.objects.filter(at__lt=cutoff).count()}
    return render(request, "ecabinet/loginlog/list.html", context)


@login_required
@require_GET
def login_log_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_may_view_login_log(request.user)
    filters, _raw = _filters(request)
    header = [_("Time"), _("Username tried"), _("Account"), _("Result"), _("Reason"), _("Channel"),
              _("IP address"), _("Browser")]
    rows = ([timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"), row.username,
             row.user.username if row.user is not None else "",
             _("succeeded") if row.success else _("failed"), row.reason, row.get_channel_display(),
             row.ip_address or "", row.user_agent]
            for row in filtered_records(request.user, filters)[:CSV_MAX_ROWS])
    return csv_response("nhat-ky-dang-nhap.csv", header, rows)


@login_required
@require_POST
def login_log_retention(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = parse_input(LoginRetentionIn, {"months": request.POST.get("months", "")})
    do_set_login_retention(actor=request.user, months=data.months)
    messages.success(request, _("The retention period was saved."))
    return redirect("login_log")


@login_required
@require_POST
def login_log_purge(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = parse_input(LoginPurgeIn, {"months": request.POST.get("months", "")})
    count, cutoff = do_purge_login_records(actor=request.user, confirmed_months=data.months)
    messages.success(request, ngettext(
        "%(count)d entry older than %(cutoff)s was deleted.",
        "%(count)d entries older than %(cutoff)s were deleted.", count,
    ) % {"count": count, "cutoff": timezone.localtime(cutoff).strftime("%d/%m/%Y %H:%M")})
    return redirect("login_log")
