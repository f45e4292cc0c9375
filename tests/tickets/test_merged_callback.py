"""并单的诉求人: the callback reaches each requester of merged tickets (CIVICGRID_MERGED_CALLBACK)."""

from datetime import timedelta

import pytest
import time_machine

from civicgrid.assessment.selectors import three_rates
from civicgrid.portal.services import resident_rate
from civicgrid.tickets import services
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Callback, Event, EventAction, Status, Ticket
from civicgrid.tickets.queues import callback_queue
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, register

T0 = local(2026, 6, 1, 9, 0)  # a Monday
REVIEWED = T0 + timedelta(hours=2)


def merged_master(world, *, phones=("13900000011", "13900000012"), review=True):
    """A ticket 住建局 answered with two duplicates merged into it, its reply passed review."""
    master = register(world, T0, category="property", requester_phone="13812345678")
    duplicates = []
    for i, phone in enumerate(phones):
        duplicate = register(world, T0 + timedelta(minutes=i + 1), category=None, requester_phone=phone)
        services.ticket_merge(
            ticket=duplicate, master=master, actor=world.user("operator"), reason="同一处漏水", at=T0
        )
        duplicates.append(Ticket.objects.get(pk=duplicate.pk))
    services.ticket_dispatch(ticket=Ticket.objects.get(pk=master.pk), actor=world.user("dispatcher"), at=T0)
    handle_to_reply(world, master, T0 + timedelta(hours=1), "zjj")
    if review:
        services.reply_review(
            ticket=Ticket.objects.get(pk=master.pk), actor=world.user("dispatcher"), passed=True, at=REVIEWED
        )
    return Ticket.objects.get(pk=master.pk), duplicates


def call(world, ticket, at, **answer):
    values = {"reached": True, "contacted": True, "solved": "solved", "satisfaction": "satisfied"}
    return services.callback_record_merged(
        ticket=ticket, actor=world.user("callback"), at=at, **{**values, **answer}
    )


def in_queue(world, master) -> bool:
    return callback_queue(world.user("callback")).filter(pk=master.pk).exists()


@pytest.fixture
def clock():
    with time_machine.travel(T0 + timedelta(hours=5), tick=False) as traveller:
        yield traveller


class TestEachRequesterIsCalled:
    def test_the_master_stays_in_the_queue_until_every_requester_is_called_or_rated(self, world, clock):
        master, (first, second) = merged_master(world)
        services.callback_record(
            ticket=master,
            actor=world.user("callback"),
            reached=True,
            contacted=True,
            solved="solved",
            satisfaction="satisfied",
            at=T0 + timedelta(hours=3),
        )
        master.refresh_from_db()
        assert master.status == Status.CLOSED
        assert in_queue(world, master)  # two more requesters wait for their call
        callback = call(world, first, T0 + timedelta(hours=4), notes="李先生说修好了")
        assert (callback.ticket_id, callback.valid, callback.by) == (first.pk, True, world.user("callback"))
        event = Event.objects.filter(ticket=first).order_by("-id").first()
        assert event.action == EventAction.CALLBACK_RECORDED and event.payload["master"] == master.number
        first.refresh_from_db()
        assert first.status == Status.MERGED and first.rated_at is None
        assert in_queue(world, master)
        # The other requester's satisfied online rating within the window counts as her callback.
        resident_rate(ticket=second, solved="solved", satisfaction="satisfied", at=T0 + timedelta(hours=4))
        assert not in_queue(world, master)
        assert services.merged_requesters_owed(master) == []

    def test_the_three_rates_count_the_masters_ticket_only(self, world, clock):
        master, (first, second) = merged_master(world)
        call(world, first, T0 + timedelta(hours=3), satisfaction="unsatisfied", solved="unsolved")
        call(world, second, T0 + timedelta(hours=3))
        services.callback_record(
            ticket=master,
            actor=world.user("callback"),
            reached=True,
            contacted=True,
            solved="solved",
            satisfaction="satisfied",
            at=T0 + timedelta(hours=4),
        )
        rows = three_rates(user=world.user("admin"), date_from=T0.date(), date_to=T0.date())
        assert sum(row.rated for row in rows) == 1
        assert sum(row.unsatisfied for row in rows) == 0
        assert Ticket.objects.filter(rated_at__isnull=False).count() == 1
        assert Callback.objects.filter(ticket__in=[first, second]).count() == 2

    def test_an_unreachable_requester_is_tried_as_often_as_the_policy_allows(self, world, clock):
        master, (first,) = merged_master(world, phones=("13900000011",))
        for attempt in range(3):
            assert in_queue(world, master)
            call(world, first, T0 + timedelta(hours=3, minutes=attempt), reached=False)
        assert services.merged_requesters_owed(master) == []
        with pytest.raises(TicketError, match="无需再次回访"):
            call(world, first, T0 + timedelta(hours=4))

    def test_refused_before_review_twice_or_on_a_ticket_that_is_not_merged(self, world, clock):
        master, (first,) = merged_master(world, phones=("13900000011",), review=False)
        with pytest.raises(TicketError, match="尚未答复审核通过"):
            call(world, first, T0 + timedelta(hours=3))
        services.reply_review(ticket=master, actor=world.user("dispatcher"), passed=True, at=REVIEWED)
        call(world, first, T0 + timedelta(hours=3))
        with pytest.raises(TicketError, match="无需再次回访"):
            call(world, first, T0 + timedelta(hours=3))
        with pytest.raises(TicketError, match="请在本单回访"):
            call(world, master, T0 + timedelta(hours=3))

    def test_the_policy_can_name_the_masters_requester_only(self, world, clock, settings):
        settings.CIVICGRID_MERGED_CALLBACK = "master"
        master, (first, _second) = merged_master(world)
        with pytest.raises(TicketError, match="只回访主单诉求人"):
            call(world, first, T0 + timedelta(hours=3))
        services.callback_record(
            ticket=master,
            actor=world.user("callback"),
            reached=True,
            contacted=True,
            solved="solved",
            satisfaction="satisfied",
            at=T0 + timedelta(hours=3),
        )
        assert not in_queue(world, master)

    def test_an_old_closed_master_does_not_come_back_to_the_queue(self, world):
        with time_machine.travel(T0 + timedelta(hours=5), tick=False):
            master, _ = merged_master(world)
            services.callback_record(
                ticket=master,
                actor=world.user("callback"),
                reached=True,
                contacted=True,
                solved="solved",
                satisfaction="satisfied",
                at=T0 + timedelta(hours=3),
            )
        with time_machine.travel(T0 + timedelta(days=10), tick=False):
            assert not in_queue(world, master)
