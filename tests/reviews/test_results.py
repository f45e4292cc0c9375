from fractions import Fraction

import pytest

from civicgrid.reviews import services
from civicgrid.reviews.models import GradeScale, levels_problem
from civicgrid.reviews.results import compute, grade_for
from tests.reviews.conftest import K, make_campaign, ready_campaign


def standard_levels():
    return [
        {"label": "好", "score": 100, "min": 90},
        {"label": "较好", "score": 80, "min": 75},
        {"label": "一般", "score": 60, "min": 60},
        {"label": "差", "score": 40, "min": 0},
    ]


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (Fraction(100), "好"),
        (Fraction(90), "好"),
        (Fraction(8999, 100), "较好"),
        (Fraction(75), "较好"),
        (Fraction(7499, 100), "一般"),
        (Fraction(60), "一般"),
        (Fraction(5999, 100), "差"),
        (Fraction(0), "差"),
    ],
)
def test_grade_thresholds_at_the_boundaries(score, grade):
    assert grade_for(standard_levels(), score) == grade


def test_levels_checked():
    assert levels_problem(standard_levels()) == ""
    assert levels_problem([{"label": "好", "score": 100, "min": 90}]) == "至少需要两个等次"
    assert "从高到低" in levels_problem(list(reversed(standard_levels())))
    broken = standard_levels()
    broken[-1]["min"] = 10
    assert "最低得分须为0" in levels_problem(broken)


def test_results_against_a_hand_computed_fixture(world):
    made = ready_campaign(world)
    town, dept = made["town"], made["dept"]
    # 全委会成员 (weight 0.6): 好 100 + 较好 80 → mean 90.
    services.ballot_cast(actor=world["r1"], reporter=town, grade="好")
    services.ballot_cast(actor=world["r2"], reporter=town, grade="较好")
    # 本单位干部群众 (weight 0.4): online 一般 60, paper 好 ×1 and 差 ×2 → (60 + 100 + 40 + 40) / 4 = 60.
    services.ballot_cast(actor=world["r3"], reporter=town, grade="一般")
    services.paper_enter(
        actor=world["organiser"], group=made["staff"], reporter=town, counts={"好": 1, "差": 2}
    )
    # Town: 0.6 × 90 + 0.4 × 60 = 78 → 较好 (75 ≤ 78 < 90).
    # Department: 全委会 好, 好 → 100; no ballot of 本单位干部群众, so 全委会 carries the whole weight → 100 → 好.
    services.ballot_cast(actor=world["r1"], reporter=dept, grade="好")
    services.ballot_cast(actor=world["r2"], reporter=dept, grade="好")

    result = compute(made["campaign"])
    rows = {row["name"]: row for row in result["reporters"]}
    town_row, dept_row = rows["王建国"], rows["李明"]
    assert [(g["name"], g["ballots"], g["mean"]) for g in town_row["groups"]] == [
        ("全委会成员", 2, 90.0),
        ("本单位干部群众", 4, 60.0),
    ]
    assert town_row["groups"][1]["counts"] == {"好": 1, "较好": 0, "一般": 1, "差": 2}
    assert (town_row["score"], town_row["grade"], town_row["rank"]) == (78.0, "较好", 2)
    assert town_row["notes"] == []
    assert (dept_row["score"], dept_row["grade"], dept_row["rank"]) == (100.0, "好", 1)
    assert dept_row["notes"] == ["「本单位干部群众」无有效测评票，其权重按比例分配给其他测评组"]


def test_ties_share_a_rank_and_no_ballots_no_grade(world):
    made = ready_campaign(world)
    for reporter in (made["town"], made["dept"]):
        services.ballot_cast(actor=world["r3"], reporter=reporter, grade="较好")
    rows = {row["name"]: row for row in compute(made["campaign"])["reporters"]}
    assert rows["王建国"]["rank"] == rows["李明"]["rank"] == 1
    assert "得分与李明相同，并列第1名" in rows["王建国"]["notes"]

    empty = make_campaign(world, code="SZPY-EMPTY")
    services.reporter_add(
        actor=world["organiser"], campaign=empty, kind=K.DEPARTMENT, name="赵六", unit=world["housing"]
    )
    services.group_save(actor=world["organiser"], campaign=empty, name="全委会成员", weight="1")
    row = compute(empty)["reporters"][0]
    assert (row["score"], row["grade"], row["rank"]) == (None, "", None)
    assert row["notes"] == ["无有效测评票，不计算得分、不评定等次"]


def test_configured_labels(world):
    scale = GradeScale.objects.get(name="优秀、称职、基本称职、不称职")
    campaign = services.campaign_create(
        actor=world["organiser"],
        code="SQ-2026",
        name="社区书记双述双评",
        year=2026,
        area=world["county"],
        reporter_kinds=[K.TOWN],
        scale=scale,
    )
    services.reporter_add(
        actor=world["organiser"], campaign=campaign, kind=K.TOWN, name="王建国", area=world["town"]
    )
    group = services.group_save(actor=world["organiser"], campaign=campaign, name="党员群众代表", weight="1")
    services.campaign_open(actor=world["organiser"], campaign=campaign)
    reporter = campaign.reporters.get()
    services.paper_enter(
        actor=world["organiser"], group=group, reporter=reporter, counts={"称职": 3, "优秀": 1}
    )
    row = compute(campaign)["reporters"][0]
    assert (row["score"], row["grade"]) == (85.0, "称职")
