"""The login log is fed by Django's own login signals, so every path that logs in is covered."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from ecabinet.actions import do_record_login
from ecabinet.clientip import client_ip


def _request_facts(request) -> tuple[str | None, str, str]:
    if request is None:
        return None, "", "web"
    channel = getattr(request, "login_channel", "web")
    return client_ip(request), request.headers.get("user-agent", ""), channel


@receiver(user_logged_in)
def log_successful_login(sender, request, user, **kwargs) -> None:
    ip, agent, channel = _request_facts(request)
    do_record_login(user=user, username=user.get_username(), success=True, ip_address=ip,
                    user_agent=agent, channel=channel)


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs) -> None:
    ip, agent, channel = _request_facts(request)
    locked = bool(getattr(request, "axes_locked_out", False))
    do_record_login(user=None, username=str(credentials.get("username", "")), success=False,
                    ip_address=ip, user_agent=agent, channel=channel,
                    reason="locked_out" if locked else "invalid_credentials")
