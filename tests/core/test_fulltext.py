"""The shared full-text search: queries from Chinese text, expressions, common terms, and an index over a
table of the test's own (FTS5 on SQLite, a generated tsvector column on PostgreSQL)."""

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.core import fulltext
from civicgrid.core.chinese import search_text
from civicgrid.core.fulltext import Query

STOP_WORDS = frozenset({"请问", "怎么办", "需要", "什么"})
STOP_CHARS = frozenset("的了我想办")


def terms(text: str, **kwargs) -> tuple:
    kwargs = {"max_terms": 16, "stop_words": STOP_WORDS, "stop_chars": STOP_CHARS, **kwargs}
    return fulltext.build_query(text, **kwargs).terms


def test_lone_characters_pair_only_into_words_and_mis_cuts_go():
    # jieba: 路/面积/水/严重 → 路面 and 积水; 面积 lost both its characters, 水严 is no word.
    assert terms("路面积水") == (("路面",), ("积水",))
    assert fulltext.run_words("路面积水", stop_chars=frozenset()) == ["路面", "积水"]


def test_stop_lists_are_the_callers():
    assert terms("请问怎么办") == ()
    assert terms("请问怎么办", stop_words=frozenset()) != ()
    # 办 on its own pairs with nothing when it is a stop character.
    assert all("办" not in token for term in terms("我想办低保") for token in term)
    assert ("低保",) in terms("我想办低保")


def test_words_terms_and_the_limit():
    query = fulltext.build_query(
        "公积金提取 KTV噪音", max_terms=16, stop_words=STOP_WORDS, stop_chars=STOP_CHARS
    )
    assert query.terms == (("公积", "积金"), ("提取",), ("ktv",), ("噪音",))
    assert query.words == ("公积金", "提取", "ktv", "噪音")
    assert terms("积水 噪音 停水 停电", max_terms=2) == (("积水",), ("噪音",))
    assert not fulltext.build_query("？？", max_terms=3, stop_words=STOP_WORDS, stop_chars=STOP_CHARS)


def test_expressions_quote_every_token():
    query = Query(terms=(("积水",), ("公积", "积金"), ('a"b',), ("c'd\\",)))

    assert fulltext.fts5_expression(query) == '"积水" OR ("公积" AND "积金") OR "a""b" OR "c\'d\\"'
    assert fulltext.tsquery_expression(query) == "'积水' | ('公积' & '积金') | 'a\"b' | 'c''d\\\\'"


@given(st.text(max_size=40))
def test_any_text_gives_a_query_whose_expressions_are_well_formed(text):
    query = fulltext.build_query(text, max_terms=5, stop_words=STOP_WORDS, stop_chars=STOP_CHARS)
    assert len(query.terms) <= 5
    assert all(term and all(term) for term in query.terms)
    assert bool(fulltext.fts5_expression(query)) == bool(query)


def test_rarest_terms_leave_out_common_ones_and_keep_the_rarest():
    query = Query(terms=(("小区",), ("物业",), ("停车费",), ("乱收",)), words=("小区",))
    shares = {"小区": 0.3, "物业": 0.08, "停车费": 0.03, "乱收": 0.001}

    def kept(**kwargs):
        return fulltext.rarest_terms(query, shares, **kwargs).terms

    assert kept(common_share=0.25) == (("物业",), ("停车费",), ("乱收",))
    assert kept(common_share=0.5) == query.terms
    assert kept(common_share=0.25, total=0.05) == (("停车费",), ("乱收",))
    assert fulltext.rarest_terms(query, dict.fromkeys(shares, 0.9), common_share=0.25).terms == (("小区",),)
    assert fulltext.rarest_terms(query, {}, common_share=0.25) == query
    assert fulltext.rarest_terms(query, shares, common_share=0.25).words == ("小区",)


# --- an index over a table of the test's own ------------------------------------------------------------

TABLE = "core_fulltext_probe"
INDEX = fulltext.Index(
    table=TABLE,
    fts_table="core_fulltext_probe_fts",
    vocab_table="core_fulltext_probe_fts_vocab",
    trigger_prefix="core_fulltext_probe_fts",
    common_min_docs=8,
    rank_window=2,
)
LONG = "小区物业管理服务中心联系电话与办公地址以及开放时间"
DOCUMENTS = ["路面积水严重", "小区路面积水", "楼下KTV噪音扰民", "公积金提取", LONG] + [
    f"小区物业{i}" for i in range(6)
]


