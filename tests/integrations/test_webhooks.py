"""Outbound webhooks: signed as documented, in scope, retried with back-off, given up, pruned, retried by hand."""

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from civicgrid.core.models import AuditEvent
from civicgrid.core.refusal import Refusal
from civicgrid.integrations import webhooks
from civicgrid.integrations.models import (
    DeliveryStatus,
    IntegrationClient,
    WebhookCursor,
    WebhookDelivery,
    WebhookPolicy,
)
from civicgrid.registry.models import Role, Staff
from civicgrid.tickets import services
from civicgrid.tickets.models import Event, Ticket
from tests.tickets import conftest as tickets_conftest
from tests.tickets.conftest import local
from tests.tickets.helpers import register

pytestmark = pytest.mark.django_db
world = tickets_conftest.world  # the console's test world (staff for every role, units, categories)

T0 = local(2026, 6, 1, 9, 0)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


class Receiver:
    """A real HTTP endpoint on 127.0.0.1: records every request; answers 500 to the first `fail_first`."""

    def __init__(self, fail_first: int = 0, always_fail: bool = False):
        self.fail_first, self.always_fail = fail_first, always_fail
        self.requests: list[tuple[dict, bytes, int]] = []
        self.lock = threading.Lock()

    def __enter__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    failing = receiver.always_fail or len(receiver.requests) < receiver.fail_first
                    code = 500 if failing else 200
                    receiver.requests.append((dict(self.headers), body, code))
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def accepted(self) -> list[dict]:
        return [json.loads(body) for _, body, code in self.requests if code == 200]


def make_client(world, code, *, url, roles=(Role.OPERATOR, Role.DISPATCHER), units=("centre",), **fields):
    account = get_user_model().objects.create_user(username=f"client-{code}", password="x-long-password-1")
    staff = Staff.objects.create(user=account, name=f"对接{code}", phone="13800000000")
    staff.roles.set(Role.objects.filter(code__in=roles))
    staff.units.set([world.units[u] for u in units])
    return IntegrationClient.objects.create(
        name=f"对接系统{code}",
        code=code,
        account=account,
        scopes=["tickets:read", "tickets:write"],
        webhook_url=url,
        **fields,
    )


def documented_verify():
    """The verification snippet of docs/webhooks.md, run as written."""
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    scope: dict = {}
    exec(code, scope)  # noqa: S102 (our own documentation)
    return scope["verify_civicgrid"]


def run_once(now=None):
    from django.utils import timezone

    now = now or timezone.now()
    return webhooks.fill_outbox(now), webhooks.deliver_due(now)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def test_a_delivery_verifies_with_the_documented_recipe_and_carries_no_personal_data(world, clock):
    with Receiver() as receiver:
        client = make_client(world, "hub", url=receiver.url)
        secret = client.new_webhook_secret
        ticket = register(world, T0)
        queued, delivered = run_once()
        assert queued == delivered == 2  # registered, accepted
        verify = documented_verify()
        for headers, body, _ in receiver.requests:
            assert verify(secret, body, headers["X-Civicgrid-Timestamp"], headers["X-Civicgrid-Signature"])
            assert not verify(
                secret, body + b" ", headers["X-Civicgrid-Timestamp"], headers["X-Civicgrid-Signature"]
            )
            assert not verify(
                "whsec_other", body, headers["X-Civicgrid-Timestamp"], headers["X-Civicgrid-Signature"]
            )
            payload = json.loads(body)
            assert headers["X-Civicgrid-Event-Id"] == str(payload["event_id"])
            assert headers["Idempotency-Key"] == f"hub:{payload['event_id']}"
            text = body.decode()
            assert "张三" not in text and "13812345678" not in text and "5678" not in text
        first = receiver.accepted[0]
        assert first["ticket_number"] == ticket.number
        assert (first["action"], first["action_label"]) == ("registered", "登记受理")
        assert (first["status"], first["status_label"]) == ("RECEIVED", "已受理")
        assert first["occurred_at"] == "2026-06-01T09:00:00+08:00"
        assert {"external_source", "external_id"} <= set(first)
    # A stale timestamp is refused by the recipe.
    clock.move_to(T0 + timedelta(minutes=6), tick=False)
    headers, body, _ = receiver.requests[0]
    assert not verify(secret, body, headers["X-Civicgrid-Timestamp"], headers["X-Civicgrid-Signature"])


