"""The HTTP gateway backend and exactly-once delivery, against a real HTTP server on 127.0.0.1."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from civicgrid.notify.backends import HttpGatewayBackend
from civicgrid.notify.models import SmsMessage, SmsStatus
from civicgrid.notify.sms import deliver_sms, enqueue
from tests.sla.factories import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9, 0)
SECRET = "s3cret"


class Gateway(ThreadingHTTPServer):
    """A gateway that dedupes on the idempotency key, as real ones do with an out_id / request id."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.requests: list[dict] = []
        self.ids: dict[str, str] = {}
        self.fail_with: list[int] = []  # statuses to answer, one per request, before accepting
        self.delay = 0.0
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/sms/send"

    def handle_error(self, request, client_address):
        pass  # a client that gave up (the timeout test) is not a failure of the test server

    def delivered_keys(self) -> list[str]:
        return list(self.ids)


class GatewayHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status: int, payload: dict):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, body: bytes):
        server: Gateway = self.server
        key = self.headers.get("Idempotency-Key", "")
        with server.lock:
            server.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                    "key": key,
                }
            )
            status = server.fail_with.pop(0) if server.fail_with else 200
        if server.delay:
            time.sleep(server.delay)
        if status != 200:
            return self._answer(status, {"error": "busy"})
        with server.lock:
            message_id = server.ids.setdefault(key, f"gw-{len(server.ids) + 1}")
        self._answer(200, {"code": "OK", "data": {"message_id": message_id}})

    def do_POST(self):
        self._handle(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def do_GET(self):
        self._handle(b"")


@pytest.fixture
def gateway(settings):
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.CIVICGRID_SMS_GATEWAY = "http"
    # These tests send with the worker inside the test's transaction: queued unclaimed, as for the worker.
    settings.CIVICGRID_SMS_SEND_ON_COMMIT = False
    settings.CIVICGRID_SMS_HTTP = {
        "url": server.url,
        "method": "POST",
        "body": '{"phone": ${phone}, "sign_name": ${signature}, "template_code": ${template_code}, '
        '"params": ${params}, "out_id": ${key}}',
        "content_type": "application/json",
        "secret": SECRET,
        "signature_header": "X-Signature",
        "timeout": 2,
        "message_id_field": "data.message_id",
    }
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _queue(count: int, **extra) -> list[SmsMessage]:
    return [
        enqueue(
            phone=f"1380013{i:04d}",
            template="closed",
            params={"number": f"20260302-{i:06d}", "link": "https://12345.example.cn/track/"},
            key=f"ticket-{i}-closed",
            **extra,
        )
        for i in range(1, count + 1)
    ]


def test_the_gateway_gets_the_signature_template_code_parameters_and_key(gateway):
    (message,) = _queue(1)
    assert deliver_sms() == 1
    (request,) = gateway.requests
    assert request["path"] == "/sms/send"
    assert json.loads(request["body"]) == {
        "phone": "13800130001",
        "sign_name": "12345热线",
        "template_code": "SMS_CG_CLOSED",
        "params": {"number": "20260302-000001", "link": "https://12345.example.cn/track/"},
        "out_id": "ticket-1-closed",
    }
    assert request["key"] == "ticket-1-closed"
    headers = request["headers"]
    expected = hmac.new(
        SECRET.encode(), headers["X-Timestamp"].encode() + b"\n" + request["body"], hashlib.sha256
    ).hexdigest()
    assert headers["X-Signature"] == expected
    message.refresh_from_db()
    assert (message.status, message.provider_message_id, message.attempts) == (SmsStatus.SENT, "gw-1", 1)
    assert message.sent_at == NOW


def test_a_form_encoded_get_gateway(gateway, settings):
    settings.CIVICGRID_SMS_HTTP = {
        **settings.CIVICGRID_SMS_HTTP,
        "method": "GET",
        "content_type": "application/x-www-form-urlencoded",
        "body": "mobile=${phone}&tpl=${template_code}&vars=${params}&rid=${key}",
        "secret": "",
    }
    _queue(1)
    assert deliver_sms() == 1
    (request,) = gateway.requests
    query = parse_qs(urlsplit(request["path"]).query)
    assert query["mobile"] == ["13800130001"]
    assert query["rid"] == ["ticket-1-closed"]
    assert json.loads(query["vars"][0])["number"] == "20260302-000001"
    assert "X-Signature" not in request["headers"]


def test_a_server_error_is_retried_later_with_the_same_key(gateway, time_machine):
    gateway.fail_with = [503]
    (message,) = _queue(1)
    assert deliver_sms() == 0
    message.refresh_from_db()
    assert message.status == SmsStatus.PENDING
    assert message.error == "短信网关拒绝了请求（状态码 503）"
    assert message.next_attempt_at == NOW + timedelta(minutes=1)
    assert deliver_sms() == 0  # not due yet
    time_machine.move_to(NOW + timedelta(minutes=1), tick=False)
    assert deliver_sms() == 1
    assert [r["key"] for r in gateway.requests] == ["ticket-1-closed", "ticket-1-closed"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == (SmsStatus.SENT, 2, "")


def test_a_refused_request_is_not_retried(gateway):
    gateway.fail_with = [400]
    (message,) = _queue(1)
    assert deliver_sms() == 0
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.next_attempt_at is None


def test_a_gateway_that_does_not_answer_in_time_is_retried(gateway, settings, time_machine):
    settings.CIVICGRID_SMS_HTTP = {**settings.CIVICGRID_SMS_HTTP, "timeout": 0.2}
    gateway.delay = 0.5
    (message,) = _queue(1)
    assert deliver_sms() == 0
    message.refresh_from_db()
    assert message.status == SmsStatus.PENDING
    assert "超时" in message.error
    gateway.delay = 0
    time_machine.move_to(NOW + timedelta(minutes=1), tick=False)
    assert deliver_sms() == 1
    message.refresh_from_db()
    # The gateway took the first request too: the same key brings back the same message, not a second SMS.
    assert message.provider_message_id == "gw-1"
    assert gateway.delivered_keys() == ["ticket-1-closed"]


def test_no_gateway_address_is_an_error_on_the_row(settings):
    settings.CIVICGRID_SMS_GATEWAY = "http"
    # These tests send with the worker inside the test's transaction: queued unclaimed, as for the worker.
    settings.CIVICGRID_SMS_SEND_ON_COMMIT = False
    settings.CIVICGRID_SMS_HTTP = {"url": ""}
    (message,) = _queue(1)
    assert deliver_sms() == 0
    message.refresh_from_db()
    assert "未配置短信网关地址" in message.error


class Killed(BaseException):
    """What a kill -9 does to the worker: nothing after this point runs (not an Exception, so no handler)."""


class DyingGateway(HttpGatewayBackend):
    sends_before_death = 2

    def send(self, message):
        answer = super().send(message)
        DyingGateway.sends_before_death -= 1
        if DyingGateway.sends_before_death == 0:
            raise Killed  # the gateway accepted the message; the worker dies before recording it
        return answer


def test_a_worker_killed_mid_delivery_sends_nothing_twice_and_holds_nothing_back(
    gateway, settings, time_machine
):
    messages = _queue(5)
    settings.CIVICGRID_SMS_GATEWAY = "tests.notify.test_sms_gateway.DyingGateway"
    DyingGateway.sends_before_death = 2
    with pytest.raises(Killed):
        deliver_sms()
    in_flight = SmsMessage.objects.get(pk=messages[1].pk)
    assert in_flight.status == SmsStatus.SENDING  # claimed, acknowledged by the gateway, not recorded
    assert SmsMessage.objects.filter(status=SmsStatus.PENDING).count() == 3

    # Another worker, at once: the rest of the "batch" is not held back.
    settings.CIVICGRID_SMS_GATEWAY = "http"
    assert deliver_sms() == 3
    assert SmsMessage.objects.filter(status=SmsStatus.SENT).count() == 4

    # After the in-flight message's short claim ends, it is retried with the same key.
    time_machine.move_to(NOW + timedelta(minutes=1, seconds=1), tick=False)
    assert deliver_sms() == 1
    in_flight.refresh_from_db()
    assert in_flight.status == SmsStatus.SENT
    assert in_flight.attempts == 2
    keys = [r["key"] for r in gateway.requests]
    assert len(keys) == 6 and keys.count(in_flight.key) == 2
    # The gateway recognised the repeat: five messages, five SMS, and the first message id kept.
    assert sorted(gateway.delivered_keys()) == sorted(m.key for m in messages)
    assert in_flight.provider_message_id == gateway.ids[in_flight.key]


def test_two_workers_never_claim_the_same_message(gateway):
    from civicgrid.notify import sms

    (message,) = _queue(1)
    assert sms._claim(message.pk) is not None
    assert sms._claim(message.pk) is None
    assert deliver_sms() == 0
    assert gateway.requests == []


def test_staff_sms_notifications_can_go_through_the_outbox_exactly_once(gateway, settings, time_machine):
    from civicgrid.notify.backends import DeliveryError
    from civicgrid.notify.models import Notification
    from civicgrid.notify.services import deliver_pending, notify
    from civicgrid.notify.sms import SmsOutboxBackend
    from civicgrid.registry.models import Staff
    from tests.sla.factories import make_user

    settings.CIVICGRID_NOTIFY_BACKENDS = {"sms": "civicgrid.notify.sms.SmsOutboxBackend"}
    user = make_user("handler")
    Staff.objects.update_or_create(user=user, defaults={"name": "经办人", "phone": "13800009999"})
    (row,) = notify(
        recipients=[user], kind="sla_red", title="红色预警：工单 20260302-000001", channels=["sms"]
    )
    assert deliver_pending() == 1
    SmsOutboxBackend().send(row, "sms")  # delivered again, as after a crash before it was recorded
    assert SmsMessage.objects.count() == 1
    assert deliver_sms() == 1
    (request,) = gateway.requests
    assert request["key"] == f"notification-{row.pk}-sms"
    assert json.loads(request["body"])["params"] == {"title": "红色预警：工单 20260302-000001"}
    nobody = make_user("nophone")
    Staff.objects.filter(user=nobody).update(phone="")
    with pytest.raises(DeliveryError):
        SmsOutboxBackend().send(Notification(recipient=nobody, title="x"), "sms")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_workers_at_once_send_each_message_once(gateway, settings):
    """On PostgreSQL the claims race for real (the in-memory SQLite test database locks whole tables)."""
    from django.db import connection

    settings.CIVICGRID_SMS_SEND_ON_COMMIT = False  # no transaction here: on-commit would send at once
    messages = _queue(30)
    gateway.delay = 0.01
    barrier = threading.Barrier(3)
    counts = []

    def worker():
        try:
            barrier.wait()
            counts.append(deliver_sms())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 30
    keys = [r["key"] for r in gateway.requests]
    assert sorted(keys) == sorted(m.key for m in messages)  # each key once: no repeat, none missed
    assert SmsMessage.objects.filter(status=SmsStatus.SENT).count() == 30
