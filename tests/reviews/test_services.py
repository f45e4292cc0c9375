from datetime import date
from decimal import Decimal

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.reviews import rectification, services
from civicgrid.reviews.errors import ReviewError
from civicgrid.reviews.models import Ballot, DataSheet, PaperTally, RectificationItem, ReviewCampaign
from tests.reviews.conftest import K, make_campaign, moment, ready_campaign

S = ReviewCampaign.State


def test_create_needs_organisation_staff_of_the_area(world):
    with pytest.raises(ReviewError, match="组织部"):
        services.campaign_create(
            actor=world["handler"],
            code="X",
            name="X",
            year=2026,
            area=world["county"],
            reporter_kinds=[K.TOWN],
        )
    with pytest.raises(ReviewError, match="本人负责的区划"):
        services.campaign_create(
            actor=world["outsider"],
            code="X",
            name="X",
            year=2026,
            area=world["county"],
            reporter_kinds=[K.TOWN],
        )
    with pytest.raises(ReviewError, match="述职对象类别"):
        services.campaign_create(
            actor=world["organiser"],
            code="X",
            name="X",
            year=2026,
            area=world["county"],
            reporter_kinds=["nobody"],
        )
    campaign = make_campaign(world)
    assert campaign.state == S.DRAFT
    assert campaign.scale.labels == ["好", "较好", "一般", "差"]
    assert AuditEvent.objects.filter(action="reviews.campaign_create", target_id=str(campaign.pk)).exists()
    with pytest.raises(ReviewError, match="已被使用"):
        make_campaign(world)


def test_state_machine(world):
    made = ready_campaign(world, open_it=False)
    campaign, actor = made["campaign"], world["organiser"]
    for step in (services.campaign_close, services.campaign_publish):
        with pytest.raises(ReviewError, match="筹备中"):
            step(actor=actor, campaign=campaign)
    services.campaign_open(actor=actor, campaign=campaign, at=moment(2026, 12, 2))
    with pytest.raises(ReviewError, match="测评中"):
        services.campaign_open(actor=actor, campaign=campaign)
    with pytest.raises(ReviewError, match="测评中"):
        services.campaign_publish(actor=actor, campaign=campaign)
    services.campaign_close(actor=actor, campaign=campaign)
    services.campaign_publish(actor=actor, campaign=campaign, at=moment(2026, 12, 20))
    campaign.refresh_from_db()
    assert campaign.state == S.PUBLISHED
    assert campaign.results["reporters"][0]["name"] == "王建国"
    actions = set(AuditEvent.objects.filter(target_id=str(campaign.pk)).values_list("action", flat=True))
    assert {"reviews.campaign_open", "reviews.campaign_close", "reviews.campaign_publish"} <= actions


def test_outsider_cannot_run_the_campaign(world):
    made = ready_campaign(world, open_it=False)
    with pytest.raises(ReviewError, match="组织部门"):
        services.campaign_open(actor=world["outsider"], campaign=made["campaign"])
    with pytest.raises(ReviewError, match="组织部门"):
        services.reporter_add(
            actor=world["outsider"], campaign=made["campaign"], kind=K.TOWN, name="某", area=world["town"]
        )


def test_weights_must_sum_to_one(world):
    campaign = make_campaign(world)
    actor = world["organiser"]
    services.reporter_add(
        actor=actor, campaign=campaign, kind=K.DEPARTMENT, name="李明", unit=world["housing"]
    )
    with pytest.raises(ReviewError, match="尚未设置测评组"):
        services.campaign_open(actor=actor, campaign=campaign)
    group = services.group_save(actor=actor, campaign=campaign, name="全委会成员", weight="0.6")
    services.group_save(actor=actor, campaign=campaign, name="服务对象", weight="0.3")
    with pytest.raises(ReviewError, match="权重之和为0.9，须为1"):
        services.campaign_open(actor=actor, campaign=campaign)
    with pytest.raises(ReviewError, match="0到1之间"):
        services.group_save(actor=actor, campaign=campaign, name="x", weight="1.5")
    with pytest.raises(ReviewError, match="已存在"):
        services.group_save(actor=actor, campaign=campaign, name="服务对象", weight="0.1")
    services.group_save(actor=actor, campaign=campaign, group=group, name="全委会成员", weight="0.7")
    services.campaign_open(actor=actor, campaign=campaign)
    assert DataSheet.objects.filter(reporter__campaign=campaign).count() == 1


def test_open_needs_reporters(world):
    campaign = make_campaign(world)
    services.group_save(actor=world["organiser"], campaign=campaign, name="全委会成员", weight="1")
    with pytest.raises(ReviewError, match="尚未添加述职人"):
        services.campaign_open(actor=world["organiser"], campaign=campaign)


def test_ballot_guards(world):
    made = ready_campaign(world, open_it=False)
    campaign, town = made["campaign"], made["town"]
    with pytest.raises(ReviewError, match="筹备中"):
        services.ballot_cast(actor=world["r1"], reporter=town, grade="好")
    services.campaign_open(actor=world["organiser"], campaign=campaign)
    with pytest.raises(ReviewError, match="不是本次述职评议的测评人"):
        services.ballot_cast(actor=world["handler"], reporter=town, grade="好")
    with pytest.raises(ReviewError, match="好、较好、一般、差"):
        services.ballot_cast(actor=world["r1"], reporter=town, grade="优秀")
    other = make_campaign(world, code="SZPY-2026-B")
    stranger = services.reporter_add(
        actor=world["organiser"], campaign=other, kind=K.DEPARTMENT, name="赵六", unit=world["housing"]
    )
    with pytest.raises(ReviewError, match="不是本次述职评议的测评人"):
        services.ballot_cast(actor=world["r1"], reporter=stranger, grade="好")
    # the secretary rates too, but not himself
    services.rater_add(actor=world["organiser"], group=made["full"], user=world["secretary_user"])
    with pytest.raises(ReviewError, match="不能为本人投票"):
        services.ballot_cast(actor=world["secretary_user"], reporter=town, grade="好")
    services.ballot_cast(actor=world["secretary_user"], reporter=made["dept"], grade="较好")


