"""Pairings and visits: Wednesday/Saturday flag, findings turned into a ticket, a need or a wish in one click."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.core.refusal import Refusal
from civicgrid.engagement import services
from civicgrid.registry.models import Role
from civicgrid.tickets.models import Ticket
from tests.party.factories import staff

pytestmark = pytest.mark.django_db


def test_visit_flags_and_findings(world):
    pairing = services.pairing_create(
        actor=SYSTEM, year=2026, scheme="shuanglian", unit=world["bureau"], area=world["yinhai"]
    )
    with pytest.raises(Refusal, match="已登记"):
        services.pairing_create(
            actor=SYSTEM, year=2026, scheme="shuanglian", unit=world["bureau"], area=world["yinhai"]
        )
    wed = services.visit_record(
        actor=SYSTEM,
        pairing=pairing,
        visited_on=date(2026, 3, 4),
        participant_count=3,
        findings=["路灯坏了", "独居老人需要助餐", "孩子想要书包"],
    )
    sat = services.visit_record(actor=SYSTEM, pairing=pairing, visited_on=date(2026, 3, 7))
    mon = services.visit_record(actor=SYSTEM, pairing=pairing, visited_on=date(2026, 3, 9))
    assert (wed.on_wed_or_sat, sat.on_wed_or_sat, mon.on_wed_or_sat) == (True, True, False)
    with pytest.raises(Refusal, match="不在结对年度"):
        services.visit_record(actor=SYSTEM, pairing=pairing, visited_on=date(2027, 1, 6))

    lamp, meals, bag = wed.finding_items.all()
    with pytest.raises(Refusal):  # tickets' own guard: a 组织部 clerk does not register tickets
        services.finding_to_ticket(
            actor=staff("org", [Role.ORGANISATION_STAFF]), finding=lamp, phone="13800138000"
        )
    ticket = services.finding_to_ticket(actor=world["worker"], finding=lamp, phone="13800138000")
    assert Ticket.objects.get() == ticket and "路灯坏了" in ticket.title
    need = services.finding_to_need(actor=SYSTEM, finding=meals)
    assert (need.source, need.community, need.created_on) == ("visit", world["yinhai"], date(2026, 3, 4))
    wish = services.finding_to_wish(actor=SYSTEM, finding=bag)
    assert (wish.source, wish.title) == ("visit", "孩子想要书包")
    with pytest.raises(Refusal, match="已转办"):
        services.finding_to_need(actor=SYSTEM, finding=bag)
