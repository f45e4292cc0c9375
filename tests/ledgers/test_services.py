"""The services' rules: propose_item (the API deliberation calls), progress, averaging, scope, ticket links."""

import inspect
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.core.actors import SYSTEM
from civicgrid.ledgers import scope, selectors, services
from civicgrid.ledgers.errors import LedgerError
from civicgrid.ledgers.models import AveragingRule, ItemEvent, ItemTicket, LedgerItem, ProgressReport
from civicgrid.ledgers.progress import item_progress, mean_progress
from civicgrid.registry.models import Role
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Channel
from civicgrid.tickets.services import ticket_register
from tests.ledgers.conftest import item_in, moment
from tests.party.factories import staff, unit
from tests.registry.factories import make_area

S = LedgerItem.State
AT = moment(2026, 3, 1)


def _ticket(title="市场周边占道经营严重"):
    return ticket_register(
        actor=None,
        channel=Channel.WEB,
        request_type=RequestType.COMPLAINT,
        title=title,
        content="早上七点市场门口摊贩占道，车辆无法通行",
        requester_name="李女士",
        requester_phone="13800000000",
        at=AT,
    )


# ------------------------------------------------------------------------------------------------- propose_item


def test_propose_item_keeps_the_signature_deliberation_calls():
    params = inspect.signature(services.propose_item).parameters
    assert list(params)[:8] == [
        "actor",
        "campaign",
        "problem",
        "source",
        "lead_unit",
        "deadline",
        "on_list",
        "tickets",
    ]
    assert all(p.kind == p.KEYWORD_ONLY for name, p in params.items() if name != "optional")


def test_propose_item_numbers_links_and_records(world):
    ticket = _ticket()
    first = services.propose_item(
        actor=world["organiser"],
        campaign=world["campaign"],
        problem="社区排水沟坍塌",
        source=LedgerItem.Source.DELIBERATION,
        tickets=[ticket],
        at=AT,
    )
    second = services.propose_item(
        actor=world["zjj"],
        campaign=world["campaign"],
        problem="小区电梯加装审批难",
        source="self_found",
        lead_unit=world["housing"],
        deadline=date(2026, 9, 30),
        on_list=True,
        co_units=[world["water"]],
        responsible_leader="王某（副市长）",
        at=AT,
    )
    assert (first.number, second.number) == ("001", "002")
    assert first.state == S.PROPOSED and list(first.tickets.all()) == [ticket]
    assert ItemTicket.objects.get(item=first).direction == ItemTicket.Direction.SENT
    assert list(second.co_units.all()) == [world["water"]] and second.on_list
    assert first.events.filter(action=ItemEvent.Action.PROPOSE).exists()
    assert first.events.filter(action=ItemEvent.Action.LINK_TICKET).exists()


def test_propose_item_refuses_bad_input(world):
    kwargs = dict(actor=world["organiser"], campaign=world["campaign"], problem="问题", at=AT)
    with pytest.raises(LedgerError, match="来源不正确"):
        services.propose_item(source="unknown", **kwargs)
    with pytest.raises(LedgerError, match="请填写问题"):
        services.propose_item(**{**kwargs, "problem": "  "}, source="self_found")
    services.propose_item(source="self_found", number="A-1", **kwargs)
    with pytest.raises(LedgerError, match="已存在"):
        services.propose_item(source="self_found", number="A-1", **kwargs)
    with pytest.raises(TypeError):
        services.propose_item(source="self_found", colour="red", **kwargs)


def test_who_may_propose(world, django_user_model):
    elsewhere = make_area("460400", "儋州市", "county", world["areas"]["460000"])
    far = staff("dz", [Role.UNIT_HANDLER], units=[unit("U-DZ", elsewhere, name="儋州市住建局")])
    nobody = django_user_model.objects.create_user(username="resident", password="x")
    for actor in (far, nobody):
        with pytest.raises(LedgerError, match="不能向"):
            services.propose_item(
                actor=actor, campaign=world["campaign"], problem="问题", source="self_found", at=AT
            )
    # a unit of the city proposes into the city's ledger; the centre too
    for actor in (world["jtj"], world["operator"]):
        services.propose_item(
            actor=actor, campaign=world["campaign"], problem="问题", source="referred", at=AT
        )


# ----------------------------------------------------------------------------------------------------- guards


def test_steps_refused_to_the_wrong_people(world):
    item = item_in(world, "listed")
    with pytest.raises(LedgerError, match="牵头单位"):
        services.item_take(actor=world["swj"], item=item, letter_date=date(2026, 3, 2), at=AT)  # a co-unit
    with pytest.raises(LedgerError, match="牵头单位"):
        services.item_take(actor=world["organiser"], item=item, letter_date=date(2026, 3, 2), at=AT)
    services.item_take(actor=world["zjj"], item=item, letter_date=date(2026, 3, 2), at=AT)
    with pytest.raises(LedgerError, match="管理单位"):
        services.item_suspend(actor=world["zjj"], item=item, reason="x", at=AT)
    with pytest.raises(LedgerError, match="管理单位"):
        services.item_suspend(actor=world["leader"], item=item, reason="x", at=AT)  # leaders read only


