import math
from datetime import timedelta

import pytest

from civicgrid.registry import locate
from civicgrid.registry import services as registry
from civicgrid.registry.models import AdminArea
from civicgrid.tickets import services
from civicgrid.tickets.duplicates import (
    MIN_SCORE,
    duplicate_candidates,
    shared_words,
    similarity,
)
from tests.tickets.conftest import local, square
from tests.tickets.helpers import register

NOW = local(2025, 6, 18, 10, 0)
# The world's two grids are 0.01° squares side by side: 银海第1网格 from 110.40, 银海第2网格 from 110.41, at 19.20.
METRES_PER_DEGREE_LON = locate.EARTH_RADIUS_M * math.pi / 180 * math.cos(math.radians(19.2))

LEAK = "楼上漏水 楼上卫生间漏水到我家,沟通无果"


@pytest.fixture(autouse=True)
def _clock(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    # The world fixture seeds its categories under version "test".
    settings.CIVICGRID_CATEGORY_VERSION = "test"


def west_of_grid1(gap_metres: float) -> float:
    """Longitude of the lower-left corner of a 0.01° square whose east edge is `gap_metres` west of grid 1."""
    return 110.40 - gap_metres / METRES_PER_DEGREE_LON - 0.01


@pytest.fixture
def neighbours(world):
    """Extra grids around 银海第1网格: one of 金海社区 touching it on the north, others west at some distance."""
    town = world.grids[0].community.parent
    other, _ = registry.area_upsert(
        code="469002100002", name="金海社区", level=AdminArea.Level.VILLAGE, parent=town
    )

    def grid(code, name, community, geometry):
        return registry.grid_upsert(code=code, name=name, community=community, geometry=geometry)[0]

    return {
        "north": grid("469002100002001", "金海第1网格", other, square(110.40, 19.21)),
        "gap20": grid(
            "469002100001003", "银海第3网格", world.grids[0].community, square(west_of_grid1(20), 19.20)
        ),
        "gap100": grid("469002100002002", "金海第2网格", other, square(west_of_grid1(100), 19.195)),
        "far": grid("469002100002003", "金海第3网格", other, square(110.50, 19.20)),
        "unmapped": grid("469002100002004", "金海第4网格", other, None),
    }


# --- adjacency ------------------------------------------------------------------------------------


def test_adjacent_grids_touch_or_lie_within_a_few_metres_whatever_their_community(world, neighbours):
    grid1, grid2 = world.grids
    assert locate.adjacent_grid_ids(grid1.pk) == {grid2.pk, neighbours["north"].pk, neighbours["gap20"].pk}
    # Corners count: 金海第1网格 touches 银海第2网格 only at (110.41, 19.21).
    assert locate.adjacent_grid_ids(grid2.pk) == {grid1.pk, neighbours["north"].pk}
    assert locate.adjacent_grid_ids(neighbours["far"].pk) == set()
    assert locate.adjacent_grid_ids(neighbours["unmapped"].pk) == set()


def test_the_adjacency_distance_is_a_setting(world, neighbours, settings):
    settings.CIVICGRID_ADJACENT_GRID_METRES = 10
    assert neighbours["gap20"].pk not in locate.adjacent_grid_ids(world.grids[0].pk)
    settings.CIVICGRID_ADJACENT_GRID_METRES = 150
    assert {neighbours["gap20"].pk, neighbours["gap100"].pk} <= locate.adjacent_grid_ids(world.grids[0].pk)


def test_adjacency_follows_a_redrawn_grid(world, neighbours):
    far = neighbours["far"]
    assert far.pk not in locate.adjacent_grid_ids(world.grids[0].pk)
    registry.grid_upsert(
        code=far.code, name=far.name, community=far.community, geometry=square(110.40, 19.19)
    )
    assert far.pk in locate.adjacent_grid_ids(world.grids[0].pk)


# --- text similarity --------------------------------------------------------------------------------


def test_a_paraphrase_scores_above_an_unrelated_text_sharing_the_boilerplate():
    text = "您好,我要反映一下,小区门口下水道堵塞,路面积水严重,请相关部门尽快处理。"
    paraphrase = similarity(text, "小区门口积水", "下水道堵了,门口积水很深,出行不便。")
    unrelated = similarity(
        text, "咨询社保卡办理", "您好,我要反映一下,社保卡办理进度缓慢,请相关部门尽快处理。"
    )
    assert paraphrase >= MIN_SCORE
    assert unrelated < 20
    assert similarity("请相关部门尽快处理，谢谢", "咨询社保卡办理", "请相关部门尽快处理，谢谢") == 0


def test_the_same_text_scores_100_and_a_typed_title_finds_its_ticket():
    assert similarity(f"楼上漏水 {LEAK}", "楼上漏水", LEAK) == pytest.approx(100)
    assert similarity("楼上卫生间漏水", "楼上漏水", LEAK) >= MIN_SCORE


def test_shared_words_name_the_ticket_title_words_first():
    words = shared_words(
        "小区门口下水道堵塞,路面积水严重", "小区门口积水", "下水道堵了,门口积水很深,出行不便。"
    )
    assert words[:2] == ["小区", "门口"]
    # jieba reads 路面积水 as 路/面积/水: 积水 is still named, from the bigrams.
    assert set(words) == {"小区", "门口", "下水道", "积水"}


# --- duplicate_candidates -----------------------------------------------------------------------------


def test_it_finds_similar_open_tickets_in_the_same_and_adjacent_grids_only(world, neighbours):
    similar = register(world, NOW - timedelta(days=3))
    other_topic = register(world, NOW - timedelta(days=3), title="路灯不亮", content="小区门口路灯坏了一周。")
    old = register(world, NOW - timedelta(days=40))
    elsewhere = register(world, NOW - timedelta(days=1), lat=30.0, lon=120.0)  # outside every grid
    closed = register(world, NOW - timedelta(days=2), category=None)
    services.ticket_decline(ticket=closed, actor=world.user("operator"), outcome="EXPLAIN", reason="已解释")
    # Received (not yet accepted) in the neighbouring grid of the same community.
    neighbour = register(world, NOW - timedelta(days=1), category=None, lat=19.205, lon=110.415)
    across = register(world, NOW - timedelta(days=2), lat=19.215, lon=110.405)  # 金海第1网格, touching
    far = register(world, NOW - timedelta(days=1), lat=19.205, lon=110.505)  # 金海第3网格, same town

    found = duplicate_candidates(text=LEAK, grid=world.grids[0])
    tickets = [t for t, _, _ in found]
    assert set(tickets) == {similar, neighbour, across}
    assert not {other_topic, old, elsewhere, closed, far} & set(tickets)
    reasons = {t: reason for t, _, reason in found}
    assert "同一网格" in reasons[similar]
    assert "相邻网格（银海第2网格）" in reasons[neighbour]
    assert "相邻网格（金海第1网格）" in reasons[across]
    assert "3 天前受理" in reasons[similar] and "待派单" in reasons[similar]
    assert all(score >= MIN_SCORE for _, score, _ in found)


def test_the_reason_names_the_shared_words(world):
    register(
        world, NOW - timedelta(days=1), title="小区门口积水", content="下水道堵了,门口积水很深,出行不便。"
    )
    [(_, _, reason)] = duplicate_candidates(
        text="小区门口下水道堵塞,路面积水严重,请相关部门尽快处理", grid=world.grids[0]
    )
    assert reason.startswith("文字相似度 ")
    assert "共同词：小区、门口、" in reason and "积水" in reason


def test_older_tickets_score_lower_within_the_window(world, settings):
    fresh = register(world, NOW - timedelta(hours=1))
    older = register(world, NOW - timedelta(days=15))
    oldest = register(world, NOW - timedelta(days=29))
    scores = {t: score for t, score, _ in duplicate_candidates(text=LEAK, grid=world.grids[0])}
    assert list(scores) == [fresh, older, oldest]
    assert scores[fresh] > scores[older] > scores[oldest]
    assert scores[fresh] - scores[oldest] == pytest.approx(0.2 * 29 / 30 * scores[fresh], abs=1)

    settings.CIVICGRID_DUPLICATE_RECENCY_DECAY = 0
    scores = {t: score for t, score, _ in duplicate_candidates(text=LEAK, grid=world.grids[0])}
    assert scores[fresh] == scores[oldest]
    settings.CIVICGRID_DUPLICATE_WINDOW_DAYS = 10
    assert [t for t, _, _ in duplicate_candidates(text=LEAK, grid=world.grids[0])] == [fresh]


def test_another_category_lowers_the_score_and_the_same_one_raises_it(world, settings):
    settings.CIVICGRID_DUPLICATE_RECENCY_DECAY = 0
    same = register(world, NOW - timedelta(days=1), title="楼上漏水到我家")
    other = register(world, NOW - timedelta(days=1), title="楼上漏水到我家", category="property")
    unsorted = register(world, NOW - timedelta(days=1), title="楼上漏水到我家", category=None)
    found = duplicate_candidates(text=LEAK, grid=world.grids[0], category=world.categories["neighbour"])
    scores = {t: score for t, score, _ in found}
    reasons = {t: reason for t, _, reason in found}
    assert scores[same] > scores[unsorted] > scores[other]
    assert scores[other] == pytest.approx(0.75 * scores[unsorted], abs=0.2)
    assert "同一业务分类" in reasons[same] and "业务分类不同" in reasons[other]


def test_without_a_grid_every_place_counts(world, neighbours):
    far = register(world, NOW - timedelta(days=1), lat=19.205, lon=110.505)
    [(ticket, _, reason)] = duplicate_candidates(text=LEAK)
    assert ticket == far and "事发位置未定" in reason


def test_a_handler_sees_only_the_tickets_of_their_units(world):
    mine = register(world, NOW - timedelta(days=1), category="property")
    services.ticket_dispatch(ticket=mine, actor=world.user("dispatcher"), at=NOW - timedelta(days=1))
    not_mine = register(world, NOW - timedelta(days=1))
    by_handler = duplicate_candidates(text=LEAK, grid=world.grids[0], user=world.user("zjj"))
    assert [t for t, _, _ in by_handler] == [mine]
    by_operator = duplicate_candidates(text=LEAK, grid=world.grids[0], user=world.user("operator"))
    assert {t for t, _, _ in by_operator} == {mine, not_mine}


def test_it_leaves_out_the_ticket_itself_and_keeps_to_the_limit(world):
    tickets = [register(world, NOW - timedelta(hours=h)) for h in range(1, 8)]
    found = duplicate_candidates(text=LEAK, grid=world.grids[0], exclude=tickets[0], limit=3)
    assert [t for t, _, _ in found] == tickets[1:4]


def test_it_needs_some_text_beyond_boilerplate(world):
    register(world, NOW)
    assert duplicate_candidates(text="漏水", grid=world.grids[0]) == []
    assert duplicate_candidates(text="", grid=world.grids[0]) == []
    assert duplicate_candidates(text="您好，请相关部门尽快处理，谢谢", grid=world.grids[0]) == []


# --- the problem's words weigh above the address's --------------------------------------------------

ESTATE = "新民椰城花园小区"


def test_a_ticket_sharing_only_the_address_is_not_a_duplicate(world):
    # The walk: 「关于新民椰城花园小区的反映 72 分 … 共同词:小区、新民、椰城、花园」 for another matter.
    noise = register(
        world,
        NOW - timedelta(days=2),
        title=f"关于{ESTATE}的反映",
        content=f"{ESTATE}3栋楼下烧烤店夜间噪音扰民。",
        address=ESTATE,
    )
    drain = register(
        world,
        NOW - timedelta(days=1),
        title=f"{ESTATE}下水道堵塞",
        content=f"{ESTATE}5栋门口下水道堵塞,污水外溢。",
        address=f"{ESTATE}5栋",
    )
    text = f"{ESTATE}下水道堵了 {ESTATE}5栋门口下水道堵塞,污水冒出来"
    found = duplicate_candidates(text=text, grid=world.grids[0], address=f"{ESTATE}5栋")
    assert [t for t, _, _ in found] == [drain]
    [(_, score, reason)] = found
    words = reason.split("共同词：")[1].split(",")[0].split("、")
    assert "下水道" in words and not {"新民", "椰城", "花园", "小区"} & set(words)
    assert score >= 80
    # Read as plain text, the address alone made the noise complaint look like the same matter.
    assert similarity(text, noise.title, noise.content) >= MIN_SCORE


def test_a_matching_address_adds_to_the_problem_score_and_another_takes_from_it(world):
    same = register(world, NOW - timedelta(days=1), address="银海路8号")
    other = register(world, NOW - timedelta(days=1), address="金海湾小区3栋")
    scores = {t: s for t, s, _ in duplicate_candidates(text=LEAK, grid=world.grids[0], address="银海路8号")}
    assert scores[same] > scores[other]
    assert scores[same] - scores[other] == pytest.approx(20, abs=1)  # ADDRESS_WEIGHT of 100
