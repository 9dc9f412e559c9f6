"""Web Push endpoints (ecabinet/push.py): the server's key, subscribing and unsubscribing this
browser. The person's categories are chosen on the page /profile/notifications/. Also the
person's meeting reminders (fn126), chosen on the same page."""

from __future__ import annotations

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from ecabinet.actions import do_subscribe_push, do_unsubscribe_push
from ecabinet.actions_reminders import do_set_meeting_reminders
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.models import User
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


class MeetingRemindersIn(Schema):
    model_config = ConfigDict(extra="forbid")
    choice: User.MeetingReminders = Field(description="both: a day and 30 minutes before; day; half_hour; off")


class MeetingRemindersOut(Schema):
    choice: str
    choices: list[str]


def _reminders_out(user: User) -> dict:
    return {"choice": user.meeting_reminders, "choices": list(User.MeetingReminders.values)}


@router.get("/me/meeting-reminders", response=MeetingRemindersOut,
            summary="When the signed-in person is reminded of their meetings")
def meeting_reminders(request: AuthenticatedHttpRequest):
    return _reminders_out(request.user)


@router.put("/me/meeting-reminders", response=MeetingRemindersOut,
            summary="Choose when to be reminded of one's meetings (a day before, 30 minutes before, both, none)")
def set_meeting_reminders(request: AuthenticatedHttpRequest, payload: MeetingRemindersIn):
    do_set_meeting_reminders(actor=request.user, choice=payload.choice.value)
    return _reminders_out(request.user)
