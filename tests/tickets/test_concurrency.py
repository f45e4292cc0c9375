"""Two people acting on the same assignment at once: one succeeds, the other is told why not."""

import threading

import pytest
from django.db import connection

from civicgrid.registry.models import Role, Staff
from civicgrid.tickets import services
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Assignment, Event

from .conftest import _staff, local
from .helpers import lead_of, register

T0 = local(2026, 6, 1, 9, 0)


def _race(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            action()
            outcomes[index] = "ok"
        except TicketError as exc:
            outcomes[index] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_handlers_signing_the_same_assignment_at_once(world):
    ticket = register(world, T0, category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    lead = lead_of(ticket)
    colleague, _ = _staff("zjj2", [Role.UNIT_HANDLER], [world.units["zjj"]])

    outcomes = _race(
        [
            lambda: services.assignment_sign(assignment=lead, actor=world.user("zjj"), at=T0),
            lambda: services.assignment_sign(assignment=lead, actor=colleague, at=T0),
        ]
    )

    assert sorted(outcomes, key=str) == sorted(["ok", "住建局的承办任务当前为「办理中」，不能签收"], key=str)
    assert Event.objects.filter(ticket=ticket, action="signed").count() == 1
    assert Assignment.objects.get(pk=lead.pk).state == Assignment.State.IN_PROGRESS
    assert Staff.objects.filter(user=colleague).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reply_and_return_racing_on_the_same_assignment(world):
    ticket = register(world, T0, category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    lead = lead_of(ticket)
    handler = world.user("zjj")
    services.assignment_sign(assignment=lead, actor=handler, at=T0)
    services.assignment_first_contact(assignment=lead, actor=handler, method="phone", at=T0)

    outcomes = _race(
        [
            lambda: services.lead_reply(
                assignment=lead, actor=handler, result_code="solved", text="已办", at=T0
            ),
            lambda: services.return_request(
                assignment=lead, actor=handler, reason="r", legal_basis="b", at=T0
            ),
        ]
    )

    assert outcomes.count("ok") == 1
    refused = next(o for o in outcomes if o != "ok")
    assert "住建局的承办任务当前为" in refused


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_merging_two_tickets_into_each_other_at_once(world):
    rounds = 5
    for _ in range(rounds):
        a = register(world, T0, category="")
        b = register(world, T0, category="")
        outcomes = _race(
            [
                lambda a=a, b=b: services.ticket_merge(
                    ticket=a, master=b, actor=world.user("operator"), reason="重复", at=T0
                ),
                lambda a=a, b=b: services.ticket_merge(
                    ticket=b, master=a, actor=world.user("dispatcher"), reason="重复", at=T0
                ),
            ]
        )
        # No deadlock (that would leave None): one merge went through, the other was told why not.
        assert outcomes.count("ok") == 1, outcomes
        refused = next(o for o in outcomes if o != "ok")
        assert "当前为「已并单」" in refused
        a.refresh_from_db()
        b.refresh_from_db()
        assert (a.merged_into_id, b.merged_into_id) in ((b.pk, None), (None, a.pk))
