"""Community engagement: 双报到 registrations with yearly quotas, evaluations and commitments; needs and
micro-wishes (群众点单、社区下单、党员接单); pairings (双联双帮 and others) and their visits.

States change only through `engagement.services`; each row keeps the date it entered each state, since the
figures ask what was registered, published or fulfilled during a year whatever the state is now.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.masking import mask_person_name, mask_phone
from civicgrid.core.models import Effective
from civicgrid.party.models import PartyMember, PartyOrg
from civicgrid.registry.models import AdminArea, Grid, Unit
from civicgrid.tickets.models import Ticket

WEDNESDAY, SATURDAY = 2, 5


class QuotaRule(Effective):
    """Yearly quota per in-service member (Sanya: ≥1 微心愿, ≥2 activities, ≥8 h). `area` empty: everywhere;
    otherwise the rule of the nearest area above the member's community wins."""

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    wishes = models.PositiveSmallIntegerField(_("微心愿（个）"), default=1)
    activities = models.PositiveSmallIntegerField(_("志愿活动（次）"), default=2)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=1, default=Decimal("8"))

    class Meta:
        verbose_name = _("双报到年度任务标准")
        verbose_name_plural = _("双报到年度任务标准")
        ordering = ["-effective_from", "pk"]

    def __str__(self):
        where = self.area.name if self.area_id else _("通用")
        return f"{where}：微心愿{self.wishes}个、活动{self.activities}次、{self.hours}小时"


class RegistrationQuerySet(models.QuerySet):
    def during(self, year: int):
        """Registered (or active) at some time in `year`: registered by its end and not ended before its start."""
        return self.filter(registered_on__lte=date(year, 12, 31)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=date(year, 1, 1))
        )


class Registration(models.Model):
    """双报到: an organisation with the community where it sits, or an in-service member with the community where
    he or she lives. registered → active → lapsed | moved | withdrawn."""

    class State(models.TextChoices):
        REGISTERED = "registered", _("已报到")
        ACTIVE = "active", _("在岗服务")
        LAPSED = "lapsed", _("已失效")
        MOVED = "moved", _("已迁出")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN = (State.REGISTERED, State.ACTIVE)
    ENDED = (State.LAPSED, State.MOVED, State.WITHDRAWN)

    org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("报到党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("报到党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    community = models.ForeignKey(
        AdminArea,
        verbose_name=_("报到社区"),
        on_delete=models.PROTECT,
        related_name="registrations",
        limit_choices_to={"level": AdminArea.Level.VILLAGE},
    )
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REGISTERED)
    skills = models.CharField(_("特长"), max_length=200, blank=True)
    service_kinds = models.CharField(_("服务意向"), max_length=200, blank=True)
    grid = models.ForeignKey(
        Grid, verbose_name=_("分配网格"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.CharField(_("社区安排岗位"), max_length=40, blank=True, help_text=_("例如：楼道长"))
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    registered_on = models.DateField(_("报到日期"))
    activated_on = models.DateField(_("上岗日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("双报到登记")
        verbose_name_plural = _("双报到登记")
        ordering = ["-registered_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(org__isnull=False) & Q(member__isnull=True))
                | (Q(org__isnull=True) & Q(member__isnull=False)),
                name="engagement_registration_org_xor_member",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state__in=["registered", "active"]),
                name="engagement_registration_one_open_per_member",
            ),
            models.UniqueConstraint(
                fields=["org", "community"],
                condition=Q(state__in=["registered", "active"]),
                name="engagement_registration_one_open_per_org_community",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "state"], name="engagement_reg_comm_state"),
            models.Index(fields=["registered_on", "ended_on"], name="engagement_reg_dates"),
        ]

    def __str__(self):
        who = self.org.name if self.org_id else self.member.masked_name
        return f"{who} → {self.community.name}（{self.get_state_display()}）"

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)


