import pytest

from civicgrid.tickets import services
from tests.tickets.conftest import local, world  # noqa: F401
from tests.tickets.helpers import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_dispatcher_logs_in_and_opens_a_ticket(tab, world):  # noqa: F811
    ticket = register(world, local(2026, 6, 1, 9), category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=local(2026, 6, 1, 10))

    tab.login("dispatcher")
    page = tab.page
    assert "待派单" in page.content()
    tab.shot("home-dispatcher")
    page.click("text=工单查询")
    page.click(f"text={ticket.number}")
    page.wait_for_selector("text=办理过程")
    assert "138****5678" in page.content()
    tab.shot("ticket-dispatcher")
