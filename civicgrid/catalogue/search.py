"""Full-text search over `CatalogueItem.search_text`: FTS5 (`unicode61`) on SQLite, `to_tsvector('simple')` on
PostgreSQL, as the knowledge base does (its module is a sibling and cannot be imported from here).

Documents hold jieba's words plus every ideograph bigram (core.chinese.search_text). A query is a set of terms
OR-ed and ranked (bm25 / ts_rank): a two-character word is its own token, a longer one the group of its bigrams
(AND-ed), a lone character is read with the next one.
"""

import re
from dataclasses import dataclass

from django.db import connection

from civicgrid.core.chinese import normalise, tokenizer

FTS_TABLE = "catalogue_item_fts"
ITEM_TABLE = "catalogue_catalogueitem"
CATALOGUE_TABLE = "catalogue_catalogue"
VECTOR_COLUMN = "search_vector"

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
    join = f"JOIN {CATALOGUE_TABLE} c ON c.id = i.catalogue_id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT i.id, ts_rank(i.{VECTOR_COLUMN}, q) AS score "
                f"FROM {ITEM_TABLE} i {join}, to_tsquery('simple', %s) q "
                f"WHERE i.{VECTOR_COLUMN} @@ q AND {where} ORDER BY score DESC, i.id LIMIT %s",
                [_tsquery(query), *params, limit],
            )
            return [(r[0], float(r[1])) for r in cursor.fetchall()]
        expression = _fts5(query)
        if area_ids is None:
            # Everywhere: rank inside FTS5 first, then keep the best few that are in force.
            cursor.execute(
                f"SELECT i.id, m.score FROM (SELECT rowid AS id, -bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH %s ORDER BY score DESC LIMIT %s) m "
                f"JOIN {ITEM_TABLE} i ON i.id = m.id {join} WHERE {where} ORDER BY m.score DESC, i.id LIMIT %s",
                [expression, max(RANK_WINDOW, 4 * limit), *params, limit],
            )
            rows = cursor.fetchall()
            if len(rows) >= limit:
                return [(r[0], float(r[1])) for r in rows]
        cursor.execute(
            f"SELECT i.id, -bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
            f"JOIN {ITEM_TABLE} i ON i.id = {FTS_TABLE}.rowid {join} "
            f"WHERE {FTS_TABLE} MATCH %s AND {where} ORDER BY score DESC, i.id LIMIT %s",
            [expression, *params, limit],
        )
        return [(r[0], float(r[1])) for r in cursor.fetchall()]


def rebuild() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
