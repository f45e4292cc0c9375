"""Notifications: in-app rows written in the transaction of the change that causes them (an outbox),
then sent by SMS or e-mail after commit or by the worker.

A row with channels carries `next_attempt_at`; whoever delivers first claims that one row, just before
sending it, by moving the time forward (a short lease), so several workers and the on-commit hook never
send the same row at once, and a worker that dies mid-send holds back only the row in flight. That row
is sent again after the lease: once per channel for backends that recognise a repeat, at least once for
those that cannot (console, e-mail). Resident SMS have their own outbox (notify.sms) with idempotency keys.
"""

import contextvars
import logging
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from civicgrid.notify.backends import DeliveryError, configured_backends
from civicgrid.notify.bulk import insert_rows
from civicgrid.notify.models import Notification
from civicgrid.registry.selectors import users_acting_for

__all__ = [
    "create_notifications",
    "deliver_pending",
    "insert_notifications",
    "mark_read",
    "notify",
    "recipients_for_unit",
]

logger = logging.getLogger("civicgrid.notify")

# How long the one row in flight stays claimed: longer than a backend call, short enough that a dead
# worker's row goes out again soon.
LEASE = timedelta(minutes=2)
BATCH = 500
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


def _max_attempts() -> int:
    return int(getattr(settings, "CIVICGRID_NOTIFY_MAX_ATTEMPTS", 8))


def recipients_for_unit(unit) -> list:
    """The active users who act for the unit (its staff; for a grid team also the grid's leader and workers)."""
    user_ids = users_acting_for([unit]).get(unit.pk, [])
    return list(get_user_model().objects.filter(pk__in=user_ids).order_by("pk"))


_historical: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "civicgrid_notify_historical", default=False
)
HISTORICAL_NOTE = "历史数据回放，未外发"


@contextmanager
def historical():
    """Replaying the past (demo data, imports): rows are written, but nothing is ever sent."""
    token = _historical.set(True)
    try:
        yield
    finally:
        _historical.reset(token)


def is_historical() -> bool:
    """Whether the current code runs inside historical(): write rows, send nothing."""
    return _historical.get()


def create_notifications(
    notifications: list[Notification], *, deliver_on_commit: bool = True
) -> list[Notification]:
    """Insert prepared rows in the current transaction; those with channels are queued for sending."""
    replaying = _historical.get()
    for row in notifications:
        row.channels = list(dict.fromkeys(row.channels or []))
        if row.channels and replaying:
            row.delivered_at, row.delivery_error = row.created_at, HISTORICAL_NOTE
        elif row.channels and row.delivered_at is None:
            row.next_attempt_at = row.created_at
    created = Notification.objects.bulk_create(notifications, batch_size=1000)
    outgoing = [row.pk for row in created if row.next_attempt_at is not None]
    if outgoing and deliver_on_commit:
        transaction.on_commit(partial(_deliver, outgoing, len(outgoing)), robust=True)
    return created


_NOTHING: tuple = ()  # one object for every row's empty delivered_channels: adapted once
_INSERT_COLUMNS = (
    "recipient_id",
    "ticket_id",
    "kind",
    "title",
    "body",
    "channels",
    "created_at",
    "next_attempt_at",
    "delivery_error",
    "delivery_attempts",
    "delivered_channels",
)


def insert_notifications(rows: Iterable[tuple], *, at: datetime) -> int:
    """Many rows at once for bulk writers (the deadline scan): (recipient_id, ticket_id, kind, title,
    body, channels) tuples, created at `at`. Nothing is sent on commit: the worker's next
    deliver_pending picks up the rows with channels. Returns the number inserted.
    """
    replaying = _historical.get()
    return insert_rows(
        Notification,
        _INSERT_COLUMNS,
        (
            (
                user_id,
                ticket_id,
                kind,
                title[:200],
                body,
                channels,
                at,
                at if channels and not replaying else None,
                HISTORICAL_NOTE if channels and replaying else "",
                0,
                _NOTHING,
            )
            for user_id, ticket_id, kind, title, body, channels in rows
        ),
    )


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    ticket=None,
    channels: Iterable[str] = (),
    at: datetime | None = None,
) -> list[Notification]:
    """One in-app notification per recipient (users, duplicates ignored), sent by `channels` after commit."""
    if getattr(ticket, "is_historical", False):
        return []  # imported history is in no one's notifications
    at = at or timezone.now()
    channels = list(channels)
    user_ids = dict.fromkeys(getattr(user, "pk", user) for user in recipients)
    return create_notifications(
        [
            Notification(
                recipient_id=user_id,
                ticket=ticket,
                kind=kind,
                title=title[:200],
                body=body,
                created_at=at,
                channels=channels,
            )
            for user_id in user_ids
        ]
    )


