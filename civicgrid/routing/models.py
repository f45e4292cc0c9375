"""Categories and the two routing tables: the grid direct-dispatch table and the dispatch catalogue."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective
from civicgrid.registry.models import AdminArea, Unit


class Category(models.Model):
    """业务分类: a tree of up to five levels, codes of two digits per level, within a version."""

    MAX_LEVEL = 5

    version = models.CharField(_("分类版本"), max_length=20, default="2026.1")
    code = models.CharField(_("分类编码"), max_length=10)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("层级"), editable=False, default=1)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("用于检索，逗号分隔"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("业务分类")
        verbose_name_plural = _("业务分类")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="category_version_code_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.path_display}"

    def save(self, *args, **kwargs):
        self.level = len(self.code) // 2
        super().save(*args, **kwargs)

    def clean(self):
        if self.parent_id:
            if self.parent.version != self.version:
                raise ValidationError({"parent": _("上级分类必须属于同一版本")})
            if not self.code.startswith(self.parent.code) or len(self.code) != len(self.parent.code) + 2:
                raise ValidationError(
                    {"code": _("分类编码应为上级编码 %(p)s 加两位数字") % {"p": self.parent.code}}
                )
        elif len(self.code) != 2:
            raise ValidationError({"code": _("一级分类编码应为两位数字")})
        if not self.code.isdigit():
            raise ValidationError({"code": _("分类编码只能是数字")})
        if len(self.code) // 2 > self.MAX_LEVEL:
            raise ValidationError({"code": _("分类最多五级")})

    def ancestors(self) -> list["Category"]:
        """From the top level down to and including this category."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path_display(self) -> str:
        return " / ".join(c.name for c in self.ancestors())


class DirectDispatchRule(Effective):
    """网格办件直派表: a matter sent straight to the grid (simple) or handled jointly (joint).

    Applies to the category and its sub-categories, within `area` (and below) when set.
    """

    class Mode(models.TextChoices):
        SIMPLE = "simple", _("直接办（网格）")
        JOINT = "joint", _("联合办")

    category = models.ForeignKey(
        Category, verbose_name=_("业务分类"), on_delete=models.PROTECT, related_name="direct_rules"
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全辖区适用"),
    )
    mode = models.CharField(_("办理方式"), max_length=10, choices=Mode.choices)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("联合办的牵头部门；直接办留空，由事发网格的工作组办理"),
    )
    co_units = models.ManyToManyField(Unit, verbose_name=_("协办单位"), blank=True, related_name="+")
    include_grid = models.BooleanField(
        _("网格协办"), default=True, help_text=_("联合办时，事发网格的工作组作为协办单位")
    )
    completion_criteria = models.CharField(_("办结标准"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("网格办件直派规则")
        verbose_name_plural = _("网格办件直派表")
        ordering = ["category__code", "-effective_from"]

    def __str__(self):
        return f"{self.version} {self.category.name} → {self.get_mode_display()}"

    def clean(self):
        super().clean()
        if self.mode == self.Mode.JOINT and not self.lead_unit_id:
            raise ValidationError({"lead_unit": _("联合办必须指定主办单位")})
        if self.mode == self.Mode.SIMPLE and self.lead_unit_id:
            raise ValidationError({"lead_unit": _("直接办由网格工作组办理，不指定主办单位")})
        if self.mode == self.Mode.SIMPLE and self.category_id:
            from civicgrid.routing.route import department_owner

            owner = department_owner(self.category, self.effective_from, area=self.area)
            if owner is not None:
                raise ValidationError(
                    {
                        "mode": _("该分类属于职能部门 %(u)s 的职责，不得直派网格（国办函〔2025〕66号）")
                        % {"u": owner.name}
                    }
                )


class DispatchCatalogueEntry(Effective):
    """派单目录: category → the functional department that owns it (within `area` when set)."""

    category = models.ForeignKey(
        Category, verbose_name=_("业务分类"), on_delete=models.PROTECT, related_name="catalogue"
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全辖区适用"),
    )
    unit = models.ForeignKey(Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+")
    co_units = models.ManyToManyField(Unit, verbose_name=_("协办单位"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("派单目录条目")
        verbose_name_plural = _("派单目录")
        ordering = ["category__code", "-effective_from"]

    def __str__(self):
        return f"{self.version} {self.category.name} → {self.unit.name}"
