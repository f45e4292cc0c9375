"""Full-text search over `Entry.search_text` (civicgrid.core.fulltext: how a text becomes a query, FTS5 on
SQLite, `to_tsvector('simple')` on PostgreSQL): the knowledge base's tables, stop lists and filters.
"""

from dataclasses import dataclass

from civicgrid.core import fulltext
from civicgrid.core.fulltext import Query, fts5_expression, tsquery_expression

__all__ = [
    "Filters",
    "Query",
    "build_query",
    "fts5_expression",
    "ranked_ids",
    "rebuild",
    "tsquery_expression",
]

FTS_TABLE = "knowledge_entry_fts"
VOCAB_TABLE = "knowledge_entry_fts_vocab"
# PostgreSQL: to_tsvector('simple', search_text), stored by the database (see migration 0002).
VECTOR_COLUMN = "search_vector"
ENTRY_TABLE = "knowledge_entry"

# Words that say nothing about the matter ("请问怎么办"); dropped from queries, kept in documents.
STOP_WORDS = frozenset(
    "请问 你好 您好 咨询 一下 反映 问题 情况 希望 相关 部门 有关 处理 解决 可以 需要 能否 是否 怎么 怎么办 "
    "怎样 如何 什么 为什么 哪里 哪些 多少 我们 你们 他们 自己 现在 目前 这个 那个 这样 一个 没有 已经 "
    "还是 但是 因为 所以 如果 然后 就是 还有 以及 或者 谢谢 麻烦 帮忙 一直 非常 严重 真的 关于 进行".split()
)
# Characters that do not make a word with their neighbours when jieba leaves them on their own.
STOP_CHARS = frozenset("的了是在我你他她它们这那吗呢吧啊呀么和与及就都也还又很有被把给对让从到向想说要会能请")

# SQLite ranks this many FTS matches before filtering them by status and dates.
RANK_WINDOW = 200
# A term in more than this share of the entries (and more than COMMON_MIN_DOCS) is left out of a query.
COMMON_SHARE = 0.25
COMMON_MIN_DOCS = 1000
# PostgreSQL: the terms kept, rarest first, may together be held by at most this share of the entries.
POSTGRES_MATCH_SHARE = 0.1
POSTGRES_STATS_SECONDS = 300

INDEX = fulltext.Index(
    table=ENTRY_TABLE,
    fts_table=FTS_TABLE,
    vocab_table=VOCAB_TABLE,
    trigger_prefix=FTS_TABLE,
    vector_column=VECTOR_COLUMN,
    rank_window=RANK_WINDOW,
    common_share=COMMON_SHARE,
    common_min_docs=COMMON_MIN_DOCS,
    postgres_match_share=POSTGRES_MATCH_SHARE,
    stats_seconds=POSTGRES_STATS_SECONDS,
)
# The triggers of migration 0002 (frozen there), to put back after a table rebuild.
SQLITE_TRIGGERS = INDEX.sqlite_triggers()


def build_query(text: str, *, max_terms: int = 16) -> Query:
    """The terms of `text`, in order of appearance, at most `max_terms` (the start of a long text wins)."""
    return fulltext.build_query(text, max_terms=max_terms, stop_words=STOP_WORDS, stop_chars=STOP_CHARS)


def _rarest_terms(query: Query, shares: dict[str, float], *, total: float = 1.0) -> Query:
    return INDEX.rarest_terms(query, shares, total)


@dataclass(frozen=True)
class Filters:
    """Which rows may be returned; None means any."""

    day: object = None  # valid on this date (and current); None: any date
    statuses: tuple[str, ...] = ("active",)
    category_ids: tuple[int, ...] | None = None
    unit_id: int | None = None


def _where(filters: Filters, alias: str) -> tuple[str, list]:
    clauses, params = [], []
    if filters.statuses:
        clauses.append(f"{alias}.status IN ({', '.join(['%s'] * len(filters.statuses))})")
        params.extend(filters.statuses)
    if filters.day is not None:
        clauses.append(f"{alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= %s)")
        params.extend([filters.day, filters.day])
    if filters.category_ids is not None:
        if not filters.category_ids:
            clauses.append("1 = 0")
        else:
            clauses.append(f"{alias}.category_id IN ({', '.join(['%s'] * len(filters.category_ids))})")
            params.extend(filters.category_ids)
    if filters.unit_id is not None:
        clauses.append(f"{alias}.unit_id = %s")
        params.append(filters.unit_id)
    return (" AND ".join(clauses) or "1 = 1"), params


def ranked_ids(query: Query, filters: Filters, *, limit: int) -> list[tuple[int, float]]:
    """(entry id, score) best first; a higher score is a better match."""
    where, params = _where(filters, "e")
    return INDEX.ranked_ids(query, where=where, params=params, limit=limit, alias="e")


# Put back triggers that a table rebuild dropped (True when any was missing: the index is then rebuilt);
# rebuild the SQLite index from the table.
ensure_sqlite_triggers = INDEX.ensure_sqlite_triggers
rebuild = INDEX.rebuild
