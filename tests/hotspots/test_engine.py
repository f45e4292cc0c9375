from datetime import date, datetime, timedelta

from civicgrid.hotspots.engine import (
    Params,
    Record,
    canonical_places,
    cluster,
    growth,
    place_fragment,
    place_key,
    places_in,
    tokens,
)


def test_named_places_are_found_and_normalised():
    assert "魅力之城" in places_in(tokens("A5区魅力之城小区临街门面油烟扰民"))
    assert any(p.endswith("金鼎村") for p in places_in(tokens("A7县春华镇金鼎村水泥路、自来水到户的问题")))
    assert "水泥路" not in places_in(tokens("A7县春华镇金鼎村水泥路、自来水到户的问题"))
    assert place_key("魅力之城小区") == place_key("魅力之城") == "魅力之城"
    assert place_key("A3区丽发新城") == "丽发新城"


def test_an_office_is_not_a_place():
    assert not any(p.endswith("政府") for p in places_in(tokens("希望市委市政府加快行动")))


def test_variants_map_to_the_place_named_most():
    canon = canonical_places({"丽发新城": 5, "区丽发新城": 2, "商品房伊景园滨河": 1, "伊景园滨河": 3})
    assert canon["区丽发新城"] == "丽发新城"
    assert canon["商品房伊景园滨河"] == "伊景园滨河"
    assert canon["丽发新城"] == "丽发新城"


def test_key_words_are_not_fragments_of_the_places():
    places = {"丽发新城", "暮云街道", "广州局集团公司"}
    assert place_fragment("区丽发", places)  # 「A3区丽发新城」 cut as 区丽发|新城
    assert place_fragment("新城", places)
    assert place_fragment("县星", set())  # 「长沙县星沙」: unknown to the dictionary, starts with 县
    assert not place_fragment("搅拌站", places)
    assert not place_fragment("广铁集团", places)  # shares only the generic 「集团」
    assert not place_fragment("区域", places) and not place_fragment("市场", places)


def test_the_teddy_prefix_is_not_a_key_word():
    texts = [
        f"A3区丽发新城小区附近搅拌站噪音扰民{tail}" for tail in ("", "，晚上也施工", "，粉尘污染", "，请处理")
    ]
    (c,) = cluster(_records(texts))
    assert c.main_place == "丽发新城" and "搅拌站" in c.keywords
    assert not any("丽发" in w for w in c.keywords)


def _records(texts, start=datetime(2026, 3, 1, 9), step=timedelta(hours=7)):
    return [Record(ref=i, text=t, time=start + i * step) for i, t in enumerate(texts)]


def test_same_place_same_problem_is_one_cluster_and_explains_itself():
    texts = [
        "椰林花园小区门口烧烤摊油烟扰民",
        "椰林花园楼下烧烤油烟太大，晚上无法开窗",
        "投诉椰林花园小区烧烤摊占道经营油烟扰民",
        "人民路路灯不亮，晚上出行不便",
        "建议增加公交线路",
        "椰林花园小区烧烤摊油烟熏人",
    ]
    clusters = cluster(_records(texts))
    top = clusters[0]
    assert sorted(top.members) == [0, 1, 2, 5]
    assert top.main_place == "椰林花园"
    assert "油烟" in top.keywords
    assert top.label.startswith("椰林花园：")
    assert top.first == datetime(2026, 3, 1, 9)
    assert sum(k for _d, k in top.daily) == 4
    assert all(4 not in c.members for c in clusters)


def test_records_far_apart_in_time_are_not_linked():
    texts = ["椰林花园小区烧烤摊油烟扰民"] * 2
    recs = _records(texts, step=timedelta(days=40))
    assert cluster(recs, Params(window_days=14)) == []


def test_different_areas_are_never_linked():
    recs = _records(["椰林花园小区烧烤摊油烟扰民"] * 2)
    recs[1].area = "t2"
    assert cluster(recs) == []


def test_growth_against_its_own_baseline():
    today = date(2026, 3, 28)
    flat = {today - timedelta(days=d): 1 for d in range(28)}
    assert growth(flat, today) == 0.0
    rising = dict(flat) | {today - timedelta(days=d): 5 for d in range(7)}
    assert growth(rising, today) > 2


def test_heat_counts_callers_not_calls():
    texts = ["椰林花园小区烧烤摊油烟扰民"] * 4
    one = _records(texts)
    for r in one:
        r.caller = "same"
    many = _records(texts)
    assert cluster(many)[0].heat > cluster(one)[0].heat


def test_no_place_links_by_shared_rare_words():
    texts = ["共享单车乱停乱放堵塞盲道", "共享单车乱停乱放，盲道被堵", "天气很热"]
    clusters = cluster(_records(texts))
    assert [sorted(c.members) for c in clusters] == [[0, 1]]
