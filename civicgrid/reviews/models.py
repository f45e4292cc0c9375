"""述职评议考核: a year's review campaign, the secretaries who report in it, their data sheets assembled from the
system, rater groups with weights, ballots (online, one per rater per reporter, or paper counts entered by staff),
the grade scale, and the rectification items that follow.

States change only through `reviews.services`. Overdue rectification is not stored: `reviews.rectification`
(`overdue_q`) is the one place that says what it means. Results are computed in `reviews.results` and frozen on
the campaign when it is published.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective
from civicgrid.party.models import PartyMember, PartyOrg
from civicgrid.registry.models import AdminArea, Unit


class GradeScale(Effective):
    """The grades of a review and how a weighted score becomes one. `levels` is a list, best first, of
    {"label": "好", "score": 100, "min": 90}: a ballot's grade counts `score`; a weighted score at or above
    `min` gets that grade (the last level's `min` is 0)."""

    name = models.CharField(_("等次方案名称"), max_length=60)
    levels = models.JSONField(
        _("等次"),
        help_text=_(
            "按从高到低排列，每项含等次名称（label）、计分（score）、最低得分（min），最后一项最低得分为0"
        ),
    )

    class Meta:
        verbose_name = _("述职评议等次方案")
        verbose_name_plural = _("述职评议等次方案")
        ordering = ["-effective_from", "pk"]

    def __str__(self):
        return f"{self.name}（{self.version}）"

    def clean(self):
        super().clean()
        problem = levels_problem(self.levels)
        if problem:
            raise ValidationError({"levels": problem})

    @property
    def labels(self) -> list[str]:
        return [level["label"] for level in self.levels]

    def score_of(self, label: str):
        for level in self.levels:
            if level["label"] == label:
                return level["score"]
        return None


def levels_problem(levels) -> str:
    """Why `levels` is not a usable scale, or "" when it is."""
    if not isinstance(levels, list) or len(levels) < 2:
        return "至少需要两个等次"
    labels, previous = set(), None
    for level in levels:
        if not isinstance(level, dict) or not {"label", "score", "min"} <= set(level):
            return "每个等次须有名称、计分和最低得分"
        label = str(level["label"]).strip()
        if not label or label in labels:
            return "等次名称不能为空或重复"
        labels.add(label)
        try:
            low, score = float(level["min"]), float(level["score"])
        except (TypeError, ValueError):
            return "计分和最低得分须为数字"
        if not 0 <= score <= 100 or not 0 <= low <= 100:
            return "计分和最低得分须在0到100之间"
        if previous is not None and low >= previous:
            return "等次须按最低得分从高到低排列"
        previous = low
    if float(levels[-1]["min"]) != 0:
        return "最后一个等次的最低得分须为0"
    return ""


class ReviewCampaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        OPEN = "open", _("测评中")
        CLOSED = "closed", _("测评结束")
        PUBLISHED = "published", _("已公布")

    class ReporterKind(models.TextChoices):
        TOWN = "town", _("乡镇（街道）党（工）委书记")
        DEPARTMENT = "department", _("部门党组织书记")
        COMMITTEE = "committee", _("党委（党工委）书记")

    code = models.CharField(_("编码"), max_length=40, unique=True, help_text=_("例如：SZPY-2026"))
    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("述职年度"))
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("该区划及以下的组织部工作人员可以管理本次述职评议"),
    )
    organiser = models.ForeignKey(
        Unit,
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("一般为党委组织部"),
    )
    reporter_kinds = models.JSONField(_("述职对象类别"), default=list, blank=True)
    scale = models.ForeignKey(GradeScale, verbose_name=_("等次方案"), on_delete=models.PROTECT)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT)
    results = models.JSONField(_("公布的结果"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("开始测评时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束测评时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("述职评议")
        verbose_name_plural = _("述职评议")
        ordering = ["-year", "code"]

    def __str__(self):
        return self.name

    @property
    def kinds_display(self) -> str:
        labels = dict(self.ReporterKind.choices)
        return "、".join(str(labels.get(kind, "")) for kind in self.reporter_kinds if kind in labels)


class Reporter(models.Model):
    """One person who reports (述职) in a campaign, and what they answer for."""

    campaign = models.ForeignKey(
        ReviewCampaign, verbose_name=_("述职评议"), on_delete=models.CASCADE, related_name="reporters"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=ReviewCampaign.ReporterKind.choices)
    name = models.CharField(_("姓名"), max_length=50)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("所在单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("负责区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("乡镇（街道）书记填所在乡镇；部门书记可不填"),
    )
    party_org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField(_("述职顺序"), default=0)
    comment = models.TextField(_("点评"), blank=True)
    commented_at = models.DateTimeField(_("点评时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("述职人")
        verbose_name_plural = _("述职人")
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user"],
                name="reviews_reporter_user_unique",
                condition=models.Q(user__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.post}）" if self.post else self.name

    @property
    def answers_for(self) -> str:
        parts = [x.name for x in (self.area, self.unit, self.party_org) if x is not None]
        return "、".join(dict.fromkeys(parts))


class DataSheet(models.Model):
    """The figures of a reporter's area or unit over the campaign year, frozen when taken."""

    reporter = models.OneToOneField(
        Reporter, verbose_name=_("述职人"), on_delete=models.CASCADE, related_name="sheet"
    )
    data = models.JSONField(_("数据"))
    taken_at = models.DateTimeField(_("采集时间"))

    class Meta:
        verbose_name = _("述职数据表")
        verbose_name_plural = _("述职数据表")

    def __str__(self):
        return str(self.reporter)


class RaterGroup(models.Model):
    campaign = models.ForeignKey(
        ReviewCampaign, verbose_name=_("述职评议"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(
        _("测评组名称"), max_length=40, help_text=_("例如：全委会成员、本单位干部群众、服务对象")
    )
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=4, help_text=_("各组权重之和须为1"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("测评组")
        verbose_name_plural = _("测评组")
        ordering = ["campaign", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="reviews_group_name_unique")]

    def __str__(self):
        return self.name


class Rater(models.Model):
    """An account that votes online in a group; one group per account in a campaign."""

    group = models.ForeignKey(
        RaterGroup, verbose_name=_("测评组"), on_delete=models.CASCADE, related_name="raters"
    )
    campaign = models.ForeignKey(
        ReviewCampaign, verbose_name=_("述职评议"), on_delete=models.CASCADE, related_name="raters"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="+"
    )
    added_at = models.DateTimeField(_("加入时间"))

    class Meta:
        verbose_name = _("测评人")
        verbose_name_plural = _("测评人")
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="reviews_rater_unique")]

    def __str__(self):
        return str(self.user)


class Ballot(models.Model):
    rater = models.ForeignKey(
        Rater, verbose_name=_("测评人"), on_delete=models.CASCADE, related_name="ballots"
    )
    reporter = models.ForeignKey(
        Reporter, verbose_name=_("述职人"), on_delete=models.CASCADE, related_name="ballots"
    )
    grade = models.CharField(_("等次"), max_length=20)
    cast_at = models.DateTimeField(_("投票时间"))

    class Meta:
        verbose_name = _("测评票")
        verbose_name_plural = _("测评票")
        constraints = [models.UniqueConstraint(fields=["rater", "reporter"], name="reviews_ballot_unique")]

    def __str__(self):
        return f"{self.reporter}：{self.grade}"


class PaperTally(models.Model):
    """Paper ballots of a group for a reporter, counted by grade and entered by staff (replaced on each entry)."""

    group = models.ForeignKey(
        RaterGroup, verbose_name=_("测评组"), on_delete=models.CASCADE, related_name="tallies"
    )
    reporter = models.ForeignKey(
        Reporter, verbose_name=_("述职人"), on_delete=models.CASCADE, related_name="tallies"
    )
    grade = models.CharField(_("等次"), max_length=20)
    count = models.PositiveIntegerField(_("票数"))
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("纸质票统计")
        verbose_name_plural = _("纸质票统计")
        constraints = [
            models.UniqueConstraint(fields=["group", "reporter", "grade"], name="reviews_tally_unique")
        ]

    def __str__(self):
        return f"{self.group}：{self.grade} {self.count}"


class RectificationItem(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("整改中")
        DONE = "done", _("已完成")

    reporter = models.ForeignKey(
        Reporter, verbose_name=_("述职人"), on_delete=models.CASCADE, related_name="rectifications"
    )
    problem = models.TextField(_("问题"))
    measure = models.TextField(_("整改措施"))
    responsible = models.CharField(_("责任人"), max_length=100)
    due_date = models.DateField(_("整改时限"))
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.OPEN)
    evidence = models.TextField(_("完成情况说明"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["reporter", "due_date", "pk"]

    def __str__(self):
        return self.problem[:30]
