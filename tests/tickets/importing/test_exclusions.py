"""Imported (historical) tickets sit in no queue, scan, notification or callback, open or closed."""

from datetime import timedelta

import pytest
from django.urls import reverse

from civicgrid.notify.services import notify
from civicgrid.tickets import queues, resident_sms, services
from civicgrid.tickets.duplicates import duplicate_candidates
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.escalation import escalate_unsigned
from civicgrid.tickets.grids import open_tickets_in
from civicgrid.tickets.models import Status, Ticket
from civicgrid.tickets.scan import scan_deadlines
from civicgrid.tickets.selectors import work_queues

from ..helpers import handle_to_reply, lead_of, register
from ..states import T0, _dispatch

pytestmark = pytest.mark.django_db


def historical(ticket):
    Ticket.objects.filter(pk=ticket.pk).update(
        is_historical=True, external_source="old", external_id=f"X{ticket.pk}"
    )
    ticket.refresh_from_db()
    return ticket


def counts(user):
    return {q.label: q.count for q in work_queues(user)}


def test_home_page_counts(world):
    received = services.ticket_register(
        actor=world.user("operator"),
        channel="web",
        request_type="QZ",
        title="t",
        content="c",
        is_anonymous=True,
        at=T0,
    )
    pending = register(world, T0, category="illegal_building")  # joint: pending dispatch? dispatched below
    assert counts(world.user("operator"))["待受理（网上及网格上报）"] == 1
    historical(received)
    assert counts(world.user("operator"))["待受理（网上及网格上报）"] == 0
    before = counts(world.user("dispatcher"))["待派单"]
    historical(pending)
    assert counts(world.user("dispatcher"))["待派单"] == before - (
        1 if pending.status == Status.PENDING_DISPATCH else 0
    )


def test_dispatcher_queue(world, client):
    ticket = register(world, T0, category="property")
    assert ticket.status == Status.PENDING_DISPATCH
    client.force_login(world.user("dispatcher"))
    assert ticket.number in client.get(reverse("console:dispatch")).content.decode()
    historical(ticket)
    assert ticket.number not in client.get(reverse("console:dispatch")).content.decode()
    assert counts(world.user("dispatcher"))["待派单"] == 0


def test_reply_review_and_callback_queues(world):
    ticket = _dispatch(world, register(world, T0, category="property"))
    handle_to_reply(world, ticket, T0 + timedelta(hours=1), "zjj")
    assert counts(world.user("dispatcher"))["答复待审核"] == 1
    historical(ticket)
    assert counts(world.user("dispatcher"))["答复待审核"] == 0
    Ticket.objects.filter(pk=ticket.pk).update(is_historical=False)
    services.reply_review(
        ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=2)
    )
    assert list(queues.callback_queue(world.user("callback"))) == [ticket]
    historical(ticket)
    assert list(queues.callback_queue(world.user("callback"))) == []
    assert counts(world.user("callback"))["待回访"] == 0


def test_unit_inbox(world):
    ticket = _dispatch(world, register(world, T0, category="property"))
    assert queues.inbox(world.user("zjj"), "sign").count() == 1
    historical(ticket)
    assert queues.inbox(world.user("zjj"), "sign").count() == 0
    assert {t.key: t.count for t in queues.inbox_tabs(world.user("zjj"))}["sign"] == 0


def test_supervision_board_and_key_list(world):
    ticket = _dispatch(world, register(world, T0, category="property"))
    Ticket.objects.filter(pk=ticket.pk).update(warning_level="red", on_key_list=True)
    sup = world.user("supervisor")
    assert queues.supervision_list(sup).count() == 1 and queues.key_list(sup).count() == 1
    historical(ticket)
    assert queues.supervision_list(sup).count() == 0 and queues.key_list(sup).count() == 0
    assert queues.warnings_by_unit(sup) == []
    assert counts(sup)["重点督办清单"] == 0 and counts(sup)["预警工单"] == 0


def test_deadline_scan(world):
    ticket = _dispatch(world, register(world, T0, category="property"))
    historical(ticket)
    result = scan_deadlines(now=T0 + timedelta(days=60))
    assert (result.yellow, result.red, result.overdue) == (0, 0, 0)
    assert lead_of(ticket).yellow_issued_at is None


def test_automatic_escalation_of_unsigned(world):
    ticket = _dispatch(world, register(world, T0, category="property"))
    historical(ticket)
    assert escalate_unsigned(now=T0 + timedelta(days=30)) == 0


def test_resident_sms_and_notifications(world):
    ticket = historical(register(world, T0, category="property"))
    assert resident_sms.tell(ticket, "receipt", at=T0) == 0
    assert notify(recipients=[world.user("zjj")], kind="dispatched", title="x", ticket=ticket) == []


def test_services_refuse_to_act_on_a_historical_ticket(world):
    ticket = historical(register(world, T0, category="property"))
    with pytest.raises(TicketError, match="历史导入的工单"):
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)


def test_duplicate_check_and_grid_list(world):
    text = "银海路路灯不亮已经三天了晚上很黑请尽快修理"
    ticket = register(world, T0, category="property", title="路灯不亮", content=text)
    assert open_tickets_in(world.grids[0]).filter(pk=ticket.pk).exists()
    historical(ticket)
    assert not open_tickets_in(world.grids[0]).filter(pk=ticket.pk).exists()
    Ticket.objects.filter(pk=ticket.pk).update(is_historical=False)
    assert ticket in [t for t, _, _ in duplicate_candidates(text=text, now=T0 + timedelta(hours=1))]
    historical(ticket)
    assert ticket not in [t for t, _, _ in duplicate_candidates(text=text, now=T0 + timedelta(hours=1))]


def test_console_search_finds_the_external_number_and_the_page_shows_it(world, client):
    ticket = historical(register(world, T0, category="property"))
    client.force_login(world.user("dispatcher"))
    page = client.get(reverse("console:tickets"), {"q": ticket.external_id}).content.decode()
    assert ticket.number in page
    page = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert "外部编号" in page and ticket.external_id in page and "历史导入" in page