def test_one_ballot_per_rater_per_reporter_changeable_until_close(world):
    made = ready_campaign(world)
    town = made["town"]
    services.ballot_cast(actor=world["r1"], reporter=town, grade="好")
    services.ballot_cast(actor=world["r1"], reporter=town, grade="一般")
    assert list(Ballot.objects.filter(reporter=town).values_list("grade", flat=True)) == ["一般"]
    assert AuditEvent.objects.filter(action="reviews.ballot_cast").count() == 2
    services.campaign_close(actor=world["organiser"], campaign=made["campaign"])
    with pytest.raises(ReviewError, match="测评结束"):
        services.ballot_cast(actor=world["r1"], reporter=town, grade="好")


def test_rater_only_once_per_campaign(world):
    made = ready_campaign(world)
    with pytest.raises(ReviewError, match="全委会成员"):
        services.rater_add(actor=world["organiser"], group=made["staff"], user=world["r1"])


def test_paper_ballots_replace_previous_entry(world):
    made = ready_campaign(world)
    actor = world["organiser"]
    services.paper_enter(actor=actor, group=made["staff"], reporter=made["town"], counts={"好": 3, "较好": 1})
    services.paper_enter(actor=actor, group=made["staff"], reporter=made["town"], counts={"好": 5})
    assert dict(PaperTally.objects.values_list("grade", "count")) == {"好": 5}
    with pytest.raises(ReviewError, match="不小于0"):
        services.paper_enter(actor=actor, group=made["staff"], reporter=made["town"], counts={"好": -1})
    with pytest.raises(ReviewError, match="不在本次等次方案"):
        services.paper_enter(actor=actor, group=made["staff"], reporter=made["town"], counts={"优秀": 1})


def test_towns_added_from_the_party_register(world):
    campaign = make_campaign(world)
    added, skipped = services.reporters_add_towns(actor=world["organiser"], campaign=campaign)
    assert [(r.name, r.area.name, r.unit.name, r.user) for r in added] == [
        ("王建国", "嘉积镇", "嘉积镇人民政府", world["secretary_user"])
    ]
    assert skipped == ["博鳌镇：中共博鳌镇委员会书记空缺"]
    added, skipped = services.reporters_add_towns(actor=world["organiser"], campaign=campaign)
    assert added == [] and skipped[0] == "嘉积镇：已在述职名单中"


def test_sheets_reassemble_only_in_draft(world):
    made = ready_campaign(world, open_it=False)
    campaign = made["campaign"]
    services.sheets_assemble(actor=world["organiser"], campaign=campaign, at=moment(2026, 11, 1))
    first = DataSheet.objects.get(reporter=made["town"])
    assert first.data["period_to"] == "2026-11-01"
    services.sheets_assemble(actor=world["organiser"], campaign=campaign, at=moment(2026, 12, 1))
    first.refresh_from_db()
    assert first.data["period_to"] == "2026-12-01"
    services.campaign_open(actor=world["organiser"], campaign=campaign)
    with pytest.raises(ReviewError, match="数据表已固定"):
        services.sheets_assemble(actor=world["organiser"], campaign=campaign)


def test_rectification_items(world):
    made = ready_campaign(world)
    actor = world["organiser"]
    item = services.rectification_add(
        actor=actor,
        reporter=made["town"],
        problem="网格党支部覆盖不全",
        measure="年底前在未覆盖网格建立党支部",
        responsible="王建国",
        due_date=date(2026, 12, 31),
    )
    assert not rectification.is_overdue(item, date(2026, 12, 31))
    assert rectification.is_overdue(item, date(2027, 1, 1))
    assert rectification.state_label(item, date(2027, 1, 1)) == "已超期"
    with pytest.raises(ReviewError, match="述职人本人或组织部"):
        services.rectification_complete(actor=world["handler"], item=item, evidence="已完成")
    with pytest.raises(ReviewError, match="完成情况说明"):
        services.rectification_complete(actor=world["secretary_user"], item=item, evidence=" ")
    services.rectification_complete(actor=world["secretary_user"], item=item, evidence="已建立3个网格党支部")
    item.refresh_from_db()
    assert item.state == RectificationItem.State.DONE and not rectification.is_overdue(item, date(2027, 2, 1))
    assert AuditEvent.objects.filter(action="reviews.rectification_done", target_id=str(item.pk)).exists()


def test_comment(world):
    made = ready_campaign(world)
    services.reporter_comment(actor=world["organiser"], reporter=made["town"], text="抓党建责任落实较好。")
    made["town"].refresh_from_db()
    assert made["town"].comment == "抓党建责任落实较好。"
    with pytest.raises(ReviewError):
        services.reporter_comment(actor=world["outsider"], reporter=made["town"], text="x")


def test_weights_stored_exactly(world):
    made = ready_campaign(world)
    assert made["full"].weight == Decimal("0.6")
