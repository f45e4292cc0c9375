"""Ticket links both ways: a dispute ticket referred to mediation waits with its clocks paused and runs again when
mediation has an outcome; a case raises a ticket through the operators' intake service."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.mediation import services
from civicgrid.mediation.errors import MediationError
from civicgrid.mediation.models import Case
from civicgrid.tickets import services as ticket_services
from civicgrid.tickets.models import EventAction, Ticket
from tests.tickets.helpers import lead_of, register

from .conftest import local

T0 = local(2026, 6, 1, 9, 0)


def dispatched(world, category="neighbour"):
    ticket = register(world, T0, category=category)
    ticket_services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    return Ticket.objects.get(pk=ticket.pk)


T_REFER = local(2026, 6, 1, 10)


def refer(med, ticket, at=T_REFER):
    return services.refer_ticket(
        actor=med["world"].user("dispatcher"),
        ticket=ticket,
        committee=med["a"],
        dispute_type=Case.DisputeType.NEIGHBOUR,
        note="双方同意调解",
        at=at,
    )


def test_referral_pauses_and_agreement_resumes(med):
    ticket = dispatched(med["world"])
    due = lead_of(ticket).due_at
    case = refer(med, ticket)
    ticket.refresh_from_db()
    assert case.source == Case.Source.TICKET and case.ticket == ticket and case.ticket_paused
    assert ticket.paused_at == local(2026, 6, 1, 10) and ticket.pause_reason.code == "mediation"
    assert case.parties.get(side="applicant").name == "张三"

    services.case_accept(actor=SYSTEM, case=case, on=date(2026, 6, 1))
    services.assign_mediators(actor=SYSTEM, case=case, mediators=med["roll"]["a"][:1])
    services.case_start(actor=SYSTEM, case=case)
    services.case_agree(
        actor=SYSTEM,
        case=case,
        content="修好漏水",
        performance_manner="自行维修",
        signed_on=date(2026, 6, 2),
        performance_deadline=date(2026, 6, 10),
        at=local(2026, 6, 2, 10),
    )
    ticket.refresh_from_db()
    case.refresh_from_db()
    assert ticket.paused_at is None and not case.ticket_paused
    assert ticket.events.filter(action=EventAction.CLOCK_RESUMED).count() == 1
    assert lead_of(ticket).due_at > due  # a working day of pause pushed the deadline


def test_decline_resumes_too(med):
    ticket = dispatched(med["world"])
    case = refer(med, ticket)
    services.case_decline(actor=SYSTEM, case=case, reason="当事人不同意调解", at=local(2026, 6, 1, 15))
    ticket.refresh_from_db()
    assert ticket.paused_at is None


def test_refused_for_other_than_disputes_or_twice_or_by_others(med):
    world = med["world"]
    building = register(world, T0, category="illegal_building")
    ticket_services.ticket_dispatch(ticket=building, actor=world.user("dispatcher"), at=T0)
    with pytest.raises(MediationError, match="不是矛盾纠纷类诉求"):
        refer(med, Ticket.objects.get(pk=building.pk))
    ticket = dispatched(world)
    with pytest.raises(MediationError, match="仅限"):
        services.refer_ticket(
            actor=med["jh_worker"], ticket=ticket, committee=med["a"], dispute_type="neighbour", note="x"
        )
    refer(med, ticket)
    with pytest.raises(MediationError, match="已转人民调解"):
        refer(med, ticket)
    assert Case.objects.filter(ticket=ticket).count() == 1


def test_a_case_raises_a_ticket(med):
    case = services.case_register(
        actor=med["med_a"],
        committee=med["a"],
        source=Case.Source.SCREENING,
        dispute_type="neighbour",
        title="围墙倒塌纠纷",
        facts="围墙倒塌压坏邻居菜地",
        parties=[{"name": "陈一"}],
    )
    ticket = services.raise_ticket(
        actor=med["med_a"],
        case=case,
        title="公共围墙倒塌需修复",
        content="村道旁公共围墙倒塌",
        phone="13900001111",
        at=local(2026, 6, 3, 9),
    )
    assert ticket.number and case.number in ticket.content
    assert list(case.raised_tickets.all()) == [ticket]
    with pytest.raises(MediationError):
        services.raise_ticket(actor=med["med_b"], case=case, title="x", content="y", phone="13900001111")
