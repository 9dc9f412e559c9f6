"""The login log for administrators (tender fn3): filters, the retention period, and the
scheduled deletion of old entries (a collector of the one scheduled job, `send_reminders`).

Addresses: an exact IPv4 or IPv6 address, an IPv4 prefix ("10.2." or "10.2"), or an IPv4 network
in CIDR notation ("10.2.0.0/20"). A network is turned into at most 256 textual prefixes of whole
octets, so the same query runs on SQLite and PostgreSQL (Django compares an address column as
text on both); an IPv6 network is refused with a clear message.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.access import login_records_visible_to
from ecabinet.inputs import day_start, field_error
from ecabinet.models import LoginLogSettings, LoginRecord, User
from ecabinet.reminders import register
from ecabinet.schemas import LoginLogFilter

PAGE_SIZE = 50
CSV_MAX_ROWS = 100_000
_PREFIX = re.compile(r"^\d{1,3}(?:\.\d{1,3}){0,3}\.?$")


def retention_months() -> int:
    row = LoginLogSettings.objects.filter(pk=1).only("retention_months").first()
    return row.retention_months if row is not None else LoginLogSettings.DEFAULT_MONTHS


def cutoff_for(months: int, now: datetime | None = None) -> datetime:
    """The moment before which entries are deleted: `months` calendar months before `now`
    (the day kept where the month has it, else its last day)."""
    now = now or timezone.now()
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    month += 1
    day = now.day
    while True:
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def address_filter(text: str) -> Q:
    """The Q for an address filter; a 400 naming the field when it is not one of the forms."""
    text = text.strip()
    if not text:
        return Q()
    try:
        return Q(ip_address=str(ipaddress.ip_address(text)))
    except ValueError:
        pass
    if "/" in text:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise field_error("address", _("Enter an IP address, the start of an IPv4 address (10.2.) or "
                                           "a network such as 10.2.0.0/16.")) from None
        if network.version != 4:
            raise field_error("address", _("Networks can be searched for IPv4 addresses only; enter an exact "
                                           "IPv6 address."))
        return _network_q(network)
    if _PREFIX.match(text) and all(int(part) <= 255 for part in text.rstrip(".").split(".")):
        return Q(ip_address__startswith=text.rstrip(".") + ".")
    raise field_error("address", _("Enter an IP address, the start of an IPv4 address (10.2.) or "
                                   "a network such as 10.2.0.0/16."))


def _network_q(network: ipaddress.IPv4Network) -> Q:
    if network.prefixlen == 32:
        return Q(ip_address=str(network.network_address))
    if network.prefixlen == 0:
        return Q(ip_address__contains=".")
    octets = -(-network.prefixlen // 8)  # whole octets covering the prefix
    query = Q()
    for block in network.subnets(new_prefix=octets * 8):
        parts = str(block.network_address).split(".")[:octets]
        query |= Q(ip_address__startswith=".".join(parts) + ("." if octets < 4 else ""))
        if octets == 4:
            query |= Q(ip_address=str(block.network_address))
    return query


def filtered_records(user: User, filters: LoginLogFilter) -> QuerySet[LoginRecord]:
    """The sign-ins `user` may read, filtered; newest first."""
    qs = login_records_visible_to(user)
    if filters.account.strip():
        name = filters.account.strip()
        qs = qs.filter(Q(username__iexact=name) | Q(user__username__iexact=name))
    qs = qs.filter(address_filter(filters.address))
    if filters.result:
        qs = qs.filter(success=filters.result == "success")
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.since:
        qs = qs.filter(at__gte=day_start(filters.since))
    if filters.until:
        qs = qs.filter(at__lt=day_start(filters.until) + timedelta(days=1))
    if filters.since and filters.until and filters.since > filters.until:
        raise field_error("until", _("The end of the period is before its start."))
    return qs.select_related("user").order_by("-at", "-pk")


@register("login-log-retention")
def purge_old_login_records(now: datetime) -> int:
    """The scheduled deletion: entries older than the retention period, audited as the system
    (when there were any: a second run deletes nothing and writes nothing)."""
    from ecabinet.actions_loginlog import do_purge_login_records

    return do_purge_login_records(actor=None, now=now)[0]
