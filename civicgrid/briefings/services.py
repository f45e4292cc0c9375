"""Generating, previewing and downloading 工作简报: the guards, the numbering, the register and the audit."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import connections, router, transaction
from django.utils import timezone

from civicgrid.briefings.gather import BriefingData, gather
from civicgrid.briefings.models import WHOLE_CITY, Briefing, BriefingCounter
from civicgrid.briefings.render import Masthead, render
from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.core.refusal import Refusal
from civicgrid.registry.models import AdminArea, Role, Unit
from civicgrid.registry.selectors import role_codes

# Who reviews the whole city's figures and so may issue a briefing.
BRIEFING_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR})
DEFAULT_OFFICE = "12345 热线直通联办办公室"
LONGEST_PERIOD_DAYS = 366


class BriefingRefused(Refusal):
    """A briefing that may not be generated or downloaded, with the reason."""


def may_issue(user) -> bool:
    """Leaders, supervisors and administrators see the whole city and may generate and download briefings."""
    if user is SYSTEM:
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(BRIEFING_ROLES & role_codes(user))


def _guard(user) -> None:
    if not may_issue(user):
        raise BriefingRefused("只有领导、督办人员和系统管理员可以生成和下载工作简报")


def check_period(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise BriefingRefused("起始日期不能晚于结束日期")
    if (date_to - date_from).days + 1 > LONGEST_PERIOD_DAYS:
        raise BriefingRefused(f"统计区间最长 {LONGEST_PERIOD_DAYS} 天，请缩短区间")


def area_by_code(code: str | None) -> AdminArea | None:
    """The area of a code (None for an empty code: the whole city); a refusal for an unknown one."""
    code = (code or "").strip()
    if not code:
        return None
    area = AdminArea.objects.filter(code=code).first()
    if area is None:
        raise BriefingRefused(f"区划代码「{code}」不存在，请检查")
    return area


def issuing_office() -> str:
    """The hotline centre's name as the issuing office (the registry's own data), or a generic name."""
    name = (
        Unit.objects.filter(kind=Unit.Kind.HOTLINE_CENTRE, is_active=True)
        .order_by("pk")
        .values_list("name", flat=True)
        .first()
    )
    return name or DEFAULT_OFFICE


def next_number(scope: str, year: int) -> int:
    """The next issue number of `scope` in `year`: one statement that creates or increments the counter row under
    its lock and returns the new value, so two generations at once never share a number."""
    connection = connections[router.db_for_write(BriefingCounter)]
    quote = connection.ops.quote_name
    table, last = quote(BriefingCounter._meta.db_table), quote("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('scope')}, {quote('year')}, {last}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({quote('scope')}, {quote('year')}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [scope, year],
        )
        (number,) = cursor.fetchone()
    return number


@dataclass
class Preview:
    data: BriefingData
    content: bytes


def briefing_preview(
    *, actor, date_from: date, date_to: date, area: AdminArea | None = None, now: datetime | None = None
) -> Preview:
    """The briefing as it would be issued, marked 预览稿 and taking no number; audited."""
    _guard(actor)
    check_period(date_from, date_to)
    now = now or timezone.now()
    data = gather(user=actor, date_from=date_from, date_to=date_to, area=area)
    masthead = Masthead(None, timezone.localdate(now).year, issuing_office(), timezone.localdate(now))
    content = render(data, masthead, now=now)
    record_event(
        actor=actor,
        action="briefing.preview",
        target=area,
        summary=f"{data.scope_name} {date_from}～{date_to}",
        date_from=str(date_from),
        date_to=str(date_to),
    )
    return Preview(data, content)


def briefing_generate(
    *, actor, date_from: date, date_to: date, area: AdminArea | None = None, now: datetime | None = None
) -> Briefing:
    """Gather, number, render and store an issue of the briefing in the register; audited."""
    _guard(actor)
    check_period(date_from, date_to)
    now = now or timezone.now()
    issued_on = timezone.localdate(now)
    # The reads come first, outside the transaction: the counter row stays locked only while the numbered
    # document is written.
    data = gather(user=actor, date_from=date_from, date_to=date_to, area=area)
    office = issuing_office()
    scope = area.code if area is not None else WHOLE_CITY
    with transaction.atomic():
        number = next_number(scope, issued_on.year)
        content = render(data, Masthead(number, issued_on.year, office, issued_on), now=now)
        briefing = Briefing(
            area=area,
            scope=scope,
            year=issued_on.year,
            number=number,
            date_from=date_from,
            date_to=date_to,
            generated_by=actor if getattr(actor, "is_authenticated", False) else None,
            generated_at=now,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        name = f"{issued_on.year}/{scope or 'city'}-{number:03d}.docx"  # under the field's briefings/
        briefing.file.save(name, ContentFile(content), save=False)
        stored = briefing.file.name
        try:  # a refused or failed row leaves no file behind
            briefing.save()
            record_event(
                actor=actor,
                action="briefing.generate",
                target=briefing,
                summary=str(briefing),
                date_from=str(date_from),
                date_to=str(date_to),
                sha256=briefing.sha256,
            )
        except Exception:
            briefing.file.storage.delete(stored)
            raise
    return briefing


def briefing_download(*, actor, briefing: Briefing) -> bytes:
    """The stored file of an issue, checked against its checksum; audited."""
    _guard(actor)
    try:
        with briefing.file.storage.open(briefing.file.name, "rb") as handle:
            content = handle.read()
    except OSError:
        raise BriefingRefused("简报文件已丢失，请重新生成") from None
    if hashlib.sha256(content).hexdigest() != briefing.sha256:
        raise BriefingRefused("简报文件与登记的校验值不符，可能已被改动，请联系系统管理员")
    with transaction.atomic():
        record_event(actor=actor, action="briefing.download", target=briefing, summary=str(briefing))
    return content
