"""The two engines behind the one search: SQLite FTS5 (embedded) and PostgreSQL full-text search
(scale-out), chosen by the database's vendor. Both get text already folded by
`meetings.search.text.fold`, and both fold again with their own tools (FTS5's
`remove_diacritics 2`, PostgreSQL's `unaccent`), so a character the Python fold left alone
is still folded the same way on the indexed and on the query side.

Each engine answers one question: which objects match the query, best first (one row per
object: a document is matched on its title and all its text at once), restricted in the query itself to the rows of meetings, documents
and rounds the reader may see (`Scope`: SQL sub-queries compiled from `meetings.access`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from meetings.search.text import Query

ENTRY = "meetings_searchentry"
FTS = "meetings_search_fts"
ROW_COLUMNS = "e.id, e.kind, e.object_id, e.meeting_id, e.item_id, e.document_id, e.round_id, e.title, e.body"
MEETING_KINDS = ("meeting", "item", "conclusion")

# Characters of an entry's (folded) text ranked with its title, by both engines: a document's
# opening says what it is about; the rest of its text only decides whether it matches.
RANKED_HEAD = 800
HEAD_FTS = "meetings_search_head_fts"

# Installed by the migrations for their vendor: the index (meetings/migrations/*_search_index.py)
# and, on SQLite, the ranked heads (*_search_heads.py).
SQLITE_SCHEMA = [
    # One row per searched object (a document with the text of all its pages): what matches.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(title, body, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    # A row leaving the entries (a deleted meeting's cascade included) leaves the engine too.
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON {ENTRY} "
    f"BEGIN DELETE FROM {FTS} WHERE rowid = old.id; END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {FTS}_delete", f"DROP TABLE IF EXISTS {FTS}"]
SQLITE_HEAD_SCHEMA = [
    # The same rows with the title and only the text's head (`head`): what bm25 ranks. Ranking
    # in the big table read every match's whole position lists (a 20-page document's) and its
    # size, 230-475 ms for a common word over 10,000 documents.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {HEAD_FTS} USING fts5(title, head, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {HEAD_FTS}_delete AFTER DELETE ON {ENTRY} "
    f"BEGIN DELETE FROM {HEAD_FTS} WHERE rowid = old.id; END",
]
SQLITE_HEAD_DROP = [f"DROP TRIGGER IF EXISTS {HEAD_FTS}_delete", f"DROP TABLE IF EXISTS {HEAD_FTS}"]
POSTGRES_SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE (it reads its dictionary by name); an index needs IMMUTABLE, so
    # the wrapper names the dictionary itself.
    "CREATE OR REPLACE FUNCTION ecab_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "STRICT AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$",
    # `vector` (title and the whole text, ~17 kB for a 20-page document, so kept out of line in
    # TOAST) is only matched, through its GIN index; `rank_vector` (title and the text's head,
    # small enough to stay in the row) is what ts_rank reads, so ranking thousands of matches
    # never fetches the big vectors.
    f"ALTER TABLE {ENTRY} ADD COLUMN IF NOT EXISTS vector tsvector",
    f"ALTER TABLE {ENTRY} ADD COLUMN IF NOT EXISTS rank_vector tsvector",
    f"CREATE INDEX IF NOT EXISTS search_entry_vector ON {ENTRY} USING gin (vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_entry_vector",
    f"ALTER TABLE {ENTRY} DROP COLUMN IF EXISTS rank_vector",
    f"ALTER TABLE {ENTRY} DROP COLUMN IF EXISTS vector",
    "DROP FUNCTION IF EXISTS ecab_unaccent(text)",
]


@dataclass(frozen=True)
class Scope:
    """What the reader may see, as SQL sub-queries returning ids (None: everything of that kind)."""

    meetings: tuple[str, Sequence] | None
    documents: tuple[str, Sequence] | None
    rounds: tuple[str, Sequence] | None
    kinds: tuple[str, ...]

    def where(self) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        for kinds, column, sub in ((MEETING_KINDS, "meeting_id", self.meetings),
                                   (("document",), "document_id", self.documents),
                                   (("round",), "round_id", self.rounds)):
            wanted = [k for k in kinds if k in self.kinds]
            if not wanted:
                continue
            marks = ", ".join(["%s"] * len(wanted))
            if sub is None:
                clauses.append(f"(e.kind IN ({marks}))")
                params.extend(wanted)
            else:
                clauses.append(f"(e.kind IN ({marks}) AND e.{column} IN ({sub[0]}))")
                params.extend(wanted)
                params.extend(sub[1])
        if not clauses:
            return "1 = 0", []
        return "(" + " OR ".join(clauses) + ")", params


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    object_id: int
    meeting_id: int | None
    item_id: int | None
    document_id: int | None
    round_id: int | None
    title: str
    body: str
    rank: float


def head(text: str) -> str:
    """The text's first RANKED_HEAD characters, cut at a space: the head's words are then the
    text's first words at the same positions, so whatever the head matches (a phrase included)
    the whole text matches too (both engines' ranking relies on it)."""
    if len(text) <= RANKED_HEAD or text[RANKED_HEAD].isspace():
        return text[:RANKED_HEAD]
    return re.sub(r"\S+\Z", "", text[:RANKED_HEAD])


def _row(values: Sequence, rank: float) -> Row:
    names = ("id", "kind", "object_id", "meeting_id", "item_id", "document_id", "round_id", "title", "body")
    return Row(**dict(zip(names, values[:9], strict=True)), rank=rank)


class Backend:
    vendor = ""

    def write(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """Index (entry id, folded title, folded body) for entries just inserted."""
        raise NotImplementedError


    def match(self, query: Query, scope: Scope, *, limit: int, offset: int) -> list[Row]:
        raise NotImplementedError

    def counts(self, query: Query, scope: Scope, *, cap: int) -> dict[str, int]:
        """How many objects of each kind match (for the filters and the pagination), each kind
        counted only up to `cap` + 1: a kind at `cap` + 1 has more than `cap`. Where counting
        costs per match (a phrase on PostgreSQL) it stops there."""
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError


class SqliteBackend(Backend):
    vendor = "sqlite"

    def write(self, rows: Iterable[tuple[int, str, str]]) -> None:
        rows = list(rows)
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {FTS} (rowid, title, body) VALUES (%s, %s, %s)", rows)
            cursor.executemany(f"INSERT INTO {HEAD_FTS} (rowid, title, head) VALUES (%s, %s, %s)",
                               [(pk, title, head(body)) for pk, title, body in rows])

    @staticmethod
    def expression(query: Query) -> str:
        # Folded words are \w+ runs: no quote can reach the FTS5 query language.
        parts = [f'"{w}"' for w in query.words] + ['"' + " ".join(p) + '"' for p in query.phrases]
        return " AND ".join(parts)

    def _matching(self, query: Query, scope: Scope, *, join: str = "") -> tuple[str, list]:
        where, params = scope.where()
        # The MATCH runs inside the FTS5 table; its rows are joined to the entries and kept only
        # where the reader may see them.
        return (f"FROM {FTS} f JOIN {ENTRY} e ON e.id = f.rowid {join}WHERE {FTS} MATCH %s AND {where}",
                [self.expression(query), *params])

    def match(self, query: Query, scope: Scope, *, limit: int, offset: int) -> list[Row]:
        body, params = self._matching(query, scope, join="LEFT JOIN h ON h.id = e.id ")
        # The big table decides what matches; the order is bm25 over the heads (title words weigh
        # five times the text's; "lower is better"), then whatever matches only deeper in the
        # text, by id (as on PostgreSQL). The heads are matched once, in the materialized CTE,
        # and joined to the matches by rowid: a head matched is a prefix of a text matched
        # (`head`), so it never brings a row of its own.
        sql = (f"WITH h AS MATERIALIZED (SELECT rowid AS id, bm25({HEAD_FTS}, 5.0, 1.0) AS rank "
               f"FROM {HEAD_FTS} WHERE {HEAD_FTS} MATCH %s) "
               f"SELECT {ROW_COLUMNS}, h.rank {body} "
               "ORDER BY h.rank IS NULL, h.rank, e.id LIMIT %s OFFSET %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.expression(query), *params, limit, offset])
            return [_row(r, -float(r[9]) if r[9] is not None else 0.0) for r in cursor.fetchall()]

    def counts(self, query: Query, scope: Scope, *, cap: int) -> dict[str, int]:
        # FTS5 yields the matches in rowid order, every kind mixed, and evaluating the MATCH is
        # most of the counting (a phrase's positions above all): a LIMIT per kind could not stop
        # it before the last match of the rarest kind, and five sub-queries would run it five
        # times (measured: 10-20 % slower than this, on 10,000 documents). So the matches are
        # counted in one pass, each kind's number cut at the cap. (Ranking the matches by bm25
        # over the whole texts cost three to eight times this; `match` ranks the heads.)
        body, params = self._matching(query, scope)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT e.kind, MIN(COUNT(*), %s) {body} GROUP BY e.kind", [cap + 1, *params])
            return {kind: n for kind, n in cursor.fetchall() if n}

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS}")
            cursor.execute(f"DELETE FROM {HEAD_FTS}")


class PostgresBackend(Backend):
    vendor = "postgresql"

    def write(self, rows: Iterable[tuple[int, str, str]]) -> None:
        tsv = "to_tsvector('simple', ecab_unaccent(%s))"
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {ENTRY} SET vector = setweight({tsv}, 'A') || setweight({tsv}, 'B'), "
                f"rank_vector = setweight({tsv}, 'A') || setweight({tsv}, 'B') WHERE id = %s",
                [(title, body, title, head(body), pk) for pk, title, body in rows],
            )

    @staticmethod
    def expression(query: Query) -> tuple[str, list]:
        """The tsquery: every word (plainto) and every phrase (phraseto)."""
        parts: list[str] = []
        params: list = []
        if query.words:
            parts.append("plainto_tsquery('simple', ecab_unaccent(%s))")
            params.append(" ".join(query.words))
        for phrase in query.phrases:
            parts.append("phraseto_tsquery('simple', ecab_unaccent(%s))")
            params.append(" ".join(phrase))
        return " && ".join(parts), params

    @staticmethod
    def words(query: Query) -> tuple[str, list]:
        """Every word of the query, the phrases' words included, in any order: what the GIN
        index answers exactly without reading a vector (a phrase needs the words' positions,
        so for a phrase the index only proposes rows and each proposed row's vector is read)."""
        words = [*query.words, *(w for p in query.phrases for w in p)]
        return "plainto_tsquery('simple', ecab_unaccent(%s))", [" ".join(words)]

    def _candidates(self, query: Query, scope: Scope, columns: str) -> tuple[str, list, str, list]:
        """The sub-query of `columns` (and `vector`, `in_head`) of the rows the reader may see
        that have every word, and the condition on it (`c.`) keeping those with the phrases too
        ("" when there are none). The callers fence the sub-query (OFFSET 0) so the access
        conditions run before any phrase is checked: checking a phrase reads the row's big
        vector, unless the small rank vector (title and the text's head, a prefix of the big
        one: module-level `head`) has it already (`in_head`)."""
        words, wparams = self.words(query)
        where, params = scope.where()
        if not query.phrases:
            sub = f"SELECT {columns} FROM {ENTRY} e WHERE e.vector @@ ({words}) AND {where}"
            return sub, [*wparams, *params], "", []
        tsquery, qparams = self.expression(query)
        sub = (f"SELECT {columns}, e.vector, e.rank_vector @@ ({tsquery}) AS in_head FROM {ENTRY} e "
               f"WHERE e.vector @@ ({words}) AND {where}")
        return sub, [*qparams, *wparams, *params], f"(c.in_head OR c.vector @@ ({tsquery}))", qparams

    @staticmethod
    @contextmanager
    def _through_index() -> Iterator[Any]:
        """A cursor whose queries match through the GIN index. The planner prices a sequential
        scan of the entries by their few heap pages and `@@` at one operator each, not knowing
        every row's vector is a ~17 kB TOAST fetch: it picked the scan for any common word and
        read all the vectors (EXPLAIN: 10,016 rows, 23,000 buffers, 2.2 s). Through the index a
        word's matches are a bitmap and no vector is read. The setting is the transaction's
        (SET LOCAL) and is put back afterwards."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_seqscan')")
            previous = cursor.fetchone()[0]
            cursor.execute("SET LOCAL enable_seqscan = off")
            yield cursor
            # (on an error the atomic block's rollback undoes the setting itself)
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])

    def match(self, query: Query, scope: Scope, *, limit: int, offset: int) -> list[Row]:
        tsquery, rparams = self.expression(query)
        # ts_rank reads the small rank vector (title A over the text's head B). The candidates
        # are sorted by it first (only their ids and ranks: thousands of them fit the sort's
        # memory); the phrases are then checked in that order, only until the page is full, and
        # the page's rows read last.
        sub, params, phrases, pparams = self._candidates(
            query, scope, f"e.id, ts_rank(e.rank_vector, ({tsquery})) AS rank")
        sql = (f"SELECT {ROW_COLUMNS}, page.rank FROM (SELECT c.id, c.rank FROM ({sub} ORDER BY rank DESC, e.id "
               f"OFFSET 0) c {'WHERE ' + phrases if phrases else ''} ORDER BY c.rank DESC, c.id LIMIT %s OFFSET %s) page "
               f"JOIN {ENTRY} e ON e.id = page.id ORDER BY page.rank DESC, page.id")
        with self._through_index() as cursor:
            cursor.execute(sql, [*rparams, *params, *pparams, limit, offset])
            return [_row(r, float(r[9])) for r in cursor.fetchall()]

    def counts(self, query: Query, scope: Scope, *, cap: int) -> dict[str, int]:
        # The rows the reader may see that have every word come from the GIN index (no vector
        # read): without a phrase they are counted in one pass, each kind's number cut at the
        # cap (a LIMIT per kind could not stop the index's bitmap early). A phrase is checked on
        # each kind's rows only until its count passes the cap: checking it reads the row's big
        # vector unless the small rank vector has it (`in_head`, see `_candidates`), and that was
        # most of a phrase search (measured: 220-300 ms for 10,000 documents, 70-130 ms capped).
        words, wparams = self.words(query)
        where, params = scope.where()
        if not query.phrases:
            sql = (f"SELECT e.kind, LEAST(COUNT(*), %s) FROM {ENTRY} e WHERE e.vector @@ ({words}) AND {where} "
                   "GROUP BY e.kind")
            args = [cap + 1, *wparams, *params]
        else:
            tsquery, qparams = self.expression(query)
            found = (f"SELECT e.id, e.kind, e.rank_vector @@ ({tsquery}) AS in_head FROM {ENTRY} e "
                     f"WHERE e.vector @@ ({words}) AND {where}")
            # One row per kind: (kind, its rows with the phrases, counted up to cap + 1).
            part = (f"SELECT %s, (SELECT COUNT(*) FROM (SELECT 1 FROM c JOIN {ENTRY} v ON v.id = c.id "
                    f"WHERE c.kind = %s AND (c.in_head OR v.vector @@ ({tsquery})) LIMIT %s) capped)")
            sql = f"WITH c AS MATERIALIZED ({found}) " + " UNION ALL ".join([part] * len(scope.kinds))
            args = [*qparams, *wparams, *params, *(p for k in scope.kinds for p in (k, k, *qparams, cap + 1))]
        with self._through_index() as cursor:
            cursor.execute(sql, args)
            return {kind: n for kind, n in cursor.fetchall() if n}

    def clear(self) -> None:
        pass  # the vectors live in the entries' rows


def backend() -> Backend:
    """The engine of the configured database."""
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()


SCHEMAS = {
    # (vendor, part): (create, drop)
    ("sqlite", "index"): (SQLITE_SCHEMA, SQLITE_DROP),
    ("sqlite", "heads"): (SQLITE_HEAD_SCHEMA, SQLITE_HEAD_DROP),
    ("postgresql", "index"): (POSTGRES_SCHEMA, POSTGRES_DROP),
    # PostgreSQL's heads are the `rank_vector` column, part of the index.
}


def install(schema_editor, *, part: str = "index", drop: bool = False) -> None:  # noqa: ANN001 - a migration's schema editor
    """Create (or drop) a part of the engine's own objects; called from the migrations."""
    statements = SCHEMAS.get((schema_editor.connection.vendor, part))
    if statements is None:
        return
    for sql in statements[1] if drop else statements[0]:
        schema_editor.execute(sql)


def fill_heads(schema_editor, *, batch: int = 500) -> int:  # noqa: ANN001 - a migration's schema editor
    """Write the heads of the entries indexed already (SQLite), from the big table's own copy of
    their folded title and text; returns the rows written."""
    if schema_editor.connection.vendor != "sqlite":
        return 0
    written = 0
    with schema_editor.connection.cursor() as source, schema_editor.connection.cursor() as target:
        target.execute(f"DELETE FROM {HEAD_FTS}")
        source.execute(f"SELECT rowid, title, body FROM {FTS} ORDER BY rowid")
        while rows := source.fetchmany(batch):
            target.executemany(f"INSERT INTO {HEAD_FTS} (rowid, title, head) VALUES (%s, %s, %s)",
                               [(pk, title, head(body)) for pk, title, body in rows])
            written += len(rows)
    return written
