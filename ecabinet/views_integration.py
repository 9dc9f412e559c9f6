"""The administrator's pages for the province's platforms (tender fn54–fn59): client systems
(OAuth2 client credentials) and webhook endpoints, registered, deactivated, their secrets
rotated (a secret is shown once, on the answer to the change, never stored readable for the
client secret), and each endpoint's delivery log with replay."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ecabinet.actions_integration import (
    do_register_client,
    do_register_webhook,
    do_replay_delivery,
    do_rotate_client_secret,
    do_rotate_webhook_secret,
    do_set_client_active,
    do_set_webhook_active,
)
from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.integration import require_may_manage_integration
from ecabinet.models import Unit
from ecabinet.models_integration import (
    WEBHOOK_EVENTS,
    ClientSystem,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from ecabinet.refusals import FormPage, refusal_response
from ecabinet.schemas_integration import ClientSystemIn, WebhookEndpointIn

DELIVERIES_PER_PAGE = 30


def _index_context(raw: dict | None = None) -> dict:
    return {
        "clients": ClientSystem.objects.select_related("application").prefetch_related("units"),
        "endpoints": WebhookEndpoint.objects.prefetch_related("units"),
        "units": Unit.objects.order_by("name"),
        "events": [(code, label) for code, label in WEBHOOK_EVENTS.items()],
        "raw": raw or {},
    }


def _raw(request: AuthenticatedHttpRequest) -> dict:
    return {"name": request.POST.get("name", ""), "url": request.POST.get("url", ""),
            "units": [int(u) for u in request.POST.getlist("units") if u.isdigit()],
            "events": request.POST.getlist("events"), "include_subunits": bool(request.POST.get("include_subunits")),
            "form": request.POST.get("form", "")}


def _secret_page(request: AuthenticatedHttpRequest, *, title: str, what: str, name: str, client_id: str = "",
                 secret: str, back: str) -> HttpResponse:
    # the views answering with a secret are never_cache: no copy in any cache
    return render(request, "ecabinet/integration/secret.html", {
        "title": title, "what": what, "name": name, "client_id": client_id, "secret": secret, "back": back})


@login_required
@require_GET
def integration_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_may_manage_integration(request.user)
    return render(request, "ecabinet/integration/index.html", _index_context())


@never_cache
@login_required
@require_POST
def integration_client_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_may_manage_integration(request.user)
    try:
        data = parse_input(ClientSystemIn, request.POST)
        system, secret = do_register_client(actor=request.user, data=data)
    except ActionError as exc:
        return refusal_response(request, exc, form=FormPage("ecabinet/integration/index.html",
                                                            _index_context(_raw(request))))
    return _secret_page(request, title=_("Client system registered"), what="client", name=system.name,
                        client_id=system.application.client_id, secret=secret,
                        back=reverse("integration_client", args=[system.pk]))


@login_required
@require_GET
def integration_client(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    require_may_manage_integration(request.user)
    system = get_object_or_404(ClientSystem.objects.select_related("application", "created_by")
                               .prefetch_related("units"), pk=client_id)
    return render(request, "ecabinet/integration/client.html", {"system": system})


@login_required
@require_POST
def integration_client_active(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    require_may_manage_integration(request.user)
    system = get_object_or_404(ClientSystem, pk=client_id)
    active = request.POST.get("active") == "1"
    do_set_client_active(system, actor=request.user, active=active)
    messages.success(request, _("The system was activated.") if active else _("The system was deactivated."))
    return redirect("integration_client", client_id=system.pk)


@never_cache
@login_required
@require_POST
def integration_client_rotate(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    require_may_manage_integration(request.user)
    system, secret = do_rotate_client_secret(get_object_or_404(ClientSystem, pk=client_id), actor=request.user)
    return _secret_page(request, title=_("New client secret"), what="client", name=system.name,
                        client_id=system.application.client_id, secret=secret,
                        back=reverse("integration_client", args=[system.pk]))


@never_cache
@login_required
@require_POST
def integration_webhook_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_may_manage_integration(request.user)
    try:
        data = parse_input(WebhookEndpointIn, request.POST)
        endpoint = do_register_webhook(actor=request.user, data=data)
    except ActionError as exc:
        return refusal_response(request, exc, form=FormPage("ecabinet/integration/index.html",
                                                            _index_context(_raw(request))))
    return _secret_page(request, title=_("Webhook endpoint registered"), what="webhook", name=endpoint.name,
                        secret=endpoint.secret, back=reverse("integration_webhook", args=[endpoint.pk]))


@login_required
@require_GET
def integration_webhook(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    require_may_manage_integration(request.user)
    endpoint = get_object_or_404(WebhookEndpoint.objects.prefetch_related("units"), pk=endpoint_id)
    deliveries = (WebhookDelivery.objects.filter(endpoint=endpoint)
                  .prefetch_related(Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("number"))))
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "ecabinet/integration/webhook.html", {"endpoint": endpoint, "page": page,
                                                                 "event_labels": WEBHOOK_EVENTS})


@login_required
@require_POST
def integration_webhook_active(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    require_may_manage_integration(request.user)
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    active = request.POST.get("active") == "1"
    do_set_webhook_active(endpoint, actor=request.user, active=active)
    messages.success(request, _("The endpoint was activated.") if active else _("The endpoint was deactivated."))
    return redirect("integration_webhook", endpoint_id=endpoint.pk)


@never_cache
@login_required
@require_POST
def integration_webhook_rotate(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    require_may_manage_integration(request.user)
    endpoint = do_rotate_webhook_secret(get_object_or_404(WebhookEndpoint, pk=endpoint_id), actor=request.user)
    return _secret_page(request, title=_("New signing secret"), what="webhook", name=endpoint.name,
                        secret=endpoint.secret, back=reverse("integration_webhook", args=[endpoint.pk]))


@login_required
@require_POST
def integration_delivery_replay(request: AuthenticatedHttpRequest, delivery_id: int) -> HttpResponse:
    require_may_manage_integration(request.user)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    do_replay_delivery(delivery, actor=request.user)
    messages.success(request, _("The message is being sent again."))
    return redirect("integration_webhook", endpoint_id=delivery.endpoint_id)
