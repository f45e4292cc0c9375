"""What every app builds on: the append-only audit trail and the versioned row (configuration as data)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per change made by a service: who, when, what, and the details."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象标识"), max_length=60, blank=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    payload = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"


class EffectiveQuerySet(models.QuerySet):
    def effective_at(self, when):
        day = when.date() if hasattr(when, "date") else when
        return self.filter(is_active=True, effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class Effective(models.Model):
    """A versioned row: in force from `effective_from` to `effective_to` (inclusive) when active."""

    version = models.CharField(_("版本/批次"), max_length=40, help_text=_("例如:第一批(暂行)"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("失效日期不能早于生效日期")})
