"""Every state change of the core app: one function each, atomic, audited, published after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecabinet.access import FreshPassword, require_may_revoke_token, require_session_login
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, NotFoundError, PermissionDeniedError
from ecabinet.events import publish_on_commit
from ecabinet.mail import Mail, MailAttachment, queue_mails
from ecabinet.menu_counts import forget_menu_counts
from ecabinet.models import ApiToken, LoginRecord, Notification, PushSubscription, User, hash_token
from ecabinet.push import CATEGORIES, check_endpoint, check_keys, push_for_notifications


@transaction.atomic(durable=True)
def do_issue_api_token(*, actor: User) -> tuple[ApiToken, str]:
    """Issue a bearer token for `actor`; returns the row and the raw value (shown only once)."""
    raw = ApiToken.new_raw_value()
    token = ApiToken.objects.create(
        user=actor, token_hash=hash_token(raw), prefix=raw[:10], expires_at=ApiToken.default_expiry()
    )
    record_audit(actor=actor, action="api_token.issue", obj=token, details={"prefix": token.prefix})
    return token, raw


@transaction.atomic(durable=True)
def do_revoke_api_token(token: ApiToken, *, actor: User) -> None:
    require_may_revoke_token(actor, token)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_audit(actor=actor, action="api_token.revoke", obj=token, details={"prefix": token.prefix})


@transaction.atomic(durable=True)
def do_change_password(*, actor: User, old_password: str, new_password: str) -> None:
    if not actor.check_password(old_password):
        raise ActionError("wrong_password", _("Your current password is not correct."))
    if actor.check_password(new_password):
        raise ActionError("same_password", _("The new password must be different from the current one."))
    try:
        password_validation.validate_password(new_password, actor)
    except ValidationError as exc:
        raise ActionError("weak_password", " ".join(exc.messages)) from None
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    # A changed password ends every API token: a stolen token must not outlive the password.
    ApiToken.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_audit(actor=actor, action="user.change_password", obj=actor)


PASSWORD_MAX_LENGTH = 4096


def do_confirm_password(request: HttpRequest, *, actor: User, password: str, purpose: str) -> FreshPassword:
    """Check the account password typed again for a sensitive change (`purpose`, for the audit).

    Runs through ``authenticate`` so django-axes counts a wrong password exactly like a failed
    sign-in: guessing here, with a stolen session, locks the account like guessing at the login
    page, and a locked account cannot confirm anything. API tokens are refused outright.
    Not atomic on purpose: the failure must stay recorded when the caller's change is refused."""
    require_session_login(request)
    if not isinstance(password, str) or not password:
        raise ActionError("password_required", _("Enter your account password to confirm this change."))
    locked_message = _("Too many failed sign-in attempts. Try again later or ask an administrator.")
    user = None
    if len(password) <= PASSWORD_MAX_LENGTH:
        user = authenticate(request, username=actor.get_username(), password=password)
    if getattr(request, "axes_locked_out", False):
        _audit_password_check(actor, purpose, "locked_out")
        raise PermissionDeniedError(locked_message, code="locked_out")
    if user is None or user.pk != actor.pk:
        _audit_password_check(actor, purpose, "wrong_password")
        raise PermissionDeniedError(_("Your password is not correct."), code="wrong_password")
    return FreshPassword(user_id=actor.pk, checked_at=timezone.now())


def _audit_password_check(actor: User, purpose: str, outcome: str) -> None:
    with transaction.atomic():
        record_audit(actor=actor, action="auth.password_recheck_failed", obj=actor,
                     details={"purpose": purpose[:64], "outcome": outcome})


@transaction.atomic(durable=True)
def do_record_login(
    *, user: User | None, username: str, success: bool, ip_address: str | None,
    user_agent: str, channel: str, reason: str = "",
) -> LoginRecord:
    entry = LoginRecord.objects.create(
        user=user, username=username[:150], success=success, ip_address=ip_address,
        user_agent=user_agent[:512], channel=channel, reason=reason,
    )
    record_audit(
        actor=user if success else None,
        action="auth.login" if success else "auth.login_failed",
        obj=entry,
        details={"username": username[:150], "ip": ip_address, "channel": channel, "reason": reason},
    )
    return entry


def _notification_email(user: User, title: str, body: str, url: str,
                        attachments: Sequence[MailAttachment]) -> Mail:
    with translation.override(user.preferred_language):
        link = f"{settings.PUBLIC_BASE_URL}{url}" if url else ""
        return Mail([user.email], str(title), f"{body}\n\n{link}".strip(), attachments)


