"""In a real browser a refused action comes back to the page it was sent from, with the reason on top."""

import pytest
from django.urls import reverse

from civicgrid.tickets.models import Status, Ticket
from tests.tickets.conftest import local, world  # noqa: F401
from tests.tickets.helpers import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_refused_manual_dispatch_returns_to_the_ticket_with_the_reason(tab, world, settings):  # noqa: F811
    settings.CIVICGRID_CATEGORY_VERSION = "test"
    ticket = register(world, local(2026, 6, 1, 9), category="property")
    tab.login("dispatcher")
    page = tab.open(reverse("console:dispatch_ticket", args=[ticket.pk]))
    page.select_option("#id_lead", str(world.units["sc"].pk))
    page.click("button:has-text('人工派单')")
    page.wait_for_selector(".alert-danger")
    assert page.url.endswith(reverse("console:dispatch_ticket", args=[ticket.pk]))
    assert "人工派单须填写理由" in page.inner_text(".alert-danger")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_DISPATCH
    tab.shot("refused-manual-dispatch")
