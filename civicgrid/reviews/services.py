"""Every change to a 述职评议: one function per step, each checking its guard (role, scope, state), running in a
transaction and writing an audit row.

Campaign states: draft (set up reporters, groups, raters; data sheets re-assemblable) → open (ballots; sheets
frozen) → closed (ballots final) → published (results frozen on the campaign and shown to reporters).
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.party.models import PartyOrg, Post
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.registry.selectors import staff_of
from civicgrid.reviews import results as review_results
from civicgrid.reviews import scope, sheet
from civicgrid.reviews.errors import ReviewError
from civicgrid.reviews.models import (
    Ballot,
    DataSheet,
    GradeScale,
    PaperTally,
    Rater,
    RaterGroup,
    RectificationItem,
    Reporter,
    ReviewCampaign,
)

S = ReviewCampaign.State
KINDS = set(ReviewCampaign.ReporterKind.values)


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _lock(campaign: ReviewCampaign) -> ReviewCampaign:
    return ReviewCampaign.objects.select_for_update().select_related("scale").get(pk=campaign.pk)


def _require_state(campaign: ReviewCampaign, *states: str, action: str) -> None:
    if campaign.state not in states:
        raise ReviewError(f"本次述职评议当前为「{campaign.get_state_display()}」，不能{action}")


def _require_staff(actor) -> None:
    if not scope.is_manager(actor):
        raise ReviewError("只有组织部工作人员可以管理述职评议")


# ---------------------------------------------------------------------------------------------- campaign


def default_scale(day: date) -> GradeScale | None:
    return GradeScale.objects.effective_at(day).order_by("-effective_from", "pk").first()


def campaign_create(
    *,
    actor,
    code: str,
    name: str,
    year: int,
    area: AdminArea | None = None,
    organiser: Unit | None = None,
    reporter_kinds=(),
    scale: GradeScale | None = None,
    at: datetime | None = None,
) -> ReviewCampaign:
    _require_staff(actor)
    now = _now(at)
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise ReviewError("请填写编码和名称")
    if not 2000 <= int(year) <= 2100:
        raise ReviewError("述职年度不正确")
    kinds = [k for k in reporter_kinds if k in KINDS]
    if len(kinds) != len(list(reporter_kinds)) or not kinds:
        raise ReviewError("请选择述职对象类别（乡镇书记、部门书记、党委书记）")
    if not scope.sees_everything_or_area(actor, area, organiser):
        raise ReviewError("只能为本人负责的区划或单位组织述职评议")
    scale = scale or default_scale(timezone.localdate(now))
    if scale is None:
        raise ReviewError("没有生效的等次方案，请先在后台设置")
    if ReviewCampaign.objects.filter(code=code).exists():
        raise ReviewError(f"编码「{code[:40]}」已被使用")
    with transaction.atomic():
        campaign = ReviewCampaign.objects.create(
            code=code,
            name=name,
            year=int(year),
            area=area,
            organiser=organiser,
            reporter_kinds=kinds,
            scale=scale,
            created_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record_event(
            actor=actor, action="reviews.campaign_create", target=campaign, summary=name, year=int(year)
        )
    return campaign


def weights_problem(campaign: ReviewCampaign) -> str:
    weights = list(campaign.groups.values_list("weight", flat=True))
    if not weights:
        return "尚未设置测评组"
    total = sum(weights, Decimal(0))
    if total != Decimal(1):
        return f"各测评组权重之和为{total.normalize():f}，须为1"
    return ""


def campaign_open(*, actor, campaign: ReviewCampaign, at: datetime | None = None) -> ReviewCampaign:
    now = _now(at)
    with transaction.atomic():
        campaign = _lock(campaign)
        scope.require_manager(actor, campaign, action="开始测评")
        _require_state(campaign, S.DRAFT, action="开始测评")
        if not campaign.reporters.exists():
            raise ReviewError("尚未添加述职人，不能开始测评")
        problem = weights_problem(campaign)
        if problem:
            raise ReviewError(problem + "，不能开始测评")
        missing = list(campaign.reporters.filter(sheet__isnull=True))
        if missing:
            _assemble(campaign, missing, now)
        campaign.state, campaign.opened_at = S.OPEN, now
        campaign.save(update_fields=["state", "opened_at"])
        record_event(actor=actor, action="reviews.campaign_open", target=campaign, summary=campaign.name)
    return campaign


def campaign_close(*, actor, campaign: ReviewCampaign, at: datetime | None = None) -> ReviewCampaign:
    now = _now(at)
    with transaction.atomic():
        campaign = _lock(campaign)
        scope.require_manager(actor, campaign, action="结束测评")
        _require_state(campaign, S.OPEN, action="结束测评")
        campaign.state, campaign.closed_at = S.CLOSED, now
        campaign.save(update_fields=["state", "closed_at"])
        record_event(actor=actor, action="reviews.campaign_close", target=campaign, summary=campaign.name)
    return campaign


def campaign_publish(*, actor, campaign: ReviewCampaign, at: datetime | None = None) -> ReviewCampaign:
    now = _now(at)
    with transaction.atomic():
        campaign = _lock(campaign)
        scope.require_manager(actor, campaign, action="公布结果")
        _require_state(campaign, S.CLOSED, action="公布结果")
        computed = review_results.compute(campaign)
        campaign.results = {**computed, "published_at": now.isoformat()}
        campaign.state, campaign.published_at = S.PUBLISHED, now
        campaign.save(update_fields=["state", "published_at", "results"])
        record_event(actor=actor, action="reviews.campaign_publish", target=campaign, summary=campaign.name)
    return campaign


def results_of(campaign: ReviewCampaign) -> dict:
    """The frozen results once published, else computed now (for the campaign's staff)."""
    if campaign.state == S.PUBLISHED and campaign.results:
        return campaign.results
    return review_results.compute(campaign)


# ---------------------------------------------------------------------------------------------- reporters


def reporter_add(
    *,
    actor,
    campaign: ReviewCampaign,
    kind: str,
    name: str,
    post: str = "",
    user=None,
    member=None,
    unit: Unit | None = None,
    area: AdminArea | None = None,
    party_org: PartyOrg | None = None,
    at: datetime | None = None,
) -> Reporter:
    with transaction.atomic():
        campaign = _lock(campaign)
        scope.require_manager(actor, campaign, action="添加述职人")
        _require_state(campaign, S.DRAFT, action="添加述职人")
        reporter = _new_reporter(campaign, kind, name, post, user, member, unit, area, party_org)
        record_event(actor=actor, action="reviews.reporter_add", target=reporter, summary=str(reporter))
    return reporter


def _new_reporter(campaign, kind, name, post, user, member, unit, area, party_org) -> Reporter:
    name = (name or "").strip()
    if kind not in campaign.reporter_kinds:
        raise ReviewError("该类别不在本次述职对象范围内")
    if not name:
        raise ReviewError("请填写述职人姓名")
    if user is None and member is not None:
        user = member.user
    if user is not None and campaign.reporters.filter(user=user).exists():
        raise ReviewError(f"{name[:20]}已是本次述职人")
    if area is None and unit is None and party_org is None:
        raise ReviewError("请指定述职人负责的区划、单位或党组织")
    order = campaign.reporters.count() + 1
    return Reporter.objects.create(
        campaign=campaign,
        kind=kind,
        name=name[:50],
        post=(post or "").strip()[:100],
        user=user,
        member=member,
        unit=unit,
        area=area,
        party_org=party_org,
        order=order,
    )


def reporter_update(
    *,
    actor,
    reporter: Reporter,
    name: str,
    post: str = "",
    user=None,
    unit: Unit | None = None,
    area: AdminArea | None = None,
    at: datetime | None = None,
) -> Reporter:
    """Change a reporter's name, post, account, unit or area (while a draft: the sheet is fixed once open)."""
    name = (name or "").strip()
    with transaction.atomic():
        campaign = _lock(reporter.campaign)
        scope.require_manager(actor, campaign, action="修改述职人")
        _require_state(campaign, S.DRAFT, action="修改述职人")
        if not name:
            raise ReviewError("请填写述职人姓名")
        if user is not None and campaign.reporters.filter(user=user).exclude(pk=reporter.pk).exists():
            raise ReviewError("该账号已是本次述职人")
        if area is None and unit is None and reporter.party_org_id is None:
            raise ReviewError("请指定述职人负责的区划、单位或党组织")
        reporter.name, reporter.post = name[:50], (post or "").strip()[:100]
        reporter.user, reporter.unit, reporter.area = user, unit, area
        reporter.save(update_fields=["name", "post", "user", "unit", "area"])
        record_event(actor=actor, action="reviews.reporter_update", target=reporter, summary=str(reporter))
    return reporter


def reporter_remove(*, actor, reporter: Reporter, at: datetime | None = None) -> None:
    """Remove a reporter (and the data sheet) while a draft, never once a ballot or paper ballot counts them."""
    with transaction.atomic():
        campaign = _lock(reporter.campaign)
        scope.require_manager(actor, campaign, action="删除述职人")
        _require_state(campaign, S.DRAFT, action="删除述职人")
        if (
            Ballot.objects.filter(reporter=reporter).exists()
            or PaperTally.objects.filter(reporter=reporter).exists()
        ):
            raise ReviewError(f"已有对{reporter.name}的投票，不能删除")
        record_event(
            actor=actor, action="reviews.reporter_remove", target=campaign, summary=str(reporter)[:300]
        )
        reporter.delete()


def _town_secretary(org: PartyOrg, day: date):
    post = (
        Post.objects.filter(term__org=org, term__is_current=True, post=Post.Kind.SECRETARY)
        .filter(
            Q(from_date__isnull=True) | Q(from_date__lte=day), Q(to_date__isnull=True) | Q(to_date__gte=day)
        )
        .select_related("member")
        .first()
    )
    return post


def reporters_add_towns(
    *, actor, campaign: ReviewCampaign, area: AdminArea | None = None, at: datetime | None = None
) -> tuple[list[Reporter], list[str]]:
    """Every town (street) of the area (the campaign's by default): its party committee's secretary, from the
    party register. Returns the reporters added and one sentence per town left out."""
    now = _now(at)
    day = timezone.localdate(now)
    with transaction.atomic():
        campaign = _lock(campaign)
        scope.require_manager(actor, campaign, action="添加述职人")
        _require_state(campaign, S.DRAFT, action="添加述职人")
        if ReviewCampaign.ReporterKind.TOWN not in campaign.reporter_kinds:
            raise ReviewError("本次述职对象不含乡镇（街道）书记")
        root = area or campaign.area
        if root is None:
            raise ReviewError("请选择区划")
        if campaign.area_id is not None and root.pk not in area_subtree_ids([campaign.area_id]):
            raise ReviewError("所选区划不在本次述职评议的范围内")
        towns = AdminArea.objects.filter(
            pk__in=area_subtree_ids([root]), level=AdminArea.Level.TOWN
        ).order_by("code")
        taken = set(campaign.reporters.filter(area__isnull=False).values_list("area_id", flat=True))
        added, skipped = [], []
        for town in towns:
            if town.pk in taken:
                skipped.append(f"{town.name}：已在述职名单中")
                continue
            org = (
                PartyOrg.objects.active_at(day)
                .filter(
                    area=town,
                    is_temporary=False,
                    kind__in=[PartyOrg.Kind.COMMITTEE, PartyOrg.Kind.WORKING_COMMITTEE],
                )
                .order_by("pk")
                .first()
            )
            if org is None:
                skipped.append(f"{town.name}：党员管理中没有该乡镇（街道）的党（工）委")
                continue
            post = _town_secretary(org, day)
            if post is None or (post.member is None and not post.person_name):
                skipped.append(f"{town.name}：{org.name}书记空缺")
                continue
            unit = Unit.objects.filter(area=town, kind=Unit.Kind.TOWN, is_active=True).order_by("pk").first()
            member = post.member
            name = member.name if member is not None else post.person_name
            if (
                member is not None
                and member.user_id
                and campaign.reporters.filter(user_id=member.user_id).exists()
            ):
                skipped.append(f"{town.name}：{name}已是本次述职人")
                continue
            reporter = _new_reporter(
                campaign,
                ReviewCampaign.ReporterKind.TOWN,
                name,
                f"{org.name}书记",
                None,
                member,
                unit,
                town,
                org,
            )
            record_event(actor=actor, action="reviews.reporter_add", target=reporter, summary=str(reporter))
            added.append(reporter)
    return added, skipped


def reporter_comment(*, actor, reporter: Reporter, text: str, at: datetime | None = None) -> Reporter:
    now = _now(at)
    with transaction.atomic():
        campaign = _lock(reporter.campaign)
        scope.require_manager(actor, campaign, action="填写点评")
        reporter = Reporter.objects.select_for_update().get(pk=reporter.pk)
        reporter.comment, reporter.commented_at = (text or "").strip(), now
        reporter.save(update_fields=["comment", "commented_at"])
        record_event(actor=actor, action="reviews.comment", target=reporter, summary=str(reporter))
    return reporter


# ---------------------------------------------------------------------------------------------- data sheets


def _assemble(campaign: ReviewCampaign, reporters, now: datetime) -> list[DataSheet]:
    day = timezone.localdate(now)
    date_from, date_to = sheet.period_of(campaign.year, day)
    context = sheet.Context(date_from, date_to)
    context.read_areas([r.area for r in reporters], campaign.year)
    done = []
    for reporter in reporters:
        data = sheet.assemble(reporter, day, context)
        row, _ = DataSheet.objects.update_or_create(
            reporter=reporter, defaults={"data": data, "taken_at": now}
        )
        done.append(row)
    return done


def sheets_assemble(
    *, actor, campaign: ReviewCampaign, reporters=None, at: datetime | None = None
) -> list[DataSheet]:
    """(Re)take the data sheets of the campaign's reporters (all by default) from the system, while a draft."""
    now = _now(at)
    with transaction.atomic():
        campaign = _lock(campaign)
        scope.require_manager(actor, campaign, action="采集述职数据")
        _require_state(campaign, S.DRAFT, action="重新采集述职数据（测评开始后数据表已固定）")
        chosen = list(
            campaign.reporters.select_related("area", "unit", "party_org", "campaign")
            if reporters is None
            else campaign.reporters.filter(pk__in=[r.pk for r in reporters]).select_related(
                "area", "unit", "party_org", "campaign"
            )
        )
        done = _assemble(campaign, chosen, now)
        record_event(
            actor=actor,
            action="reviews.sheet_assemble",
            target=campaign,
            summary=campaign.name,
            reporters=len(done),
        )
    return done


# ---------------------------------------------------------------------------------------------- raters


def _weight(value) -> Decimal:
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ReviewError("权重须为0到1之间的小数，例如0.6") from None
    if not Decimal(0) < weight <= Decimal(1) or weight.as_tuple().exponent < -4:
        raise ReviewError("权重须为0到1之间的小数，最多4位小数")
    return weight


def group_save(
    *, actor, campaign: ReviewCampaign, name: str, weight, group: RaterGroup | None = None, order: int = 0
) -> RaterGroup:
    """Add a rater group, or change a group's name and weight (while a draft)."""
    name = (name or "").strip()
    if not name:
        raise ReviewError("请填写测评组名称")
    weight = _weight(weight)
    with transaction.atomic():
        campaign = _lock(campaign)
        scope.require_manager(actor, campaign, action="设置测评组")
        _require_state(campaign, S.DRAFT, action="修改测评组")
        if campaign.groups.filter(name=name).exclude(pk=getattr(group, "pk", None)).exists():
            raise ReviewError(f"测评组「{name[:20]}」已存在")
        if group is None:
            group = RaterGroup.objects.create(
                campaign=campaign, name=name[:40], weight=weight, order=order or campaign.groups.count() + 1
            )
        else:
            if group.campaign_id != campaign.pk:
                raise ReviewError("该测评组不属于本次述职评议")
            group.name, group.weight = name[:40], weight
            group.save(update_fields=["name", "weight"])
        record_event(
            actor=actor, action="reviews.group_save", target=group, summary=group.name, weight=str(weight)
        )
    return group


def rater_add(*, actor, group: RaterGroup, user, at: datetime | None = None) -> Rater:
    now = _now(at)
    with transaction.atomic():
        campaign = _lock(group.campaign)
        scope.require_manager(actor, campaign, action="添加测评人")
        _require_state(campaign, S.DRAFT, S.OPEN, action="添加测评人")
        if user is None or not user.is_active:
            raise ReviewError("该账号不存在或已停用")
        # The ballot page is in the console, which only staff accounts reach; a resident of the portal signs in
        # with a phone and has no account (portal.signin).
        if not user.is_superuser and staff_of(user) is None:
            raise ReviewError(f"账号{user.username[:30]}不是工作人员账号，无法登录工作台投票")
        existing = Rater.objects.filter(campaign=campaign, user=user).select_related("group").first()
        if existing is not None:
            raise ReviewError(f"该账号已在测评组「{existing.group.name}」中")
        try:
            with transaction.atomic():
                rater = Rater.objects.create(group=group, campaign=campaign, user=user, added_at=now)
        except IntegrityError:
            raise ReviewError("该账号已是本次测评人") from None
        record_event(actor=actor, action="reviews.rater_add", target=rater, summary=group.name)
    return rater


def group_remove(*, actor, group: RaterGroup, at: datetime | None = None) -> int:
    """Remove a rater group and its raters while a draft, never once its raters voted or its paper ballots were
    entered. Returns how many raters went with it."""
    with transaction.atomic():
        campaign = _lock(group.campaign)
        scope.require_manager(actor, campaign, action="删除测评组")
        _require_state(campaign, S.DRAFT, action="删除测评组")
        if group.campaign_id != campaign.pk:
            raise ReviewError("该测评组不属于本次述职评议")
        if (
            Ballot.objects.filter(rater__group=group).exists()
            or PaperTally.objects.filter(group=group).exists()
        ):
            raise ReviewError(f"测评组「{group.name}」已有投票，不能删除")
        raters = group.raters.count()
        record_event(
            actor=actor, action="reviews.group_remove", target=campaign, summary=group.name, raters=raters
        )
        group.delete()
    return raters


def rater_move(*, actor, rater: Rater, group: RaterGroup, at: datetime | None = None) -> Rater:
    """Move a rater to another group of the campaign (while a draft or open), never once they voted."""
    with transaction.atomic():
        campaign = _lock(rater.campaign)
        scope.require_manager(actor, campaign, action="调整测评人")
        _require_state(campaign, S.DRAFT, S.OPEN, action="调整测评人")
        if group is None or group.campaign_id != campaign.pk:
            raise ReviewError("请选择本次述职评议的测评组")
        if Ballot.objects.filter(rater=rater).exists():
            raise ReviewError("该测评人已投票，不能调整测评组")
        before = rater.group.name
        rater.group = group
        rater.save(update_fields=["group"])
        record_event(
            actor=actor, action="reviews.rater_move", target=rater, summary=f"{before} → {group.name}"[:300]
        )
    return rater


def rater_remove(*, actor, rater: Rater, at: datetime | None = None) -> None:
    """Remove a rater (while a draft or open), never once they voted."""
    with transaction.atomic():
        campaign = _lock(rater.campaign)
        scope.require_manager(actor, campaign, action="删除测评人")
        _require_state(campaign, S.DRAFT, S.OPEN, action="删除测评人")
        if Ballot.objects.filter(rater=rater).exists():
            raise ReviewError("该测评人已投票，不能删除")
        record_event(
            actor=actor,
            action="reviews.rater_remove",
            target=campaign,
            summary=f"{rater.user}（{rater.group.name}）"[:300],
        )
        rater.delete()


def ballot_cast(*, actor, reporter: Reporter, grade: str, at: datetime | None = None) -> Ballot:
    """A rater's grade for a reporter; casting again changes it, until the campaign closes."""
    now = _now(at)
    with transaction.atomic():
        campaign = _lock(reporter.campaign)
        rater = scope.my_rater(actor, campaign)
        if rater is None:
            raise ReviewError("您不是本次述职评议的测评人")
        if campaign.state != S.OPEN:
            raise ReviewError(f"本次述职评议当前为「{campaign.get_state_display()}」，不能投票")
        if reporter.campaign_id != campaign.pk:
            raise ReviewError("该述职人不在本次述职评议中")
        if (
            reporter.user_id is not None
            and reporter.user_id == actor.pk
            or (reporter.member_id is not None and reporter.member.user_id == actor.pk)
        ):
            raise ReviewError("不能为本人投票")
        if grade not in campaign.scale.labels:
            raise ReviewError("请选择" + "、".join(campaign.scale.labels) + "中的一个等次")
        ballot, created = Ballot.objects.update_or_create(
            rater=rater, reporter=reporter, defaults={"grade": grade, "cast_at": now}
        )
        record_event(
            actor=actor,
            action="reviews.ballot_cast",
            target=ballot,
            summary=f"为{reporter.name}投票" if created else f"修改对{reporter.name}的投票",
        )
    return ballot


def paper_enter(
    *, actor, group: RaterGroup, reporter: Reporter, counts: dict, at: datetime | None = None
) -> None:
    """The paper ballots of a group for a reporter, by grade (replaces what was entered before)."""
    now = _now(at)
    with transaction.atomic():
        campaign = _lock(group.campaign)
        scope.require_manager(actor, campaign, action="录入纸质票")
        _require_state(campaign, S.OPEN, action="录入纸质票")
        if reporter.campaign_id != campaign.pk:
            raise ReviewError("该述职人不在本次述职评议中")
        labels = campaign.scale.labels
        unknown = set(counts) - set(labels)
        if unknown:
            raise ReviewError("等次「" + "、".join(sorted(unknown))[:30] + "」不在本次等次方案中")
        clean = {}
        for label in labels:
            try:
                value = int(counts.get(label) or 0)
            except (TypeError, ValueError):
                raise ReviewError("票数须为不小于0的整数") from None
            if value < 0:
                raise ReviewError("票数须为不小于0的整数")
            clean[label] = value
        PaperTally.objects.filter(group=group, reporter=reporter).delete()
        PaperTally.objects.bulk_create(
            [
                PaperTally(group=group, reporter=reporter, grade=label, count=n, entered_at=now)
                for label, n in clean.items()
                if n
            ]
        )
        record_event(
            actor=actor,
            action="reviews.paper_enter",
            target=reporter,
            summary=f"{group.name}纸质票{sum(clean.values())}张",
            counts=clean,
        )


# ---------------------------------------------------------------------------------------------- rectification


def rectification_add(
    *,
    actor,
    reporter: Reporter,
    problem: str,
    measure: str,
    responsible: str,
    due_date: date,
    at: datetime | None = None,
) -> RectificationItem:
    now = _now(at)
    problem, measure, responsible = ((x or "").strip() for x in (problem, measure, responsible))
    if not problem or not measure or not responsible or due_date is None:
        raise ReviewError("请填写问题、整改措施、责任人和整改时限")
    with transaction.atomic():
        campaign = _lock(reporter.campaign)
        scope.require_manager(actor, campaign, action="登记整改事项")
        _require_state(campaign, S.OPEN, S.CLOSED, S.PUBLISHED, action="登记整改事项（请先开始测评）")
        item = RectificationItem.objects.create(
            reporter=reporter,
            problem=problem,
            measure=measure,
            responsible=responsible[:100],
            due_date=due_date,
            created_at=now,
        )
        record_event(actor=actor, action="reviews.rectification_add", target=item, summary=problem[:100])
    return item


def rectification_complete(
    *, actor, item: RectificationItem, evidence: str, at: datetime | None = None
) -> RectificationItem:
    now = _now(at)
    evidence = (evidence or "").strip()
    with transaction.atomic():
        item = (
            RectificationItem.objects.select_for_update().select_related("reporter__campaign").get(pk=item.pk)
        )
        reporter = item.reporter
        if not (scope.manages(actor, reporter.campaign) or scope.is_reporter(actor, reporter)):
            raise ReviewError("只有述职人本人或组织部工作人员可以完成整改事项")
        if item.state != RectificationItem.State.OPEN:
            raise ReviewError("该整改事项已完成")
        if not evidence:
            raise ReviewError("请填写完成情况说明")
        item.state, item.evidence, item.done_at = RectificationItem.State.DONE, evidence, now
        item.save(update_fields=["state", "evidence", "done_at"])
        record_event(
            actor=actor, action="reviews.rectification_done", target=item, summary=item.problem[:100]
        )
    return item
