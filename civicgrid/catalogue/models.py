"""The village service catalogue (三张清单 + 操作手册): per village or community, in versions.

A version is a draft until published; a published version is never edited again (editing it starts a new draft
copied from it). At most one published version is in force per area on a day: publishing a new one closes the
previous one the day before the new one takes effect.
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.chinese import search_text
from civicgrid.registry.models import AdminArea, Unit


class CatalogueQuerySet(models.QuerySet):
    def in_force(self, day: date):
        """Published versions in force on `day`."""
        return self.filter(published=True, effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class Catalogue(models.Model):
    """One version of a village's or community's 三张清单."""

    area = models.ForeignKey(
        AdminArea, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="catalogues"
    )
    version = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=100, blank=True, help_text=_("留空时显示为“某村服务清单”"))
    published = models.BooleanField(_("已发布"), default=False)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True, help_text=_("发布时填写"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True, editable=False)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务清单版本")
        verbose_name_plural = _("服务清单版本")
        ordering = ["area__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["area", "version"], name="catalogue_area_version_unique"),
            # One draft at a time per area: two people editing two drafts would publish over each other.
            models.UniqueConstraint(
                fields=["area"], condition=Q(published=False), name="catalogue_one_draft_per_area"
            ),
        ]
        indexes = [models.Index(fields=["published", "effective_from"], name="catalogue_in_force")]

    def __str__(self):
        return f"{self.display_title}（第{self.version}版）"

    @property
    def display_title(self) -> str:
        return self.title or f"{self.area.name}服务清单"

    def state(self, day: date) -> str:
        if not self.published:
            return "draft"
        if self.effective_from > day:
            return "scheduled"
        if self.effective_to is not None and self.effective_to < day:
            return "historical"
        return "in_force"

    def state_label(self, day: date) -> str:
        return STATE_LABELS[self.state(day)]


STATE_LABELS = {"draft": "草稿", "scheduled": "待生效", "in_force": "现行", "historical": "历史版本"}


class ListKind(models.TextChoices):
    DUTY = "duty", _("依法履职事项清单")
    ASSIST = "assist", _("协助政府服务事项清单")
    KEY_WORK = "key_work", _("重点工作清单")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "wd", _("个工作日")
    DAYS = "d", _("天")
    HOURS = "h", _("小时")
    ON_THE_SPOT = "now", _("即时办结")


class CatalogueItem(models.Model):
    """One matter on one of the three lists, with its 操作手册."""

    catalogue = models.ForeignKey(
        Catalogue, verbose_name=_("清单版本"), on_delete=models.CASCADE, related_name="items"
    )
    key = models.UUIDField(
        _("事项标识"), default=uuid.uuid4, editable=False, help_text=_("同一事项在各版本间相同")
    )
    list_kind = models.CharField(_("所属清单"), max_length=10, choices=ListKind.choices)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    name = models.CharField(_("事项名称"), max_length=100)
    legal_basis = models.TextField(_("办理依据"), blank=True, help_text=_("法律法规或政策文件名称及条款"))
    materials = models.TextField(_("所需材料"), blank=True, help_text=_("每行一项，写明群众要带什么"))
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("办理单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    post = models.CharField(
        _("找谁办"), max_length=60, blank=True, help_text=_("岗位或职务，例如“村委会文书”“网格员”")
    )
    office_hours = models.CharField(
        _("办公时间"),
        max_length=100,
        blank=True,
        help_text=_("例如“工作日 8:00-12:00，14:30-17:30”；留空时显示系统设置的工作日办公时间"),
    )
    steps = models.TextField(_("办理步骤"), blank=True, help_text=_("每行一步，按先后顺序"))
    time_limit = models.PositiveIntegerField(_("办理时限"), null=True, blank=True)
    time_unit = models.CharField(
        _("时限单位"), max_length=3, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    fees = models.CharField(_("收费标准"), max_length=100, default="免费")
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("用于检索，逗号分隔"))
    search_text = models.TextField(_("检索文本"), editable=False, blank=True)

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["catalogue", "list_kind", "order", "pk"]
        indexes = [models.Index(fields=["catalogue", "list_kind", "order"], name="catalogue_item_order")]

    def __str__(self):
        return self.name

    def refresh_index(self) -> None:
        """What search reads; the name counts twice so that it outweighs the manual's wording."""
        name = search_text(self.name)
        self.search_text = " ".join(
            part for part in (name, name, search_text(self.keywords), search_text(self.materials)) if part
        )

    def material_lines(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]

    def step_lines(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]

    @property
    def time_limit_display(self) -> str:
        if self.time_unit == TimeUnit.ON_THE_SPOT:
            return "即时办结"
        if self.time_limit is None:
            return "—"
        return f"{self.time_limit}{self.get_time_unit_display()}"

    @property
    def whom_display(self) -> str:
        parts = [p for p in (self.unit.name if self.unit_id else "", self.post) if p]
        return " ".join(parts) or "—"
