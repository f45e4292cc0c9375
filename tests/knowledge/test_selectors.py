"""Search and intake suggestions: two-character words, ranking, validity, escaping, highlighting."""

from datetime import date

import pytest

from civicgrid.knowledge import selectors, services
from civicgrid.knowledge.models import Entry
from tests.knowledge.conftest import TODAY

pytestmark = pytest.mark.django_db


def questions(hits) -> list[str]:
    return [hit.entry.question for hit in hits]


def test_it_finds_two_character_words_that_jieba_does_not_cut_out(make_entry):
    # jieba reads 路面积水严重 as 路/面积/水/严重: 积水 is only found through the stored bigrams.
    make_entry("路面积水严重", "请拨打12345报修。")
    make_entry("楼下KTV噪音扰民", "可拨打110或12345反映。")
    make_entry("社保怎么补缴", "携带身份证到社保窗口办理。")

    assert questions(selectors.search("积水", at=TODAY)) == ["路面积水严重"]
    assert questions(selectors.search("噪音", at=TODAY)) == ["楼下KTV噪音扰民"]
    assert questions(selectors.search("ktv", at=TODAY)) == ["楼下KTV噪音扰民"]


def test_it_finds_longer_words_and_whole_questions(make_entry):
    make_entry("住房公积金提取需要什么材料?", "租房提取只需身份证。")
    make_entry("结婚登记需要带什么材料?", "双方身份证和户口簿。")

    assert questions(selectors.search("公积金", at=TODAY)) == ["住房公积金提取需要什么材料?"]
    hits = selectors.search("我想咨询一下公积金提取需要什么材料", at=TODAY)
    assert questions(hits)[0] == "住房公积金提取需要什么材料?"


def test_entries_matching_more_of_the_words_rank_first(make_entry):
    make_entry("小区停车费由谁定价?", "由业主大会决定。")
    make_entry("小区物业乱收停车费怎么投诉?", "可向市场监管部门投诉物业乱收费。")
    make_entry("物业费收费标准在哪里查?", "物业服务合同中约定。")

    hits = selectors.search("小区物业乱收停车费", at=TODAY)

    assert questions(hits)[0] == "小区物业乱收停车费怎么投诉?"
    assert len(hits) == 3  # OR: entries matching only some of the words are still found
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_word_in_the_question_outweighs_the_same_word_in_an_answer(make_entry):
    make_entry("自来水发黄怎么办?", "请放水数分钟;仍有问题请联系供水公司,也可反映停水情况。")
    make_entry("停水通知在哪里查询?", "关注供水公司公众号。")

    assert questions(selectors.search("停水", at=TODAY))[0] == "停水通知在哪里查询?"


@pytest.mark.parametrize(
    "query",
    [
        '"积水',
        "积水 OR",
        "AND 积水",
        "积水*",
        "NEAR(积水 路面)",
        "积水'); DROP TABLE x; --",
        "^积水",
        "积水 -路面",
        "col:积水",
        "(积水",
        "!@#$%",
        "'",
        '"',
        "\\",
    ],
)
def test_user_input_is_never_query_syntax(make_entry, query):
    make_entry("路面积水严重", "请拨打12345报修。")

    hits = selectors.search(query, at=TODAY)

    assert all(hit.entry.question == "路面积水严重" for hit in hits)


def test_a_query_without_words_finds_nothing(make_entry):
    make_entry("路面积水严重")

    assert selectors.search("", at=TODAY) == []
    assert selectors.search("的了吗", at=TODAY) == []
    assert selectors.search("???", at=TODAY) == []


def test_snippets_are_escaped_and_mark_the_words(make_entry):
    make_entry("积水<b>报修</b>", "前面" * 80 + "遇到<script>积水</script>请报修" + "后面" * 80)

    hit = selectors.search("积水", at=TODAY)[0]

    assert "<mark>积水</mark>" in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "<script>" not in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert hit.question_html == "<mark>积水</mark>&lt;b&gt;报修&lt;/b&gt;"


def test_search_filters_by_category_subtree_and_unit(world, make_entry):
    top, noise = world.categories["noise"].parent, world.categories["noise"]
    make_entry("施工噪音扰民", category=noise, unit=world.units["zf"])
    make_entry("商铺噪音扰民", category=world.categories["property"], unit=world.units["zjj"])

    assert questions(selectors.search("噪音", category=noise, at=TODAY)) == ["施工噪音扰民"]
    assert len(selectors.search("噪音", category=top, at=TODAY)) == 2
    assert questions(selectors.search("噪音", unit=world.units["zjj"], at=TODAY)) == ["商铺噪音扰民"]


