"""Web Push endpoints (ecabinet/push.py): the server's key, subscribing and unsubscribing this
browser. The person's categories are chosen on the page /profile/notifications/."""

from __future__ import annotations

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from ecabinet.actions import do_subscribe_push, do_unsubscribe_push
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.push import CATEGORIES, enabled_categories

router = Router(tags=["people"])


class PushKeyOut(Schema):
    public_key: str
    categories: list[str]
    enabled: list[str]


class PushKeys(Schema):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(max_length=100)
    auth: str = Field(max_length=40)


class PushSubscriptionIn(Schema):
    """What the browser's PushSubscription.toJSON() gives."""

    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(max_length=1000)
    keys: PushKeys
    expirationTime: int | None = None  # noqa: N815 - the browser's own name


class PushEndpointIn(Schema):
    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(max_length=1000)


class PushSubscriptionOut(Schema):
    id: int
    created_at: str


@router.get("/me/push-key", response=PushKeyOut, summary="The server's Web Push key and the person's choices")
def push_key(request: AuthenticatedHttpRequest):
    return {"public_key": settings.VAPID_PUBLIC_KEY, "categories": list(CATEGORIES),
            "enabled": enabled_categories(request.user)}


@router.post("/me/push-subscriptions", response={201: PushSubscriptionOut},
                  summary="Receive Web Push notifications on this browser")
def push_subscribe(request: AuthenticatedHttpRequest, payload: PushSubscriptionIn):
    sub = do_subscribe_push(actor=request.user, endpoint=payload.endpoint, p256dh=payload.keys.p256dh,
                            auth=payload.keys.auth, user_agent=request.headers.get("user-agent", ""))
    return Status(201, {"id": sub.pk, "created_at": sub.created_at.isoformat()})


@router.delete("/me/push-subscriptions", response={204: None},
                    summary="Stop Web Push notifications on this browser")
def push_unsubscribe(request: AuthenticatedHttpRequest, payload: PushEndpointIn):
    do_unsubscribe_push(actor=request.user, endpoint=payload.endpoint)
    return Status(204, None)
