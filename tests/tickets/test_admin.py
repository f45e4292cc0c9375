import pytest
from django.urls import reverse

from civicgrid.tickets import services

from .conftest import local
from .helpers import register


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.user("admin"))
    return client


def test_tickets_can_be_browsed_but_not_edited_in_the_admin(admin_client, world):
    ticket = register(world, local(2026, 6, 1, 9), category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=local(2026, 6, 1, 10))

    listing = admin_client.get(reverse("admin:tickets_ticket_changelist"), {"q": ticket.number})
    assert listing.status_code == 200
    assert ticket.number in listing.content.decode()
    page = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "13812345678" not in body
    assert "dispatched" in body
    assert admin_client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), {}).status_code == 403
    assert admin_client.get(reverse("admin:tickets_ticket_add")).status_code == 403


def test_the_admin_lists_events_by_their_chinese_labels(admin_client, world):
    ticket = register(world, local(2026, 6, 1, 9), category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=local(2026, 6, 1, 10))
    body = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "登记受理" in body and "派单" in body
    assert ">registered<" not in body and ">dispatched<" not in body