def test_the_secret_is_encrypted_at_rest_and_rotating_it_changes_the_signature(world, clock):
    client = make_client(world, "hub", url="http://127.0.0.1:9/")
    raw = client.new_webhook_secret
    stored = IntegrationClient.objects.get(pk=client.pk)
    assert raw.startswith("whsec_") and raw not in stored.webhook_secret
    assert webhooks.secret_of(stored) == raw
    admin = world.user("admin")
    new = webhooks.rotate_webhook_secret(actor=admin, client=stored)
    assert new != raw and webhooks.secret_of(IntegrationClient.objects.get(pk=client.pk)) == new
    assert AuditEvent.objects.filter(action="webhook.secret_rotated").count() == 1
    with pytest.raises(Refusal, match="系统管理员"):
        webhooks.rotate_webhook_secret(actor=world.user("operator"), client=stored)
    assert webhooks.sign(new, "1", b"{}") != webhooks.sign(raw, "1", b"{}")


def test_backoff_doubles_up_to_the_maximum_then_gives_up_and_an_admin_retries(world, clock):
    WebhookPolicy.objects.update(max_attempts=5, first_delay_seconds=30, max_delay_minutes=2)
    with Receiver(always_fail=True) as receiver:
        make_client(world, "hub", url=receiver.url)
        register(world, T0, category=None)  # one event: registered
        webhooks.fill_outbox(T0)
        row = WebhookDelivery.objects.get()
        waits = []
        now = T0
        for _ in range(5):
            clock.move_to(now, tick=False)
            assert webhooks.deliver_due(now) == 0
            row.refresh_from_db()
            if row.status == DeliveryStatus.FAILED:
                break
            waits.append(row.next_try_at - now)
            # Not due a second earlier.
            clock.move_to(row.next_try_at - timedelta(seconds=1), tick=False)
            webhooks.deliver_due(row.next_try_at - timedelta(seconds=1))
            assert len(receiver.requests) == row.attempts
            now = row.next_try_at
        assert waits == [
            timedelta(seconds=30),
            timedelta(seconds=60),
            timedelta(seconds=120),
            timedelta(seconds=120),
        ]
        assert row.status == DeliveryStatus.FAILED and row.attempts == 5 and row.next_try_at is None
        assert row.last_error == "对方返回 HTTP 500"
        clock.move_to(now + timedelta(days=1), tick=False)
        webhooks.deliver_due(now + timedelta(days=1))
        assert len(receiver.requests) == 5  # given up: no more tries
        receiver.always_fail = False
        assert webhooks.retry_deliveries(actor=world.user("admin"), deliveries=[row]) == 1
        assert webhooks.deliver_due(now + timedelta(days=1)) == 1
        row.refresh_from_db()
        assert row.status == DeliveryStatus.DELIVERED and row.attempts == 1 and row.last_error == ""
        assert AuditEvent.objects.filter(action="webhook.retried").count() == 1
        with pytest.raises(Refusal, match="没有推送失败"):
            webhooks.retry_deliveries(actor=world.user("admin"), deliveries=[row])


def test_a_failed_event_holds_back_the_clients_later_ones_so_they_arrive_in_order(world, clock):
    with Receiver(fail_first=1) as receiver:
        make_client(world, "hub", url=receiver.url)
        register(world, T0)
        assert run_once() == (2, 0)  # the first failed: the second waits behind it
        assert [code for _, _, code in receiver.requests] == [500]
        clock.move_to(T0 + timedelta(seconds=30), tick=False)
        assert run_once() == (0, 2)
        assert [p["action"] for p in receiver.accepted] == ["registered", "accepted"]


