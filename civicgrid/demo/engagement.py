"""Community engagement in the demo city, for the current year up to today: 双报到 registrations, needs and
micro-wishes in every state, volunteering (demo.volunteers), points in two villages (demo.points), pairings and
their visits, whose findings became needs, wishes and tickets.

Showcase rows go through the apps' services (states, events and the points ledger are genuine); the volume of
registrations, and the sign-ups of communities without a points scheme, go in with bulk_create. Built once: a
second run finds the city's registrations and changes nothing.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.refusal import Refusal
from civicgrid.demo import points as demo_points
from civicgrid.demo import volunteers as demo_volunteers
from civicgrid.demo.party import MEMBER1_PHONE, _name, _People
from civicgrid.demo.year import Year
from civicgrid.engagement import services as eng
from civicgrid.engagement.models import MicroWish, NeedItem, Pairing, PairingVisit, Registration
from civicgrid.notify.services import historical
from civicgrid.party.models import PartyMember, PartyOrg
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.points.models import PointsAccount, PointsEntry
from civicgrid.registry.models import AdminArea, Role, Staff, Unit
from civicgrid.tickets.models import Ticket
from civicgrid.volunteering.models import Activity, ServiceRecord, Volunteer

# The portal accounts of the demo (phones as party.MEMBER1_PHONE): signed in with a one-time code.
VOLUNTEER1_PHONE = "13907550102"
RESIDENT1_PHONE = "13907550103"


def gap(days: float) -> float:
    """`days` as a fraction of a year: gaps between steps shrink with the year so far (see demo.year)."""
    return days / 365


@dataclass
class EngagementDemoResult:
    created: bool
    counts: dict = field(default_factory=dict)
    accounts: list[tuple[str, str, str, str]] = field(default_factory=list)


@dataclass
class Context:
    rng: random.Random
    year: Year
    city: AdminArea
    communities: list  # every 村（社区） of the city, by code
    worker: dict  # community pk → the community's worker (网格长 acting for its unit), or SYSTEM
    focus: AdminArea  # where member1 lives: the showcase community
    village: AdminArea  # the second points scheme (short validity)
    people: _People
    registered: dict = field(default_factory=dict)  # community pk → [member] registered there
    keen: list = field(default_factory=list)  # members of the focus community who meet the quota
    member1: PartyMember | None = None
    resident: tuple | None = None  # resident1: (name, phone)
    volunteers: dict = field(default_factory=dict)  # community pk → [demo.volunteers.Person]
    schemes: dict = field(default_factory=dict)  # "focus" / "village" → PointsScheme
    points_accounts: dict = field(default_factory=dict)  # "focus" / "village" → [PointsAccount]

    def actor(self, community) -> object:
        return self.worker.get(getattr(community, "pk", community), SYSTEM)


def build_engagement(*, city: AdminArea, seed: int = 2026, log=print) -> EngagementDemoResult:
    """The year so far of registrations, wishes, volunteering, points and pairings; nothing if it exists already."""
    areas = area_subtree_ids([city])
    if Registration.objects.filter(community_id__in=areas).exists():
        log("社区共建数据已存在，不重复生成。")
        return EngagementDemoResult(created=False, counts=counts(areas), accounts=engagement_accounts())
    year = Year.so_far()
    ctx = _context(random.Random(seed + 23), year, city)
    if ctx is None:
        log("示范城市没有村（社区），不生成社区共建数据。")
        return EngagementDemoResult(created=False)
    with historical(), transaction.atomic():
        _registrations(ctx)
        demo_volunteers.cast(ctx)
        demo_points.schemes_and_accounts(ctx)
        demo_volunteers.build(ctx)
        _wishes(ctx)
        _pairings(ctx)
        _commitments(ctx)
        demo_points.ledger(ctx)
        eng.wish_expire_due(today=year.today, at=year.now)
    found = counts(areas)
    log(
        f"双报到 {found['registrations']} 人次，微心愿 {found['wishes']} 个，志愿活动 {found['activities']} 场，"
        f"服务记录 {found['records']} 条，积分记录 {found['entries']} 条，结对走访 {found['visits']} 次"
    )
    return EngagementDemoResult(created=True, counts=found, accounts=engagement_accounts())


def counts(areas) -> dict:
    return {
        "registrations": Registration.objects.filter(community_id__in=areas).count(),
        "wishes": MicroWish.objects.filter(community_id__in=areas).count(),
        "activities": Activity.objects.filter(project__area_id__in=areas).count(),
        "records": ServiceRecord.objects.filter(activity__project__area_id__in=areas).count(),
        "entries": PointsEntry.objects.filter(account__area_id__in=areas).count(),
        "visits": PairingVisit.objects.filter(pairing__area_id__in=areas).count(),
    }


# ------------------------------------------------------------------------------------------------ the cast


def _context(rng, year, city) -> Context | None:
    communities = list(
        AdminArea.objects.filter(pk__in=area_subtree_ids([city]), level=AdminArea.Level.VILLAGE).order_by(
            "code"
        )
    )
    if not communities:
        return None
    worker = {}
    for staff in (
        Staff.objects.filter(roles__code=Role.GRID_LEADER, units__kind=Unit.Kind.COMMUNITY)
        .select_related("user")
        .prefetch_related("units")
        .order_by("user__username")
    ):
        for unit in staff.units.all():
            if unit.area_id:
                worker.setdefault(unit.area_id, staff.user)
    member1 = PartyMember.objects.filter(phone=MEMBER1_PHONE).select_related("residence_grid").first()
    focus = None
    if member1 is not None and member1.residence_grid_id:
        focus = next((c for c in communities if c.pk == member1.residence_grid.community_id), None)
    focus = focus or communities[min(1, len(communities) - 1)]
    others = [c for c in communities if c != focus]
    villages = [c for c in others if c.is_village] or others or [focus]
    people = _People(rng)
    people.phones |= {VOLUNTEER1_PHONE, RESIDENT1_PHONE} | set(
        PartyMember.objects.exclude(phone="").values_list("phone", flat=True)
    )
    return Context(
        rng=rng,
        year=year,
        city=city,
        communities=communities,
        worker=worker,
        focus=focus,
        village=villages[0],
        people=people,
        member1=member1,
    )


# ------------------------------------------------------------------------------------------- registrations

SKILLS = [
    "医疗护理",
    "法律咨询",
    "水电维修",
    "文艺宣传",
    "电脑网络",
    "心理疏导",
    "驾驶",
    "理发",
    "家电维修",
    "",
]
SERVICE_KINDS = ["关爱老人", "环境整治", "政策宣传", "矛盾调解", "助学辅导", "文明劝导", "平安巡逻"]
POSTS = ["楼道长", "单元长", "文明劝导员", "平安巡逻员", "政策宣传员", ""]


def _registrations(ctx: Context) -> None:
    """Most in-service members report to their residence community early in the year; some lapse or move.
    The focus community's members go through the services, the rest in bulk."""
    rng, year = ctx.rng, ctx.year
    by_pk = {c.pk: c for c in ctx.communities}
    members = list(
        PartyMember.objects.filter(
            status=PartyMember.Status.ACTIVE, in_service=True, joined_on__lte=year.today
        )
        .select_related("residence_grid")
        .order_by("pk")
    )
    grids = {}
    for member in members:
        if member.residence_grid_id:
            grids.setdefault(member.residence_grid.community_id, set()).add(member.residence_grid)
    rows = []
    for member in members:
        community = by_pk.get(member.residence_grid.community_id) if member.residence_grid_id else None
        if community is None:
            community = rng.choice(ctx.communities)  # organs' members: the register has no residence grid
        is_member1 = member.pk == getattr(ctx.member1, "pk", None)
        if not is_member1 and rng.random() > 0.86:
            continue
        registered = year.at(rng.uniform(0, 0.25) if rng.random() < 0.8 else rng.uniform(0.25, 0.9))
        if community == ctx.focus and (is_member1 or len(ctx.keen) < 12):
            _register_by_service(ctx, member, community, registered, is_member1)
            continue
        reg = Registration(
            member=member,
            community=community,
            registered_on=registered.date(),
            skills=rng.choice(SKILLS),
            service_kinds="、".join(rng.sample(SERVICE_KINDS, 2)),
        )
        roll = rng.random()
        if roll < 0.82:
            reg.state = Registration.State.ACTIVE
            reg.activated_on = year.at(year.fraction_of(registered) + gap(rng.uniform(1, 10))).date()
            if member.residence_grid_id and member.residence_grid.community_id == community.pk:
                reg.grid = member.residence_grid
            reg.post = rng.choice(POSTS)
        elif roll < 0.92:
            ended = year.at(year.fraction_of(registered) + gap(rng.uniform(20, 200))).date()
            reg.state = rng.choice([Registration.State.LAPSED] * 3 + [Registration.State.MOVED])
            reg.ended_on = ended
            reg.end_reason = "未按时到社区报到服务" if reg.state == "lapsed" else "搬离本社区"
        rows.append(reg)
        ctx.registered.setdefault(community.pk, []).append(member)
    Registration.objects.bulk_create(rows, batch_size=1000)
    # Organisations report to a community: the departments' and utilities' branches, one community each.
    orgs = list(
        PartyOrg.objects.filter(
            kind=PartyOrg.Kind.BRANCH,
            setup__in=[PartyOrg.Setup.ORGAN, PartyOrg.Setup.TWO_NEW],
            unit__isnull=False,
        ).order_by("code")
    )
    for index, org in enumerate(orgs):
        community = ctx.communities[index % len(ctx.communities)]
        eng.register_org(
            actor=ctx.actor(community),
            org=org,
            community=community,
            contact_name=_name(rng),
            contact_phone=ctx.people.phone(),
            service_kinds="、".join(rng.sample(SERVICE_KINDS, 2)),
            on=year.day(rng.uniform(0, 0.15)),
        )


