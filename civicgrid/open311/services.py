"""A service request from an Open311 client becomes a ticket through the one registration path the portal
and the operators use (intake.services.ticket_intake): same checks, placement, suggestion and receipt."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from civicgrid.intake.services import ticket_intake
from civicgrid.open311.selectors import MEDIA_MARK
from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Channel, Ticket

TITLE_LENGTH = 30
_URL = URLValidator(schemes=["http", "https"])


@dataclass
class Submission:
    category: Category
    description: str
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    media_url: str = ""
    attributes: dict = field(default_factory=dict)


def _title(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def _name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if any(not ch.isascii() for ch in first + last):
        return f"{last}{first}"  # 张 + 三
    return " ".join(part for part in (first, last) if part)


def _content(sub: Submission) -> str:
    text = sub.description.strip()
    if sub.attributes:
        text += "\n补充信息：" + "；".join(f"{k}：{v}" for k, v in sub.attributes.items())
    if sub.media_url:
        text += MEDIA_MARK + sub.media_url
    return text


def open311_submit(*, actor, submission: Submission, at: datetime | None = None) -> Ticket:
    """POST requests: register the ticket as the client's account (channel 移动应用, type 求助). Without a
    phone the request is anonymous, as on the portal: nobody could call back a name alone."""
    sub = submission
    errors = {}
    if not sub.description.strip():
        errors["description"] = "请填写诉求内容（description）"
    if sub.media_url:
        try:
            _URL(sub.media_url)
            if len(sub.media_url) > 500:
                raise ValidationError("too long")
        except ValidationError:
            errors["media_url"] = "图片链接（media_url）应为 http 或 https 开头的网址，且不超过 500 个字符"
    if sub.email:
        try:
            validate_email(sub.email)
        except ValidationError:
            errors["email"] = "电子邮件地址（email）格式不正确"
    if errors:
        raise ValidationError(errors)
    anonymous = not sub.phone.strip()
    contact = f"邮件 {sub.email.strip()}" if sub.email.strip() else ""
    return ticket_intake(
        actor=actor,
        channel=Channel.APP,
        request_type=RequestType.HELP,
        title=_title(sub.description),
        content=_content(sub),
        category=sub.category,
        address=sub.address[:200],
        lat=sub.lat,
        lon=sub.lon,
        requester_name="" if anonymous else _name(sub.first_name, sub.last_name)[:50],
        requester_phone=sub.phone.strip(),
        is_anonymous=anonymous,
        preferred_contact=contact if len(contact) <= 50 else "",
        at=at,
    )