def test_a_unit_client_gets_only_its_units_tickets(world, clock):
    with Receiver() as receiver:
        make_client(world, "zjj-app", url=receiver.url, roles=[Role.UNIT_HANDLER], units=["zjj"])
        mine = register(world, T0, category="property")  # 住建局 by the catalogue
        other = register(world, T0, category="noise")  # 综合执法局
        for ticket in (mine, other):
            services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        run_once()
        numbers = {p["ticket_number"] for p in receiver.accepted}
        assert numbers == {mine.number}
        # Seen from the moment it was queued: the ticket is the unit's by then, so its earlier steps come too.
        assert [p["action"] for p in receiver.accepted] == ["registered", "accepted", "dispatched"]


def test_only_own_tickets_go_to_a_client_with_that_option(world, clock):
    with Receiver() as receiver, Receiver() as everything:
        province = make_client(world, "province-12345", url=receiver.url, only_own_tickets=True)
        make_client(world, "hub", url=everything.url)
        own = register(world, T0)
        Ticket.objects.filter(pk=own.pk).update(external_source=province.code, external_id="SW-0007")
        register(world, T0)
        run_once()
        assert {p["ticket_number"] for p in receiver.accepted} == {own.number}
        assert {p["external_id"] for p in receiver.accepted} == {"SW-0007"}
        assert len(everything.accepted) == 4


def test_clients_without_a_url_scope_or_activity_get_nothing_and_historical_tickets_are_not_pushed(
    world, clock
):
    make_client(world, "nourl", url="")
    make_client(world, "noscope", url="http://127.0.0.1:9/").__class__.objects.filter(code="noscope").update(
        scopes=["open311"]
    )
    off = make_client(world, "off", url="http://127.0.0.1:9/")
    IntegrationClient.objects.filter(pk=off.pk).update(is_active=False)
    register(world, T0)
    assert webhooks.fill_outbox(T0) == 0
    with Receiver() as receiver:
        make_client(world, "hub", url=receiver.url)
        old = register(world, T0)
        Ticket.objects.filter(pk=old.pk).update(is_historical=True)
        assert webhooks.fill_outbox(T0) == 0
        new = register(world, T0)
        assert webhooks.fill_outbox(T0) == 2
        assert WebhookDelivery.objects.filter(ticket_number=new.number).count() == 2


def test_filling_twice_queues_each_event_once_and_an_id_committed_late_is_still_read(world, clock):
    make_client(world, "hub", url="http://127.0.0.1:9/")
    register(world, T0)
    assert webhooks.fill_outbox(T0) == 2
    assert webhooks.fill_outbox(T0) == 0
    # An event whose id was taken before the watermark moved but committed after: left as a gap, read later.
    late = Event.objects.order_by("pk").last()
    WebhookDelivery.objects.filter(event=late).delete()
    WebhookCursor.objects.update(last_event_id=late.pk + 1, gaps={str(late.pk): T0.isoformat()})
    assert webhooks.fill_outbox(T0 + timedelta(minutes=1)) == 1
    assert WebhookCursor.objects.get().gaps == {}
    # A gap never filled is given up after GAP_WAIT.
    WebhookCursor.objects.update(gaps={"999999": T0.isoformat()})
    webhooks.fill_outbox(T0 + webhooks.GAP_WAIT + timedelta(seconds=1))
    assert WebhookCursor.objects.get().gaps == {}


