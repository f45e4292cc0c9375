"""Full-text search over `Entry.search_text`: FTS5 (`unicode61`) on SQLite, `to_tsvector('simple')` on PostgreSQL.

Documents store jieba's words plus every ideograph bigram (civicgrid.core.chinese.search_text), so a
query is a set of *terms*, each a group of tokens that must all be present:

- a two-character word is its own token (积水 is a bigram of 路面积水严重, whatever jieba made of it);
- a longer word is the group of its bigrams (公积金 → 公积 AND 积金): the stored bigrams are
  de-duplicated, so their order cannot be relied on for a phrase query;
- a one-character word is read with its neighbours (路面积水 → jieba 路/面积/水 → 路面, 积水);
- letters and digits (KTV, 12345) are tokens as they are.

Terms are OR-ed and ranked (bm25 / ts_rank): an entry matching most of a long question comes first.
Ranking reads every match, so on a large base a term held by more than a quarter of the entries is left
out (FTS5's vocabulary, PostgreSQL's planner statistics say which): it would barely move the order.
"""

import re
import time
from dataclasses import dataclass

from django.db import connection

from civicgrid.core.chinese import is_word, normalise, tokenizer

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

_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_TOKEN = re.compile(r"^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+$")
_SPLIT = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Query:
    """What a text asks for: OR-ed `terms` (each a tuple of tokens AND-ed) and the `words` to highlight."""

    terms: tuple[tuple[str, ...], ...]
    words: tuple[str, ...]

    def __bool__(self):
        return bool(self.terms)


def _bigrams(word: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))


def _run_words(run: str) -> list[str]:
    """The query words of one run of letters, digits and ideographs, in order.

    A one-character word is read with its neighbours, and only into pairs that are words: 持续/快/两个月
    must not ask for 续快 or 快两, which, being rare, would outrank everything else. A two-character
    word whose both characters went to such pairs was a mis-cut: 路/面积/水 asks for 路面 and 积水, not
    面积.
    """
    # jieba keeps letters and digits together and separates them from ideographs (KTV噪音 → ktv/噪音).
    pieces = [w for w in tokenizer().lcut(run, HMM=True) if _TOKEN.match(w)]
    pairs: dict[int, list[str]] = {}
    claimed_first, claimed_last = set(), set()
    for i, word in enumerate(pieces):
        if len(word) != 1 or not _HAN.match(word) or word in STOP_CHARS:
            continue
        before = pieces[i - 1] if i > 0 else ""
        after = pieces[i + 1] if i + 1 < len(pieces) else ""
        if _HAN.match(before) and is_word(before[-1] + word):
            pairs.setdefault(i, []).append(before[-1] + word)
            claimed_last.add(i - 1)
        if _HAN.match(after) and is_word(word + after[0]):
            pairs.setdefault(i, []).append(word + after[0])
            claimed_first.add(i + 1)
    out = []
    for i, word in enumerate(pieces):
        if len(word) >= 2 and not (len(word) == 2 and i in claimed_first and i in claimed_last):
            out.append(word)
        out.extend(pairs.get(i, []))
    return out


def build_query(text: str, *, max_terms: int = 16) -> Query:
    """The terms of `text`, in order of appearance, at most `max_terms` (the start of a long text wins)."""
    terms: dict[tuple[str, ...], None] = {}
    words: dict[str, None] = {}
    for run in _SPLIT.split(normalise(text)):
        for word in _run_words(run) if run else ():
            if len(terms) >= max_terms:
                break
            if word in STOP_WORDS:
                continue
            words[word] = None
            terms[_bigrams(word) if _HAN.match(word) and len(word) > 2 else (word,)] = None
    return Query(terms=tuple(terms), words=tuple(words))


def fts5_expression(query: Query) -> str:
    """An FTS5 MATCH string: every token double-quoted (quotes doubled), so no user text is syntax."""

    def quoted(token: str) -> str:
        return '"' + token.replace('"', '""') + '"'

    groups = []
    for term in query.terms:
        inner = " AND ".join(quoted(t) for t in term)
        groups.append(f"({inner})" if len(term) > 1 else inner)
    return " OR ".join(groups)


def tsquery_expression(query: Query) -> str:
    """A to_tsquery('simple', ...) string: every token single-quoted (quotes doubled)."""

    def quoted(token: str) -> str:
        return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'"

    groups = []
    for term in query.terms:
        inner = " & ".join(quoted(t) for t in term)
        groups.append(f"({inner})" if len(term) > 1 else inner)
    return " | ".join(groups)


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
    if not query:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ts_rank knows nothing of how common a word is: leaving out the commonest is what keeps
            # 发现 or 要求 from outweighing 积水, as well as what bounds the work.
            query = _rarest_terms(query, _common_tokens_postgres(cursor), total=POSTGRES_MATCH_SHARE)
            return _ranked_postgres(cursor, query, filters, limit)
        query = _rarest_terms(query, _common_tokens_sqlite(cursor, query))
        return _ranked_sqlite(cursor, query, filters, limit)


