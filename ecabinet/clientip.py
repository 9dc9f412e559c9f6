"""The client's address: the one rule for the login lockout, the login log and every other reader.

The peer address is the client unless it is one of settings.TRUSTED_PROXIES; then the proxies'
X-Forwarded-For is read from the right (each proxy appends the address it saw) and the first
address that is not itself a trusted proxy is the client. Anything left of it was written by the
client and is never believed.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[v6]" or "[v6]:port"
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # "v4:port"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def client_ip_from(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client address from the peer address and the (comma-joined) X-Forwarded-For values."""
    address = _parse(peer or "")
    if address is None:
        return None
    if not _is_trusted(address) or not forwarded_for:
        return str(address)
    for hop in reversed(forwarded_for.split(",")):
        hop_address = _parse(hop)
        if hop_address is None:
            # A trusted proxy always appends a real address, so this was written by someone else:
            # the last address a trusted proxy vouched for is as far as we can see.
            break
        address = hop_address
        if not _is_trusted(address):
            break
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    return client_ip_from(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))
