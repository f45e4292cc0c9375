"""Two calls at once on PostgreSQL: the same upstream number pushed twice registers one ticket, and two writes
based on the same version of a ticket let one through and tell the other it came too late."""

import threading

import pytest
from django.db import connection
from django.test import Client

from civicgrid.tickets.models import Supervision, Ticket
from tests.api.test_tickets_support import Api, clock, dispatched, province, register_body, world  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _race(calls):
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            answers[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_the_same_upstream_number_pushed_twice_at_once_registers_one_ticket(world, province, clock):  # noqa: F811
    callers = [Api(Client(), province.user) for _ in range(2)]
    body = register_body(external_id="HN-RACE-1")
    answers = _race([lambda c=c: c.post("/tickets", body) for c in callers])
    assert sorted(a.status_code for a in answers) == [200, 201], [a.content for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Ticket.objects.filter(external_source="province-12345", external_id="HN-RACE-1").count() == 1


def test_two_writes_on_the_same_version_let_one_through(world, clock):  # noqa: F811
    ticket = dispatched(world)
    callers = [Api(Client(), world.user(name)) for name in ("supervisor", "leader")]
    body = {"note": "请加快办理", "version": ticket.version}
    answers = _race([lambda c=c: c.post(f"/tickets/{ticket.pk}/supervise", body) for c in callers])
    assert sorted(a.status_code for a in answers) == [200, 409], [a.content for a in answers]
    assert Supervision.objects.filter(ticket=ticket).count() == 1
