"""Resident SMS: an outbox of SmsMessage rows, each sent exactly once.

`enqueue` writes the message in the caller's transaction (rendered from the template in force, with the
registered signature); after commit, or later by the worker, `deliver_sms` sends it. Exactly once:
- each message is claimed on its own (a conditional UPDATE), just before it is sent, and marked sent as
  soon as the gateway acknowledges it, so a worker that dies holds back only the message in flight;
- a message sent on commit is written already claimed (its attempt counted, held for one claim length),
  so the send after commit needs no claim of its own; should the process die first, the worker takes it
  when the claim runs out, as for any claimed message;
- that message is retried after its short claim with the same idempotency key, which the gateway uses to
  recognise the repeat (and answer with the first message id), so the phone gets one SMS;
- a message is retried only while not acknowledged, with back-off, up to CIVICGRID_SMS_MAX_ATTEMPTS.
"""

import logging
import re
import time
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.core.audit import record_event
from civicgrid.core.masking import mask_phone
from civicgrid.core.refusal import Refusal
from civicgrid.notify.backends import DeliveryError, SmsDeliveryError, sms_gateway
from civicgrid.notify.models import SmsMessage, SmsOptOut, SmsStatus, SmsTemplate
from civicgrid.notify.services import HISTORICAL_NOTE, is_historical
from civicgrid.registry.models import Staff

__all__ = [
    "SmsError",
    "SmsOutboxBackend",
    "can_receive",
    "deliver_pending_sms",
    "deliver_sms",
    "enqueue",
    "is_opted_out",
    "normalize_phone",
    "sms_opt_in",
    "sms_opt_out",
    "template_for",
]

logger = logging.getLogger("civicgrid.notify")

# Sent even to a phone that opted out: the resident asked for the code herself; staff notices are work.
ALWAYS_SENT = frozenset({"login_code", "staff_notice"})
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
BATCH = 200


class SmsError(Refusal):
    """An SMS that cannot be queued (no number, no template for this purpose)."""


def _max_attempts() -> int:
    return int(getattr(settings, "CIVICGRID_SMS_MAX_ATTEMPTS", 8))


def _claim_length() -> timedelta:
    # Longer than one gateway call can take, so a live worker never loses its claim mid-send.
    timeout = float(getattr(settings, "CIVICGRID_SMS_HTTP", {}).get("timeout", 10))
    return timedelta(seconds=max(60.0, 3 * timeout))


_SEPARATORS = re.compile(r"[\s\-()（）]")
_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,14}")


def normalize_phone(phone: str) -> str:
    """One spelling per number: no spaces or dashes; a mainland number without +86 / 0086."""
    phone = _SEPARATORS.sub("", phone or "")
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if phone.startswith("+86") and _MAINLAND_MOBILE.fullmatch(phone[3:]):
        phone = phone[3:]
    return phone


def can_receive(phone: str) -> bool:
    """Whether the number can take an SMS: a mainland mobile, or an international number (+852 …)."""
    phone = normalize_phone(phone)
    return bool(
        _MAINLAND_MOBILE.fullmatch(phone) or (_INTERNATIONAL.fullmatch(phone) and not phone.startswith("+86"))
    )


# Templates in force, per process for a short while: every ticket transition sends one, and they
# change rarely (an admin save here clears it at once; other processes see it within TEMPLATE_SECONDS).
TEMPLATE_SECONDS = 30
_templates: dict[tuple[str, object], tuple[float, SmsTemplate]] = {}


def invalidate_templates(**kwargs) -> None:
    _templates.clear()


post_save.connect(invalidate_templates, sender=SmsTemplate, dispatch_uid="sms-templates-saved")
post_delete.connect(invalidate_templates, sender=SmsTemplate, dispatch_uid="sms-templates-deleted")


def template_for(key: str, at: datetime | None = None) -> SmsTemplate:
    """The template in force for `key` on the day of `at` (the latest effective version)."""
    day = timezone.localtime(at or timezone.now()).date()
    cached = _templates.get((key, day))
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    template = (
        SmsTemplate.objects.effective_at(day).filter(key=key).order_by("-effective_from", "-id").first()
    )
    if template is None:
        raise SmsError(gettext("没有正在生效的短信模板“%(key)s”，请在管理后台添加") % {"key": key})
    _templates[(key, day)] = (time.monotonic() + TEMPLATE_SECONDS, template)
    return template


def is_opted_out(phone: str) -> bool:
    return SmsOptOut.objects.filter(phone=normalize_phone(phone)).exists()


