"""Search input: the same words for the page (/search/) and the API (/api/v1/search)."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from meetings.search.text import MAX_QUERY_LENGTH

SearchKind = Literal["meeting", "item", "document", "round", "conclusion"]
PAGE_SIZE = 20


class SearchIn(Schema):
    """q: the words (diacritics and case do not matter; "quotes" for a phrase); kind: only
    that kind; limit/offset: the page of results."""

    q: str = Field("", max_length=MAX_QUERY_LENGTH)
    kind: SearchKind | None = None
    limit: int = Field(PAGE_SIZE, ge=1, le=50)
    offset: int = Field(0, ge=0, le=10_000)


class SearchPageIn(Schema):
    q: str = Field("", max_length=MAX_QUERY_LENGTH)
    kind: SearchKind | None = None
    page: int = Field(1, ge=1, le=500)