def test_callback_events_carry_the_result(world, clock):
    from tests.tickets.helpers import handle_to_reply

    make_client(world, "hub", url="http://127.0.0.1:9/")
    ticket = register(world, T0, category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    handle_to_reply(world, ticket, T0 + timedelta(hours=1), "zjj")
    services.reply_review(
        ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=2)
    )
    services.callback_record(
        ticket=ticket,
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="solved",
        satisfaction="satisfied",
        notes="诉求人张三表示满意",
        at=T0 + timedelta(hours=3),
    )
    webhooks.fill_outbox(T0 + timedelta(hours=3))
    bodies = [json.loads(r.body) for r in WebhookDelivery.objects.order_by("event_id")]
    recorded = next(b for b in bodies if b["action"] == "callback_recorded")
    assert recorded["callback"]["satisfaction_label"] == "满意"
    assert recorded["callback"]["solved"] == "solved" and recorded["callback"]["reached"] is True
    assert bodies[-1]["action"] == "closed" and bodies[-1]["status"] == "CLOSED" and "callback" in bodies[-1]
    assert not any("张三" in r.body for r in WebhookDelivery.objects.all())


def test_delivered_rows_are_pruned_after_the_retention_failed_ones_stay(world, clock):
    make_client(world, "hub", url="http://127.0.0.1:9/")
    register(world, T0)
    webhooks.fill_outbox(T0)
    first, second = WebhookDelivery.objects.order_by("event_id")
    WebhookDelivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.DELIVERED, delivered_at=T0)
    WebhookDelivery.objects.filter(pk=second.pk).update(status=DeliveryStatus.FAILED)
    days = WebhookPolicy.objects.get().retention_days
    assert webhooks.prune_delivered(T0 + timedelta(days=days) - timedelta(minutes=1)) == 0
    assert webhooks.prune_delivered(T0 + timedelta(days=days, minutes=1)) == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [second.pk]


def test_the_worker_runs_the_webhook_jobs(world, clock):
    from civicgrid.core.periodic import run_registered

    with Receiver() as receiver:
        make_client(world, "hub", url=receiver.url)
        register(world, T0)
        done = run_registered(T0)
        assert done["回调推送入队"] == 2
        assert done["回调推送"] == 2  # filled before sent: registered in that order
        assert len(receiver.accepted) == 2


def test_admin_shows_the_secret_once_lists_failures_and_retries(world, clock, client):
    admin = world.user("admin")
    client.force_login(admin)
    account = get_user_model().objects.create_user(username="client-new", password="x-long-password-1")
    response = client.post(
        "/admin/integrations/integrationclient/add/",
        {
            "name": "新平台",
            "code": "new-hub",
            "account": account.pk,
            "scopes": '["tickets:read"]',
            "is_active": "on",
            "webhook_url": "http://127.0.0.1:9/",
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    made = IntegrationClient.objects.get(code="new-hub")
    raw = webhooks.secret_of(made)
    assert raw in text and "只显示这一次" in text
    page = client.get(f"/admin/integrations/integrationclient/{made.pk}/change/").content.decode()
    assert raw not in page and "已加密保存" in page

    register(world, T0)
    hub = make_client(world, "hub", url="http://127.0.0.1:9/")
    webhooks.fill_outbox(T0)
    WebhookDelivery.objects.filter(client=hub).update(
        status=DeliveryStatus.FAILED, attempts=8, last_error="连接失败：拒绝连接", next_try_at=None
    )
    listing = client.get("/admin/integrations/webhookdelivery/?status=failed").content.decode()
    assert "推送失败" in listing and "连接失败：拒绝连接" in listing and "登记受理" in listing
    ids = list(WebhookDelivery.objects.filter(client=hub).values_list("pk", flat=True))
    response = client.post(
        "/admin/integrations/webhookdelivery/",
        {"action": "retry", "_selected_action": ids},
        follow=True,
    )
    assert "已安排重新推送 2 条记录" in response.content.decode()
    assert set(WebhookDelivery.objects.filter(client=hub).values_list("status", flat=True)) == {"pending"}

    response = client.post(
        "/admin/integrations/integrationclient/",
        {"action": "rotate_secret", "_selected_action": [made.pk]},
        follow=True,
    )
    assert webhooks.secret_of(IntegrationClient.objects.get(pk=made.pk)) in response.content.decode()
