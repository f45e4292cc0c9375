"""Micro-wishes: the state machine with dates (frozen time), claims by many, confirmation by the resident, expiry,
needs, and a 12345 ticket turned into a wish (with the link and a ticket event)."""

from datetime import date

import pytest
import time_machine

from civicgrid.core.actors import SYSTEM
from civicgrid.core.refusal import Refusal
from civicgrid.engagement import services
from civicgrid.engagement.models import MicroWish
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Channel, Event, EventAction
from civicgrid.tickets.services import ticket_register
from tests.engagement.conftest import in_service, moment

pytestmark = pytest.mark.django_db
PHONE = "13800138000"


def published(world, max_claimers=1, expires_on=None):
    with time_machine.travel(moment(2026, 4, 1), tick=False):
        wish = services.wish_collect(
            actor=None,
            community=world["yinhai"],
            source="resident",
            title="想要一副老花镜",
            resident_name="陈阿婆",
            resident_phone=PHONE,
            max_claimers=max_claimers,
        )
        wish = services.wish_verify(actor=world["worker"], wish=wish)
        return services.wish_publish(actor=world["worker"], wish=wish, expires_on=expires_on)


def test_full_path_keeps_each_date(world):
    m = in_service(world)
    wish = published(world)
    assert wish.state == "published" and wish.published_at == moment(2026, 4, 1)
    with time_machine.travel(moment(2026, 4, 2), tick=False):
        services.wish_claim(actor=None, wish=wish, member=m)
    with time_machine.travel(moment(2026, 4, 5), tick=False):
        wish = services.wish_fulfil(actor=None, wish=wish, member=m, evidence="已送到，照片见附件")
    with time_machine.travel(moment(2026, 4, 6), tick=False):
        wish = services.wish_confirm(wish=wish, phone=PHONE)
        wish = services.wish_close(actor=world["worker"], wish=wish)
    wish.refresh_from_db()
    assert wish.state == "closed"
    assert (wish.claimed_at, wish.fulfilled_at, wish.confirmed_at) == (
        moment(2026, 4, 2),
        moment(2026, 4, 5),
        moment(2026, 4, 6),
    )
    assert wish.resident_masked == "陈*婆" and wish.phone_masked == "138****8000"


def test_guards_and_many_claimers(world):
    a, b, c = in_service(world, name="甲一"), in_service(world, name="乙二"), in_service(world, name="丙三")
    wish = services.wish_collect(
        actor=None,
        community=world["yinhai"],
        source="resident",
        title="修自行车",
        resident_phone=PHONE,
        max_claimers=2,
    )
    with pytest.raises(Refusal, match="不能认领"):
        services.wish_claim(actor=None, wish=wish, member=a)
    with pytest.raises(Refusal, match="请先核实"):
        services.wish_publish(actor=world["worker"], wish=wish)
    with pytest.raises(Refusal, match="不负责"):
        services.wish_verify(actor=world["outsider"], wish=wish)
    services.wish_verify(actor=world["worker"], wish=wish)
    services.wish_publish(actor=world["worker"], wish=wish)
    services.wish_claim(actor=None, wish=wish, member=a)
    with pytest.raises(Refusal, match="已认领"):
        services.wish_claim(actor=None, wish=wish, member=a)
    services.wish_claim(actor=None, wish=wish, org=world["tax_org"])
    with pytest.raises(Refusal, match="已满"):
        services.wish_claim(actor=None, wish=wish, member=b)
    with pytest.raises(Refusal, match="只有认领人"):
        services.wish_fulfil(actor=None, wish=wish, member=c, evidence="x")
    wish = services.wish_fulfil(actor=None, wish=wish, member=a, evidence="修好了")
    with pytest.raises(Refusal, match="心愿人本人"):
        services.wish_confirm(wish=wish, phone="13900000000")
    with pytest.raises(Refusal, match="不能取消"):
        services.wish_cancel(actor=SYSTEM, wish=wish, reason="重复")
    assert wish.claims.count() == 2


def test_cancel_and_expiry_with_reasons(world):
    wish = services.wish_collect(actor=None, community=world["yinhai"], source="grid", title="重复的心愿")
    wish = services.wish_cancel(actor=world["worker"], wish=wish, reason="与第3号重复")
    assert (wish.state, wish.end_reason) == ("cancelled", "与第3号重复")
    late = published(world, expires_on=date(2026, 4, 30))
    assert services.wish_expire_due(today=date(2026, 4, 30)) == 0
    assert services.wish_expire_due(today=date(2026, 5, 1)) == 1
    late.refresh_from_db()
    assert late.state == "expired" and "无人认领" in late.end_reason


def test_need_to_wish(world):
    need = services.need_add(
        actor=world["worker"],
        community=world["yinhai"],
        source="deliberation",
        title="老人助餐",
        on=date(2026, 3, 1),
    )
    wish = services.need_to_wish(actor=world["worker"], need=need)
    assert (wish.need, wish.source, wish.state) == (need, "deliberation", "collected")
    with pytest.raises(Refusal, match="已转为微心愿"):
        services.need_to_wish(actor=world["worker"], need=need)


def test_ticket_becomes_a_wish_with_a_link_and_an_event(world):
    ticket = ticket_register(
        actor=None,
        channel=Channel.WEB,
        request_type=RequestType.HELP,
        title="想要轮椅",
        content="家中老人行动不便，希望有人捐赠一辆轮椅",
        requester_name="林大姐",
        requester_phone=PHONE,
    )
    with pytest.raises(Refusal, match="个人的小心愿"):
        services.wish_from_ticket(
            actor=world["worker"], ticket=ticket, community=world["yinhai"], personal_small_wish=False
        )
    wish = services.wish_from_ticket(
        actor=world["worker"], ticket=ticket, community=world["yinhai"], personal_small_wish=True
    )
    assert (wish.ticket, wish.source, wish.resident_phone, wish.title) == (
        ticket,
        "hotline",
        PHONE,
        "想要轮椅",
    )
    event = Event.objects.get(ticket=ticket, action=EventAction.TO_MICRO_WISH)
    assert event.payload == {"wish": wish.pk} and event.to_status == ticket.status
    with pytest.raises(Refusal, match="已转为微心愿"):
        services.wish_from_ticket(
            actor=world["worker"], ticket=ticket, community=world["yinhai"], personal_small_wish=True
        )
    assert MicroWish.objects.count() == 1