def _register_by_service(ctx, member, community, registered, is_member1) -> None:
    rng, year = ctx.rng, ctx.year
    actor = ctx.actor(community)
    reg = eng.register_member(
        actor=actor,
        member=member,
        community=community,
        skills=rng.choice(SKILLS),
        service_kinds="、".join(rng.sample(SERVICE_KINDS, 2)),
        on=registered.date(),
    )
    grid = member.residence_grid if member.residence_grid_id else None
    eng.registration_assign(actor=actor, registration=reg, grid=grid, post=rng.choice(POSTS[:-1]))
    eng.registration_activate(
        actor=actor, registration=reg, on=year.at(year.fraction_of(registered) + gap(3)).date()
    )
    ctx.registered.setdefault(community.pk, []).append(member)
    if is_member1:
        return
    if len(ctx.keen) == 10:  # one moved away in the year, one is still waiting to be placed
        eng.registration_end(
            actor=actor,
            registration=reg,
            state=Registration.State.MOVED,
            reason="搬离本社区，已到新居住地社区报到",
            on=year.at(year.fraction_of(registered) + gap(40)).date(),
        )
        ctx.registered[community.pk].remove(member)
    ctx.keen.append(member)


# ------------------------------------------------------------------------------------------------- wishes

WISHES = [
    ("为独居老人更换楼道灯泡", "老人行动不便，楼道灯坏了一个多月"),
    ("希望有人辅导孩子暑假作业", "父母在外务工，孩子上小学四年级"),
    ("需要一台二手轮椅", "老人腿脚不便，外出就医困难"),
    ("想要一套课外读物", "孩子喜欢看书，家里没有课外书"),
    ("帮忙修理漏水的水龙头", "厨房水龙头一直滴水"),
    ("陪伴空巢老人聊聊天", "子女在外地，老人希望每周有人来看看"),
    ("为留守儿童购买新书包", "书包已经用了三年，破了"),
    ("帮忙代购降压药", "老人独居，每月需要到医院开药"),
    ("希望学会使用智能手机", "想学会视频通话和网上缴费"),
    ("需要一台电风扇", "夏天家里太热，老人身体不好"),
    ("帮助清理房前屋后杂物", "年纪大了搬不动"),
    ("为残疾人家庭安装扶手", "卫生间需要安装扶手防滑"),
]
NEEDS = [
    ("小区增设电动车充电桩", NeedItem.Source.RESIDENT),
    ("老年人助餐服务", NeedItem.Source.DELIBERATION),
    ("儿童课后托管", NeedItem.Source.GRID),
    ("背街小巷路灯维修", NeedItem.Source.HOTLINE),
    ("独居老人定期探访", NeedItem.Source.VISIT),
]
# The focus community shows every state; the others mostly finished ones.
FOCUS_PLAN = [
    "closed",
    "closed",
    "closed",
    "closed",
    "confirmed",
    "fulfilled",
    "fulfilled",
    "claimed",
    "published",
    "published",
    "verified",
    "collected",
    "cancelled",
    "expired",
]
OTHER_PLAN = ["closed", "closed", "confirmed", "fulfilled", "claimed", "published", "collected"]
ORDER = ["collected", "verified", "published", "claimed", "fulfilled", "confirmed", "closed"]


