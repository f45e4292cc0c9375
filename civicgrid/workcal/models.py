"""Working-day calendar (工作日历): one row per calendar day, confirmed year by year, and office hours.

Every table carries `updated_at`; the in-process calendar cache compares count + max(updated_at) to
notice changes made by other processes, so bulk writes must set it too.
"""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

_PERIOD_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


class Source(models.TextChoices):
    CHINESE_CALENDAR = "chinese_calendar", _("chinese_calendar 库")
    HOLIDAY_CN = "holiday_cn", _("holiday-cn 数据文件")
    MANUAL = "manual", _("人工设置")


class CalendarYear(models.Model):
    """日历年度: a year's calendar may be used for deadlines only once someone has confirmed it."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    confirmed = models.BooleanField(_("已确认"), default=False)
    source = models.CharField(_("数据来源"), max_length=20, choices=Source.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["-year"]

    def __str__(self):
        return gettext("%(year)s 年") % {"year": self.year}

    @property
    def day_count(self) -> int:
        return (date(self.year + 1, 1, 1) - date(self.year, 1, 1)).days


class WorkDay(models.Model):
    """日历日: whether a day is a working day, and why (节假日名称, 调休上班)."""

    date = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(
        _("名称"), max_length=60, blank=True, help_text=_("节假日名称或调休上班说明；普通工作日和周末留空")
    )
    source = models.CharField(_("数据来源"), max_length=20, choices=Source.choices)
    confirmed = models.BooleanField(_("已确认"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")
        ordering = ["date"]

    def __str__(self):
        kind = gettext("工作日") if self.is_workday else gettext("休息日")
        return f"{self.date:%Y-%m-%d} {kind} {self.name}".rstrip()


def parse_periods(text: str) -> tuple[tuple[int, int], ...]:
    """'08:30-12:00,14:30-18:00' → ((510, 720), (870, 1080)) in minutes after midnight."""
    parts = [p.strip() for p in re.split(r"[,，;；]", text or "")]
    if not any(parts):
        raise ValidationError(_("请填写至少一个办公时段，例如 08:30-12:00,14:30-18:00"))
    periods = []
    for part in parts:
        if not part:
            raise ValidationError(_("办公时段之间多了一个逗号：%(text)s") % {"text": text})
        match = _PERIOD_RE.match(part)
        if not match:
            raise ValidationError(
                _(
                    "无法识别办公时段“%(part)s”：格式应为 HH:MM-HH:MM，多个时段用逗号分隔，"
                    "例如 08:30-12:00,14:30-18:00"
                )
                % {"part": part}
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise ValidationError(_("办公时段“%(part)s”中的时间不存在") % {"part": part})
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            raise ValidationError(_("办公时段“%(part)s”的结束时间应晚于开始时间") % {"part": part})
        if periods and start < periods[-1][1]:
            raise ValidationError(
                _("办公时段“%(part)s”与前一时段重叠或顺序颠倒：各时段应按时间先后排列且互不重叠")
                % {"part": part}
            )
        periods.append((start, end))
    return tuple(periods)


class OfficeHours(models.Model):
    """办公时间: versioned; the version in force on a day is the latest one effective on or before it."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    periods = models.CharField(
        _("办公时段"), max_length=200, help_text=_("按时间先后填写，用逗号分隔，例如 08:30-12:00,14:30-18:00")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("办公时间")
        verbose_name_plural = _("办公时间")
        ordering = ["-effective_from"]

    def __str__(self):
        return gettext("%(date)s 起：%(periods)s") % {"date": self.effective_from, "periods": self.periods}

    def clean(self):
        try:
            parse_periods(self.periods)
        except ValidationError as error:
            raise ValidationError({"periods": error.messages}) from None
