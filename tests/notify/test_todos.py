"""To-dos are cleared when their work is done (browser walk: a dispatcher had 2,708 unread)."""

from datetime import timedelta

from civicgrid.notify.models import Notification
from civicgrid.notify.services import mark_all_read
from civicgrid.tickets import services
from civicgrid.tickets.models import Ticket
from tests.tickets import states
from tests.tickets.conftest import world  # noqa: F401
from tests.tickets.helpers import handle_to_reply, lead_of, register

T0 = states.T0


def unread(user, kind=None):
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return rows.filter(kind=kind).count() if kind else rows.count()


def test_signing_clears_the_units_new_ticket_todo_and_no_one_elses(world):  # noqa: F811
    ticket = register(world, T0, category="illegal_building")  # zf leads, zjj co-unit
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    zf, zjj = world.user("zf"), world.user("zjj")
    assert unread(zf, "dispatched") == 1 and unread(zjj, "dispatched") == 1
    services.assignment_sign(assignment=lead_of(ticket), actor=zf, at=T0 + timedelta(hours=1))
    assert unread(zf, "dispatched") == 0
    assert unread(zjj, "dispatched") == 1


def test_a_decided_return_clears_every_dispatchers_review_todo_and_dispatching_clears_the_queue(world):  # noqa: F811
    ticket = states.returned(world)  # return requested, approved and re-dispatched
    dispatcher = world.user("dispatcher")
    assert Notification.objects.filter(recipient=dispatcher, kind="return_requested").exists()
    assert unread(dispatcher, "return_requested") == 0
    assert unread(world.user("zjj")) == 0  # the unit that left has nothing waiting on this ticket
    assert Ticket.objects.get(pk=ticket.pk).lead_unit == world.units["sc"]


def test_reviewing_a_reply_clears_the_review_todo_and_closing_clears_the_rest(world):  # noqa: F811
    ticket = register(world, T0, category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    handle_to_reply(world, ticket, T0 + timedelta(hours=1), "zjj")
    dispatcher = world.user("dispatcher")
    assert unread(dispatcher, "replied") == 1
    services.reply_review(ticket=ticket, actor=dispatcher, passed=True, at=T0 + timedelta(hours=2))
    assert unread(dispatcher, "replied") == 0
    ticket = states.closed(world)
    assert not Notification.objects.filter(ticket=ticket, read_at__isnull=True).exists()


def test_mark_all_read_of_one_kind_leaves_the_others(world):  # noqa: F811
    ticket = register(world, T0, category="illegal_building")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    zjj = world.user("zjj")
    Notification.objects.create(recipient=zjj, kind="supervised", title="督办", created_at=T0)
    assert mark_all_read(user=zjj, kind="dispatched") == 1
    assert unread(zjj) == 1 and unread(zjj, "supervised") == 1
    assert mark_all_read(user=zjj) == 1 and unread(zjj) == 0