@pytest.fixture
def probe(db):
    """The table (created inside the test's transaction, so rolled back with it) and its rows' ids by text."""
    fulltext._postgres_common.clear()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TABLE {TABLE} (id serial PRIMARY KEY, search_text text NOT NULL, kind text NOT NULL, "
                "search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED)"
            )
        else:
            cursor.execute(
                f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, search_text text NOT NULL, kind text NOT NULL)"
            )
            cursor.execute(
                f"CREATE VIRTUAL TABLE {INDEX.fts_table} USING fts5(search_text, content='{TABLE}', "
                "content_rowid='id', tokenize='unicode61')"
            )
            cursor.execute(
                f"CREATE VIRTUAL TABLE {INDEX.vocab_table} USING fts5vocab({INDEX.fts_table}, 'row')"
            )
            for statement in INDEX.sqlite_triggers().values():
                cursor.execute(statement)
        ids = {}
        for n, text in enumerate(DOCUMENTS):
            cursor.execute(
                f"INSERT INTO {TABLE} (search_text, kind) VALUES (%s, %s)", [search_text(text), "ab"[n % 2]]
            )
            cursor.execute(f"SELECT max(id) FROM {TABLE}")
            ids[text] = cursor.fetchone()[0]
    yield ids
    fulltext._postgres_common.clear()


def query(text: str) -> Query:
    return fulltext.build_query(text, max_terms=16, stop_words=STOP_WORDS, stop_chars=STOP_CHARS)


def test_an_index_ranks_and_filters(probe):
    ranked = INDEX.ranked_ids(query("路面积水"), limit=5)
    assert {pk for pk, _ in ranked} == {probe["路面积水严重"], probe["小区路面积水"]}
    assert ranked[0][1] >= ranked[1][1] > 0

    only_b = INDEX.ranked_ids(query("路面积水"), where="t.kind = %s", params=["b"], limit=5)
    assert [pk for pk, _ in only_b] == [probe["小区路面积水"]]
    assert INDEX.ranked_ids(query("停车"), limit=5) == []
    assert INDEX.ranked_ids(Query(terms=()), limit=5) == []


def test_equal_scores_go_to_the_newest_or_the_oldest(probe):
    newest = INDEX.ranked_ids(query("物业"), limit=10)
    oldest = INDEX.ranked_ids(query("物业"), limit=10, newest_first=False)

    assert len(newest) == len(oldest) == 7
    for ranked, later in ((newest, lambda a, b: a > b), (oldest, lambda a, b: a < b)):
        for (pk, score), (next_pk, next_score) in zip(ranked, ranked[1:], strict=False):
            assert score > next_score or later(pk, next_pk)


def test_a_match_filtered_out_of_the_rank_window_is_still_found(probe):
    # limit 1: FTS5 ranks max(2, 4 × 1) = 4 matches of 7 first, and the long row comes last of them.
    if connection.vendor == "sqlite":
        assert INDEX.ranked_ids(query("物业"), limit=7)[-1][0] == probe[LONG]
    found = INDEX.ranked_ids(query("物业"), where="t.id = %s", params=[probe[LONG]], limit=1)
    assert [pk for pk, _ in found] == [probe[LONG]]


def test_a_common_term_is_left_out_on_a_large_enough_table(probe):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")
    # 小区 is in 8 of 11 rows: 小区积水 asks for 积水 alone.
    ranked = INDEX.ranked_ids(query("小区 积水"), limit=10)
    assert {pk for pk, _ in ranked} >= {probe["路面积水严重"], probe["小区路面积水"]}
    if connection.vendor == "sqlite":
        assert len(ranked) == 2  # the 小区物业 rows are not matched at all
    assert len(INDEX.ranked_ids(query("小区"), limit=10)) == 8  # the rarest term always stays


def test_lost_triggers_are_put_back_and_the_index_rebuilt(probe):
    if connection.vendor != "sqlite":
        assert INDEX.ensure_sqlite_triggers(connection) is False
        return
    assert set(INDEX.sqlite_triggers()) == {f"core_fulltext_probe_fts_{s}" for s in ("ai", "ad", "au")}
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER core_fulltext_probe_fts_ai")
        cursor.execute(f"INSERT INTO {TABLE} (search_text, kind) VALUES (%s, 'a')", [search_text("渔船登记")])
    assert INDEX.ranked_ids(query("渔船"), limit=5) == []

    assert INDEX.ensure_sqlite_triggers(connection) is True
    assert INDEX.ensure_sqlite_triggers(connection) is False
    assert len(INDEX.ranked_ids(query("渔船"), limit=5)) == 1
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET search_text = %s WHERE search_text LIKE %s", ["内涝", "%渔船%"])
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [probe["公积金提取"]])
    INDEX.rebuild()
    assert INDEX.ranked_ids(query("渔船"), limit=5) == [] and INDEX.ranked_ids(query("公积金"), limit=5) == []
    assert len(INDEX.ranked_ids(query("内涝"), limit=5)) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {INDEX.fts_table}({INDEX.fts_table}, rank) VALUES ('integrity-check', 1)"
        )
