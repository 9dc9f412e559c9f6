"""The province's platforms (tender fn54–fn59): client systems reading meetings through OAuth2
client credentials, and webhook endpoints told of what happens, with the log of every delivery.

Imported by ecabinet/models.py so Django finds the models in the core app."""

from __future__ import annotations

import secrets
from base64 import b64encode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The events a webhook endpoint may ask for (Standard Webhooks `type`), with their labels.
WEBHOOK_EVENTS: dict[str, object] = {
    "meeting.scheduled": _("A meeting was scheduled"),
    "meeting.changed": _("A scheduled meeting was changed"),
    "meeting.started": _("A meeting started"),
    "meeting.ended": _("A meeting ended"),
    "meeting.cancelled": _("A meeting was cancelled"),
    "document.released": _("A document was released"),
    "notice.issued": _("A conclusion notice was issued"),
}


def new_webhook_secret() -> str:
    """`whsec_` + 32 random bytes in base64, the Standard Webhooks secret format."""
    return "whsec_" + b64encode(secrets.token_bytes(32)).decode()


class ClientSystem(models.Model):
    """A system of the province (LGSP, the archive, a portal) reading the meetings of chosen
    units. Its OAuth2 application holds the client id and the hashed secret."""

    application = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.PROTECT,
                                       related_name="client_system")
    name = models.CharField(_("name"), max_length=200)
    units = models.ManyToManyField("ecabinet.Unit", verbose_name=_("units"), related_name="+")
    include_subunits = models.BooleanField(_("include the units below"), default=True)
    active = models.BooleanField(pgettext_lazy("integration", "active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("client system")
        verbose_name_plural = _("client systems")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class WebhookEndpoint(models.Model):
    """An address of a province's system that is told of the events it chose, for chosen units."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(pgettext_lazy("integration", "address"), max_length=500)
    units = models.ManyToManyField("ecabinet.Unit", verbose_name=_("units"), related_name="+")
    include_subunits = models.BooleanField(_("include the units below"), default=True)
    event_types = models.JSONField(pgettext_lazy("integration", "events"), default=list)
    secret = models.CharField(max_length=80, default=new_webhook_secret)  # signs; shown once
    active = models.BooleanField(pgettext_lazy("integration", "active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one endpoint: the message (its id and body are what is signed) and where
    its attempts stand."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "waiting")
        SUCCEEDED = "succeeded", pgettext_lazy("webhook delivery", "delivered")
        FAILED = "failed", pgettext_lazy("webhook delivery", "failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64, db_index=True)  # a replay keeps it
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # a worker took it until then: another worker (or the sweep) leaves it alone meanwhile
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"


class WebhookAttempt(models.Model):
    """One try to deliver: what the receiver answered (or the error) and when the next try is."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_number_per_delivery")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
