"""One search across meetings, agenda items, documents (title and every page's text),
written-opinion rounds and conclusions.

The interface: `index_*` / `remove_*` keep the index in step with the things searched (called
after commit; `meetings/search/signals.py` calls them for every save and delete, the page text
through the task in `meetings/search/tasks.py`), and `search(user, query, ...)` answers with
ranked results, only of what `user` may see, with escaped snippets where the matched words are
in <mark>. The engine is the database's own (`backends.py`); the text rules are `text.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.safestring import SafeString

from ecabinet.models import User
from meetings.search.backends import Row, Scope, backend
from meetings.search.text import Query, count_matches, fold, highlight, parse_query

__all__ = [
    "COUNT_CAP", "KINDS", "Result", "Results", "search", "parse_query", "index_meeting", "index_item",
    "index_document", "index_document_pages", "index_round", "remove_document", "remove_round",
    "rebuild",
]

KINDS = ("meeting", "item", "document", "round", "conclusion")
# Each kind's count stops here (the page shows "1.000+"): a reader who sees everything may match
# ~10,000 documents, and counting them all was most of a search's time (issue 13: p95 ≤ 200 ms).
# With 20 results a page, the pagination still reaches page 50.
COUNT_CAP = 1000


def _write(entries: list[Any], *, texts: list[str] | None = None) -> None:
    """Insert `entries` and index them: title and body folded (or `texts`, the text to index in
    place of each entry's body: a document's whole text, kept in its page rows only)."""
    from meetings.models import SearchEntry

    if not entries:
        return
    created = SearchEntry.objects.bulk_create(entries, batch_size=500)
    bodies = texts if texts is not None else [e.body for e in created]
    backend().write([(e.pk, fold(e.title), fold(body)) for e, body in zip(created, bodies, strict=True)])


def _replace(kind: str, object_ids: Iterable[int], entries: list[Any], *, texts: list[str] | None = None) -> None:
    """Swap the rows of these objects for `entries` in one transaction (a search in between
    sees the old rows or the new ones, never none)."""
    from meetings.models import SearchEntry

    with transaction.atomic():
        SearchEntry.objects.filter(kind=kind, object_id__in=list(object_ids)).delete()
        _write(entries, texts=texts)


def index_meeting(meeting_id: int) -> None:
    """The meeting's title, description and place, and the meeting's own conclusion."""
    from meetings.models import Meeting, RoomState, SearchEntry

    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        _replace("meeting", [meeting_id], [])
        return
    entries = [SearchEntry(kind="meeting", object_id=meeting.pk, meeting_id=meeting.pk, title=meeting.title,
                           body="\n".join(filter(None, [meeting.description, meeting.location])))]
    conclusion = RoomState.objects.filter(meeting=meeting).values_list("conclusion", flat=True).first()
    with transaction.atomic():
        SearchEntry.objects.filter(kind="conclusion", meeting_id=meeting.pk, item__isnull=True).delete()
        _replace("meeting", [meeting.pk], entries)
        if conclusion:
            _write([SearchEntry(kind="conclusion", object_id=meeting.pk, meeting_id=meeting.pk, body=conclusion)])


def index_item(item_id: int) -> None:
    """An agenda item's title and its conclusion."""
    from meetings.models import AgendaItem, SearchEntry

    item = AgendaItem.objects.filter(pk=item_id).first()
    with transaction.atomic():
        SearchEntry.objects.filter(kind="conclusion", item_id=item_id).delete()
        if item is None:
            _replace("item", [item_id], [])
            return
        _replace("item", [item.pk], [SearchEntry(kind="item", object_id=item.pk, meeting_id=item.meeting_id,
                                                 item_id=item.pk, title=item.title)])
        if item.conclusion:
            _write([SearchEntry(kind="conclusion", object_id=item.pk, meeting_id=item.meeting_id,
                                item_id=item.pk, body=item.conclusion)])


