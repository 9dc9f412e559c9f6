"""Where a form may send the browser back to: the one rule for every `next=` parameter."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` of the request (POST first, then GET) when it stays on this site, else
    `default`. Refuses other hosts, scheme-relative `//host`, `/\\host` (browsers read it as
    `//host`), control characters, and plain http from an https page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default
