"""One-time codes that sign a resident in to the portal (portal.signin): 6 digits by SMS, valid 5 minutes, 5 attempts.

Only a keyed hash of the code is kept, in the shared cache (settings.CACHES), so every web process
checks the same code and counts the same attempts. A new code replaces the old one and its attempts.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache

from civicgrid.notify import sms
from civicgrid.portal import ratelimit

CODE_SECONDS = 300
ATTEMPTS = ratelimit.Limit("login.attempts", 5, CODE_SECONDS, "同一验证码", "输入")


def _digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"otp:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _key(phone: str) -> str:
    return (
        "civicgrid:otp:"
        + hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()[:32]
    )


def deliver_code(phone: str, code: str) -> None:
    """The code by SMS through the outbox (login codes are sent even to a number that opted out)."""
    sms.enqueue(
        phone=phone,
        template="login_code",
        params={"code": code, "minutes": str(CODE_SECONDS // 60)},
        key=f"login_code:{secrets.token_hex(12)}",  # every code is a message of its own
    )


def issue_code(phone: str) -> str:
    """A fresh code for this phone, replacing any earlier one; returns it for delivery."""
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key(phone), _digest(phone, code), timeout=CODE_SECONDS)
    ratelimit.reset(ATTEMPTS, phone)
    return code


def check_code(phone: str, code: str) -> bool:
    """Whether the code is this phone's current one; spends one of its attempts, and the last wrong
    attempt voids the code. A right code is used up."""
    stored = cache.get(_key(phone))
    if stored is None:
        return False
    if not ratelimit.take(ATTEMPTS, phone):
        return False
    code = "".join(code.split())
    if len(code) == 6 and code.isdigit() and hmac.compare_digest(stored, _digest(phone, code)):
        cache.delete(_key(phone))
        ratelimit.reset(ATTEMPTS, phone)
        return True
    if ratelimit.exhausted(ATTEMPTS, phone):
        cache.delete(_key(phone))
    return False
