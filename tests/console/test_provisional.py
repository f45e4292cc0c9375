"""「暂定」 beside every deadline computed on an unconfirmed year, and the year-end reminder."""

import pytest
import time_machine
from django.urls import reverse

from civicgrid.tickets import services
from civicgrid.tickets.scan import scan_deadlines
from civicgrid.workcal import services as workcal
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, lead_of, register
from tests.workcal.factories import fill_year

REASON = "2027 年节假日安排尚未确认，暂按周末和法定节日计算"
NOW = local(2026, 12, 28, 10, 0)


def as_user(client, world, name):
    client.force_login(world.user(name))
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def marks(text) -> int:
    """How many deadlines on the page are marked 「暂定」 with the reason."""
    return text.count(f'title="{REASON}">暂定</summary><span class="small text-muted">{REASON}</span>')


def confirm_2027():
    fill_year(2027)
    workcal.confirm_year(year=2027, actor=None)


@pytest.fixture
def provisional_ticket(world):
    """A complaint dispatched on 21 December: handled by 12 January 2027, provisionally."""
    with time_machine.travel(local(2026, 12, 21, 10, 0), tick=False):
        ticket = register(world, None, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
    return ticket


class TestDeadlinesShowTheirReason:
    @pytest.fixture(autouse=True)
    def _now(self):
        with time_machine.travel(NOW, tick=False):
            yield

    def test_the_ticket_page(self, client, world, provisional_ticket):
        text = page(
            as_user(client, world, "dispatcher"), reverse("console:ticket", args=[provisional_ticket.pk])
        )
        assert "2027-01-12 10:00" in text and "暂定" in text and REASON in text

    def test_the_units_queue_and_assignment_page(self, client, world, provisional_ticket):
        client = as_user(client, world, "zjj")
        assert REASON in page(client, reverse("console:inbox"))
        text = page(client, reverse("console:assignment", args=[lead_of(provisional_ticket).pk]))
        # The handling deadline and the red warning reach 2027; sign-off (12-22) does not.
        assert marks(text) == 2

    def test_the_dispatch_pages(self, client, world, provisional_ticket):
        lead = lead_of(provisional_ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"))
        services.extension_request(assignment=lead, actor=world.user("zjj"), days=3, reason="需鉴定")
        client = as_user(client, world, "dispatcher")
        assert REASON in page(client, reverse("console:dispatch") + "?tab=extensions")
        assert marks(page(client, reverse("console:dispatch_ticket", args=[provisional_ticket.pk]))) == 2

    def test_the_supervision_board(self, client, world, provisional_ticket):
        assert scan_deadlines(now=local(2026, 12, 31, 10, 0)).yellow == 1  # yellow from 12-30 16:00
        client = as_user(client, world, "supervisor")
        assert REASON in page(client, reverse("console:supervision"))
        assert REASON in page(client, reverse("console:supervise_ticket", args=[provisional_ticket.pk]))

    def test_the_callback_pages(self, client, world, provisional_ticket):
        with time_machine.travel(local(2026, 12, 31, 16, 0), tick=False):
            handle_to_reply(world, provisional_ticket, None, "zjj")
            services.reply_review(ticket=provisional_ticket, actor=world.user("dispatcher"), passed=True)
        client = as_user(client, world, "callback")
        assert REASON in page(client, reverse("console:callbacks"))
        assert REASON in page(client, reverse("console:callback_ticket", args=[provisional_ticket.pk]))

    def test_a_confirmed_year_shows_plain_deadlines(self, client, world, provisional_ticket):
        confirm_2027()
        text = page(
            as_user(client, world, "dispatcher"), reverse("console:ticket", args=[provisional_ticket.pk])
        )
        assert "2027-01-11 10:00" in text
        assert "暂定" not in text

    def test_a_deadline_within_confirmed_years_shows_no_mark(self, client, world):
        with time_machine.travel(local(2026, 11, 2, 10, 0), tick=False):
            ticket = register(world, None, category="property")
            services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
        assert "暂定" not in page(
            as_user(client, world, "dispatcher"), reverse("console:ticket", args=[ticket.pk])
        )


class TestYearEndReminder:
    BANNER = "2027 年的节假日安排尚未确认"

    def text(self, client, world, name, url, at) -> str:
        with time_machine.travel(at, tick=False):
            return page(as_user(client, world, name), url)

    def shown(self, client, world, name, url, at) -> bool:
        return self.BANNER in self.text(client, world, name, url, at)

    def test_administrators_see_it_from_the_first_of_november_until_the_year_is_confirmed(
        self, client, world
    ):
        home = reverse("console:home")
        assert not self.shown(client, world, "admin", home, local(2026, 10, 31, 18, 0))
        assert self.shown(client, world, "admin", home, local(2026, 11, 1, 9, 0))
        text = self.text(client, world, "admin", home, local(2026, 12, 28, 10, 0))
        assert "civicgrid workdays import 2027.json" in text
        assert "civicgrid workdays confirm 2027" in text
        assert 'href="/admin/workcal/calendaryear/"' in text
        confirm_2027()
        assert not self.shown(client, world, "admin", home, local(2026, 12, 28, 10, 0))

    def test_the_dashboard_shows_it_to_everyone_who_opens_it(self, client, world):
        dashboard = reverse("console:dashboard")
        assert not self.shown(client, world, "leader", dashboard, local(2026, 10, 31, 18, 0))
        assert self.shown(client, world, "leader", dashboard, local(2026, 11, 1, 9, 0))

    def test_other_pages_of_other_staff_do_not(self, client, world):
        assert not self.shown(
            client, world, "dispatcher", reverse("console:home"), local(2026, 12, 28, 10, 0)
        )
