"""Hotspots: the clustering and alert parameters (versioned), the alerts the worker raised, and what a hotspot
became (key supervision, a ledger item, a deliberation topic)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective


class HotspotConfig(Effective):
    """Clustering and early-alert parameters (the alert is a Poisson test on a cluster's daily counts)."""

    window_days = models.PositiveSmallIntegerField(
        _("关联时间窗（天）"), default=14, help_text=_("两件诉求相隔不超过该天数才可能归为同一热点")
    )
    threshold = models.FloatField(
        _("文本相似度阈值"), default=0.30, help_text=_("无共同地点时的余弦相似度下限")
    )
    place_threshold = models.FloatField(
        _("同地点相似度阈值"), default=0.12, help_text=_("提到同一地点时的余弦相似度下限")
    )
    recent_days = models.PositiveSmallIntegerField(
        _("近期天数"), default=7, help_text=_("热度中增长的计算区间")
    )
    baseline_days = models.PositiveSmallIntegerField(
        _("基线天数"), default=14, help_text=_("预警时以此前若干天的日均件数为基线")
    )
    baseline_floor = models.FloatField(
        _("基线下限（件/天）"), default=0.5, help_text=_("新出现的热点以此作为日均基线，避免零基线误报")
    )
    alert_p = models.FloatField(
        _("预警显著性"), default=0.02, help_text=_("当日件数不低于观测值的泊松概率小于该值时预警")
    )
    alert_min_count = models.PositiveSmallIntegerField(_("预警最少当日件数"), default=3)
    every_minutes = models.PositiveSmallIntegerField(_("预警检查间隔（分钟）"), default=60)

    class Meta:
        verbose_name = _("热点与预警参数")
        verbose_name_plural = _("热点与预警参数")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.version}（{self.effective_from:%Y-%m-%d} 起）"


class Alert(models.Model):
    """An early alert (未诉先办): raised once per cluster by the worker."""

    key = models.CharField(
        _("热点标识"), max_length=64, unique=True, help_text=_("热点最早一件工单的编号与地点，热点增长时不变")
    )
    label = models.CharField(_("热点"), max_length=200)
    keywords = models.JSONField(_("关键词"), default=list)
    places = models.JSONField(_("地点"), default=list)
    day = models.DateField(_("预警日期"), db_index=True)
    raised_at = models.DateTimeField(_("预警时间"))
    size = models.PositiveIntegerField(_("热点件数"))
    observed = models.PositiveIntegerField(_("当日件数"))
    expected = models.FloatField(_("基线日均件数"))
    p_value = models.FloatField(_("概率"))
    explanation = models.CharField(_("说明"), max_length=400)
    area = models.ForeignKey(
        "registry.AdminArea",
        verbose_name=_("区域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    config = models.ForeignKey(
        HotspotConfig, verbose_name=_("参数版本"), null=True, on_delete=models.SET_NULL
    )
    tickets = models.ManyToManyField("tickets.Ticket", verbose_name=_("工单"), related_name="hotspot_alerts")

    class Meta:
        verbose_name = _("热点预警")
        verbose_name_plural = _("热点预警")
        ordering = ["-raised_at", "-pk"]

    def __str__(self):
        return f"{self.label}（{self.day:%Y-%m-%d}）"


class HotspotAction(models.Model):
    """What a hotspot (or an alert) became: the link from the cluster to the record it turned into."""

    class Kind(models.TextChoices):
        KEY_LIST = "key_list", _("列入重点督办")
        LEDGER = "ledger", _("列入问题台账")
        TOPIC = "topic", _("提交协商议事")

    kind = models.CharField(_("处置"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("热点"), max_length=200)
    alert = models.ForeignKey(
        Alert,
        verbose_name=_("预警"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    target_type = models.CharField(_("结果类型"), max_length=60)
    target_id = models.CharField(_("结果编号"), max_length=40, blank=True)
    tickets = models.ManyToManyField("tickets.Ticket", verbose_name=_("工单"), related_name="hotspot_actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("热点处置")
        verbose_name_plural = _("热点处置")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.label}：{self.get_kind_display()}"


class AlertCheck(models.Model):
    """When the worker last looked for alerts: the check clusters weeks of tickets, so it runs every
    `HotspotConfig.every_minutes`, not every pass."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    ran_at = models.DateTimeField(_("上次检查时间"))

    class Meta:
        verbose_name = _("预警检查")
        verbose_name_plural = _("预警检查")

    def __str__(self):
        return f"{self.name}：{self.ran_at:%Y-%m-%d %H:%M}"


class TicketWords(models.Model):
    """A ticket's words as the engine cut them, kept so that clustering a month or a year does not run the
    tokenizer over every ticket again on every page view. Derived data: `digest` (of the text and the engine's
    tokenizer version) tells when the ticket's text changed and the words must be cut again."""

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("工单"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    digest = models.CharField(_("文本摘要"), max_length=16)
    words = models.TextField(_("分词"))

    class Meta:
        verbose_name = _("工单分词")
        verbose_name_plural = _("工单分词")

    def __str__(self):
        return str(self.ticket_id)


class Snapshot(models.Model):
    """The clusters of a period as the worker (or a first page view) computed them, kept so that a page or a
    briefing over a month or a year merges stored clusters instead of clustering every ticket again. Derived
    data: `version` (a digest of the parameters, the tokenizer and the engine) tells which snapshots still
    hold; members are filtered by the reader's scope when read."""

    date_from = models.DateField(_("起始日期"))
    date_to = models.DateField(_("截止日期"), db_index=True)
    version = models.CharField(_("版本"), max_length=16)
    computed_at = models.DateTimeField(_("计算时间"))
    clusters = models.JSONField(_("热点"), default=list)

    class Meta:
        verbose_name = _("热点快照")
        verbose_name_plural = _("热点快照")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "date_from", "date_to"], name="hotspot_snapshot_period"
            )
        ]

    def __str__(self):
        return f"{self.date_from:%Y-%m-%d} 至 {self.date_to:%Y-%m-%d}"