def notify_users(
    users: Iterable[User], *, kind: str, title: str, body: str = "", url: str = "", email: bool = True,
    attachments: Sequence[MailAttachment] = (),
) -> list[Notification]:
    """Create in-app notifications and put their e-mails (with `attachments`) in the outbox,
    sent after commit (ecabinet/mail.py).

    Called from inside other actions (which write the audit row for the change itself).
    """
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    rows = Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title[:300], body=body, url=url) for u in recipients.values()]
    )
    forget_menu_counts(recipients.values())  # what they are told of may be a new thing to do
    files = tuple(attachments)
    for user in recipients.values():
        publish_on_commit(
            f"user-{user.pk}", {"type": "user.notification", "kind": kind, "title": title, "url": url}
        )
    if email:
        queue_mails(kind, [_notification_email(user, title, body, url, files)
                           for user in recipients.values() if user.email])
    # Web Push for the kinds a person may have chosen (ecabinet/push.py), posted after commit.
    push_for_notifications(recipients.values(), kind=kind, title=title, body=body, url=url)
    return rows


@transaction.atomic(durable=True)
def do_mark_notifications_read(*, actor: User) -> int:
    """Mark all of `actor`'s unread notifications read (the only way the pages offer)."""
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    count = qs.update(read_at=timezone.now())
    if count:
        record_audit(actor=actor, action="notification.read", details={"count": count})
        # the badge of every open page of this person (ecabinet/live.py) goes to zero
        publish_on_commit(f"user-{actor.pk}", {"type": "user.unread", "count": 0})
    return count


@transaction.atomic(durable=True)
def do_subscribe_push(*, actor: User, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> PushSubscription:
    """Register this browser of `actor` for Web Push (again: its keys are refreshed).

    An endpoint another person registered is refused (409 `endpoint_taken`): the page then asks
    the browser for a new subscription, and the old one is dropped when its service says gone."""
    endpoint = check_endpoint(endpoint)
    p256dh, auth = check_keys(p256dh, auth)
    existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if existing is not None and existing.user_id != actor.pk:
        raise ConflictError("endpoint_taken", _("This device receives another person's notifications. "
                                                "It will be subscribed again for you."))
    if existing is not None:
        existing.p256dh, existing.auth, existing.user_agent = p256dh, auth, user_agent[:300]
        existing.failures = 0
        existing.save(update_fields=["p256dh", "auth", "user_agent", "failures"])
        return existing
    sub = PushSubscription.objects.create(user=actor, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                          user_agent=user_agent[:300])
    # a person's newest devices; the oldest beyond the limit stops receiving
    keep = PushSubscription.objects.filter(user=actor).order_by("-created_at", "-pk")
    stale = list(keep.values_list("pk", flat=True)[settings.PUSH_MAX_SUBSCRIPTIONS_PER_USER:])
    if stale:
        PushSubscription.objects.filter(pk__in=stale).delete()
    record_audit(actor=actor, action="push.subscribe", obj=sub,
                 details={"user_agent": sub.user_agent[:100], "host": _endpoint_host(endpoint), "dropped": len(stale)})
    return sub


def _endpoint_host(endpoint: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(endpoint).hostname or ""


@transaction.atomic(durable=True)
def do_unsubscribe_push(*, actor: User, endpoint: str) -> None:
    """Stop Web Push to this browser of `actor`; anyone else's endpoint is unknown here (404)."""
    sub = PushSubscription.objects.select_for_update().filter(endpoint=endpoint, user=actor).first()
    if sub is None:
        raise NotFoundError(_("This device is not subscribed."))
    record_audit(actor=actor, action="push.unsubscribe", obj=sub,
                 details={"user_agent": sub.user_agent[:100], "host": _endpoint_host(endpoint)})
    sub.delete()


@transaction.atomic(durable=True)
def do_set_push_preferences(*, actor: User, enabled: Iterable[str]) -> list[str]:
    """Which Web Push categories `actor` receives; the others are switched off. Returns the muted."""
    chosen = set(enabled)
    unknown = chosen - set(CATEGORIES)
    if unknown:
        raise ActionError("bad_category", _("Unknown notification type: %(name)s") % {"name": sorted(unknown)[0]})
    user = User.objects.select_for_update().get(pk=actor.pk)
    muted = [c for c in CATEGORIES if c not in chosen]
    if user.push_muted != muted:
        user.push_muted = muted
        user.save(update_fields=["push_muted"])
        record_audit(actor=actor, action="push.preferences", obj=user, details={"muted": muted})
    actor.push_muted = muted
    return muted