def index_document(document_id: int) -> None:
    """A document's own row: its title, and the text of all its pages (the engine matches a
    document as a whole; `SearchPage` rows only say on which page the words are)."""
    from meetings.models import Document, SearchEntry, SearchPage

    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        remove_document(document_id)
        return
    pages = SearchPage.objects.filter(document_id=document.pk).order_by("page")
    text = "\n".join(pages.values_list("body", flat=True))
    _replace("document", [document.pk], [SearchEntry(
        kind="document", object_id=document.pk, meeting_id=document.meeting_id, document_id=document.pk,
        title=document.title)], texts=[text])


def index_document_pages(document_id: int, texts: list[str] | None = None) -> None:
    """The text of each page of the document's latest version (read from the PDF unless given)."""
    from meetings.models import Document, SearchPage

    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        remove_document(document_id)
        return
    if texts is None:
        version = document.versions.order_by("-number").first()
        texts = _page_texts(version.file) if version is not None else []
    with transaction.atomic():
        SearchPage.objects.filter(document_id=document.pk).delete()
        SearchPage.objects.bulk_create([SearchPage(document_id=document.pk, page=number, body=text)
                                        for number, text in enumerate(texts, start=1) if text.strip()])
        index_document(document.pk)


def _page_texts(file: Any) -> list[str]:
    import shutil
    import tempfile

    from meetings.search.extract import extract_pages

    try:
        return extract_pages(file.path)
    except (NotImplementedError, ValueError):  # a storage without local paths: read a copy
        with file.open("rb") as source, tempfile.NamedTemporaryFile(suffix=".pdf") as copy:
            shutil.copyfileobj(source, copy)
            copy.flush()
            return extract_pages(copy.name)


def remove_document(document_id: int) -> None:
    from meetings.models import SearchPage

    with transaction.atomic():
        SearchPage.objects.filter(document_id=document_id).delete()
        _replace("document", [document_id], [])


def index_round(round_id: int) -> None:
    """A written-opinion round's title and question (its draft is a document of its own)."""
    from meetings.models import OpinionRound, SearchEntry

    rnd = OpinionRound.objects.filter(pk=round_id).first()
    if rnd is None:
        remove_round(round_id)
        return
    _replace("round", [rnd.pk], [SearchEntry(kind="round", object_id=rnd.pk, meeting_id=rnd.meeting_id,
                                             round_id=rnd.pk, title=rnd.title, body=rnd.question)])


def remove_round(round_id: int) -> None:
    _replace("round", [round_id], [])


def rebuild(*, pages: bool = True, progress: Any = None) -> int:
    """Index everything again from the database (`manage.py reindex_search`); returns the rows."""
    from meetings.models import AgendaItem, Document, Meeting, OpinionRound, SearchEntry, SearchPage

    with transaction.atomic():
        SearchEntry.objects.all().delete()
        if pages:
            SearchPage.objects.all().delete()
        backend().clear()
    steps: list[tuple[Any, Any]] = [(Meeting, index_meeting), (AgendaItem, index_item), (Document, index_document),
                                    (OpinionRound, index_round)]
    if pages:
        steps.append((Document, index_document_pages))
    for model, index in steps:
        for pk in model.objects.order_by("pk").values_list("pk", flat=True).iterator():
            index(pk)
            if progress is not None:
                progress(model, pk)
    return SearchEntry.objects.count()


# --- searching ------------------------------------------------------------------------------

@dataclass
class Result:
    kind: str
    object: Any
    title: str
    snippet: SafeString
    url: str
    rank: float
    page: int | None = None
    meeting: Any = None


@dataclass
class Results:
    query: Query
    items: list[Result] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # per kind, over every kind, at most the cap
    capped: tuple[str, ...] = ()  # the kinds with more matches than their count (the cap) says

    @property
    def total(self) -> int:
        """The sum of the counts: at least this many when `capped` names a kind."""
        return sum(self.counts.values())


def _scope(user: User, kinds: tuple[str, ...]) -> Scope:
    """The reader's access as sub-queries of `meetings.access` (compiled, never evaluated here)."""
    from meetings.access import readable_documents, rounds_visible_to, visible_meetings

    def sql(qs: Any) -> tuple[str, Any]:
        return qs.values("pk").query.sql_with_params()

    return Scope(meetings=sql(visible_meetings(user)), documents=sql(readable_documents(user)), rounds=sql(rounds_visible_to(user)), kinds=kinds)


