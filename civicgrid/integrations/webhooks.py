"""Outbound webhooks: ticket events pushed to integration clients, signed, retried from an outbox, once per event.

Filling (`fill_outbox`, a worker job under a lease): tickets.Event rows past the stored watermark (WebhookCursor)
become one WebhookDelivery per client whose account may see the ticket (tickets.selectors.tickets_for, as in the
console), written in the same transaction as moving the watermark. The unique (client, event) row makes a second
fill of the same event a no-op. An id below the watermark not seen yet (its transaction had not committed) is read
again on later passes until GAP_WAIT has passed.

Sending (`deliver_due`, any number of workers): each client's oldest unsent row is claimed with a conditional
UPDATE (status, attempts and next_try_at checked), posted, and marked delivered on a 2xx answer; a failure waits
with exponential back-off and blocks the client's later rows, so a client gets its events in order. A worker that
dies mid-send loses its claim after the claim length and the row is sent again with the same event id
(`Idempotency-Key`), which the receiver uses to drop the repeat. After the policy's maximum attempts the row is
marked failed and shown in the admin with a retry action.

The body carries no personal data (no requester name, phone or notes): only the ticket's numbers, the event's
codes with their Chinese labels, its time, the resident-visible text of a public event and a callback's result.
"""

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from civicgrid.core import idnumbers
from civicgrid.core.audit import record_event
from civicgrid.core.refusal import Refusal
from civicgrid.integrations.models import (
    DeliveryStatus,
    IntegrationClient,
    WebhookCursor,
    WebhookDelivery,
    WebhookPolicy,
)
from civicgrid.tickets.models import Callback, Event, Satisfaction, Solved
from civicgrid.tickets.selectors import tickets_for

__all__ = [
    "HEADER_EVENT",
    "HEADER_IDEMPOTENCY",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "WebhookError",
    "backoff",
    "deliver_due",
    "fill_outbox",
    "give_new_secret",
    "policy_at",
    "prune_delivered",
    "retry_deliveries",
    "rotate_webhook_secret",
    "secret_of",
    "sign",
]

log = logging.getLogger("civicgrid.webhooks")

HEADER_SIGNATURE = "X-Civicgrid-Signature"
HEADER_TIMESTAMP = "X-Civicgrid-Timestamp"
HEADER_EVENT = "X-Civicgrid-Event-Id"
HEADER_IDEMPOTENCY = "Idempotency-Key"
USER_AGENT = "civicgrid-webhooks/1"

CURSOR = "tickets.Event"
FILL_BATCH = 500
FILL_BATCHES_PER_PASS = 20
SEND_PER_CLIENT = 200  # per pass: a busy client does not hold the worker for long
# How long an event id below the watermark is waited for: longer than any ticket transaction runs.
GAP_WAIT = timedelta(minutes=10)
MAX_GAPS = 2000  # a rolled-back bulk write leaves many; the newest are the ones still likely to commit
PRUNE_CHUNK = 2000
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class WebhookError(Refusal):
    """A webhook setting or action that cannot be carried out (no secret, nothing to retry)."""


# --- the secret -------------------------------------------------------------------------------------------


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _encrypt(raw: str) -> str:
    # The Fernet key that protects ID numbers (core.idnumbers); encrypter() takes the text as it is.
    return idnumbers.encrypter()(raw)


def secret_of(client: IntegrationClient) -> str:
    """The plain signing secret (only for signing; people never see it again after it was made)."""
    if not client.webhook_secret:
        raise WebhookError(f"对接系统「{client.name}」还没有回调签名密钥，请在管理后台生成")
    try:
        return idnumbers.decrypt(client.webhook_secret)
    except idnumbers.IdNumberError:
        raise WebhookError(
            f"对接系统「{client.name}」的回调签名密钥无法解密：加密密钥与生成时不一致，请重新生成"
        ) from None


def give_new_secret(client: IntegrationClient) -> str:
    """Store a new encrypted secret on the client (in the caller's transaction); returns the plain secret."""
    raw = _new_secret()
    client.webhook_secret = _encrypt(raw)
    IntegrationClient.objects.filter(pk=client.pk).update(webhook_secret=client.webhook_secret)
    return raw


