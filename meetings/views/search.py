"""The search page: /search/?q=...&kind=...&page=N (the header's search box submits here)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.refusals import FormPage, refusal_response
from meetings import search as engine
from meetings.models import SearchEntry
from meetings.schemas_search import PAGE_SIZE, SearchPageIn

TEMPLATE = "meetings/search.html"


@login_required
def search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"q": (request.GET.get("q") or "")[:200], "kind": "", "kinds": [], "results": None}
    try:
        form = parse_input(SearchPageIn, request.GET)
    except ActionError as exc:
        return refusal_response(request, exc, form=FormPage(TEMPLATE, context))
    context |= {"q": form.q, "kind": form.kind or ""}
    if not form.q.strip():
        return render(request, TEMPLATE, context)
    query = engine.parse_query(form.q)
    if not query:
        context["error"] = _("Type at least one word or number to search for.")
        return render(request, TEMPLATE, context)
    results = engine.search(request.user, query, kinds=[form.kind] if form.kind else None, limit=PAGE_SIZE,
                            offset=(form.page - 1) * PAGE_SIZE)
    # Counts stop at engine.COUNT_CAP per kind ("1.000+"); the pages go as far as the count says.
    shown = results.counts.get(form.kind, 0) if form.kind else results.total
    pages = max(1, -(-shown // PAGE_SIZE))
    labels = dict(SearchEntry.Kind.choices)
    context |= {
        "results": results, "page": form.page, "pages": pages, "shown": shown,
        "previous_page": form.page - 1 if form.page > 1 else None,
        "next_page": form.page + 1 if form.page < pages else None,
        "kinds": [{"key": k, "label": labels[k], "count": results.counts.get(k, 0),
                   "shown": _count(results.counts.get(k, 0), capped=k in results.capped)} for k in engine.KINDS],
        "total": _grouped(results.total), "total_shown": _count(results.total, capped=bool(results.capped)),
        "labels": labels,
    }
    return render(request, TEMPLATE, context)


def _grouped(number: int) -> str:
    """`number` with the language's digit grouping: 1.000 in Vietnamese, 1,000 in English (the
    Vietnamese formats set a thousand separator but no grouping, so it is done here)."""
    return f"{number:,}".replace(",", str(get_format("THOUSAND_SEPARATOR")))


def _count(number: int, *, capped: bool) -> str:
    """A kind's count as its filter shows it: "1.000+" when there are more than the count."""
    return _grouped(number) + ("+" if capped else "")


urlpatterns: list[URLPattern] = [path("search/", search_page, name="search")]