def search(user: User, query: str | Query, *, kinds: Iterable[str] | None = None, limit: int = 20,
           offset: int = 0, count_cap: int = COUNT_CAP) -> Results:
    """The results `user` may see for `query`, best first; `counts` are per kind over all kinds
    (so a page can offer the other kinds' filters), each at most `count_cap` (the kinds with
    more are in `capped`), the results only of `kinds`."""
    parsed = query if isinstance(query, Query) else parse_query(query)
    wanted = tuple(k for k in KINDS if kinds is None or k in set(kinds)) or KINDS
    results = Results(parsed)
    if not parsed or not user.is_authenticated:
        return results
    engine = backend()
    counted = engine.counts(parsed, _scope(user, KINDS), cap=count_cap)
    results.counts = {k: min(counted[k], count_cap) for k in KINDS if counted.get(k)}
    results.capped = tuple(k for k in KINDS if counted.get(k, 0) > count_cap)
    if not any(results.counts.get(k) for k in wanted):
        return results
    rows = engine.match(parsed, _scope(user, wanted), limit=limit, offset=offset)
    results.items = _present(rows, parsed)
    return results


def _best_pages(rows: list[Row], query: Query) -> dict[int, tuple[int | None, str]]:
    """For the documents among `rows` (a page of results): the first page that has every word of
    the query (else the page with most of them), and its text. The engine matched each document
    as a whole, over all its pages; the page is found here, for these few documents only, with
    the fold the engine's text got. Pages are read in order and the first complete one ends the
    search, so a common word costs a page or two per document."""
    from meetings.models import SearchPage

    documents = [r.object_id for r in rows if r.kind == "document"]
    by_document: dict[int, list[tuple[int | None, str]]] = {}
    pages = SearchPage.objects.filter(document_id__in=documents)
    for doc, number, text in pages.order_by("document_id", "page").values_list("document_id", "page", "body"):
        by_document.setdefault(doc, []).append((number, text))
    wanted = len(query.terms)
    best: dict[int, tuple[int | None, str]] = {}
    for doc, texts in by_document.items():
        top = 0
        for page, body in texts:
            hits = count_matches(body, query)
            if hits > top:
                top, best[doc] = hits, (page, body)
            if hits >= wanted:
                break
    return best


def _present(rows: list[Row], query: Query) -> list[Result]:
    from meetings.models import AgendaItem, Document, Meeting, OpinionRound

    def ids(attr: str) -> set[int]:
        return {getattr(r, attr) for r in rows if getattr(r, attr)}

    meetings = Meeting.objects.in_bulk(ids("meeting_id"))
    items = AgendaItem.objects.in_bulk(ids("item_id"))
    documents = Document.objects.in_bulk(ids("document_id"))
    rounds = OpinionRound.objects.in_bulk(ids("round_id"))
    pages = _best_pages(rows, query)
    out: list[Result] = []
    for row in rows:
        meeting = meetings.get(row.meeting_id) if row.meeting_id else None
        obj: Any
        page: int | None = None
        text = row.body if row.body.strip() else row.title
        if row.kind == "document":
            obj = documents.get(row.document_id or 0)
            page, body = pages.get(row.object_id, (None, ""))
            if body.strip():
                text = body
            url = reverse("document_detail", args=[row.object_id]) + (f"#page={page}" if page else "")
        elif row.kind == "round":
            obj = rounds.get(row.round_id or 0)
            url = reverse("opinion_detail", args=[row.object_id])
        elif row.kind in ("item", "conclusion") and row.item_id:
            obj = items.get(row.item_id)
            url = reverse("meeting_detail", args=[row.meeting_id]) + f"#item-{row.item_id}"
        else:
            obj = meeting
            url = reverse("meeting_detail", args=[row.meeting_id])
        if obj is None:  # deleted since the query ran
            continue
        out.append(Result(kind=row.kind, object=obj, title=str(getattr(obj, "title", "")),
                          snippet=highlight(text, query), url=url, rank=row.rank, page=page, meeting=meeting))
    return out