def rotate_webhook_secret(*, actor, client: IntegrationClient) -> str:
    """更换回调签名密钥: the old one stops at once; returns the new plain secret, shown once."""
    if not (actor.is_superuser or actor.has_perm("integrations.change_integrationclient")):
        raise WebhookError("只有系统管理员可以更换回调签名密钥")
    with transaction.atomic():
        client = IntegrationClient.objects.select_for_update().get(pk=client.pk)
        raw = give_new_secret(client)
        record_event(actor=actor, action="webhook.secret_rotated", target=client, summary=str(client))
    return raw


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 with the secret over `<timestamp>.<body>` (docs/webhooks.md)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


# --- configuration ----------------------------------------------------------------------------------------


def policy_at(moment: datetime) -> WebhookPolicy:
    day = timezone.localtime(moment).date()
    found = WebhookPolicy.objects.effective_at(day).order_by("-effective_from", "-pk").first()
    return found or WebhookPolicy(version="默认", effective_from=day)


def backoff(policy: WebhookPolicy, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: the first delay, doubled each time, up to the maximum."""
    first = timedelta(seconds=policy.first_delay_seconds)
    cap = timedelta(minutes=policy.max_delay_minutes)
    return min(first * (2 ** max(0, min(attempts - 1, 30))), cap)


def _claim_length(policy: WebhookPolicy) -> timedelta:
    # Longer than one request can take, so a live worker never loses its claim mid-send.
    return timedelta(seconds=max(60, 3 * policy.timeout_seconds))


# --- filling the outbox -----------------------------------------------------------------------------------


def _receivers() -> list[IntegrationClient]:
    clients = IntegrationClient.objects.filter(is_active=True, account__is_active=True).exclude(
        webhook_url=""
    )
    return [c for c in clients.select_related("account") if c.allows("tickets:read")]


def _visible(client: IntegrationClient, ticket_ids: set[int]) -> set[int]:
    try:
        scope = tickets_for(client.account)
    except PermissionDenied:  # an account without a staff row sees nothing, as in the console
        return set()
    return set(scope.filter(pk__in=ticket_ids).values_list("pk", flat=True))


def _label(choices, code: str) -> str:
    return str(choices(code).label) if code in choices.values else ""


def _callback_result(callback: Callback) -> dict:
    return {
        "reached": callback.reached,
        "valid": callback.valid,
        "contacted": callback.contacted,
        "solved": callback.solved,
        "solved_label": _label(Solved, callback.solved),
        "satisfaction": callback.satisfaction,
        "satisfaction_label": _label(Satisfaction, callback.satisfaction),
        "at": timezone.localtime(callback.at).isoformat(),
    }


def payload_of(event: Event, callbacks: dict[int, Callback]) -> dict:
    ticket = event.ticket
    body = {
        "event_id": event.pk,
        "action": event.action,
        "action_label": str(event.label),
        "occurred_at": timezone.localtime(event.at).isoformat(),
        "ticket_number": ticket.number,
        "external_source": ticket.external_source,
        "external_id": ticket.external_id,
        "status": event.to_status,
        "status_label": str(Event.status_label(event.to_status)),
        "from_status": event.from_status,
        "from_status_label": str(Event.status_label(event.from_status)),
        # What the resident sees on the tracker; staff-only notes may name people and stay inside.
        "public_note": event.note if event.is_public else "",
    }
    callback = callbacks.get((event.payload or {}).get("callback"))
    if callback is not None:
        body["callback"] = _callback_result(callback)
    return body


def _encode(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _cursor() -> WebhookCursor:
    cursor = WebhookCursor.objects.select_for_update().filter(name=CURSOR).first()
    if cursor is None:
        WebhookCursor.objects.bulk_create([WebhookCursor(name=CURSOR)], ignore_conflicts=True)
        cursor = WebhookCursor.objects.select_for_update().get(name=CURSOR)
    return cursor


def _fill_batch(now: datetime, clients: list[IntegrationClient]) -> tuple[int, bool]:
    """One batch in one transaction: (rows written, whether more events wait)."""
    with transaction.atomic():
        cursor = _cursor()
        last = cursor.last_event_id
        gaps = {int(k): v for k, v in (cursor.gaps or {}).items()}
        if not clients:
            # Nobody listens: jump to the end, so a client added later starts from its own time.
            top = Event.objects.aggregate(top=Max("pk"))["top"] or 0
            WebhookCursor.objects.filter(pk=cursor.pk).update(
                last_event_id=max(last, top), gaps={}, updated_at=now
            )
            return 0, False
        events = list(
            Event.objects.filter(Q(pk__gt=last) | Q(pk__in=list(gaps)))
            .select_related("ticket")
            .order_by("pk")[:FILL_BATCH]
        )
        found = {e.pk for e in events}
        new_last = max([last, *found])
        for pk in found:
            gaps.pop(pk, None)
        missing = [pk for pk in range(max(last + 1, new_last - MAX_GAPS), new_last) if pk not in found]
        gaps.update({pk: now.isoformat() for pk in missing})
        gaps = {pk: seen for pk, seen in gaps.items() if datetime.fromisoformat(seen) > now - GAP_WAIT}
        if len(gaps) > MAX_GAPS:
            gaps = dict(sorted(gaps.items())[-MAX_GAPS:])

        live = [e for e in events if not e.ticket.is_historical]
        rows = []
        if live:
            ticket_ids = {e.ticket_id for e in live}
            wanted = {
                int(e.payload["callback"])
                for e in live
                if str((e.payload or {}).get("callback") or "").isdigit()
            }
            callbacks = Callback.objects.in_bulk(wanted) if wanted else {}
            bodies = {}
            for client in clients:
                visible = _visible(client, ticket_ids)
                for event in live:
                    if event.ticket_id not in visible:
                        continue
                    if client.only_own_tickets and event.ticket.external_source != client.code:
                        continue
                    if event.pk not in bodies:
                        bodies[event.pk] = _encode(payload_of(event, callbacks))
                    rows.append(
                        WebhookDelivery(
                            client=client,
                            event=event,
                            ticket_number=event.ticket.number,
                            action=event.action,
                            body=bodies[event.pk],
                            next_try_at=now,
                            created_at=now,
                        )
                    )
            WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        WebhookCursor.objects.filter(pk=cursor.pk).update(
            last_event_id=new_last, gaps={str(k): v for k, v in gaps.items()}, updated_at=now
        )
        return len(rows), len(events) == FILL_BATCH


def fill_outbox(now: datetime) -> int:
    """Queue the events written since the last pass for every client that may see them; returns rows queued."""
    clients = _receivers()
    queued = 0
    for _ in range(FILL_BATCHES_PER_PASS):
        written, more = _fill_batch(now, clients)
        queued += written
        if not more:
            break
    return queued


# --- sending ----------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is an answer we did not ask for: the body is not re-posted elsewhere, the try counts as failed.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def _post(url: str, body: bytes, headers: dict, timeout: float) -> str:
    """'' when the receiver answered 2xx, else why not (Chinese, shown in the admin)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
            response.read(4096)
    except urllib.error.HTTPError as error:
        return f"对方返回 HTTP {error.code}"
    except urllib.error.URLError as error:
        return f"连接失败：{error.reason}"[:300]
    except TimeoutError:
        return f"{timeout:g} 秒内没有应答"
    except (OSError, http.client.HTTPException, ValueError) as error:
        return f"连接失败：{error}"[:300]
    return "" if 200 <= status < 300 else f"对方返回 HTTP {status}"


def _headers(client: IntegrationClient, row: WebhookDelivery, body: bytes, moment: datetime) -> dict:
    timestamp = str(int(moment.timestamp()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: sign(secret_of(client), timestamp, body),
        HEADER_EVENT: str(row.event_id),
        HEADER_IDEMPOTENCY: f"{client.code}:{row.event_id}",
    }


def _claim(row: WebhookDelivery, moment: datetime, policy: WebhookPolicy) -> str | None:
    token = uuid.uuid4().hex
    taken = WebhookDelivery.objects.filter(
        pk=row.pk, status__in=UNSENT, attempts=row.attempts, next_try_at__lte=moment
    ).update(
        status=DeliveryStatus.SENDING,
        attempts=F("attempts") + 1,
        claimed_by=token,
        next_try_at=moment + _claim_length(policy),
    )
    return token if taken else None


def _send_one(client: IntegrationClient, row: WebhookDelivery, now: datetime, policy: WebhookPolicy) -> bool:
    """Claim, post and record one row; True when delivered."""
    moment = max(now, timezone.now())
    token = _claim(row, moment, policy)
    if token is None:
        return False  # another worker has it
    attempts = row.attempts + 1
    body = row.body.encode()
    try:
        error = _post(client.webhook_url, body, _headers(client, row, body, moment), policy.timeout_seconds)
    except Refusal as refusal:  # no secret, or it cannot be decrypted
        error = refusal.message
    done = max(moment, timezone.now())
    if not error:
        WebhookDelivery.objects.filter(pk=row.pk).exclude(status=DeliveryStatus.DELIVERED).update(
            status=DeliveryStatus.DELIVERED, delivered_at=done, next_try_at=None, claimed_by="", last_error=""
        )
        return True
    gave_up = attempts >= policy.max_attempts
    WebhookDelivery.objects.filter(pk=row.pk, claimed_by=token, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
        next_try_at=None if gave_up else done + backoff(policy, attempts),
        claimed_by="",
        last_error=str(error)[:300],
    )
    log.warning("webhook %s event %s try %s failed: %s", client.code, row.event_id, attempts, error)
    return False


def _head(client_id: int) -> WebhookDelivery | None:
    return WebhookDelivery.objects.filter(client_id=client_id, status__in=UNSENT).order_by("event_id").first()


def deliver_due(now: datetime, *, per_client: int = SEND_PER_CLIENT) -> int:
    """Send what is due, each client's rows in event order; returns how many were delivered."""
    policy = policy_at(now)
    client_ids = (
        WebhookDelivery.objects.filter(status__in=UNSENT, next_try_at__lte=now, client__is_active=True)
        .exclude(client__webhook_url="")
        .values_list("client_id", flat=True)
        .distinct()
    )
    delivered = 0
    for client in IntegrationClient.objects.filter(pk__in=list(client_ids)):
        for _ in range(per_client):
            row = _head(client.pk)
            if row is None or row.next_try_at is None or row.next_try_at > max(now, timezone.now()):
                break
            if not _send_one(client, row, now, policy):
                break  # failed (its later rows wait behind it) or another worker is sending it
            delivered += 1
    return delivered


def prune_delivered(now: datetime) -> int:
    """Delete delivered rows older than the policy's retention; failed and unsent rows stay."""
    before = now - timedelta(days=policy_at(now).retention_days)
    removed = 0
    while True:
        ids = list(
            WebhookDelivery.objects.filter(
                status=DeliveryStatus.DELIVERED, delivered_at__lt=before
            ).values_list("pk", flat=True)[:PRUNE_CHUNK]
        )
        if not ids:
            return removed
        removed += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]


def retry_deliveries(*, actor, deliveries) -> int:
    """重新推送: failed (or waiting) rows are tried again now, their attempts counted from zero."""
    if not (actor.is_superuser or actor.has_perm("integrations.change_webhookdelivery")):
        raise WebhookError("只有系统管理员可以重新推送回调")
    ids = [d.pk for d in deliveries]
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=ids, status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING])
            .order_by("pk")
        )
        if not rows:
            raise WebhookError("所选记录中没有推送失败或等待重试的记录")
        now = timezone.now()
        WebhookDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=DeliveryStatus.PENDING, attempts=0, next_try_at=now, claimed_by=""
        )
        for row in rows:
            record_event(
                actor=actor,
                action="webhook.retried",
                target=row,
                summary=f"{row.client} {row.ticket_number} {row.action_label}",
                event=row.event_id,
            )
    return len(rows)