def _wishes(ctx: Context) -> None:
    rng = ctx.rng
    resident = ctx.resident
    for community in ctx.communities:
        actor = ctx.actor(community)
        for title, source in rng.sample(NEEDS, 2):
            eng.need_add(
                actor=actor,
                community=community,
                source=source,
                title=title,
                person_name=_name(rng),
                person_phone=ctx.people.phone(),
                on=ctx.year.day(rng.uniform(0.05, 0.9)),
            )
        focus = community == ctx.focus
        plan = FOCUS_PLAN if focus else rng.sample(OTHER_PLAN, 3)
        start_fracs = sorted(rng.uniform(0.02, 0.75) for _ in plan)
        members = [
            m for m in ctx.registered.get(community.pk, []) if m.pk != getattr(ctx.member1, "pk", None)
        ]
        keen = list(ctx.keen) if focus else []
        for index, (target, start) in enumerate(zip(plan, start_fracs, strict=True)):
            title, content = WISHES[(index + community.pk) % len(WISHES)]
            claimer = None
            if target in ("closed", "confirmed", "fulfilled") and keen:
                claimer = ("member", keen.pop(0))
            elif members:
                claimer = ("member", rng.choice(members))
            owner = None
            if focus and resident and target in ("fulfilled", "closed", "collected") and index in (0, 5, 11):
                owner = resident
            if focus and target == "claimed" and ctx.member1 is not None:
                claimer = ("member", ctx.member1)
            if focus and target == "closed" and index == 1 and ctx.member1 is not None:
                claimer = ("member", ctx.member1)
            if target in ("published", "verified", "collected") or target == "claimed":
                start = max(start, 0.75 + 0.02 * index / len(plan))  # still open: recent
            _one_wish(ctx, community, actor, title, content, target, start, claimer, owner)
        if focus:
            _wish_from_ticket(ctx, community, actor)


