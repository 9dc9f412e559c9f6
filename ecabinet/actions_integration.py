"""Administering the province's platforms (tender fn54–fn59): client systems (OAuth2 client
credentials) and webhook endpoints, each change one audited action of a system administrator.
Secrets are made here and returned once: the client secret is stored hashed by
django-oauth-toolkit, the webhook secret (it signs) as it is."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application

from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError
from ecabinet.inputs import field_error
from ecabinet.integration import require_may_manage_integration
from ecabinet.models import Unit, User
from ecabinet.models_integration import (
    ClientSystem,
    WebhookDelivery,
    WebhookEndpoint,
    new_webhook_secret,
)
from ecabinet.schemas_integration import ClientSystemIn, WebhookEndpointIn


def _units(ids: list[int]) -> list[Unit]:
    units = list(Unit.objects.filter(pk__in=ids))
    if len(units) != len(set(ids)):
        raise field_error("units", _("Choose units from the list."))
    return units


# --- client systems -------------------------------------------------------------------------

@transaction.atomic(durable=True)
def do_register_client(*, actor: User, data: ClientSystemIn) -> tuple[ClientSystem, str]:
    """A new client system and its OAuth2 application (client credentials only); returns the
    system and its secret, which is shown once and kept only as a hash."""
    require_may_manage_integration(actor)
    units = _units(data.units)
    secret = generate_client_secret()
    application = Application(
        name=data.name, client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret,
        hash_client_secret=True, skip_authorization=True,
    )
    application.save()
    system = ClientSystem.objects.create(application=application, name=data.name,
                                         include_subunits=data.include_subunits, created_by=actor)
    system.units.set(units)
    record_audit(actor=actor, action="integration.client.register", obj=system, details={
        "name": system.name, "client_id": application.client_id, "units": sorted(u.pk for u in units),
        "include_subunits": system.include_subunits})
    return system, secret


def _lock_client(system: ClientSystem) -> ClientSystem:
    return ClientSystem.objects.select_for_update().select_related("application").get(pk=system.pk)


@transaction.atomic(durable=True)
def do_set_client_active(system: ClientSystem, *, actor: User, active: bool) -> ClientSystem:
    """Deactivating stops the system at once: its tokens are revoked and no new one is issued."""
    require_may_manage_integration(actor)
    system = _lock_client(system)
    if system.active == active:
        raise ConflictError("unchanged", _("The system is already active.") if active
                            else _("The system is already deactivated."))
    system.active = active
    system.save(update_fields=["active"])
    if not active:
        AccessToken.objects.filter(application=system.application).delete()
    record_audit(actor=actor, action="integration.client.activate" if active else "integration.client.deactivate",
                 obj=system, details={"client_id": system.application.client_id})
    return system


@transaction.atomic(durable=True)
def do_rotate_client_secret(system: ClientSystem, *, actor: User) -> tuple[ClientSystem, str]:
    """A new secret (shown once); the old one and every token issued with it stop working."""
    require_may_manage_integration(actor)
    system = _lock_client(system)
    secret = generate_client_secret()
    application = system.application
    application.client_secret = secret
    application.save()
    AccessToken.objects.filter(application=application).delete()
    system.secret_rotated_at = timezone.now()
    system.save(update_fields=["secret_rotated_at"])
    record_audit(actor=actor, action="integration.client.rotate_secret", obj=system,
                 details={"client_id": application.client_id})
    return system, secret


# --- webhook endpoints ----------------------------------------------------------------------

@transaction.atomic(durable=True)
def do_register_webhook(*, actor: User, data: WebhookEndpointIn) -> WebhookEndpoint:
    """A new endpoint; its secret (`whsec_…`) is on the returned object, shown once."""
    require_may_manage_integration(actor)
    units = _units(data.units)
    endpoint = WebhookEndpoint.objects.create(name=data.name, url=data.url, include_subunits=data.include_subunits,
                                              event_types=list(data.events), created_by=actor)
    endpoint.units.set(units)
    record_audit(actor=actor, action="integration.webhook.register", obj=endpoint, details={
        "name": endpoint.name, "url": endpoint.url, "units": sorted(u.pk for u in units),
        "include_subunits": endpoint.include_subunits, "events": endpoint.event_types})
    return endpoint


def _lock_endpoint(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic(durable=True)
def do_set_webhook_active(endpoint: WebhookEndpoint, *, actor: User, active: bool) -> WebhookEndpoint:
    require_may_manage_integration(actor)
    endpoint = _lock_endpoint(endpoint)
    if endpoint.active == active:
        raise ConflictError("unchanged", _("The endpoint is already active.") if active
                            else _("The endpoint is already deactivated."))
    endpoint.active = active
    endpoint.save(update_fields=["active"])
    record_audit(actor=actor, action="integration.webhook.activate" if active else "integration.webhook.deactivate",
                 obj=endpoint, details={"url": endpoint.url})
    return endpoint


@transaction.atomic(durable=True)
def do_rotate_webhook_secret(endpoint: WebhookEndpoint, *, actor: User) -> WebhookEndpoint:
    """A new signing secret (shown once); messages from now on are signed with it."""
    require_may_manage_integration(actor)
    endpoint = _lock_endpoint(endpoint)
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret"])
    record_audit(actor=actor, action="integration.webhook.rotate_secret", obj=endpoint, details={"url": endpoint.url})
    return endpoint


@transaction.atomic(durable=True)
def do_replay_delivery(delivery: WebhookDelivery, *, actor: User) -> WebhookDelivery:
    """Send a logged message again, now, as a new delivery with its own attempts. It keeps the
    message id, so a receiver that already has it can tell (Standard Webhooks' idempotency)."""
    from ecabinet.webhooks import deliver_webhook

    require_may_manage_integration(actor)
    original = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery.pk)
    if not original.endpoint.active:
        raise ConflictError("endpoint_inactive", _("The endpoint is deactivated: activate it first."))
    replay = WebhookDelivery.objects.create(
        endpoint=original.endpoint, message_id=original.message_id, event_type=original.event_type,
        payload=original.payload, next_attempt_at=timezone.now(), replay_of=original)
    record_audit(actor=actor, action="integration.webhook.replay", obj=replay, details={
        "of": original.pk, "message_id": original.message_id, "event": original.event_type})
    transaction.on_commit(lambda: deliver_webhook(replay.pk))
    return replay