def test_search_leaves_out_retired_and_expired_entries_unless_asked(make_entry):
    make_entry("停水通知", valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    retired = make_entry("停水抢修电话")
    services.entry_retire(entry=retired, actor=None, reason="电话已变更")
    make_entry("计划停水查询")

    assert questions(selectors.search("停水", at=TODAY)) == ["计划停水查询"]
    assert set(questions(selectors.search("停水", at=TODAY, include_retired=True))) == {
        "停水通知",
        "停水抢修电话",
        "计划停水查询",
    }


def test_suggestions_only_offer_current_entries_valid_on_the_day(make_entry):
    make_entry("路面积水怎么报修", valid_from=date(2026, 1, 1))
    make_entry("积水路段绕行通知", valid_from=date(2025, 7, 1), valid_to=date(2025, 9, 30))
    make_entry("暴雨积水预警", valid_from=date(2026, 7, 1))
    retired = make_entry("积水报修旧电话")
    services.entry_retire(entry=retired, actor=None, reason="已停用")

    hits = selectors.suggest_for_intake("银海路路面积水严重,请尽快处理", at=TODAY)

    assert questions(hits) == ["路面积水怎么报修"]
    later = selectors.suggest_for_intake("银海路路面积水严重", at=date(2026, 7, 2))
    assert set(questions(later)) == {"路面积水怎么报修", "暴雨积水预警"}


def test_suggestions_offer_the_latest_version_only(make_entry):
    entry = make_entry("噪音投诉受理时间", "工作日受理。")
    revised = services.entry_revise(
        entry=entry, actor=None, answer="全天24小时受理。", valid_from=date(2026, 5, 1)
    )

    hits = selectors.suggest_for_intake("晚上噪音太吵,现在能投诉吗", at=TODAY)

    assert [hit.entry.pk for hit in hits] == [revised.pk]


def test_suggestions_need_two_meaningful_characters(make_entry):
    make_entry("积水报修", "水")

    assert selectors.suggest_for_intake("", at=TODAY) == []
    assert selectors.suggest_for_intake("水 。,!", at=TODAY) == []
    assert selectors.suggest_for_intake("积水", at=TODAY)


def test_a_category_lifts_its_entries_without_hiding_the_others(world, make_entry):
    other = make_entry("小区噪音扰民怎么办", category=world.categories["property"])
    in_category = make_entry("施工噪音扰民怎么办", category=world.categories["noise"])
    text = "噪音扰民怎么办"

    plain = selectors.suggest_for_intake(text, at=TODAY)
    lifted = selectors.suggest_for_intake(text, category=world.categories["noise"], at=TODAY)
    by_parent = selectors.suggest_for_intake(text, category=world.categories["noise"].parent, at=TODAY)

    assert {h.entry.pk for h in plain} == {other.pk, in_category.pk}
    assert [h.entry.pk for h in lifted] == [in_category.pk, other.pk]
    assert lifted[0].in_category and not lifted[1].in_category
    assert all(h.in_category for h in by_parent)  # descendants of the chosen category count


def test_suggestions_respect_the_limit(make_entry):
    for i in range(5):
        make_entry(f"垃圾分类问答{i}", "垃圾分类说明。")

    assert len(selectors.suggest_for_intake("垃圾分类怎么分", at=TODAY)) == 3
    assert len(selectors.suggest_for_intake("垃圾分类怎么分", at=TODAY, limit=5)) == 5


def test_who_may_maintain_an_entry(world, make_entry):
    entry = make_entry("房屋安全鉴定", unit=world.units["zjj"])
    orphan = make_entry("热线受理范围")

    assert selectors.can_maintain(world.user("zjj"), entry.unit)
    assert selectors.can_maintain(world.user("admin"), entry.unit)
    assert not selectors.can_maintain(world.user("zf"), entry.unit)
    assert not selectors.can_maintain(world.user("operator"), entry.unit)
    assert not selectors.can_maintain(world.user("zjj"), orphan.unit)
    assert selectors.can_maintain(world.user("admin"), orphan.unit)
    assert Entry.objects.count() == 2
