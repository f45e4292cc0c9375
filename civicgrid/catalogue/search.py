"""Full-text search over `CatalogueItem.search_text`: FTS5 (`unicode61`) on SQLite, `to_tsvector('simple')` on
PostgreSQL, as the knowledge base does (its module is a sibling and cannot be imported from here).

Documents hold jieba's words plus every ideograph bigram (core.chinese.search_text). A query is a set of terms
OR-ed and ranked (bm25 / ts_rank): a two-character word is its own token, a longer one the group of its bigrams
(AND-ed), a lone character is read with the next one. Searching everywhere goes through the index; within a
village and the areas above it (a few hundred items) the items are scored here.
"""

import math
import re
import time
from dataclasses import dataclass

from django.db import connection

from civicgrid.core.chinese import normalise, tokenizer

FTS_TABLE = "catalogue_item_fts"
ITEM_TABLE = "catalogue_catalogueitem"
CATALOGUE_TABLE = "catalogue_catalogue"
VECTOR_COLUMN = "search_vector"
VOCAB_TABLE = "catalogue_item_fts_vocab"
# Searching everywhere leaves out a term held by more than this share of the items, once there are enough.
COMMON_SHARE = 0.25
COMMON_MIN_DOCS = 1000
STATS_SECONDS = 300

STOP_WORDS = frozenset(
    "请问 你好 您好 咨询 一下 办理 怎么 怎么办 怎样 如何 什么 哪里 哪些 需要 可以 能否 是否 我们 我要 "
    "想要 要求 问题 情况 一个 没有 已经 手续 材料 带什么 谢谢".split()
)
STOP_CHARS = frozenset(
    "的了是在我你他她它们这那吗呢吧啊呀么和与及就都也还又很有被把给对让从到向想说要会能请办"
)
# SQLite ranks this many matches inside FTS5 before filtering them by version and area.
RANK_WINDOW = 400

_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_TOKEN = re.compile(r"^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+$")
_SPLIT = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Query:
    terms: tuple[tuple[str, ...], ...]

    def __bool__(self):
        return bool(self.terms)


def build_query(text: str, *, max_terms: int = 12) -> Query:
    terms: dict[tuple[str, ...], None] = {}
    for run in _SPLIT.split(normalise(text)):
        if not run:
            continue
        pieces = [w for w in tokenizer().lcut(run, HMM=True) if _TOKEN.match(w)]
        for i, word in enumerate(pieces):
            if len(terms) >= max_terms:
                break
            if word in STOP_WORDS:
                continue
            if len(word) == 1:
                after = pieces[i + 1] if i + 1 < len(pieces) else ""
                if _HAN.match(word) and word not in STOP_CHARS and after and _HAN.match(after):
                    terms[(word + after[0],)] = None
                continue
            if _HAN.match(word) and len(word) > 2:
                terms[tuple(dict.fromkeys(word[j : j + 2] for j in range(len(word) - 1)))] = None
            else:
                terms[(word,)] = None
    return Query(terms=tuple(terms))


def _fts5(query: Query) -> str:
    def quoted(token):
        return '"' + token.replace('"', '""') + '"'

    groups = []
    for term in query.terms:
        inner = " AND ".join(quoted(t) for t in term)
        groups.append(f"({inner})" if len(term) > 1 else inner)
    return " OR ".join(groups)


def _tsquery(query: Query) -> str:
    def quoted(token):
        return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'"

    groups = []
    for term in query.terms:
        inner = " & ".join(quoted(t) for t in term)
        groups.append(f"({inner})" if len(term) > 1 else inner)
    return " | ".join(groups)


def _where(day, area_ids, list_kind) -> tuple[str, list]:
    clauses = [
        "c.published = %s AND c.effective_from <= %s AND (c.effective_to IS NULL OR c.effective_to >= %s)"
    ]
    params: list = [True, day, day]
    if area_ids is not None:
        ids = sorted(area_ids)
        clauses.append(f"c.area_id IN ({', '.join(['%s'] * len(ids))})" if ids else "1 = 0")
        params.extend(ids)
    if list_kind:
        clauses.append("i.list_kind = %s")
        params.append(list_kind)
    return " AND ".join(clauses), params


def ranked_ids(
    text: str, *, day, area_ids=None, list_kind: str = "", limit: int = 10
) -> list[tuple[int, float]]:
    """(item id, score), best first, among published versions in force on `day` (in `area_ids` when given)."""
    query = build_query(text)
    if not query:
        return []
    where, params = _where(day, area_ids, list_kind)
    with connection.cursor() as cursor:
        if area_ids is not None:
            return _ranked_in_areas(cursor, query, where, params, limit)
        if connection.vendor == "postgresql":
            query = _without_common(query, _common_tokens_postgres(cursor))
            return _ranked_postgres(cursor, query, where, params, limit)
        query = _without_common(query, _common_tokens_sqlite(cursor, query))
        return _ranked_sqlite(cursor, query, where, params, limit)


