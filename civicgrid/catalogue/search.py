"""Full-text search over `CatalogueItem.search_text` (civicgrid.core.fulltext, as the knowledge base searches):
the catalogue's tables, stop lists and filters. Searching everywhere goes through the index; within a village
and the areas above it (a few hundred items) the items are scored here.
"""

import math

from django.db import connection

from civicgrid.core import fulltext
from civicgrid.core.fulltext import Query

FTS_TABLE = "catalogue_item_fts"
ITEM_TABLE = "catalogue_catalogueitem"
CATALOGUE_TABLE = "catalogue_catalogue"

STOP_WORDS = frozenset(
    "请问 你好 您好 咨询 一下 办理 怎么 怎么办 怎样 如何 什么 哪里 哪些 需要 可以 能否 是否 我们 我要 "
    "想要 要求 问题 情况 一个 没有 已经 手续 材料 带什么 谢谢".split()
)
STOP_CHARS = frozenset(
    "的了是在我你他她它们这那吗呢吧啊呀么和与及就都也还又很有被把给对让从到向想说要会能请办"
)
MAX_TERMS = 12

# Searching everywhere leaves out a term held by more than a quarter of the items (申请, 办理 say
# nothing), once there are enough; SQLite ranks 400 matches inside FTS5 before filtering them by version
# and area.
INDEX = fulltext.Index(
    table=ITEM_TABLE,
    fts_table=FTS_TABLE,
    vocab_table="catalogue_item_fts_vocab",
    trigger_prefix=FTS_TABLE,
    rank_window=400,
    common_share=0.25,
    common_min_docs=1000,
)
# The triggers of migration 0002 (frozen there), to put back after a table rebuild.
SQLITE_TRIGGERS = INDEX.sqlite_triggers()


def build_query(text: str) -> Query:
    return fulltext.build_query(text, max_terms=MAX_TERMS, stop_words=STOP_WORDS, stop_chars=STOP_CHARS)


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
    if area_ids is not None:
        with connection.cursor() as cursor:
            return _ranked_in_areas(cursor, query, where, params, limit)
    return INDEX.ranked_ids(
        query,
        where=where,
        params=params,
        limit=limit,
        alias="i",
        join=f"JOIN {CATALOGUE_TABLE} c ON c.id = i.catalogue_id",
        newest_first=False,
    )


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


# Put back triggers that a table rebuild dropped (True when any was missing: the index is then rebuilt).
ensure_sqlite_triggers = INDEX.ensure_sqlite_triggers
