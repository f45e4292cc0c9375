"""Several workers at once on PostgreSQL: every (client, event) is queued once and sent once, in order."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from civicgrid.integrations import webhooks
from civicgrid.integrations.models import DeliveryStatus, WebhookDelivery
from civicgrid.tickets.models import Event
from tests.integrations import test_webhooks
from tests.integrations.test_webhooks import Receiver, make_client
from tests.tickets.helpers import register

# Committed data is flushed afterwards; serialized_rollback puts the seeded tables back for later tests.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
world = test_webhooks.world  # the console's test world

WORKERS = 4
TICKETS = 20
CLIENTS = 3


def run_together(target, n: int) -> list:
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def work(i):
        try:
            barrier.wait()
            results[i] = target()
        except Exception as error:  # reported below, in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def drain():
    """One worker: passes until nothing is left unsent (another worker may hold a client's head meanwhile)."""
    sent = 0
    for _ in range(500):
        sent += webhooks.deliver_due(timezone.now())
        if not WebhookDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists():
            break
    return sent


def test_racing_fillers_and_senders_queue_and_send_each_event_once_in_order(world):
    now = timezone.now()
    receivers = [Receiver().__enter__() for _ in range(CLIENTS)]
    try:
        for i, receiver in enumerate(receivers):
            make_client(world, f"client-{i}", url=receiver.url)
        for _ in range(TICKETS):
            register(world, now, category=None)
        events = list(Event.objects.order_by("pk").values_list("pk", flat=True))
        assert len(events) == TICKETS

        run_together(lambda: webhooks.fill_outbox(timezone.now()), WORKERS)
        assert WebhookDelivery.objects.count() == TICKETS * CLIENTS

        sent = run_together(drain, WORKERS)
        assert sum(sent) == TICKETS * CLIENTS
        for receiver in receivers:
            ids = [p["event_id"] for p in receiver.accepted]
            assert ids == events  # in order
            assert not [i for i, n in Counter(ids).items() if n > 1]
            assert len(receiver.requests) == TICKETS  # no second send at all: every claim was exclusive
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    finally:
        for receiver in receivers:
            receiver.__exit__(None, None, None)


def test_two_claimers_of_the_same_row_one_wins(world):
    make_client(world, "hub", url="http://127.0.0.1:9/")
    register(world, timezone.now(), category=None)
    webhooks.fill_outbox(timezone.now())
    row = WebhookDelivery.objects.get()
    policy = webhooks.policy_at(timezone.now())
    for _ in range(5):
        tokens = run_together(lambda: webhooks._claim(row, timezone.now(), policy), WORKERS)
        assert len([t for t in tokens if t]) == 1
        WebhookDelivery.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.PENDING, next_try_at=timezone.now()
        )
        row.refresh_from_db()
    assert row.attempts == 5
