"""How a text becomes a query, and how common words are left out of it on a large base."""

from datetime import date

import pytest

from civicgrid.knowledge import fts, selectors
from civicgrid.knowledge.services import ImportRow, entries_import
from tests.knowledge.conftest import TODAY


def terms(text: str) -> tuple:
    return fts.build_query(text).terms


def test_one_character_words_are_read_with_their_neighbours():
    # jieba: 路/面积/水/严重. 面积 lost both characters to real words around it; 水严 is no word.
    assert terms("路面积水严重") == (("路面",), ("积水",))
    assert ("续快",) not in terms("已经持续快两个月") and ("快两",) not in terms("已经持续快两个月")


def test_longer_words_become_their_bigrams_and_filler_is_dropped():
    assert terms("我想咨询一下公积金提取需要什么材料") == (("公积", "积金"), ("提取",), ("材料",))
    assert terms("楼下KTV噪音扰民") == (("楼下",), ("ktv",), ("噪音",), ("扰民",))
    assert terms("请问怎么办?") == ()


def test_a_long_text_keeps_its_first_terms():
    query = fts.build_query("积水 噪音 停水 停电 垃圾 社保 户口 学位", max_terms=3)

    assert query.terms == (("积水",), ("噪音",), ("停水",))


def test_expressions_quote_every_token():
    query = fts.Query(terms=(("积水",), ("公积", "积金")), words=())

    assert fts.fts5_expression(query) == '"积水" OR ("公积" AND "积金")'
    assert fts.tsquery_expression(query) == "'积水' | ('公积' & '积金')"


def test_common_terms_are_left_out_and_the_rarest_stay():
    query = fts.Query(terms=(("小区",), ("物业",), ("停车费",), ("乱收",)), words=("小区",))
    shares = {"小区": 0.3, "物业": 0.08, "停车费": 0.03, "乱收": 0.001}

    assert fts._rarest_terms(query, shares).terms == (("物业",), ("停车费",), ("乱收",))
    assert fts._rarest_terms(query, shares, total=0.05).terms == (("停车费",), ("乱收",))
    assert fts._rarest_terms(query, dict.fromkeys(shares, 0.9)).terms == (("小区",),)
    assert fts._rarest_terms(query, {}) == query
    assert fts._rarest_terms(query, shares).words == ("小区",)


@pytest.mark.django_db
def test_a_large_base_still_finds_and_ranks_with_common_words(world):
    since = date(2026, 1, 1)
    rows = [
        ImportRow(line=i, question=f"物业服务问答{i}", answer="请联系物业。", valid_from=since)
        for i in range(1200)
    ]
    rows.append(
        ImportRow(
            line=9999, question="小区物业乱收停车费怎么办", answer="向市场监管部门投诉。", valid_from=since
        )
    )
    entries_import(rows=rows)

    hits = selectors.search("物业乱收停车费", at=TODAY, limit=5)
    only_common = selectors.search("物业", at=TODAY, limit=5)

    assert hits[0].entry.question == "小区物业乱收停车费怎么办"
    assert len(only_common) == 5