def _one_wish(ctx, community, actor, title, content, target, start, claimer, owner) -> None:
    rng, year = ctx.rng, ctx.year
    name, phone = (owner[0], owner[1]) if owner else (_name(rng), ctx.people.phone())
    f = start
    wish = eng.wish_collect(
        actor=None if owner else actor,
        community=community,
        source=NeedItem.Source.RESIDENT if owner else rng.choice(list(NeedItem.Source.values)),
        title=title,
        content=content,
        resident_name=name,
        resident_phone=phone,
        at=year.at(f),
    )
    if target == "cancelled":
        f += gap(rng.uniform(1, 4))
        eng.wish_cancel(actor=actor, wish=wish, reason="经核实已由家属解决", at=year.at(f))
        return
    steps = ORDER[: ORDER.index(target) + 1] if target != "expired" else ORDER[:3]
    for step in steps[1:]:
        f += gap(rng.uniform(1, 5))
        at = year.at(f)
        if step == "verified":
            eng.wish_verify(actor=actor, wish=wish, at=at)
        elif step == "published":
            expires = None
            if target == "expired":
                expires = at.date() + timedelta(days=min(14, max(0, (year.today - at.date()).days - 1)))
            elif target == "published":
                expires = max(year.today, at.date()) + timedelta(days=30)
            eng.wish_publish(actor=actor, wish=wish, expires_on=expires, at=at)
        elif step == "claimed":
            kind, who = claimer or ("volunteer", None)
            if kind == "member":
                eng.wish_claim(actor=None, wish=wish, member=who, at=at)
            else:
                eng.wish_claim(
                    actor=actor,
                    wish=wish,
                    volunteer_name=_name(rng),
                    volunteer_phone=ctx.people.phone(),
                    at=at,
                )
        elif step == "fulfilled":
            eng.wish_fulfil(actor=actor, wish=wish, evidence="已送达，附现场照片说明", at=at)
        elif step == "confirmed":
            eng.wish_confirm(wish=wish, phone=phone, at=at)
        elif step == "closed":
            if rng.random() < 0.6 and wish.state == MicroWish.State.FULFILLED:
                eng.wish_confirm(wish=wish, phone=phone, at=at)
                at = year.at(f + gap(1))
            eng.wish_close(actor=actor, wish=wish, at=at)
        wish.refresh_from_db()
    if target == "expired" and wish.expires_on and wish.expires_on < year.today:
        day = wish.expires_on + timedelta(days=1)
        at = min(year.now, timezone.make_aware(datetime.combine(day, time(6))))
        eng.wish_expire_due(today=day, at=at)


