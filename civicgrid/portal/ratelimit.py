"""Limits on the portal: per address, per phone number and per ticket, shared by every process.

Each limit allows COUNT uses per window of SECONDS that starts at the first use. Counters live in
Django's cache (settings.CACHES: the database here, Redis later), so all web processes share them.
A use is spent before the guarded work runs, with an atomic add + incr, and refused when the
incremented value is over the limit: concurrent requests cannot all pass a check that none has
spent yet. Work that ends in a refusal or a form error gives its use back (Budget).

Overrides come from settings.CIVICGRID_PORTAL_LIMITS ({"submit.address": (5, 3600), ...}, also
from the environment variable of that name). Behind a reverse proxy every client shares the
proxy's address: name the header that carries the real one in CIVICGRID_PORTAL_CLIENT_IP_HEADER
(e.g. "HTTP_X_REAL_IP").
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


@dataclass(frozen=True)
class Limit:
    name: str
    default_count: int
    default_seconds: int
    # What is counted, for the resident: 「同一网络每小时最多可查询 20 次」.
    who: str
    what: str
    # An older setting naming the count alone (kept so existing deployments keep their value).
    legacy_setting: str = ""

    def _override(self) -> tuple[int, int] | None:
        return getattr(settings, "CIVICGRID_PORTAL_LIMITS", {}).get(self.name)

    @property
    def count(self) -> int:
        if override := self._override():
            return override[0]
        return (
            getattr(settings, self.legacy_setting, self.default_count)
            if self.legacy_setting
            else self.default_count
        )

    @property
    def seconds(self) -> int:
        override = self._override()
        return override[1] if override else self.default_seconds

    def describe(self) -> str:
        return f"{self.who}{window_text(self.seconds)}最多可{self.what} {self.count} 次"


def window_text(seconds: int) -> str:
    if seconds % 86400 == 0:
        return "每天" if seconds == 86400 else f"每 {seconds // 86400} 天"
    if seconds % 3600 == 0:
        return "每小时" if seconds == 3600 else f"每 {seconds // 3600} 小时"
    return f"每 {max(1, seconds // 60)} 分钟"


def duration_text(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} 天"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} 小时"
    return f"{max(1, seconds // 60)} 分钟"


SUBMIT = Limit("submit.address", 5, 3600, "同一网络", "提交", "CIVICGRID_PORTAL_SUBMITS_PER_HOUR")
SUBMIT_PER_PHONE = Limit("submit.phone", 5, 3600, "同一手机号码", "提交")
LOOKUP = Limit("lookup.address", 20, 3600, "同一网络", "查询", "CIVICGRID_PORTAL_LOOKUPS_PER_HOUR")
# Wrong 查询码 or phone numbers for one ticket, from anywhere: after these the ticket's look-up is
# locked until the window ends, so spreading guesses over many addresses gains nothing.
LOOKUP_FAILURES_PER_TICKET = Limit("lookup.ticket", 5, 3600, "同一工单", "输错")
CODE_PER_PHONE = Limit("login_code.phone", 5, 3600, "同一手机号码", "获取验证码")
CODE_PER_ADDRESS = Limit("login_code.address", 10, 3600, "同一网络", "获取验证码")
SIGN_IN_PER_ADDRESS = Limit("login.address", 20, 3600, "同一网络", "登录")
SUPPLEMENT_PER_TICKET = Limit("supplement.ticket", 10, 86400, "同一工单", "补充说明")
# Wrong 户编号 / 户主 pairs from one address: a points card is looked up, never guessed.
POINTS_CARD_FAILURES = Limit("points_card.address", 5, 3600, "同一网络", "输错户编号")
PROPOSE_PER_PHONE = Limit("propose.phone", 5, 86400, "同一手机号码", "提出协商议题")

ALL = (
    SUBMIT,
    SUBMIT_PER_PHONE,
    LOOKUP,
    LOOKUP_FAILURES_PER_TICKET,
    CODE_PER_PHONE,
    CODE_PER_ADDRESS,
    SIGN_IN_PER_ADDRESS,
    SUPPLEMENT_PER_TICKET,
    POINTS_CARD_FAILURES,
    PROPOSE_PER_PHONE,
)


def refused(request, limit: Limit):
    """The page a resident gets when a limit refuses her (429)."""
    return render(request, "portal/limited.html", {"rule": limit.describe()}, status=429)


def _key(limit: Limit, subject) -> str:
    # Phone numbers and addresses are personal data: the cache table holds only a keyed digest.
    digest = hmac.new(settings.SECRET_KEY.encode(), str(subject).encode(), hashlib.sha256).hexdigest()[:32]
    return f"civicgrid:limit:{limit.name}:{digest}"


def take(limit: Limit, subject) -> bool:
    """Spend one use of the limit for this subject; False, with nothing spent, when none is left."""
    key = _key(limit, subject)
    for _ in range(3):
        cache.add(key, 0, timeout=limit.seconds)
        try:
            used = cache.incr(key)
        except ValueError:  # the window ended between add and incr: start the next one
            continue
        if used > limit.count:
            give_back(limit, subject)
            return False
        return True
    return False


def give_back(limit: Limit, subject) -> None:
    try:
        cache.decr(_key(limit, subject))
    except ValueError:  # the window has ended: nothing to give back
        pass


def reset(limit: Limit, subject) -> None:
    cache.delete(_key(limit, subject))


def exhausted(limit: Limit, subject) -> bool:
    """Whether the subject has no use left in the current window (reads only)."""
    return (cache.get(_key(limit, subject)) or 0) >= limit.count


class Budget:
    """The uses one request has taken; given back unless the request keeps them."""

    def __init__(self):
        self.taken: list[tuple[Limit, object]] = []

    def take(self, limit: Limit, subject) -> bool:
        if take(limit, subject):
            self.taken.append((limit, subject))
            return True
        return False

    def give_back(self) -> None:
        for limit, subject in self.taken:
            give_back(limit, subject)
        self.taken = []

    def keep(self) -> None:
        self.taken = []
