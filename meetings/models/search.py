"""The search index's rows: one per searchable thing; and the text of each page of a document.

The engine's own index (an FTS5 table on SQLite, a tsvector column with a GIN index on
PostgreSQL; `meetings/search/backends.py`) sits beside these rows under the same id. Access is
not copied here: the search joins the rows to the live access rules by `meeting`, `document`
and `round`, so a change of readers or status needs no re-indexing."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["SearchEntry", "SearchPage"]


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("meetings")
        ITEM = "item", _("agenda items")
        DOCUMENT = "document", _("documents")
        ROUND = "round", _("written-opinion rounds")
        CONCLUSION = "conclusion", _("conclusions")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The thing a hit leads to: the meeting, item, document or round (a conclusion: its item,
    # or its meeting for the meeting's own conclusion, told apart by `item`).
    object_id = models.PositiveBigIntegerField()
    # For access: which meeting, document or round the row belongs to (deleted with it).
    meeting = models.ForeignKey("meetings.Meeting", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", db_constraint=False)
    item = models.ForeignKey("meetings.AgendaItem", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", db_constraint=False)
    document = models.ForeignKey("meetings.Document", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", db_constraint=False)
    round = models.ForeignKey("meetings.OpinionRound", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+", db_constraint=False)
    title = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id"], name="search_entry_object")]
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class SearchPage(models.Model):
    """The text of one page of a document's latest version, as extracted at upload. The engine
    indexes the document's row (its title and all its pages' text); these rows say on which page
    the words are, and give the snippet. Apart from the entries so that the table the search
    joins stays small."""

    document = models.ForeignKey("meetings.Document", on_delete=models.CASCADE, related_name="+",
                                 db_constraint=False)
    page = models.PositiveIntegerField()
    body = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "page"], name="one_search_page_per_page")]
        verbose_name = _("page text")
        verbose_name_plural = _("page texts")

    def __str__(self) -> str:
        return f"{self.document_id} p{self.page}"