def test_listing_needs_a_deadline(world):
    item = services.propose_item(
        actor=world["organiser"], campaign=world["campaign"], problem="问题", source="self_found", at=AT
    )
    with pytest.raises(LedgerError, match="时限"):
        services.item_list(actor=world["organiser"], item=item, at=AT)


def test_an_unled_item_is_taken_by_a_unit_the_actor_acts_for(world):
    item = services.propose_item(
        actor=world["organiser"],
        campaign=world["campaign"],
        problem="问题",
        source="self_found",
        deadline=date(2026, 6, 30),
        at=AT,
    )
    services.item_list(actor=world["organiser"], item=item, at=AT)
    with pytest.raises(LedgerError, match="不代表"):
        services.item_take(
            actor=world["jtj"], item=item, unit=world["housing"], letter_date=date(2026, 3, 2), at=AT
        )
    services.item_take(
        actor=world["jtj"], item=item, unit=world["traffic"], letter_date=date(2026, 3, 2), at=AT
    )
    item.refresh_from_db()
    assert item.lead_unit == world["traffic"] and item.responsibility_letter_date == date(2026, 3, 2)


def test_suspension_stops_every_step_but_resumption(world):
    item = item_in(world, "in_progress")
    services.item_suspend(actor=world["organiser"], item=item, reason="等待政策", at=AT)
    with pytest.raises(LedgerError, match="已暂停"):
        services.progress_submit(actor=world["zjj"], item=item, percent=50, narrative="进展", at=AT)
    services.item_resume(actor=world["organiser"], item=item, at=AT)
    services.progress_submit(actor=world["zjj"], item=item, percent=50, narrative="进展", at=AT)


# --------------------------------------------------------------------------------------------------- progress


def test_progress_is_the_latest_approved_report(world):
    item = item_in(world, "in_progress")
    assert item_progress(item) == 0
    org, zjj = world["organiser"], world["zjj"]
    r1 = services.progress_submit(actor=zjj, item=item, percent=70, narrative="a", at=moment(2026, 4, 1))
    services.progress_approve(actor=org, report=r1, at=moment(2026, 4, 2))
    r2 = services.progress_submit(actor=zjj, item=item, percent=90, narrative="b", at=moment(2026, 5, 1))
    assert item_progress(item) == 70  # submitted, not yet approved
    services.progress_reject(actor=org, report=r2, reason="佐证不足", at=moment(2026, 5, 2))
    assert item_progress(item) == 70  # rejected never counts
    r3 = services.progress_submit(actor=zjj, item=item, percent="60.5", narrative="c", at=moment(2026, 6, 1))
    services.progress_approve(actor=org, report=r3, at=moment(2026, 6, 2))
    assert item_progress(item) == Decimal("60.5")  # the latest, not the highest
    with pytest.raises(LedgerError, match="100%"):
        services.item_apply_closure(actor=zjj, item=item, at=AT)


def test_one_report_waits_at_a_time_and_decisions_once(world):
    item = item_in(world, "in_progress")
    report = services.progress_submit(actor=world["zjj"], item=item, percent=30, narrative="a", at=AT)
    with pytest.raises(LedgerError, match="尚未审核"):
        services.progress_submit(actor=world["zjj"], item=item, percent=40, narrative="b", at=AT)
    with pytest.raises(LedgerError, match="管理单位"):
        services.progress_approve(actor=world["zjj"], report=report, at=AT)
    services.progress_approve(actor=world["supervisor"], report=report, at=AT)
    with pytest.raises(LedgerError, match="已审核"):
        services.progress_reject(actor=world["organiser"], report=report, reason="x", at=AT)
    with pytest.raises(LedgerError, match="0至100"):
        services.progress_submit(actor=world["zjj"], item=item, percent=101, narrative="b", at=AT)
    with pytest.raises(LedgerError, match="两位小数"):
        services.progress_submit(actor=world["zjj"], item=item, percent="50.555", narrative="b", at=AT)


def test_evidence_is_checked_like_other_uploads(world):
    item = item_in(world, "in_progress")
    fake = SimpleUploadedFile("照片.png", b"GIF89a not a png")
    with pytest.raises(LedgerError, match="不符"):
        services.progress_submit(
            actor=world["zjj"], item=item, percent=30, narrative="a", evidence=fake, at=AT
        )
    with pytest.raises(LedgerError, match="不支持"):
        services.progress_submit(
            actor=world["zjj"],
            item=item,
            percent=30,
            narrative="a",
            evidence=SimpleUploadedFile("a.exe", b"MZ"),
            at=AT,
        )
    pdf = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 content")
    report = services.progress_submit(
        actor=world["zjj"], item=item, percent=30, narrative="a", evidence=pdf, at=AT
    )
    assert report.evidence_type == "application/pdf" and report.evidence_name == "验收报告.pdf"
    assert not ProgressReport.objects.exclude(pk=report.pk).filter(item=item).exists()


