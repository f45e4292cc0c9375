"""The register of 工作简报: numbered issues per area (or the whole city) and year, with the stored file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.registry.models import AdminArea

WHOLE_CITY = ""  # the scope key of a briefing for the whole city


class BriefingCounter(models.Model):
    """The last number issued for a scope (an area code, or empty for the whole city) in a year."""

    scope = models.CharField(_("范围"), max_length=12, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用期号"), default=0)

    class Meta:
        verbose_name = _("简报期号序列")
        verbose_name_plural = _("简报期号序列")
        constraints = [models.UniqueConstraint(fields=["scope", "year"], name="briefing_counter_scope_year")]

    def __str__(self):
        return f"{self.scope or '全市'} {self.year} → {self.last}"


class Briefing(models.Model):
    """One issue of the briefing: 「{year}年第 N 期」 for its area, the period it covers and its file."""

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示全市"),
    )
    scope = models.CharField(_("范围"), max_length=12, blank=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("期号"))
    date_from = models.DateField(_("统计起始日期"))
    date_to = models.DateField(_("统计截止日期"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    generated_at = models.DateTimeField(_("生成时间"))
    file = models.FileField(_("简报文件"), upload_to="briefings/", max_length=200)
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    sha256 = models.CharField(_("校验值（SHA-256）"), max_length=64)

    class Meta:
        verbose_name = _("工作简报")
        verbose_name_plural = _("工作简报")
        ordering = ["-generated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "year", "number"], name="briefing_scope_year_number")
        ]

    def __str__(self):
        return f"{self.scope_name}{self.year}年第{self.number}期"

    @property
    def scope_name(self) -> str:
        return self.area.name if self.area_id else "全市"

    @property
    def filename(self) -> str:
        return f"工作简报{self.year}年第{self.number}期（{self.scope_name}）.docx"