class Evaluation(models.Model):
    """The year-end evaluation of a registered member, sent to the member's own organisation."""

    class Grade(models.TextChoices):
        GOOD = "good", _("好")
        FAIRLY_GOOD = "fairly_good", _("较好")
        FAIR = "fair", _("一般")
        POOR = "poor", _("差")

    year = models.PositiveSmallIntegerField(_("年度"))
    member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="engagement_evaluations"
    )
    registration = models.ForeignKey(
        Registration, verbose_name=_("报到登记"), on_delete=models.PROTECT, related_name="evaluations"
    )
    org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("所在党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=7, decimal_places=1, default=Decimal("0"))
    activities = models.PositiveIntegerField(_("参加活动（次）"), default=0)
    wishes = models.PositiveIntegerField(_("认领实现微心愿（个）"), default=0)
    meets_quota = models.BooleanField(_("完成年度任务"), default=False)
    grade = models.CharField(_("社区评价等次"), max_length=12, choices=Grade.choices)
    comment = models.CharField(_("评语"), max_length=300, blank=True)
    evaluated_at = models.DateTimeField(_("评价时间"))
    sent_at = models.DateTimeField(_("反馈所在党组织时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("双报到年度评价")
        verbose_name_plural = _("双报到年度评价")
        ordering = ["-year", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "member"], name="engagement_evaluation_year_member_unique"
            )
        ]

    def __str__(self):
        return f"{self.year} {self.member.masked_name} {self.get_grade_display()}"


class Commitment(models.Model):
    """承诺践诺: pledged → fulfilled | not_fulfilled, with evidence."""

    class State(models.TextChoices):
        PLEDGED = "pledged", _("已承诺")
        FULFILLED = "fulfilled", _("已践诺")
        NOT_FULFILLED = "not_fulfilled", _("未践诺")

    year = models.PositiveSmallIntegerField(_("年度"))
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    content = models.CharField(_("承诺事项"), max_length=300)
    state = models.CharField(_("状态"), max_length=15, choices=State.choices, default=State.PLEDGED)
    pledged_on = models.DateField(_("承诺日期"))
    decided_on = models.DateField(_("评定日期"), null=True, blank=True)
    evidence = models.TextField(_("践诺情况/佐证"), blank=True)

    class Meta:
        verbose_name = _("承诺践诺")
        verbose_name_plural = _("承诺践诺")
        ordering = ["-year", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(org__isnull=False) | Q(member__isnull=False),
                name="engagement_commitment_has_owner",
            )
        ]

    def __str__(self):
        return self.content