def enqueue(
    *,
    phone: str,
    template: str,
    params: dict[str, str],
    key: str,
    ticket_id: int | None = None,
    at: datetime | None = None,
) -> SmsMessage | None:
    """Queue one SMS in the caller's transaction; it is sent after commit (or by the worker).

    `template` is the template's key; `key` the idempotency key: a second call with the same key returns
    the message already queued and sends nothing more. None when the phone opted out (never for
    login codes). During historical replay the row is written but never sent.
    """
    phone = normalize_phone(phone)
    if not phone:
        raise SmsError(gettext("没有手机号码，无法发送短信"))
    at = at or timezone.now()
    chosen = template_for(template, at)
    fitted = chosen.fit(params)
    replaying = is_historical()
    # Sent on commit: written claimed (as `_claim` would), so the send after commit needs no claim.
    claimed = not replaying and _send_on_commit()
    now = timezone.now()
    message = SmsMessage(
        phone=phone,
        template=chosen,
        template_version=chosen.version,
        provider_code=chosen.provider_code,
        params=fitted,
        text=chosen.render(fitted),
        key=key[:120],
        ticket_id=ticket_id,
        status=SmsStatus.HISTORICAL if replaying else SmsStatus.SENDING if claimed else SmsStatus.PENDING,
        attempts=1 if claimed else 0,
        created_at=at,
        next_attempt_at=None if replaying else now + _claim_length() if claimed else now,
        error=HISTORICAL_NOTE if replaying else "",
    )
    message.pk = _insert(message, unless_opted_out=template not in ALWAYS_SENT)
    if message.pk is not None:
        message._state.adding, message._state.db = False, router.db_for_write(SmsMessage)
        if claimed:
            transaction.on_commit(partial(_send_queued, message), robust=True)
        return message
    # Nothing written: the phone opted out, or the key is queued already (even by a transaction running now).
    if template not in ALWAYS_SENT and is_opted_out(phone):
        return None
    message = SmsMessage.objects.get(key=message.key)
    if message.status == SmsStatus.PENDING and _send_on_commit():
        # Queued earlier and still waiting: harmless, a message is claimed once and sent once.
        transaction.on_commit(partial(deliver_sms, [message.pk]), robust=True)
    return message


def _send_on_commit() -> bool:
    return getattr(settings, "CIVICGRID_SMS_SEND_ON_COMMIT", True)


_INSERTED = [f for f in SmsMessage._meta.concrete_fields if not f.primary_key]


def _insert(message: SmsMessage, *, unless_opted_out: bool) -> int | None:
    """One statement: INSERT … ON CONFLICT (key) DO NOTHING RETURNING id, skipped when the phone opted out.

    The new row's id, or None when nothing was written (the key exists, or the phone opted out).
    """
    connection = connections[router.db_for_write(SmsMessage)]
    quote = connection.ops.quote_name
    # PostgreSQL types a bare parameter in a SELECT list as text, so each one is cast to its column's type.
    if connection.vendor == "postgresql":
        values = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in _INSERTED)
    else:
        values = ", ".join("%s" for f in _INSERTED)
    condition = "1 = 1"  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    params = [f.get_db_prep_save(getattr(message, f.attname), connection) for f in _INSERTED]
    if unless_opted_out:
        condition = (
            f"NOT EXISTS (SELECT 1 FROM {quote(SmsOptOut._meta.db_table)} WHERE {quote('phone')} = %s)"
        )
        params.append(message.phone)
    sql = (
        f"INSERT INTO {quote(SmsMessage._meta.db_table)} ({', '.join(quote(f.column) for f in _INSERTED)}) "
        f"SELECT {values} WHERE {condition} "
        f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _send_queued(message: SmsMessage) -> int:
    """After commit: send the message just queued, claimed when it was written (no read-back, no claim)."""
    return _send(sms_gateway(), message)


def deliver_sms(
    ids: list[int] | None = None, *, limit: int | None = None, seconds: float | None = None
) -> int:
    """Send due messages (only `ids` when given), each claimed on its own; returns how many were sent.

    Without `ids` this keeps going until nothing is due, `limit` messages were tried or `seconds` passed.
    """
    started = time.monotonic()
    gateway = None
    tried: set[int] = set()
    sent = 0
    while limit is None or len(tried) < limit:
        if ids is not None:
            batch = [pk for pk in ids if pk not in tried]  # each claim checks that it is due
        else:
            due = SmsMessage.objects.filter(*_claim_filter(timezone.now()))
            batch = [
                pk
                for pk in due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH]
                if pk not in tried
            ]
        if not batch:
            break
        for pk in batch:
            if (limit is not None and len(tried) >= limit) or (
                seconds is not None and time.monotonic() - started > seconds
            ):
                return sent
            tried.add(pk)
            message = _claim(pk)
            if message is None:
                continue  # another worker has it, or it is done
            gateway = gateway or sms_gateway()
            sent += _send(gateway, message)
    return sent


def deliver_pending_sms(seconds: float | None = None) -> int:
    """The worker's pass: every due message (or as many as `seconds` allow)."""
    return deliver_sms(seconds=seconds)


def _claim_filter(now: datetime):
    return Q(status=SmsStatus.PENDING) | Q(status=SmsStatus.SENDING), Q(next_attempt_at__lte=now)