def test_list_progress_is_the_unweighted_mean_unless_configured(world):
    a, b = item_in(world, "in_progress"), item_in(world, "closed")  # 0 % and 100 %
    c = item_in(world, "in_progress")
    report = services.progress_submit(actor=world["zjj"], item=c, percent=50, narrative="a", at=AT)
    services.progress_approve(actor=world["organiser"], report=report, at=AT)
    items = LedgerItem.objects.filter(pk__in=[a.pk, b.pk, c.pk])
    assert mean_progress(items, day=date(2026, 3, 1)) == Decimal("50.00")
    AveragingRule.objects.create(
        version="已销号按100%", effective_from=date(2026, 6, 1), mode=AveragingRule.Mode.CLOSED_FULL
    )
    # closed b already has 100 %: the same here; a closed item at 80 % would count 100
    report = b.reports.get()
    ProgressReport.objects.filter(pk=report.pk).update(percent=80)
    assert mean_progress(items, day=date(2026, 3, 1)) == Decimal("43.33")
    assert mean_progress(items, day=date(2026, 7, 1)) == Decimal("50.00")
    assert mean_progress(LedgerItem.objects.none()) == 0


# ------------------------------------------------------------------------------------------------------ scope


def test_scope_of_reads(world):
    led, other = item_in(world, "in_progress"), item_in(world, "listed")
    other.lead_unit = world["traffic"]
    other.save()
    other.co_units.clear()
    assert set(scope.visible_items(world["zjj"])) == {led}
    assert set(scope.visible_items(world["swj"])) == {led}  # co-unit of `led` only
    assert set(scope.visible_items(world["jtj"])) == {other}
    assert set(scope.visible_items(world["organiser"])) == {led, other}
    assert set(scope.visible_items(world["leader"])) == {led, other}
    assert set(scope.visible_items(SYSTEM)) == {led, other}
    assert set(selectors.my_items(world["swj"])) == {led}


def test_campaign_creation_is_for_managers(world):
    with pytest.raises(LedgerError, match="组织部"):
        services.campaign_create(actor=world["zjj"], code="X", name="X", year=2026)
    services.campaign_create(actor=world["organiser"], code="X", name="X", year=2026, area=world["city"])
    with pytest.raises(LedgerError, match="已存在"):
        services.campaign_create(actor=world["organiser"], code="X", name="Y", year=2026)


# ---------------------------------------------------------------------------------------------------- tickets


def test_ticket_to_ledger_and_back(world):
    ticket = _ticket()
    item = services.item_from_ticket(
        actor=world["dispatcher"], ticket=ticket, campaign=world["campaign"], at=AT
    )
    assert item.source == LedgerItem.Source.HOTSPOT and ticket.title in item.problem
    assert [link.item for link in selectors.ticket_links(ticket)] == [item]
    with pytest.raises(LedgerError, match="已列入"):
        services.item_from_ticket(actor=world["dispatcher"], ticket=ticket, campaign=world["campaign"], at=AT)
    raised = services.item_raise_ticket(actor=world["dispatcher"], item=item, phone="13900000000", at=AT)
    link = ItemTicket.objects.get(item=item, ticket=raised)
    assert link.direction == ItemTicket.Direction.RAISED
    assert raised.title.startswith(f"问题台账{item.number}")
    assert item.events.filter(action=ItemEvent.Action.RAISE_TICKET).exists()
    # a lead unit's handler may not register tickets (tickets' own rule): refused with its message
    led = item_in(world, "in_progress")
    with pytest.raises(LedgerError):
        services.item_raise_ticket(actor=world["zjj"], item=led, phone="13900000000", at=AT)
    with pytest.raises(LedgerError, match="管理单位或牵头单位"):
        services.item_raise_ticket(actor=world["jtj"], item=led, phone="13900000000", at=AT)


def test_a_closed_item_may_be_put_on_the_board_but_not_edited(world):
    item = item_in(world, "closed")
    services.item_update(actor=world["organiser"], item=item, is_public=True, at=AT)
    item.refresh_from_db()
    assert item.is_public and item.events.last().note == "在群众门户张榜公示"
    with pytest.raises(LedgerError, match="已销号"):
        services.item_update(actor=world["organiser"], item=item, deadline=date(2027, 1, 31), at=AT)
    with pytest.raises(LedgerError, match="管理单位"):
        services.item_update(actor=world["zjj"], item=item, is_public=False, at=AT)
