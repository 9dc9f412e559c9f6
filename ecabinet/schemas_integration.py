"""Input shapes of the integration administration pages (issue 13 part 5)."""

from __future__ import annotations

from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ecabinet.inputs import Id
from ecabinet.schemas import OneLine

EventType = Literal["meeting.scheduled", "meeting.changed", "meeting.started", "meeting.ended",
                    "meeting.cancelled", "document.released", "notice.issued"]


def _webhook_url(value: str) -> str:
    from ecabinet.webhooks import RefusedAddress, check_url

    try:
        return check_url(value.strip())
    except RefusedAddress as exc:
        raise ValueError(str(exc)) from None


def _distinct(values: list) -> list:
    if not values:
        raise ValueError(_("Choose at least one."))
    return list(dict.fromkeys(values))


class ClientSystemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: OneLine = Field(min_length=1, max_length=200)
    units: Annotated[list[Id], AfterValidator(_distinct), Field(max_length=500)]
    include_subunits: bool = False


class WebhookEndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: OneLine = Field(min_length=1, max_length=200)
    url: Annotated[str, AfterValidator(_webhook_url)] = Field(max_length=500)
    units: Annotated[list[Id], AfterValidator(_distinct), Field(max_length=500)]
    include_subunits: bool = False
    events: Annotated[list[EventType], AfterValidator(_distinct), Field(max_length=20)]
