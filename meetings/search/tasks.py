"""Reading a new version's page text, off the upload's request: a task on the queue (run at
once in tests and where no consumer runs: `HUEY["immediate"]`)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=2, retry_delay=30)
def index_document_text(document_id: int) -> None:
    """Index the text of every page of the document's latest version (idempotent: it replaces
    the document's page rows, so a retry or a second run leaves one set)."""
    from meetings.search import index_document_pages

    index_document_pages(document_id)
