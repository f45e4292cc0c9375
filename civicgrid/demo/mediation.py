"""人民调解 in the demo city: a committee in a village and one in an urban community, with their rolls (one
mediator on the community's roll signs in: the community's 网格长), and cases in every state through the services,
one of them referred from a 12345 neighbour-dispute ticket (which then waits, its clocks paused). Built once: a second
run finds the committees and changes nothing. The rolls go in with bulk_create; the ten cases through the services.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.idnumbers import FEMALE, MALE
from civicgrid.demo import names
from civicgrid.demo.engagement import RESIDENT1_PHONE
from civicgrid.mediation import services
from civicgrid.mediation.models import Case, Committee, FollowUp, Mediator
from civicgrid.notify.services import historical
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import AdminArea, Role, Staff, Unit
from civicgrid.tickets.models import HANDLING_STATUSES, Ticket

K, P = Mediator.Kind, Mediator.Post
ROLL = [  # post, kind, gender, minority
    (P.CHAIR, K.FULL_TIME, MALE, False),
    (P.VICE, K.PART_TIME, FEMALE, False),
    (P.MEMBER, K.PART_TIME, MALE, True),
    (P.MEMBER, K.PART_TIME, FEMALE, False),
    (P.MEDIATOR, K.FULL_TIME, MALE, False),
    (P.MEDIATOR, K.ELDER, MALE, False),
]
DISPUTES = [
    (
        "neighbour",
        "楼上漏水引发邻里纠纷",
        "楼上住户卫生间防水层老化，漏水到楼下，双方就维修费用多次争执。",
        "维修费用承担",
    ),
    (
        "family",
        "赡养老人纠纷",
        "老人有三个子女，就每月赡养费分担和轮流照料发生矛盾。",
        "赡养费分担、照料安排",
    ),
    ("land", "宅基地界址纠纷", "两户相邻建房，就围墙位置和宅基地界址发生争议。", "界址位置"),
    ("contract", "槟榔收购款纠纷", "收购商拖欠农户槟榔收购款，农户多次催讨未果。", "欠款数额和支付时间"),
    ("damages", "家禽损毁菜地纠纷", "邻居放养的鸡鸭多次进入菜地，造成蔬菜损失。", "损失赔偿"),
    (
        "property",
        "物业费纠纷",
        "业主以电梯长期故障为由拒交物业费，物业公司要求补交。",
        "物业费补交和电梯维修",
    ),
    ("labour", "务工工资纠纷", "村民在附近工地务工，包工头以工程款未结为由拖欠工资。", "工资支付"),
    ("neighbour", "噪音扰民纠纷", "楼下商铺夜间经营噪音较大，楼上居民多次投诉。", "营业时间和降噪措施"),
    ("family", "婚姻家庭纠纷", "夫妻因家务和子女教育问题长期争吵，一方提出离婚。", "家庭关系修复"),
    ("other", "停车位纠纷", "小区居民就公共停车位占用发生争执。", "停车位使用规则"),
]


def build(*, city: AdminArea, seed: int = 2026, log=print) -> dict:
    areas = area_subtree_ids([city])
    if Committee.objects.filter(area_id__in=areas).exists():
        log("人民调解数据已存在，不重复生成。")
        return {"created": False}
    villages = list(AdminArea.objects.filter(pk__in=areas, level=AdminArea.Level.VILLAGE).order_by("code"))
    village = next((a for a in villages if a.is_village), None)
    community = next((a for a in villages if not a.is_village), None)
    chosen = [a for a in (village, community) if a is not None] or villages[:2]
    if not chosen:
        log("示范城市没有村（社区），不生成人民调解数据。")
        return {"created": False}
    rng = random.Random(seed + 37)
    now = timezone.now()
    today = timezone.localtime(now).date()
    with historical(), transaction.atomic():
        committees = [
            Committee(
                area=area,
                name=f"{area.name}人民调解委员会",
                established_on=date(2018, 3, 1),
                phone=f"0898-6{rng.randint(1000000, 9999999)}",
                address=f"{area.name}党群服务中心",
            )
            for area in chosen
        ]
        committees = Committee.objects.bulk_create(committees)
        rolls = {}
        for committee in committees:
            login = _grid_leader(committee.area)
            rows = []
            for i, (post, kind, gender, minority) in enumerate(ROLL):
                rows.append(
                    Mediator(
                        committee=committee,
                        name=_name(rng),
                        phone=f"139{rng.randint(10000000, 99999999)}",
                        gender=gender,
                        is_minority=minority,
                        kind=kind,
                        post=post,
                        joined_on=date(2021, 4, 1),
                        user=login if i == 0 else None,
                    )
                )
            rolls[committee.pk] = Mediator.objects.bulk_create(rows)
        made = _cases(rng, committees, rolls, today, now)
    log(
        f"人民调解委员会 {len(committees)} 个，调解员 {sum(len(r) for r in rolls.values())} 人，调解案件 {made} 件"
    )
    return {"created": True, "committees": len(committees), "cases": made}


def _name(rng) -> str:
    return rng.choice(names.SURNAMES) + "".join(rng.choice(names.GIVEN) for _ in range(rng.choice((1, 2))))


def _grid_leader(area):
    staff = (
        Staff.objects.filter(roles__code=Role.GRID_LEADER, units__kind=Unit.Kind.COMMUNITY, units__area=area)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return staff.user if staff else None


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _cases(rng, committees, rolls, today: date, now: datetime) -> int:
    """Ten cases, one per state (and a re-mediated one), spread over the last few months."""
    plan = [
        "registered",
        "declined",
        "accepted",
        "mediating",
        "agreement",
        "failed",
        "performing",
        "followed_up",
        "closed",
        "remediated",
    ]
    made = 0
    for i, target in enumerate(plan):
        committee = committees[i % len(committees)]
        kind, title, facts, matters = DISPUTES[i]
        start = today - timedelta(days=10 + 9 * (len(plan) - i))
        parties = [
            {
                "name": _name(rng),
                "phone": f"138{rng.randint(10000000, 99999999)}",
                "address": committee.area.name,
            },
            {
                "name": _name(rng),
                "phone": f"137{rng.randint(10000000, 99999999)}",
                "address": committee.area.name,
            },
        ]
        if target == "registered":  # resident1's own application on the portal, waiting to be accepted
            case = services.case_apply(
                phone=RESIDENT1_PHONE,
                committee=committee,
                dispute_type=kind,
                title=title,
                facts=facts,
                name=parties[0]["name"],
                respondent=parties[1]["name"],
                address=committee.area.name,
                at=_moment(start),
            )
        else:
            case = services.case_register(
                actor=SYSTEM,
                committee=committee,
                source=rng.choice(["screening", "grid", "police", "court"]),
                dispute_type=kind,
                title=title,
                facts=facts,
                matters=matters,
                parties=parties,
                at=_moment(start),
            )
        made += 1
        _advance(case, target, rolls[committee.pk], start, today, now)
    made += _from_ticket(committees, rolls, today, now)
    return made


def _advance(case, target, roll, start: date, today: date, now: datetime) -> None:
    if target == "registered":
        return
    if target == "declined":
        services.case_decline(actor=SYSTEM, case=case, reason="纠纷已由人民法院受理", at=_moment(start))
        return
    services.case_accept(actor=SYSTEM, case=case, on=start, at=_moment(start))
    services.assign_mediators(actor=SYSTEM, case=case, mediators=roll[:2], at=_moment(start))
    if target == "accepted":
        return
    services.case_start(actor=SYSTEM, case=case)
    held = min(start + timedelta(days=3), today)
    services.session_record(
        actor=SYSTEM,
        case=case,
        held_on=held,
        place=f"{case.committee.area.name}调解室",
        attendees="双方当事人、调解员",
        notes="调解员听取双方陈述，释法说理，双方各自提出解决意见。",
    )
    if target == "mediating":
        return
    if target == "failed":
        services.case_fail(
            actor=SYSTEM, case=case, reason="一方当事人拒绝继续调解", at_risk=True, at=_moment(held)
        )
        return
    signed = min(start + timedelta(days=7), today)
    services.case_agree(
        actor=SYSTEM,
        case=case,
        content="责任方一次性赔偿对方损失并负责修复，双方今后和睦相处。",
        responsibilities="责任方对损失负主要责任。",
        performance_manner="现金支付并自行修复",
        performance_deadline=min(signed + timedelta(days=14), today + timedelta(days=14)),
        signed_on=signed,
        at=_moment(signed),
    )
    if target == "agreement":
        return
    services.case_perform(actor=SYSTEM, case=case)
    if target == "performing":
        return
    visit = min(signed + timedelta(days=20), today)
    services.follow_up(
        actor=SYSTEM, case=case, on=visit, way=FollowUp.Way.PHONE, performed=True, notes="协议已履行完毕。"
    )
    if target == "followed_up":
        return
    services.case_close(actor=SYSTEM, case=case, at=now)
    if target == "remediated":
        services.case_remediate(
            actor=SYSTEM, case=case, reason="当事人反映协议未能履行，申请重新调解", at=now
        )


def _from_ticket(committees, rolls, today: date, now: datetime) -> int:
    """A neighbour-dispute ticket still being handled, referred to the committee of its community if there is one."""
    tickets = Ticket.objects.filter(status__in=HANDLING_STATUSES, paused_at__isnull=True).select_related(
        "category"
    )
    by_area = {c.area_id: c for c in committees}
    ticket = (
        tickets.filter(community_id__in=by_area)
        .filter(category__name__contains="纠纷")
        .order_by("pk")
        .first()
        or tickets.filter(category__name__contains="纠纷").order_by("pk").first()
    )
    if ticket is None:
        ticket = _dispute_ticket(committees[-1], now)
    if ticket is None:
        return 0
    committee = by_area.get(ticket.community_id, committees[-1])
    case = services.refer_ticket(
        actor=SYSTEM,
        ticket=ticket,
        committee=committee,
        dispute_type=Case.DisputeType.NEIGHBOUR,
        note="双方同意由调解委员会调解",
        at=now,
    )
    services.case_accept(actor=SYSTEM, case=case, on=today, at=now)
    services.assign_mediators(actor=SYSTEM, case=case, mediators=rolls[committee.pk][:1], at=now)
    return 1


def _dispute_ticket(committee, now: datetime):
    """When the generated tickets hold no neighbour dispute under way: one, phoned in and dispatched by hand to the
    community's office, through the tickets' own services."""
    from civicgrid.core.refusal import REFUSAL_TYPES
    from civicgrid.routing.models import Category
    from civicgrid.routing.vocabulary import RequestType
    from civicgrid.tickets import services as tickets

    dispatcher = (
        Staff.objects.filter(roles__code=Role.DISPATCHER).select_related("user").order_by("pk").first()
    )
    office = Unit.objects.filter(kind=Unit.Kind.COMMUNITY, area=committee.area).first()
    category = Category.objects.filter(name="邻里纠纷").order_by("-version").first()
    if dispatcher is None or office is None or category is None:
        return None
    try:
        with transaction.atomic():  # all or nothing: no stray half-made ticket
            ticket = tickets.ticket_register(
                actor=dispatcher.user,
                channel="phone",
                request_type=RequestType.COMPLAINT,
                title="邻居装修损坏墙体",
                content="邻居装修时凿墙，导致我家墙体开裂，协商多次未果，请求协调。",
                requester_name="符先生",
                requester_phone="13907550188",
                involved_parties="隔壁住户",
                address=committee.area.name,
                at=now - timedelta(hours=2),
            )
            tickets.ticket_accept(
                ticket=ticket, actor=dispatcher.user, category=category, at=now - timedelta(hours=2)
            )
            tickets.ticket_dispatch(
                ticket=ticket,
                actor=dispatcher.user,
                lead=office,
                reason="邻里纠纷由社区先行协调",
                at=now - timedelta(hours=1),
            )
    except REFUSAL_TYPES:
        return None
    return Ticket.objects.get(pk=ticket.pk)