def deliver_pending(limit: int | None = None) -> int:
    """Send the rows that are due (at most `limit`); returns how many were fully delivered."""
    return _deliver(None, limit)


def _claim(pk: int, now: datetime) -> Notification | None:
    """Claim one row just before sending it: the one row in flight is all a dying worker holds back."""
    claimed = Notification.objects.filter(pk=pk, next_attempt_at__lte=now, delivered_at__isnull=True).update(
        next_attempt_at=now + LEASE
    )
    return Notification.objects.select_related("recipient").get(pk=pk) if claimed == 1 else None


class _Backends(dict):
    """Backends loaded on first use; a backend that cannot be loaded fails only its own channel."""

    def __missing__(self, channel):
        path = configured_backends().get(channel)
        if not path:
            raise DeliveryError(gettext("未配置外发渠道“%(channel)s”的发送方式") % {"channel": channel})
        backend = import_string(path)()
        self[channel] = backend
        return backend


def _deliver(ids: list[int] | None, limit: int | None) -> int:
    backends = _Backends()
    tried: set[int] = set()
    delivered = 0
    while limit is None or len(tried) < limit:
        due = Notification.objects.filter(next_attempt_at__lte=timezone.now(), delivered_at__isnull=True)
        if ids is not None:
            due = due.filter(pk__in=ids)
        batch = [
            pk
            for pk in due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH]
            if pk not in tried
        ]
        if not batch:
            break
        for pk in batch[: None if limit is None else limit - len(tried)]:
            tried.add(pk)
            if (row := _claim(pk, timezone.now())) is not None:
                delivered += _deliver_row(row, backends)
    return delivered


def _deliver_row(row: Notification, backends: "_Backends") -> int:
    sent, errors = list(row.delivered_channels), []
    for channel in row.channels:
        if channel in sent:
            continue
        try:
            backends[channel].send(row, channel)
        except Exception as error:  # any failure of one backend is recorded and retried, not raised
            logger.warning("notification %s via %s failed: %s", row.pk, channel, error)
            errors.append(f"{channel}: {error}")
        else:
            sent.append(channel)
            # Recorded at once, so a worker dying before the next channel never repeats this one.
            Notification.objects.filter(pk=row.pk).update(delivered_channels=sent)
    attempts = row.delivery_attempts + 1
    done_at = timezone.now()
    if errors:
        retry = attempts < _max_attempts()
        wait = min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX)
        fields = {
            "delivery_error": "; ".join(errors)[:300],
            "next_attempt_at": done_at + wait if retry else None,
        }
    else:
        fields = {"delivered_at": done_at, "delivery_error": "", "next_attempt_at": None}
    Notification.objects.filter(pk=row.pk).update(
        delivered_channels=sent, delivery_attempts=attempts, **fields
    )
    return 0 if errors else 1


def mark_read(*, user, notification_ids: Iterable[int]) -> int:
    """Mark the user's own notifications read; others' ids are ignored. Returns how many changed."""
    return Notification.objects.filter(
        recipient=user, pk__in=list(notification_ids), read_at__isnull=True
    ).update(read_at=timezone.now())


def mark_all_read(*, user, kind: str = "") -> int:
    """Mark all the user's unread notifications read (of one kind, if given). Returns how many changed."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.update(read_at=timezone.now())


def clear_done(*, ticket_id: int, at, kinds: Iterable[str] | None = None, recipients=None) -> int:
    """The work a to-do asked for is done: its unread notifications on the ticket are marked read.

    `kinds` None means every kind; `recipients` None means everybody's copy."""
    rows = Notification.objects.filter(ticket_id=ticket_id, read_at__isnull=True)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if recipients is not None:
        rows = rows.filter(recipient__in=list(recipients))
    return rows.update(read_at=at)
