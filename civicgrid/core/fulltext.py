"""Full-text search over a `search_text` column: FTS5 (`unicode61`) on SQLite, `to_tsvector('simple')` on
PostgreSQL. What the knowledge base and the village service catalogue share; each app names its tables, stop
lists and filters (an `Index` and a WHERE clause) and keeps its own index migration.

Documents store jieba's words plus every ideograph bigram (civicgrid.core.chinese.search_text), so a
query is a set of *terms*, each a group of tokens that must all be present:

- a two-character word is its own token (积水 is a bigram of 路面积水严重, whatever jieba made of it);
- a longer word is the group of its bigrams (公积金 → 公积 AND 积金): the stored bigrams are
  de-duplicated, so their order cannot be relied on for a phrase query;
- a one-character word is read with its neighbours (路面积水 → jieba 路/面积/水 → 路面, 积水);
- letters and digits (KTV, 12345) are tokens as they are.

Terms are OR-ed and ranked (bm25 / ts_rank): a row matching most of a long question comes first.
Ranking reads every match, so on a large table a term held by more than `common_share` of the rows is left
out (FTS5's vocabulary, PostgreSQL's planner statistics say which): it would barely move the order.
"""

import re
import time
from dataclasses import dataclass

from django.db import connection

from civicgrid.core.chinese import is_word, normalise, tokenizer

_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_TOKEN = re.compile(r"^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+$")
_SPLIT = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Query:
    """What a text asks for: OR-ed `terms` (each a tuple of tokens AND-ed) and the `words` to highlight."""

    terms: tuple[tuple[str, ...], ...]
    words: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.terms)


def bigrams(word: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))


def run_words(run: str, *, stop_chars: frozenset[str]) -> list[str]:
    """The query words of one run of letters, digits and ideographs, in order.

    A one-character word is read with its neighbours, and only into pairs that are words: 持续/快/两个月
    must not ask for 续快 or 快两, which, being rare, would outrank everything else. A two-character
    word whose both characters went to such pairs was a mis-cut: 路/面积/水 asks for 路面 and 积水, not
    面积. Characters in `stop_chars` are never paired.
    """
    # jieba keeps letters and digits together and separates them from ideographs (KTV噪音 → ktv/噪音).
    pieces = [w for w in tokenizer().lcut(run, HMM=True) if _TOKEN.match(w)]
    pairs: dict[int, list[str]] = {}
    claimed_first, claimed_last = set(), set()
    for i, word in enumerate(pieces):
        if len(word) != 1 or not _HAN.match(word) or word in stop_chars:
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


def build_query(
    text: str, *, max_terms: int, stop_words: frozenset[str], stop_chars: frozenset[str]
) -> Query:
    """The terms of `text`, in order of appearance, at most `max_terms` (the start of a long text wins).

    `stop_words` say nothing about the matter ("请问怎么办") and are dropped from the query (documents keep
    them); `stop_chars` do not make a word with their neighbours when jieba leaves them on their own.
    """
    terms: dict[tuple[str, ...], None] = {}
    words: dict[str, None] = {}
    for run in _SPLIT.split(normalise(text)):
        for word in run_words(run, stop_chars=stop_chars) if run else ():
            if len(terms) >= max_terms:
                break
            if word in stop_words:
                continue
            words[word] = None
            terms[bigrams(word) if _HAN.match(word) and len(word) > 2 else (word,)] = None
    return Query(terms=tuple(terms), words=tuple(words))


def _expression(query: Query, quoted, conjunction: str, disjunction: str) -> str:
    groups = []
    for term in query.terms:
        inner = f" {conjunction} ".join(quoted(t) for t in term)
        groups.append(f"({inner})" if len(term) > 1 else inner)
    return f" {disjunction} ".join(groups)


def fts5_expression(query: Query) -> str:
    """An FTS5 MATCH string: every token double-quoted (quotes doubled), so no user text is syntax."""
    return _expression(query, lambda token: '"' + token.replace('"', '""') + '"', "AND", "OR")


def tsquery_expression(query: Query) -> str:
    """A to_tsquery('simple', ...) string: every token single-quoted (quotes doubled)."""
    return _expression(
        query, lambda token: "'" + token.replace("'", "''").replace("\\", "\\\\") + "'", "&", "|"
    )


