"""Staff sign-in lockout (django-axes): the cool-off, the page a locked-out person sees, the audit rows.

django-axes counts failed passwords (and failed two-step codes, reported through `code_failed`) per account
name + client address in the database, so every web process sees the same count; after
`policy()`'s failures that pair is locked out for its cool-off, the same person from another address is not
(an attacker cannot lock a colleague out from elsewhere). The limit and the cool-off are a versioned row
(core.SigninPolicy, in the admin as 「登录锁定规则」).
"""

import ipaddress
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.core.client import client_address
from civicgrid.core.models import SigninPolicy


def address(request) -> str | None:
    """The client's address as axes stores it (an IP column): None when there is no valid one, e.g. the
    request Django's test client makes up for force_login."""
    text = client_address(request)
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def policy() -> SigninPolicy:
    """The rule in force today; the model's defaults when none is (a fresh database before its seed)."""
    return SigninPolicy.objects.effective_at(timezone.localdate()).order_by(
        "-effective_from", "-pk"
    ).first() or (SigninPolicy())


def failure_limit(request=None, credentials=None) -> int:
    return policy().failure_limit


def cool_off(request=None) -> timedelta:
    return timedelta(minutes=policy().cooloff_minutes)


def cool_off_text() -> str:
    minutes = policy().cooloff_minutes
    return f"{minutes // 60} 小时" if minutes % 60 == 0 else f"{minutes} 分钟"


def locked_out(request, original_response=None, credentials=None):
    """The lockout page (429): how long, and whom to call."""
    return render(
        request,
        "signin_locked.html",
        {
            "limit": failure_limit(),
            "cool_off": cool_off_text(),
            "help": settings.CIVICGRID_SIGNIN_HELP,
        },
        status=429,
    )


def is_locked(request, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})


def code_failed(request, username: str) -> bool:
    """Count a wrong two-step code like a wrong password; True when the account is now locked out here."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def signed_in(request, username: str) -> None:
    """Both factors passed: this account's failures from this address are forgiven."""
    AxesProxyHandler.reset_attempts(ip_address=address(request), username=username)


def prune_logs(now) -> int:
    """The worker's job: sign-in and failure records older than CIVICGRID_SIGNIN_LOG_DAYS are deleted (kept at
    least six months, as the Cybersecurity Law asks of logs). Idempotent, so several workers may run it."""
    before = now - timedelta(days=settings.CIVICGRID_SIGNIN_LOG_DAYS)
    return sum(
        model.objects.filter(attempt_time__lt=before).delete()[0] for model in (AccessLog, AccessFailureLog)
    )


def _counted(request) -> bool:
    # The handler counts a failure (and sets this) unless the try was refused for an existing lockout.
    return getattr(request, "axes_failures_since_start", None) is not None


@receiver(user_locked_out)
def _audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    # Sent when the limit is reached, and again for each try during the lockout.
    first = _counted(request)
    record_event(
        actor=None,
        action="signin.locked_out" if first else "signin.locked_attempt",
        summary=f"{username or '（未填账号）'} 自 {ip_address} 登录失败过多，锁定 {cool_off_text()}",
        username=username or "",
        address=ip_address or "",
    )


@receiver(user_login_failed)
def _audit_failure(sender, credentials=None, request=None, **kwargs):
    if request is not None and not _counted(request):
        return  # a try during a lockout: audited as signin.locked_attempt
    username = (credentials or {}).get("username") or ""
    record_event(
        actor=None,
        action="signin.code_failed" if sender == __name__ else "signin.failed",
        summary=f"{username or '（未填账号）'} 登录失败",
        username=username,
        address=(address(request) or "") if request is not None else "",
    )


def unlock(*, actor, attempts) -> int:
    """An administrator lifts lockouts (deletes the counted failures); each one leaves an audit row."""
    attempts = list(attempts)
    with transaction.atomic():
        for attempt in attempts:
            record_event(
                actor=actor,
                action="signin.unlock",
                target=attempt,
                summary=f"解除 {attempt.username} 自 {attempt.ip_address} 的登录锁定",
                username=attempt.username or "",
                address=attempt.ip_address or "",
                failures=attempt.failures_since_start,
            )
        AccessAttempt.objects.filter(pk__in=[a.pk for a in attempts]).delete()
    return len(attempts)