def _claim(pk: int) -> SmsMessage | None:
    now = timezone.now()
    claimed = SmsMessage.objects.filter(*_claim_filter(now), pk=pk).update(
        status=SmsStatus.SENDING, next_attempt_at=now + _claim_length(), attempts=F("attempts") + 1
    )
    if claimed != 1:
        return None
    return SmsMessage.objects.select_related("template").get(pk=pk)


def _send(gateway, message: SmsMessage) -> int:
    try:
        provider_id = gateway.send(message)
    except Exception as error:  # any failure is recorded on the row and retried, never raised
        permanent = isinstance(error, SmsDeliveryError) and error.permanent
        give_up = permanent or message.attempts >= _max_attempts()
        wait = min(BACKOFF_FIRST * 2 ** (message.attempts - 1), BACKOFF_MAX)
        logger.warning("sms %s failed (attempt %s): %s", message.pk, message.attempts, error)
        with transaction.atomic():  # the outcome and its audit row: one commit
            SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
                status=SmsStatus.FAILED if give_up else SmsStatus.PENDING,
                next_attempt_at=None if give_up else timezone.now() + wait,
                error=str(error)[:300],
            )
            if give_up:
                record_event(
                    actor=None,
                    action="sms.failed",
                    target=message,
                    summary=gettext("短信发送失败：%(error)s") % {"error": error},
                    template=message.template.key,
                    ticket_id=message.ticket_id,
                    attempts=message.attempts,
                )
        return 0
    done_at = timezone.now()
    with transaction.atomic():  # acknowledged: recorded with its audit row in one commit
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.SENT,
            sent_at=done_at,
            provider_message_id=(provider_id or "")[:100],
            next_attempt_at=None,
            error="",
        )
        record_event(
            actor=None,
            action="sms.sent",
            target=message,
            summary=gettext("短信已发送至 %(phone)s：%(name)s")
            % {"phone": message.phone_masked, "name": message.template.name},
            template=message.template.key,
            ticket_id=message.ticket_id,
            provider_message_id=provider_id or "",
            attempts=message.attempts,
        )
    return 1


def sms_opt_out(
    *, phone: str, source: str, actor=None, note: str = "", at: datetime | None = None
) -> SmsOptOut:
    """退订: no more SMS about requests to this phone; messages still waiting are not sent."""
    phone = normalize_phone(phone)
    if not phone:
        raise SmsError(gettext("请填写要退订的手机号码"))
    if source not in SmsOptOut.Source.values:
        raise SmsError(gettext("退订来源不正确"))
    at = at or timezone.now()
    with transaction.atomic():
        row, created = SmsOptOut.objects.get_or_create(
            phone=phone, defaults={"at": at, "source": source, "note": note[:200]}
        )
        if created:
            # Claimed but not yet sent too (a message written claimed waits for its commit, or for the
            # worker once its claim runs out); one acknowledged meanwhile is still marked sent.
            SmsMessage.objects.filter(phone=phone, status__in=(SmsStatus.PENDING, SmsStatus.SENDING)).exclude(
                template__key__in=ALWAYS_SENT
            ).update(status=SmsStatus.FAILED, next_attempt_at=None, error=gettext("诉求人已退订短信"))
            record_event(
                actor=actor,
                action="sms.opt_out",
                target=row,
                summary=gettext("%(phone)s 退订短信（%(source)s）")
                % {"phone": mask_phone(phone), "source": row.get_source_display()},
                source=source,
            )
    return row


def sms_opt_in(*, phone: str, actor=None) -> bool:
    """Undo an opt-out; returns whether there was one."""
    phone = normalize_phone(phone)
    with transaction.atomic():
        row = SmsOptOut.objects.filter(phone=phone).first()
        if row is None:
            return False
        record_event(
            actor=actor,
            action="sms.opt_in",
            target=row,
            summary=gettext("%(phone)s 恢复接收短信") % {"phone": mask_phone(phone)},
        )
        row.delete()
    return True


class SmsOutboxBackend:
    """A backend for the notifications' "sms" channel (CIVICGRID_SMS_BACKEND): the staff member's SMS
    joins this outbox (template staff_notice, keyed by the notification), so it reaches the gateway with
    an idempotency key and is sent once even when the notification is delivered again after a crash."""

    def send(self, notification, channel: str) -> None:
        phone = (
            Staff.objects.filter(user_id=notification.recipient_id).values_list("phone", flat=True).first()
        )
        if not phone or not can_receive(phone):
            raise DeliveryError(
                gettext("接收人 %(user)s 未登记可收短信的手机号")
                % {"user": notification.recipient.get_username()}
            )
        enqueue(
            phone=phone,
            template="staff_notice",
            params={"title": notification.title},
            key=f"notification-{notification.pk}-{channel}",
            ticket_id=notification.ticket_id,
        )
