"""The search page: /search/?q=...&kind=...&page=N (the header's search box submits here)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
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
    shown = results.counts.get(form.kind, 0) if form.kind else results.total
    pages = max(1, -(-shown // PAGE_SIZE))
    labels = dict(SearchEntry.Kind.choices)
    context |= {
        "results": results, "page": form.page, "pages": pages, "shown": shown,
        "previous_page": form.page - 1 if form.page > 1 else None,
        "next_page": form.page + 1 if form.page < pages else None,
        "kinds": [{"key": k, "label": labels[k], "count": results.counts.get(k, 0)} for k in engine.KINDS],
        "labels": labels,
    }
    return render(request, TEMPLATE, context)


urlpatterns: list[URLPattern] = [path("search/", search_page, name="search")]