def _wish_from_ticket(ctx, community, actor) -> None:
    """A 12345 ticket that was a personal small wish, turned into one (with the event on the ticket)."""
    ticket = (
        Ticket.objects.filter(community=community, received_at__gte=ctx.year.start, request_type="QZ")
        .order_by("received_at", "pk")
        .first()
    )
    if ticket is None:
        return
    at = min(ticket.received_at + timedelta(hours=2), ctx.year.now)
    try:
        eng.wish_from_ticket(actor=actor, ticket=ticket, personal_small_wish=True, at=at)
    except Refusal:
        pass


# ----------------------------------------------------------------------------------------------- pairings

FINDINGS = [
    "村道路灯损坏多处，夜间出行不便",
    "排水沟堵塞，雨天积水",
    "独居老人家中电线老化",
    "村小学门口缺少减速带",
    "部分农户反映网络信号差",
    "垃圾收集点清运不及时",
    "困难家庭孩子缺少学习用品",
    "村民希望开展农业技术培训",
]
LEADERS = ["陈志国", "王海燕", "李建华"]
WED_OR_SAT = (2, 5)


def _pairings(ctx: Context) -> None:
    """Each department pairs with one 村（社区） (双联双帮) and three leaders keep in touch (挂钩联系); visits
    mostly on Wednesdays (无会日) and Saturdays; findings became needs, a wish and, lately, tickets."""
    rng, year = ctx.rng, ctx.year
    units = list(Unit.objects.filter(is_functional_department=True, is_active=True).order_by("code"))
    plans = [(Pairing.Scheme.SHUANGLIAN, unit, "") for unit in units[: len(ctx.communities)]]
    plans += [(Pairing.Scheme.GUAGOU, None, name) for name in LEADERS]
    visits = []
    for index, (scheme, unit, leader) in enumerate(plans):
        community = ctx.communities[index % len(ctx.communities)]
        actor = ctx.actor(community)
        pairing = eng.pairing_create(
            actor=actor, year=year.number, scheme=scheme, area=community, unit=unit, leader_name=leader
        )
        count = rng.randint(3, 5)
        for k in range(count):
            day = year.day((k + rng.uniform(0.1, 0.9)) / count)
            if rng.random() < 0.75:
                back = next((d for d in range(7) if (day - timedelta(days=d)).weekday() in WED_OR_SAT), 0)
                if (day - timedelta(days=back)).year == year.number:
                    day -= timedelta(days=back)
            findings = rng.sample(FINDINGS, rng.choice([0, 1, 1, 2]))
            visit = eng.visit_record(
                actor=actor,
                pairing=pairing,
                visited_on=day,
                participants=(unit.short_name or unit.name) + "党员干部" if unit else f"{leader}及随行人员",
                participant_count=rng.randint(2, 8),
                findings=findings,
            )
            visits.append((visit, actor))
    visits.sort(key=lambda pair: (pair[0].visited_on, pair[0].pk))
    with_findings = [(v, a) for v, a in visits if v.finding_items.exists()]
    recent, older = with_findings[-3:], with_findings[:-3]
    for visit, actor in recent:  # the latest findings became tickets (still being handled)
        finding = visit.finding_items.order_by("pk").first()
        staff = getattr(actor, "staff", None)
        at = min(year.now, timezone.make_aware(datetime.combine(visit.visited_on, time(17))))
        eng.finding_to_ticket(
            actor=actor, finding=finding, phone=getattr(staff, "phone", "") or ctx.people.phone(), at=at
        )
    for index, (visit, actor) in enumerate(older[::3]):
        finding = visit.finding_items.order_by("pk").first()
        if index == 1:
            eng.finding_to_wish(
                actor=actor,
                finding=finding,
                resident_name=_name(rng),
                resident_phone=ctx.people.phone(),
                at=min(year.now, timezone.make_aware(datetime.combine(visit.visited_on, time(17)))),
            )
        else:
            eng.finding_to_need(actor=actor, finding=finding, on=visit.visited_on)


