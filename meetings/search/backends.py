"""The two engines behind the one search: SQLite FTS5 (embedded) and PostgreSQL full-text search
(scale-out), chosen by the database's vendor. Both get text already folded by
`meetings.search.text.fold`, and both fold again with their own tools (FTS5's
`remove_diacritics 2`, PostgreSQL's `unaccent`), so a character the Python fold left alone
is still folded the same way on the indexed and on the query side.

Each engine answers one question: which rows match the query, best first, one row per object
(a document's best page), restricted in the query itself to the rows of meetings, documents
and rounds the reader may see (`Scope`: SQL sub-queries compiled from `meetings.access`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from meetings.search.text import Query

ENTRY = "meetings_searchentry"
FTS = "meetings_search_fts"
ROW_COLUMNS = "e.id, e.kind, e.object_id, e.page, e.meeting_id, e.item_id, e.document_id, e.round_id, e.title, e.body"
MEETING_KINDS = ("meeting", "item", "conclusion")
# One result per object: a document's rows (its title and pages) group together, any other
# row is a result of its own (a meeting's and an item's conclusion may share an object id).
GROUP_KEY = "(CASE WHEN e.kind = 'document' THEN e.object_id ELSE -e.id END)"

# Installed by the migration (meetings/migrations/*_search_index.py) for its vendor.
SQLITE_SCHEMA = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(title, body, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    # A row leaving the entries (a deleted meeting's cascade included) leaves the engine too.
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON {ENTRY} "
    f"BEGIN DELETE FROM {FTS} WHERE rowid = old.id; END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {FTS}_delete", f"DROP TABLE IF EXISTS {FTS}"]
POSTGRES_SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE (it reads its dictionary by name); an index needs IMMUTABLE, so
    # the wrapper names the dictionary itself.
    "CREATE OR REPLACE FUNCTION ecab_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "STRICT AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$",
    f"ALTER TABLE {ENTRY} ADD COLUMN IF NOT EXISTS vector tsvector",
    f"CREATE INDEX IF NOT EXISTS search_entry_vector ON {ENTRY} USING gin (vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_entry_vector",
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
    page: int | None
    meeting_id: int | None
    item_id: int | None
    document_id: int | None
    round_id: int | None
    title: str
    body: str
    rank: float


class Backend:
    vendor = ""

    def write(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """Index (entry id, folded title, folded body) for entries just inserted."""
        raise NotImplementedError

    def match(self, query: Query, scope: Scope, *, limit: int, offset: int) -> list[Row]:
        raise NotImplementedError

    def counts(self, query: Query, scope: Scope) -> dict[str, int]:
        """How many objects of each kind match (for the filters and the pagination)."""
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError


class SqliteBackend(Backend):
    vendor = "sqlite"

    def write(self, rows: Iterable[tuple[int, str, str]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {FTS} (rowid, title, body) VALUES (%s, %s, %s)", list(rows))

    @staticmethod
    def expression(query: Query) -> str:
        # Folded words are \w+ runs: no quote can reach the FTS5 query language.
        parts = [f'"{w}"' for w in query.words] + ['"' + " ".join(p) + '"' for p in query.phrases]
        return " AND ".join(parts)

    def _matching(self, query: Query, scope: Scope) -> tuple[str, str, list]:
        where, params = scope.where()
        # The MATCH runs first, inside the FTS5 table (bm25 may only be called there, hence the
        # materialized CTE); its rows are then joined to the entries and kept only where the
        # reader may see them.
        cte = (f"WITH f AS MATERIALIZED (SELECT rowid AS rid, bm25({FTS}, 5.0, 1.0) AS score FROM {FTS} "
               f"WHERE {FTS} MATCH %s) ")
        return cte, f"FROM f JOIN {ENTRY} e ON e.id = f.rid WHERE {where}", [self.expression(query), *params]

    def match(self, query: Query, scope: Scope, *, limit: int, offset: int) -> list[Row]:
        cte, body, params = self._matching(query, scope)
        # bm25 is "lower is better"; MIN over a group keeps the best row's columns (SQLite's
        # bare columns of a MIN aggregate), i.e. a document's best page.
        sql = (f"{cte}SELECT {ROW_COLUMNS}, MIN(f.score) AS rank {body} "
               f"GROUP BY e.kind, {GROUP_KEY} ORDER BY rank, e.id LIMIT %s OFFSET %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            return [Row(*r[:10], rank=-float(r[10])) for r in cursor.fetchall()]

    def counts(self, query: Query, scope: Scope) -> dict[str, int]:
        cte, body, params = self._matching(query, scope)
        with connection.cursor() as cursor:
            cursor.execute(f"{cte}SELECT e.kind, COUNT(DISTINCT {GROUP_KEY}) {body} GROUP BY e.kind", params)
            return dict(cursor.fetchall())

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS}")


class PostgresBackend(Backend):
    vendor = "postgresql"

    def write(self, rows: Iterable[tuple[int, str, str]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {ENTRY} SET vector = "
                "setweight(to_tsvector('simple', ecab_unaccent(%s)), 'A') || "
                "setweight(to_tsvector('simple', ecab_unaccent(%s)), 'B') WHERE id = %s",
                [(title, body, pk) for pk, title, body in rows],
            )

    @staticmethod
    def expression(query: Query) -> tuple[str, list]:
        parts: list[str] = []
        params: list = []
        if query.words:
            parts.append("plainto_tsquery('simple', ecab_unaccent(%s))")
            params.append(" ".join(query.words))
        for phrase in query.phrases:
            parts.append("phraseto_tsquery('simple', ecab_unaccent(%s))")
            params.append(" ".join(phrase))
        return " && ".join(parts), params

    def _matching(self, query: Query, scope: Scope) -> tuple[str, list]:
        tsquery, qparams = self.expression(query)
        where, params = scope.where()
        sql = f"FROM {ENTRY} e, (SELECT {tsquery} AS q) tq WHERE e.vector @@ tq.q AND {where}"
        return sql, [*qparams, *params]

    def match(self, query: Query, scope: Scope, *, limit: int, offset: int) -> list[Row]:
        body, params = self._matching(query, scope)
        sql = (f"SELECT * FROM (SELECT DISTINCT ON (e.kind, {GROUP_KEY}) {ROW_COLUMNS}, "
               f"ts_rank(e.vector, tq.q) AS rank {body} ORDER BY e.kind, {GROUP_KEY}, rank DESC, e.id) best "
               "ORDER BY rank DESC, id LIMIT %s OFFSET %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            return [Row(*r[:10], rank=float(r[10])) for r in cursor.fetchall()]

    def counts(self, query: Query, scope: Scope) -> dict[str, int]:
        body, params = self._matching(query, scope)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT e.kind, COUNT(DISTINCT {GROUP_KEY}) {body} GROUP BY e.kind", params)
            return dict(cursor.fetchall())

    def clear(self) -> None:
        pass  # the vector lives in the entries' rows


def backend() -> Backend:
    """The engine of the configured database."""
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()


def install(schema_editor, *, drop: bool = False) -> None:  # noqa: ANN001 - a migration's schema editor
    """Create (or drop) the engine's own objects; called from the migration."""
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": (SQLITE_SCHEMA, SQLITE_DROP), "postgresql": (POSTGRES_SCHEMA, POSTGRES_DROP)}.get(vendor)
    if statements is None:
        return
    for sql in statements[1] if drop else statements[0]:
        schema_editor.execute(sql)
