"""The upstream loop: the provincial 12345 platform's ticket, handled here, its every step pushed back to it.

Registered through the registration service with the platform's own number, moved through dispatch, reply, review
and callback by the console's services; the worker's jobs deliver to a real HTTP server on 127.0.0.1 that fails
twice before it answers, and the platform receives each step once, in order, signed."""

import inspect
from datetime import UTC, datetime, timedelta

import pytest

from civicgrid.integrations import webhooks
from civicgrid.integrations.models import DeliveryStatus, WebhookDelivery
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets import services
from civicgrid.tickets.models import Event, Ticket
from tests.integrations import test_webhooks
from tests.integrations.test_webhooks import T0, Receiver, documented_verify, make_client
from tests.tickets.helpers import handle_to_reply

pytestmark = pytest.mark.django_db
world = test_webhooks.world  # the console's test world

PROVINCE_NUMBER = "HN12345-20260601-0007"


def register_from_province(world, client, at):
    fields = dict(
        actor=client.account,
        channel="other",
        request_type=RequestType.COMPLAINT,
        title="小区物业不作为",
        content="物业长期不清运垃圾，业主王五多次反映无果。",
        requester_name="王五",
        requester_phone="13912345678",
        category=world.categories["property"],
        at=at,
    )
    # The API helper adds the external number to the registration service; until then it is set beside it.
    takes_external = "external_source" in inspect.signature(services.ticket_register).parameters
    if takes_external:
        fields.update(external_source=client.code, external_id=PROVINCE_NUMBER)
    ticket = services.ticket_register(**fields)
    if not takes_external:
        Ticket.objects.filter(pk=ticket.pk).update(external_source=client.code, external_id=PROVINCE_NUMBER)
    return Ticket.objects.get(pk=ticket.pk)


def worker_pass(clock, at):
    clock.move_to(at, tick=False)
    return webhooks.fill_outbox(at), webhooks.deliver_due(at)


def test_the_provinces_ticket_goes_back_to_it_step_by_step_once_in_order_signed(world, time_machine):
    time_machine.move_to(T0, tick=False)
    with Receiver(fail_first=2) as province_side, Receiver() as other_side:
        province = make_client(world, "province-12345", url=province_side.url, only_own_tickets=True)
        make_client(world, "hub", url=other_side.url)
        ticket = register_from_province(world, province, T0)
        services.ticket_accept(ticket=ticket, actor=world.user("operator"), at=T0)
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        local_ticket = services.ticket_register(
            actor=world.user("operator"),
            channel="phone",
            request_type=RequestType.COMPLAINT,
            title="路灯不亮",
            content="小区门口路灯坏了",
            requester_phone="13800001111",
            at=T0,
        )

        # First run: the platform's first answer is a failure; the rest wait behind it.
        assert worker_pass(time_machine, T0) == (4 + 4 - 1, 4)  # the other side gets all four; province 3
        assert [code for _, _, code in province_side.requests] == [500]
        # A second worker run at once sends nothing more to the platform: the retry is not due yet.
        assert worker_pass(time_machine, T0 + timedelta(seconds=5)) == (0, 0)
        assert len(province_side.requests) == 1
        assert worker_pass(time_machine, T0 + timedelta(seconds=30)) == (0, 0)  # second failure
        assert worker_pass(time_machine, T0 + timedelta(seconds=90)) == (0, 3)
        assert [code for _, _, code in province_side.requests] == [500, 500, 200, 200, 200]

        later = T0 + timedelta(hours=1)
        time_machine.move_to(later, tick=False)
        handle_to_reply(world, ticket, later, "zjj")
        services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=later)
        services.callback_record(
            ticket=ticket,
            actor=world.user("callback"),
            reached=True,
            contacted=True,
            solved="solved",
            satisfaction="very_satisfied",
            at=later,
        )
        worker_pass(time_machine, later)
        worker_pass(time_machine, later + timedelta(minutes=1))  # nothing left: no repeat

    events = list(Event.objects.filter(ticket=ticket).order_by("pk"))
    received = province_side.accepted
    assert [p["event_id"] for p in received] == [e.pk for e in events]  # each once, in order
    assert [p["action"] for p in received] == [
        "registered",
        "accepted",
        "dispatched",
        "signed",
        "contacted",
        "replied",
        "review_passed",
        "callback_recorded",
        "closed",
    ]
    assert {p["external_id"] for p in received} == {PROVINCE_NUMBER}
    assert {p["external_source"] for p in received} == {"province-12345"}
    assert received[-1]["status"] == "CLOSED" and received[-1]["status_label"] == "已办结"
    assert received[-2]["callback"]["satisfaction"] == "very_satisfied"
    assert received[-2]["callback"]["satisfaction_label"] == "非常满意"
    assert local_ticket.number not in {p["ticket_number"] for p in received}

    verify = documented_verify()
    secret = webhooks.secret_of(province)
    for headers, body, _ in province_side.requests:
        # Checked as the platform would on arrival: at the moment it was sent.
        time_machine.move_to(datetime.fromtimestamp(int(headers["X-Civicgrid-Timestamp"]), UTC), tick=False)
        assert verify(secret, body, headers["X-Civicgrid-Timestamp"], headers["X-Civicgrid-Signature"])
        assert "王五" not in body.decode() and "13912345678" not in body.decode()
    # The receiver dedupes on this key: the two failed tries and the success carried the same one.
    keys = [headers["Idempotency-Key"] for headers, _, _ in province_side.requests[:3]]
    assert keys == [f"province-12345:{events[0].pk}"] * 3
    assert not WebhookDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()
    assert len(other_side.accepted) == len(events) + 1  # everything it may see, the local ticket too