def _commitments(ctx: Context) -> None:
    year = ctx.year
    pledges = ["每月参加一次社区志愿服务", "认领一个微心愿", "联系帮扶一户困难家庭", "参与一次矛盾纠纷调解"]
    for index, member in enumerate(ctx.keen[:6]):
        commitment = eng.commitment_pledge(
            actor=ctx.actor(ctx.focus),
            year=year.number,
            member=member,
            content=pledges[index % len(pledges)],
            on=year.day(0.02),
        )
        if index < 3:
            eng.commitment_decide(
                actor=ctx.actor(ctx.focus),
                commitment=commitment,
                fulfilled=index != 2,
                evidence="社区核实：已按承诺完成" if index != 2 else "社区核实：尚未完成",
                on=year.day(0.9),
            )


# ------------------------------------------------------------------------------------------------- accounts


def engagement_accounts() -> list[tuple[str, str, str, str]]:
    """What to try, found again from the data (a second run prints the same lines)."""
    rows = []
    member1 = (
        PartyMember.objects.filter(phone=MEMBER1_PHONE).select_related("residence_grid__community").first()
    )
    focus = member1.residence_grid.community if member1 and member1.residence_grid_id else None
    worker = (
        Staff.objects.filter(roles__code=Role.GRID_LEADER, units__area=focus).order_by("pk").first()
        if focus
        else None
    )
    if worker is not None:
        rows.append(
            (
                worker.user.username,
                worker.name,
                "网格长（社区工作者）：双报到、需求和微心愿、志愿活动和签到台、服务记录确认、积分审核和兑换台",
                focus.name,
            )
        )
    org = (
        Staff.objects.filter(roles__code=Role.ORGANISATION_STAFF)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if org is not None:
        rows.append(
            (
                org.user.username,
                org.name,
                "组织部工作人员：双报到覆盖（按单位、按社区）、结对和走访、共建统计、问题台账（张榜、进度审核、单位排名）",
                "市委组织部",
            )
        )
    if member1 is not None and Registration.objects.filter(member=member1).exists():
        rows.append(
            (
                "member1",
                member1.name,
                f"党员（门户“我的组织”用手机号 {MEMBER1_PHONE} + 验证码登录）：我的任务、认领微心愿；"
                "“志愿服务”报名活动、我的时长",
                member1.org.name if member1.org_id else "",
            )
        )
    volunteer = Volunteer.objects.filter(phone=VOLUNTEER1_PHONE).select_related("area").first()
    if volunteer is not None:
        rows.append(
            (
                "volunteer1",
                volunteer.name,
                f"志愿者（门户“志愿服务”用手机号 {VOLUNTEER1_PHONE} + 验证码登录）：报名活动、扫码签到、"
                "我的时长、服务证明",
                volunteer.area.name,
            )
        )
    account = PointsAccount.objects.filter(phone=RESIDENT1_PHONE).select_related("area").first()
    if account is not None:
        rows.append(
            (
                "resident1",
                account.holder_name,
                f"居民（门户用手机号 {RESIDENT1_PHONE} + 验证码登录）：“微心愿”提交和确认心愿，“志愿服务”参加活动，"
                f"“我的积分”查看积分和兑换（户编号 {account.household_code}）",
                account.area.name,
            )
        )
    return rows