def _ranked_in_areas(cursor, query: Query, where: str, params: list, limit: int) -> list[tuple[int, float]]:
    """A village and the areas above it hold a few hundred items in force: scored here, the same on both
    databases, rather than ranking every match of a common word across the whole index first."""
    cursor.execute(
        f"SELECT i.id, i.search_text FROM {ITEM_TABLE} i JOIN {CATALOGUE_TABLE} c ON c.id = i.catalogue_id "
        f"WHERE {where}",
        params,
    )
    rows = [(pk, text.split()) for pk, text in cursor.fetchall()]
    if not rows:
        return []
    held = {term: 0 for term in query.terms}
    token_sets = []
    for pk, tokens in rows:
        present = set(tokens)
        token_sets.append((pk, tokens, present))
        for term in query.terms:
            if all(t in present for t in term):
                held[term] += 1
    total = len(rows)
    # Rarer terms weigh more (idf); a token repeated (the name is indexed twice) a little more.
    weight = {term: math.log(1 + total / count) for term, count in held.items() if count}
    scored = []
    for pk, tokens, present in token_sets:
        score = 0.0
        for term, w in weight.items():
            if all(t in present for t in term):
                score += w * (1 + 0.5 * min(tokens.count(term[0]) - 1, 1))
        if score > 0:
            scored.append((score, pk))
    scored.sort(key=lambda row: (-row[0], row[1]))
    return [(pk, score) for score, pk in scored[:limit]]


def _without_common(query: Query, shares: dict[str, float]) -> Query:
    """Leave out terms held by more than COMMON_SHARE of the items (申请, 办理 say nothing); the rarest stays."""
    if not shares:
        return query
    share = {term: min(shares.get(token, 0.0) for token in term) for term in query.terms}
    kept = tuple(term for term in query.terms if share[term] <= COMMON_SHARE)
    return Query(terms=kept or (min(query.terms, key=share.get),))


def _common_tokens_sqlite(cursor, query: Query) -> dict[str, float]:
    cursor.execute(f"SELECT max(id) FROM {ITEM_TABLE}")
    total = cursor.fetchone()[0] or 0
    if total < COMMON_MIN_DOCS:
        return {}
    tokens = sorted({token for term in query.terms for token in term})
    cursor.execute(
        f"SELECT term, doc FROM {VOCAB_TABLE} WHERE term IN ({', '.join(['%s'] * len(tokens))})", tokens
    )
    return {term: docs / total for term, docs in cursor.fetchall()}


_postgres_common = {"until": 0.0, "shares": {}}


def _common_tokens_postgres(cursor) -> dict[str, float]:
    """The commonest tokens and their shares, from the planner's statistics; read again every few minutes."""
    now = time.monotonic()
    if _postgres_common["until"] > now:
        return _postgres_common["shares"]
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [ITEM_TABLE])
    row = cursor.fetchone()
    shares = {}
    if row and row[0] >= COMMON_MIN_DOCS:
        cursor.execute(
            "SELECT u.token, u.share FROM pg_stats s, "
            "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(token, share) "
            "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = %s "
            "AND u.token IS NOT NULL",
            [ITEM_TABLE, VECTOR_COLUMN],
        )
        shares = dict(cursor.fetchall())
    _postgres_common.update(until=now + STATS_SECONDS, shares=shares)
    return shares


def _ranked_postgres(cursor, query: Query, where: str, params: list, limit: int) -> list[tuple[int, float]]:
    cursor.execute(
        f"SELECT i.id, ts_rank(i.{VECTOR_COLUMN}, q) AS score "
        f"FROM {ITEM_TABLE} i JOIN {CATALOGUE_TABLE} c ON c.id = i.catalogue_id, to_tsquery('simple', %s) q "
        f"WHERE i.{VECTOR_COLUMN} @@ q AND {where} ORDER BY score DESC, i.id LIMIT %s",
        [_tsquery(query), *params, limit],
    )
    return [(r[0], float(r[1])) for r in cursor.fetchall()]


def _ranked_sqlite(cursor, query: Query, where: str, params: list, limit: int) -> list[tuple[int, float]]:
    # Rank inside FTS5 first, then keep the best few in force; only when too few are, rank the filtered join.
    expression = _fts5(query)
    join = f"JOIN {CATALOGUE_TABLE} c ON c.id = i.catalogue_id"
    cursor.execute(
        f"SELECT i.id, m.score FROM (SELECT rowid AS id, -bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s ORDER BY score DESC LIMIT %s) m "
        f"JOIN {ITEM_TABLE} i ON i.id = m.id {join} WHERE {where} ORDER BY m.score DESC, i.id LIMIT %s",
        [expression, max(RANK_WINDOW, 4 * limit), *params, limit],
    )
    rows = cursor.fetchall()
    if len(rows) < limit:
        cursor.execute(
            f"SELECT i.id, -bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
            f"JOIN {ITEM_TABLE} i ON i.id = {FTS_TABLE}.rowid {join} "
            f"WHERE {FTS_TABLE} MATCH %s AND {where} ORDER BY score DESC, i.id LIMIT %s",
            [expression, *params, limit],
        )
        rows = cursor.fetchall()
    return [(r[0], float(r[1])) for r in rows]


def rebuild() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


# The triggers of migration 0002 (frozen there), to put back after a table rebuild.
SQLITE_TRIGGERS = {
    "catalogue_item_fts_ai": f"""
        CREATE TRIGGER IF NOT EXISTS catalogue_item_fts_ai AFTER INSERT ON {ITEM_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "catalogue_item_fts_ad": f"""
        CREATE TRIGGER IF NOT EXISTS catalogue_item_fts_ad AFTER DELETE ON {ITEM_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        END""",
    "catalogue_item_fts_au": f"""
        CREATE TRIGGER IF NOT EXISTS catalogue_item_fts_au AFTER UPDATE OF search_text ON {ITEM_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}


def ensure_sqlite_triggers(conn) -> bool:
    """Put back triggers that a table rebuild dropped (SQLite's ALTER TABLE emulation drops them), then rebuild."""
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        if ITEM_TABLE not in present or FTS_TABLE not in present:
            return False
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return bool(missing)