def rarest_terms(query: Query, shares: dict[str, float], *, common_share: float, total: float = 1.0) -> Query:
    """Leave out terms held by more than `common_share` of the rows, then the commonest of the rest
    until the kept ones together reach at most `total` of them. The rarest term always stays.

    `shares` gives the share of rows holding a token; a token it lacks counts as rare.
    """
    if not shares:
        return query
    share = {term: min(shares.get(token, 0.0) for token in term) for term in query.terms}
    kept, used = set(), 0.0
    for term in sorted(query.terms, key=share.get):
        if share[term] > common_share or used + share[term] > total:
            break
        kept.add(term)
        used += share[term]
    kept = kept or {min(query.terms, key=share.get)}
    return Query(terms=tuple(t for t in query.terms if t in kept), words=query.words)


# PostgreSQL's statistics, per (table, column): read again every `Index.stats_seconds`.
_postgres_common: dict[tuple[str, str], tuple[float, dict[str, float]]] = {}


@dataclass(frozen=True)
class Index:
    """One table's full-text index: the table, its FTS5 tables (SQLite) and vector column (PostgreSQL).

    The index itself is created by the app's migration (SQL frozen there); `sqlite_triggers()` are its
    triggers again, to put back after SQLite's ALTER TABLE emulation drops them.
    """

    table: str
    fts_table: str  # FTS5, external content `table`, rowid = table.id
    vocab_table: str  # fts5vocab(fts_table, 'row')
    trigger_prefix: str  # SQLite triggers <prefix>_ai, _ad, _au keep fts_table in step with table
    vector_column: str = "search_vector"  # to_tsvector('simple', text_column), stored by the database
    text_column: str = "search_text"
    # SQLite ranks this many FTS matches before filtering them with the caller's WHERE clause.
    rank_window: int = 200
    # A term in more than this share of the rows (and more than common_min_docs) is left out of a query.
    common_share: float = 0.25
    common_min_docs: int = 1000
    # PostgreSQL: the terms kept, rarest first, may together be held by at most this share of the rows.
    postgres_match_share: float = 1.0
    stats_seconds: float = 300

    # --- searching -------------------------------------------------------------------------------------

    def ranked_ids(
        self,
        query: Query,
        *,
        where: str = "1 = 1",
        params: list | tuple = (),
        limit: int,
        alias: str = "t",
        join: str = "",
        newest_first: bool = True,
    ) -> list[tuple[int, float]]:
        """(row id, score) best first; a higher score is a better match.

        `where` (with `params`) filters rows of the table, named `alias`, and of whatever `join` adds;
        equal scores go to the higher id when `newest_first`, else to the lower.
        """
        if not query:
            return []
        order = "DESC" if newest_first else "ASC"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # ts_rank knows nothing of how common a word is: leaving out the commonest is what keeps
                # 发现 or 要求 from outweighing 积水, as well as what bounds the work.
                query = self.rarest_terms(
                    query, self._common_tokens_postgres(cursor), self.postgres_match_share
                )
                return self._ranked_postgres(cursor, query, alias, join, where, list(params), limit, order)
            query = self.rarest_terms(query, self._common_tokens_sqlite(cursor, query))
            return self._ranked_sqlite(cursor, query, alias, join, where, list(params), limit, order)

    def rarest_terms(self, query: Query, shares: dict[str, float], total: float = 1.0) -> Query:
        return rarest_terms(query, shares, common_share=self.common_share, total=total)

    def _common_tokens_sqlite(self, cursor, query: Query) -> dict[str, float]:
        """The share of rows holding each of the query's tokens; empty for a small table."""
        cursor.execute(f"SELECT max(id) FROM {self.table}")
        total = cursor.fetchone()[0] or 0
        if total < self.common_min_docs:
            return {}
        tokens = sorted({token for term in query.terms for token in term})
        cursor.execute(
            f"SELECT term, doc FROM {self.vocab_table} WHERE term IN ({', '.join(['%s'] * len(tokens))})",
            tokens,
        )
        return {term: docs / total for term, docs in cursor.fetchall()}

    def _common_tokens_postgres(self, cursor) -> dict[str, float]:
        """The commonest tokens and their shares, from the planner's statistics (ANALYZE, autovacuum).

        Read again every few minutes; empty until the table is analysed or while it is small.
        """
        now = time.monotonic()
        key = (self.table, self.vector_column)
        until, shares = _postgres_common.get(key, (0.0, {}))
        if until > now:
            return shares
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.table])
        row = cursor.fetchone()
        shares = {}
        if row and row[0] >= self.common_min_docs:
            cursor.execute(
                "SELECT u.token, u.share FROM pg_stats s, "
                "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(token, share) "
                "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = %s "
                "AND u.token IS NOT NULL",
                [self.table, self.vector_column],
            )
            shares = dict(cursor.fetchall())
        _postgres_common[key] = (now + self.stats_seconds, shares)
        return shares

    def _ranked_sqlite(self, cursor, query, alias, join, where, params, limit, order):
        # Ranking inside FTS5 alone is cheap; joining every match to its (wide) row is not. So rank
        # first, then filter the best few; only when the filters leave too few, rank the filtered join.
        fts, a = self.fts_table, alias
        expression = fts5_expression(query)
        window = max(self.rank_window, 4 * limit)
        cursor.execute(
            f"SELECT {a}.id, m.score FROM (SELECT rowid AS id, -bm25({fts}) AS score FROM {fts} "
            f"WHERE {fts} MATCH %s ORDER BY score DESC LIMIT %s) m "
            f"JOIN {self.table} {a} ON {a}.id = m.id {join} "
            f"WHERE {where} ORDER BY m.score DESC, {a}.id {order} LIMIT %s",
            [expression, window, *params, limit],
        )
        rows = cursor.fetchall()
        if len(rows) < limit:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH %s LIMIT %s)",
                [expression, window],
            )
            if cursor.fetchone()[0] >= window:  # else the first query saw every match
                cursor.execute(
                    f"SELECT {a}.id, -bm25({fts}) AS score FROM {fts} "
                    f"JOIN {self.table} {a} ON {a}.id = {fts}.rowid {join} "
                    f"WHERE {fts} MATCH %s AND {where} ORDER BY score DESC, {a}.id {order} LIMIT %s",
                    [expression, *params, limit],
                )
                rows = cursor.fetchall()
        return [(row[0], float(row[1])) for row in rows]

    def _ranked_postgres(self, cursor, query, alias, join, where, params, limit, order):
        a, vector = alias, self.vector_column
        cursor.execute(
            f"SELECT {a}.id, ts_rank({a}.{vector}, q) AS score "
            f"FROM {self.table} {a} {join}, to_tsquery('simple', %s) q "
            f"WHERE {a}.{vector} @@ q AND {where} "
            f"ORDER BY score DESC, {a}.id {order} LIMIT %s",
            [tsquery_expression(query), *params, limit],
        )
        return [(row[0], float(row[1])) for row in cursor.fetchall()]

    # --- the index itself --------------------------------------------------------------------------------

    def sqlite_triggers(self) -> dict[str, str]:
        """The triggers that keep the FTS5 table in step with the table, by name."""
        prefix, table, fts, text = self.trigger_prefix, self.table, self.fts_table, self.text_column
        return {
            f"{prefix}_ai": f"""
        CREATE TRIGGER IF NOT EXISTS {prefix}_ai AFTER INSERT ON {table} BEGIN
            INSERT INTO {fts}(rowid, {text}) VALUES (new.id, new.{text});
        END""",
            f"{prefix}_ad": f"""
        CREATE TRIGGER IF NOT EXISTS {prefix}_ad AFTER DELETE ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, {text}) VALUES ('delete', old.id, old.{text});
        END""",
            f"{prefix}_au": f"""
        CREATE TRIGGER IF NOT EXISTS {prefix}_au AFTER UPDATE OF {text} ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, {text}) VALUES ('delete', old.id, old.{text});
            INSERT INTO {fts}(rowid, {text}) VALUES (new.id, new.{text});
        END""",
        }

    def ensure_sqlite_triggers(self, conn) -> bool:
        """Put back triggers that a table rebuild dropped (SQLite's ALTER TABLE emulation drops them).

        Returns True when any was missing, in which case the index is rebuilt from the table.
        """
        if conn.vendor != "sqlite":
            return False
        with conn.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
            present = {row[0] for row in cursor.fetchall()}
            if self.table not in present or self.fts_table not in present:
                return False
            triggers = self.sqlite_triggers()
            missing = [name for name in triggers if name not in present]
            for name in missing:
                cursor.execute(triggers[name])
            if missing:
                cursor.execute(f"INSERT INTO {self.fts_table}({self.fts_table}) VALUES ('rebuild')")
        return bool(missing)

    def rebuild(self) -> None:
        """Rebuild the SQLite index from the table (PostgreSQL's generated column needs no rebuilding)."""
        if connection.vendor == "sqlite":
            self.ensure_sqlite_triggers(connection)
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {self.fts_table}({self.fts_table}) VALUES ('rebuild')")
