"""Input shapes of the core app's changes, shared by its pages and its API (issue 12: help,
feedback, the login log)."""

from __future__ import annotations

from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ecabinet.inputs import Date

AudienceCode = Literal["everyone", "member", "organiser", "leader", "system_admin"]
MAX_HELP_BODY = 200_000
MAX_VIDEOS = 20


def _no_line_breaks(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(_("Enter one line."))
    return value.strip()


OneLine = Annotated[str, AfterValidator(_no_line_breaks)]


def _topic(value: str) -> str:
    from ecabinet.help import TOPICS

    if value not in TOPICS:
        raise ValueError(_("Choose one of the offered values."))
    return value


class HelpPageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: OneLine = Field(min_length=1, max_length=200)
    audience: AudienceCode = "everyone"
    topic: Annotated[str, AfterValidator(_topic)] = "general"
    summary: OneLine = Field(default="", max_length=300)
    body: str = Field(default="", max_length=MAX_HELP_BODY)
    # one link a line: "https://…" or "Title|https://…"
    videos: str = Field(default="", max_length=20_000)
    position: int = Field(default=100, ge=0, le=100_000)
    published: bool = False


class HelpFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: OneLine = Field(default="", max_length=200)


class TourSeenIn(BaseModel):
    """The tour was finished (true) or skipped (false)."""

    model_config = ConfigDict(extra="forbid")
    finished: bool = False


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: OneLine = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=10_000)
    page: str = Field(default="", max_length=500)


class FeedbackHandledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply: str = Field(default="", max_length=5_000)


class LoginRetentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    months: int = Field(ge=1, le=120)


class LoginPurgeIn(BaseModel):
    """The purge from the page says which retention the person confirmed: a period changed in
    between is refused rather than applied unseen."""

    model_config = ConfigDict(extra="forbid")
    months: int = Field(ge=1, le=120)


class LoginLogFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")
    account: str = Field(default="", max_length=150)
    address: str = Field(default="", max_length=64)
    result: Literal["", "success", "failed"] = ""
    channel: Literal["", "web", "api"] = ""
    since: Date | None = None
    until: Date | None = None
    page: int = Field(default=1, ge=1, le=1_000_000)