def _rarest_terms(query: Query, shares: dict[str, float], *, total: float = 1.0) -> Query:
    """Leave out terms held by more than COMMON_SHARE of the entries, then the commonest of the rest
    until the kept ones together reach at most `total` of them. The rarest term always stays.

    `shares` gives the share of entries holding a token; a token it lacks counts as rare.
    """
    if not shares:
        return query
    share = {term: min(shares.get(token, 0.0) for token in term) for term in query.terms}
    kept, used = set(), 0.0
    for term in sorted(query.terms, key=share.get):
        if share[term] > COMMON_SHARE or used + share[term] > total:
            break
        kept.add(term)
        used += share[term]
    kept = kept or {min(query.terms, key=share.get)}
    return Query(terms=tuple(t for t in query.terms if t in kept), words=query.words)


def _common_tokens_sqlite(cursor, query: Query) -> dict[str, float]:
    """The share of entries holding each of the query's tokens; empty for a small base."""
    cursor.execute(f"SELECT max(id) FROM {ENTRY_TABLE}")
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
    """The commonest tokens and their shares, from the planner's statistics (ANALYZE, autovacuum).

    Read again every few minutes; empty until the table is analysed or while it is small.
    """
    now = time.monotonic()
    if _postgres_common["until"] > now:
        return _postgres_common["shares"]
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [ENTRY_TABLE])
    row = cursor.fetchone()
    shares = {}
    if row and row[0] >= COMMON_MIN_DOCS:
        cursor.execute(
            "SELECT u.token, u.share FROM pg_stats s, "
            "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(token, share) "
            "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = %s "
            "AND u.token IS NOT NULL",
            [ENTRY_TABLE, VECTOR_COLUMN],
        )
        shares = dict(cursor.fetchall())
    _postgres_common.update(until=now + POSTGRES_STATS_SECONDS, shares=shares)
    return shares


def _ranked_sqlite(cursor, query: Query, filters: Filters, limit: int) -> list[tuple[int, float]]:
    # Ranking inside FTS5 alone is cheap; joining every match to its (wide) entry row is not. So rank
    # first, then filter the best few; only when the filters leave too few, rank the filtered join.
    where, params = _where(filters, "e")
    expression = fts5_expression(query)
    window = max(RANK_WINDOW, 4 * limit)
    cursor.execute(
        f"SELECT e.id, c.score FROM (SELECT rowid AS id, -bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s ORDER BY score DESC LIMIT %s) c "
        f"JOIN {ENTRY_TABLE} e ON e.id = c.id WHERE {where} ORDER BY c.score DESC, e.id DESC LIMIT %s",
        [expression, window, *params, limit],
    )
    rows = cursor.fetchall()
    if len(rows) < limit:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s)",
            [expression, window],
        )
        if cursor.fetchone()[0] >= window:
            cursor.execute(
                f"SELECT e.id, -bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
                f"JOIN {ENTRY_TABLE} e ON e.id = {FTS_TABLE}.rowid "
                f"WHERE {FTS_TABLE} MATCH %s AND {where} ORDER BY score DESC, e.id DESC LIMIT %s",
                [expression, *params, limit],
            )
            rows = cursor.fetchall()
    return [(row[0], float(row[1])) for row in rows]


def _ranked_postgres(cursor, query: Query, filters: Filters, limit: int) -> list[tuple[int, float]]:
    where, params = _where(filters, "e")
    cursor.execute(
        f"SELECT e.id, ts_rank(e.{VECTOR_COLUMN}, q) AS score "
        f"FROM {ENTRY_TABLE} e, to_tsquery('simple', %s) q "
        f"WHERE e.{VECTOR_COLUMN} @@ q AND {where} "
        "ORDER BY score DESC, e.id DESC LIMIT %s",
        [tsquery_expression(query), *params, limit],
    )
    return [(row[0], float(row[1])) for row in cursor.fetchall()]


# --- the index itself --------------------------------------------------------------------------------

SQLITE_TRIGGERS = {
    "knowledge_entry_fts_ai": f"""
        CREATE TRIGGER IF NOT EXISTS knowledge_entry_fts_ai AFTER INSERT ON {ENTRY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "knowledge_entry_fts_ad": f"""
        CREATE TRIGGER IF NOT EXISTS knowledge_entry_fts_ad AFTER DELETE ON {ENTRY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        END""",
    "knowledge_entry_fts_au": f"""
        CREATE TRIGGER IF NOT EXISTS knowledge_entry_fts_au AFTER UPDATE OF search_text ON {ENTRY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}


def ensure_sqlite_triggers(conn) -> bool:
    """Put back triggers that a table rebuild dropped (SQLite's ALTER TABLE emulation drops them).

    Returns True when any was missing, in which case the index is rebuilt from the table.
    """
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        if ENTRY_TABLE not in present or FTS_TABLE not in present:
            return False
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return bool(missing)


def rebuild() -> None:
    """Rebuild the SQLite index from the table (PostgreSQL's expression index needs no rebuilding)."""
    if connection.vendor == "sqlite":
        ensure_sqlite_triggers(connection)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
