"""The activity's rotating check-in QR code: a portal URL carrying an HMAC-signed token.

Token: "<activity id>.<mode>.<slot>.<signature>", mode "i" (check in) or "o" (check out), slot = Unix time //
VolunteerRule.qr_seconds (30 s by default). A token is valid in its own slot and the next one, so a code
photographed and sent away stops working within a minute. The signature is HMAC-SHA256 under a key derived from
SECRET_KEY, truncated to 128 bits. The code is drawn as SVG on the server (segno); the volunteer's phone camera
only opens the link: the page decodes nothing.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import VolunteerRule

CHECK_IN, CHECK_OUT = "i", "o"
MODES = {CHECK_IN: "签到", CHECK_OUT: "签退"}
EXPIRED = "签到码已过期，请重新扫描组织人手机上的二维码"
INVALID = "二维码无效，请扫描组织人手机上的签到码"


@dataclass(frozen=True)
class Scan:
    activity_id: int
    mode: str


def _key() -> bytes:
    return hashlib.sha256(b"civicgrid volunteering qr v1:" + settings.SECRET_KEY.encode()).digest()


def _signature(activity_id: int, mode: str, slot: int) -> str:
    mac = hmac.new(_key(), f"{activity_id}.{mode}.{slot}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def slot_seconds(now: datetime) -> int:
    return max(VolunteerRule.at(now.date()).qr_seconds, 5)


def slot_of(now: datetime, seconds: int | None = None) -> int:
    return int(now.timestamp()) // (seconds or slot_seconds(now))


def make_token(activity_id: int, mode: str, now: datetime) -> str:
    if mode not in MODES:
        raise ValueError(mode)
    slot = slot_of(now)
    return f"{activity_id}.{mode}.{slot}.{_signature(activity_id, mode, slot)}"


def read_token(token: str, now: datetime) -> Scan:
    """The activity and mode of a token valid at `now` (its slot or the next one); a VolunteerRefusal otherwise."""
    parts = (token or "").split(".")
    if len(parts) != 4 or not parts[0].isdigit() or parts[1] not in MODES or not parts[2].isdigit():
        raise VolunteerRefusal(INVALID)
    activity_id, mode, slot = int(parts[0]), parts[1], int(parts[2])
    if not hmac.compare_digest(parts[3], _signature(activity_id, mode, slot)):
        raise VolunteerRefusal(INVALID)
    if slot_of(now) - slot not in (0, 1):
        raise VolunteerRefusal(EXPIRED)
    return Scan(activity_id, mode)


def seconds_left(now: datetime) -> int:
    seconds = slot_seconds(now)
    return seconds - int(now.timestamp()) % seconds


def svg(url: str) -> str:
    """The QR code of `url` as inline SVG (scales to its box: width and height are set by CSS)."""
    import segno

    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=True, title="签到二维码")
