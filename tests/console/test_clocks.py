"""Clock pauses from the console, and units without staff on the supervision board."""

import pytest
import time_machine
from django.urls import reverse

from civicgrid.sla.models import PauseReason
from civicgrid.tickets import services
from civicgrid.tickets.models import Ticket
from tests.tickets.conftest import local
from tests.tickets.helpers import lead_of, register

T0 = local(2026, 6, 1, 9, 0)  # a Monday


@pytest.fixture
def grid_ticket(world):
    with time_machine.travel(T0, tick=False):
        ticket = register(world, T0, category="neighbour")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    return Ticket.objects.get(pk=ticket.pk)


def test_the_lead_unit_pauses_and_the_dispatcher_resumes(client, world, grid_ticket):
    lead = lead_of(grid_ticket)
    reason = PauseReason.objects.get(code="requester")
    client.force_login(world.user("worker1"))
    with time_machine.travel(local(2026, 6, 2, 9, 0), tick=False):
        page = client.get(reverse("console:assignment", args=[lead.pk])).content.decode()
        assert "暂停计时" in page and "确定暂停计时吗" in page and "等待诉求人" in page
        response = client.post(
            reverse("console:ticket_pause", args=[grid_ticket.pk]),
            {
                "reason": reason.pk,
                "note": "诉求人出差，约定下周上门",
                "next": reverse("console:assignment", args=[lead.pk]),
            },
            follow=True,
        )
    assert "已暂停计时" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("console:assignment", args=[lead.pk])
    client.force_login(world.user("dispatcher"))
    with time_machine.travel(local(2026, 6, 4, 9, 0), tick=False):
        page = client.get(reverse("console:ticket", args=[grid_ticket.pk])).content.decode()
        assert "计时已暂停" in page and "恢复计时" in page
        response = client.post(reverse("console:ticket_resume", args=[grid_ticket.pk]), {}, follow=True)
    assert "已恢复计时" in response.content.decode()
    assert lead_of(grid_ticket).due_at == local(2026, 6, 8, 9, 0)


def test_a_refused_pause_says_why(client, world, grid_ticket):
    client.force_login(world.user("dispatcher"))
    with time_machine.travel(local(2026, 6, 2, 9, 0), tick=False):
        response = client.post(
            reverse("console:ticket_pause", args=[grid_ticket.pk]),
            {"reason": PauseReason.objects.get(code="mediation").pk, "note": ""},
            follow=True,
        )
    assert "请填写" in response.content.decode() or "请说明" in response.content.decode()
    assert Ticket.objects.get(pk=grid_ticket.pk).paused_at is None


def test_the_board_flags_units_without_staff(client, world):
    with time_machine.travel(T0, tick=False):
        ticket = register(world, T0, category="neighbour")
        services.ticket_dispatch(
            ticket=ticket, actor=world.user("dispatcher"), lead=world.units["grid2"], reason="二网格", at=T0
        )
    client.force_login(world.user("supervisor"))
    with time_machine.travel(local(2026, 6, 2, 9, 0), tick=False):
        page = client.get(reverse("console:supervision")).content.decode()
    assert "无人在岗的承办单位" in page and "银海第2网格工作组" in page
