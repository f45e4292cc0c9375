"""The knowledge base (知识库): questions and their authoritative answers, kept in versions.

An entry is never edited in place: a revision adds a row with the same `key` and the next `version`,
and the old row becomes `superseded`. Tickets answered from an entry (Ticket.kb_refs) keep pointing at
the exact text the operator read.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.chinese import normalise, search_text
from civicgrid.registry.models import Unit
from civicgrid.routing.models import Category


class EntryQuerySet(models.QuerySet):
    def current(self):
        """The latest version of each entry that has not been retired."""
        return self.filter(status=Entry.Status.ACTIVE)

    def valid_on(self, day):
        """Current entries whose validity dates include `day`."""
        return (
            self.current().filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        )


class Entry(models.Model):
    """知识条目: one version of a question and its answer, owned by the unit that keeps it up to date."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("现行")
        SUPERSEDED = "superseded", _("已修订")
        RETIRED = "retired", _("已停用")

    class Source(models.TextChoices):
        MANUAL = "manual", _("人工录入")
        IMPORT = "import", _("批量导入")
        REPLIES = "replies", _("答复意见")

    key = models.UUIDField(_("条目标识"), default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("答案"))
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("用于检索，逗号分隔"))
    category = models.ForeignKey(
        Category,
        verbose_name=_("业务分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kb_entries",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("维护单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kb_entries",
        help_text=_("负责更新此条知识的单位"),
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("留空表示长期有效"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(_("来源编号"), max_length=64, blank=True, help_text=_("例如留言编号"))
    change_note = models.CharField(_("修订说明"), max_length=200, blank=True)
    fingerprint = models.CharField(_("内容指纹"), max_length=64, editable=False, db_index=True)
    search_text = models.TextField(_("检索文本"), editable=False, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    retired_at = models.DateTimeField(_("停用/修订时间"), null=True, blank=True, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("知识条目")
        verbose_name_plural = _("知识条目")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="kb_entry_key_version_unique"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(status="active"), name="kb_entry_one_current_version"
            ),
        ]
        indexes = [models.Index(fields=["status", "valid_from"], name="kb_entry_status_valid")]

    def __str__(self):
        return f"{self.question[:40]}（第{self.version}版）"

    def refresh_index(self) -> None:
        """Derive what search reads and what imports compare; call before every save that changes text.

        The question is indexed twice so that it outweighs the answer in bm25 / ts_rank.
        """
        question = search_text(self.question)
        keywords = search_text(self.keywords)
        self.search_text = " ".join(
            part for part in (question, question, keywords, search_text(self.answer)) if part
        )
        self.fingerprint = content_fingerprint(self.question, self.answer)

    def is_valid_on(self, day) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.valid_from <= day
            and (self.valid_to is None or self.valid_to >= day)
        )

    def history(self):
        return Entry.objects.filter(key=self.key).order_by("-version")


def content_fingerprint(question: str, answer: str) -> str:
    """Equal for the same question and answer whatever the spacing, case or full-width characters."""
    flat = "\x1f".join(" ".join(normalise(part).split()) for part in (question, answer))
    return hashlib.sha256(flat.encode()).hexdigest()
