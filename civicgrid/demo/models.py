"""What the demo city of this database was built from."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.registry.models import AdminArea


class DemoCity(models.Model):
    """One row per database: a later `civicgrid demo` with other options is refused, not a second city."""

    city = models.OneToOneField(AdminArea, verbose_name=_("示范城市"), on_delete=models.CASCADE)
    seed = models.IntegerField(_("随机种子"))
    grids = models.PositiveIntegerField(_("网格数量"))
    boundary_sha256 = models.CharField(
        _("边界指纹"), max_length=64, blank=True, help_text=_("边界 GeoJSON 的 SHA-256；为空表示合成边界")
    )
    built_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("示范城市记录")
        verbose_name_plural = _("示范城市记录")

    def __str__(self):
        return f"{self.city.name}（{self.grids} 个网格）"
