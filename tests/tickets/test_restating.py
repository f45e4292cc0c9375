"""Which ticket events may change a finished month's counts (`tickets.restating`), and the stored monthly counts
staying exact, and read, while the work of an old ticket goes on."""

from datetime import date, timedelta

import time_machine

from civicgrid.assessment import aggregates, selectors
from civicgrid.sla.models import PauseReason
from civicgrid.tickets import services
from civicgrid.tickets.models import Event, Ticket
from civicgrid.tickets.scan import scan_deadlines
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, lead_of, register

MAY = local(2026, 5, 28, 10)
JUNE = local(2026, 6, 2, 10)
MAY_FIRST = date(2026, 5, 1)


def restating(ticket, since=0) -> dict[str, bool]:
    return dict(
        Event.objects.filter(ticket=ticket, pk__gt=since).order_by("pk").values_list("action", "restates")
    )


def newest_event() -> int:
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_work_dated_at_its_own_time_restates_nothing_a_moved_key_or_rating_does(world):
    ticket = register(world, MAY)
    assert restating(ticket) == {"registered": False, "accepted": True}  # the category, a counted key, set
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=MAY)
    assert Event.objects.filter(ticket=ticket, action="dispatched").get().restates  # the lead unit set

    mark = newest_event()
    handle_to_reply(world, ticket, JUNE, "worker1")
    services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=JUNE)
    services.callback_record(
        ticket=ticket,
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="solved",
        satisfaction="satisfied",
        at=JUNE + timedelta(hours=1),
    )
    done = restating(ticket, mark)
    assert "closed" in done and set(done.values()) == {False}  # closed and rated for the first time, in June

    mark = newest_event()
    services.ticket_recategorise(
        ticket=Ticket.objects.get(pk=ticket.pk),
        actor=world.user("dispatcher"),
        category=world.categories["illegal_building"],
        reason="分类有误",
        at=JUNE + timedelta(hours=2),
    )
    assert restating(ticket, mark) == {"category_corrected": True}


def test_resuming_the_clock_restates_and_the_scans_notices_do_not(world):
    ticket = register(world, MAY)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=MAY)
    mark = newest_event()
    assert scan_deadlines(now=lead_of(ticket).due_at + timedelta(days=1)).overdue == 1
    assert set(restating(ticket, mark).values()) == {False}
    reason = PauseReason.objects.get(code="requester")
    services.ticket_pause(ticket=ticket, actor=world.user("dispatcher"), reason=reason, note="出差", at=JUNE)
    mark = newest_event()
    services.ticket_resume(ticket=ticket, actor=world.user("dispatcher"), at=JUNE + timedelta(days=1))
    assert restating(ticket, mark) == {"clock_resumed": True}  # it may take back notices already given


def test_an_event_written_by_other_code_restates_unless_it_says_so(world):
    ticket = register(world, MAY)
    assert Event.objects.create(ticket=ticket, at=JUNE, action="anything").restates


def test_may_stays_exact_through_junes_work_on_a_may_ticket(world):
    ticket = register(world, MAY)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=MAY)
    with time_machine.travel(JUNE, tick=False):
        assert aggregates.refresh(JUNE, limit=None) >= 1
    assert MAY_FIRST in selectors.fresh_months([MAY_FIRST])

    handle_to_reply(world, ticket, JUNE, "worker1")
    services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=JUNE)
    services.callback_record(
        ticket=ticket,
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="solved",
        satisfaction="satisfied",
        at=JUNE,
    )
    assert MAY_FIRST in selectors.fresh_months([MAY_FIRST])  # the rates of May read its stored counts

    # Work entered with a time in May is May's: read live until counted again.
    other = register(world, MAY)
    with time_machine.travel(JUNE, tick=False):
        aggregates.refresh(JUNE, limit=None)
    services.ticket_dispatch(ticket=other, actor=world.user("dispatcher"), at=MAY + timedelta(hours=1))
    assert MAY_FIRST not in selectors.fresh_months([MAY_FIRST])

    # A moved key of a May ticket restates May.
    with time_machine.travel(JUNE, tick=False):
        aggregates.refresh(JUNE, limit=None)
    assert MAY_FIRST in selectors.fresh_months([MAY_FIRST])
    services.ticket_recategorise(
        ticket=Ticket.objects.get(pk=ticket.pk),
        actor=world.user("dispatcher"),
        category=world.categories["illegal_building"],
        reason="分类有误",
        at=JUNE,
    )
    assert MAY_FIRST not in selectors.fresh_months([MAY_FIRST])