class NeedItem(models.Model):
    """需求清单: one entry of a community's need list."""

    class Source(models.TextChoices):
        RESIDENT = "resident", _("居民提出")
        GRID = "grid", _("网格员收集")
        DELIBERATION = "deliberation", _("议事协商")
        HOTLINE = "hotline", _("12345热线")
        VISIT = "visit", _("联系走访")

    community = models.ForeignKey(
        AdminArea, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="need_items"
    )
    source = models.CharField(_("来源"), max_length=15, choices=Source.choices)
    title = models.CharField(_("需求"), max_length=120)
    content = models.TextField(_("说明"), blank=True)
    person_name = models.CharField(_("提出人"), max_length=50, blank=True)
    person_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("来源工单"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateField(_("登记日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("需求清单条目")
        verbose_name_plural = _("需求清单")
        ordering = ["-created_on", "-pk"]

    def __str__(self):
        return self.title

    @property
    def person_masked(self) -> str:
        return mask_person_name(self.person_name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.person_phone)


class MicroWish(models.Model):
    """微心愿: collected → verified → published → claimed → fulfilled → confirmed → closed; cancelled, expired."""

    class State(models.TextChoices):
        COLLECTED = "collected", _("已收集")
        VERIFIED = "verified", _("已核实")
        PUBLISHED = "published", _("已发布")
        CLAIMED = "claimed", _("已认领")
        FULFILLED = "fulfilled", _("已实现")
        CONFIRMED = "confirmed", _("居民已确认")
        CLOSED = "closed", _("已办结")
        CANCELLED = "cancelled", _("已取消")
        EXPIRED = "expired", _("已过期")

    DONE = (State.FULFILLED, State.CONFIRMED, State.CLOSED)
    FINISHED = (State.CLOSED, State.CANCELLED, State.EXPIRED)

    community = models.ForeignKey(
        AdminArea, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="micro_wishes"
    )
    source = models.CharField(_("来源"), max_length=15, choices=NeedItem.Source.choices)
    need = models.ForeignKey(
        NeedItem,
        verbose_name=_("需求清单条目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wishes",
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("来源工单"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("心愿"), max_length=120)
    content = models.TextField(_("说明"), blank=True)
    resident_name = models.CharField(_("心愿人"), max_length=50, blank=True)
    resident_phone = models.CharField(_("心愿人手机号"), max_length=20, blank=True, db_index=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.COLLECTED)
    max_claimers = models.PositiveSmallIntegerField(_("认领人数上限"), default=1)
    collected_at = models.DateTimeField(_("收集时间"))
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("首次认领时间"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("实现时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    expires_on = models.DateField(_("认领截止日期"), null=True, blank=True)
    evidence = models.TextField(_("实现情况/佐证"), blank=True)
    end_reason = models.CharField(_("取消/过期原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-collected_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "state"], name="engagement_wish_comm_state"),
            models.Index(fields=["published_at"], name="engagement_wish_published"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ticket__isnull=False), name="engagement_wish_one_per_ticket"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def resident_masked(self) -> str:
        return mask_person_name(self.resident_name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.resident_phone)


class WishClaim(models.Model):
    """One claimer of a wish: a member, an organisation or a volunteer (by name and phone)."""

    wish = models.ForeignKey(
        MicroWish, verbose_name=_("微心愿"), on_delete=models.CASCADE, related_name="claims"
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("认领党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wish_claims",
    )
    org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("认领党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wish_claims",
    )
    # A registered volunteer (the name and phone are copied from him); a volunteer known only by name and phone
    # leaves it empty.
    volunteer = models.ForeignKey(
        "volunteering.Volunteer",
        verbose_name=_("认领志愿者（已注册）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    volunteer_name = models.CharField(_("认领志愿者"), max_length=50, blank=True)
    volunteer_phone = models.CharField(_("志愿者手机号"), max_length=20, blank=True)
    claimed_at = models.DateTimeField(_("认领时间"))
    # The registered volunteer's pending service record made when the wish was fulfilled with hours.
    service_record = models.OneToOneField(
        "volunteering.ServiceRecord",
        verbose_name=_("志愿服务记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("微心愿认领")
        verbose_name_plural = _("微心愿认领")
        ordering = ["wish", "claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wish", "member"],
                condition=Q(member__isnull=False),
                name="engagement_claim_member_once",
            ),
            models.UniqueConstraint(
                fields=["wish", "org"], condition=Q(org__isnull=False), name="engagement_claim_org_once"
            ),
            models.UniqueConstraint(
                fields=["wish", "volunteer"],
                condition=Q(volunteer__isnull=False),
                name="engagement_claim_volunteer_once",
            ),
        ]

    def __str__(self):
        return self.claimer_masked

    @property
    def claimer_masked(self) -> str:
        if self.member_id:
            return self.member.masked_name
        if self.org_id:
            return self.org.name
        return mask_person_name(self.volunteer_name)


class Pairing(models.Model):
    """双联双帮 and other pairings: a unit (or a leader) with a village or community, for a year."""

    class Scheme(models.TextChoices):
        SHUANGLIAN = "shuanglian", _("双联双帮")
        GUAGOU = "guagou", _("挂钩联系")
        ONE_TO_ONE = "one_to_one", _("一对一")
        JIEDUI = "jiedui", _("结对共建")

    year = models.PositiveSmallIntegerField(_("年度"))
    scheme = models.CharField(_("方式"), max_length=12, choices=Scheme.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="pairings"
    )
    leader_name = models.CharField(_("挂钩领导"), max_length=50, blank=True)
    area = models.ForeignKey(
        AdminArea, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="pairings"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("结对联系")
        verbose_name_plural = _("结对联系")
        ordering = ["-year", "scheme", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "scheme", "unit", "area"],
                condition=Q(unit__isnull=False),
                name="engagement_pairing_unit_unique",
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | ~Q(leader_name=""), name="engagement_pairing_has_side"
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_scheme_display()} {self.side} ↔ {self.area.name}"

    @property
    def side(self) -> str:
        """The unit's name, or the leader's name masked."""
        return self.unit.name if self.unit_id else mask_person_name(self.leader_name)


class PairingVisit(models.Model):
    pairing = models.ForeignKey(
        Pairing, verbose_name=_("结对"), on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField(_("走访日期"))
    on_wed_or_sat = models.BooleanField(_("周三无会日或周六"), default=False, editable=False)
    participants = models.CharField(_("参加人员"), max_length=300, blank=True)
    participant_count = models.PositiveIntegerField(_("参加人数"), default=1)
    findings = models.TextField(_("发现问题/走访情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("结对走访")
        verbose_name_plural = _("结对走访")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["visited_on"], name="engagement_visit_day")]

    def __str__(self):
        return f"{self.visited_on:%Y-%m-%d} {self.pairing}"

    def save(self, *args, **kwargs):
        self.on_wed_or_sat = self.visited_on.weekday() in (WEDNESDAY, SATURDAY)
        super().save(*args, **kwargs)


class VisitFinding(models.Model):
    """One finding of a visit, turned in one click into a ticket, a need or a micro-wish."""

    visit = models.ForeignKey(
        PairingVisit, verbose_name=_("走访"), on_delete=models.CASCADE, related_name="finding_items"
    )
    text = models.CharField(_("问题"), max_length=300)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("转为工单"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    need = models.ForeignKey(
        NeedItem,
        verbose_name=_("转为需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    wish = models.ForeignKey(
        MicroWish,
        verbose_name=_("转为微心愿"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("走访发现问题")
        verbose_name_plural = _("走访发现问题")
        ordering = ["visit", "pk"]

    def __str__(self):
        return self.text

    @property
    def converted(self) -> bool:
        return bool(self.ticket_id or self.need_id or self.wish_id)
