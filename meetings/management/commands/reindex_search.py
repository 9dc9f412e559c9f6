"""Rebuild the search index from the database (an existing installation, or after a restore)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from meetings import search


class Command(BaseCommand):
    help = "Rebuild the search index: meetings, agenda items, conclusions, rounds and every document's page text."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-pages", action="store_true", help="Titles only: do not read the PDFs again.")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = search.rebuild(pages=not options["no_pages"])
        self.stdout.write(f"search index rebuilt: {rows} rows")
