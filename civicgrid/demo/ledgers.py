"""The demo's problem ledger: one campaign, 「{year}年揭榜挂帅/查堵点」 owned by the city's 组织部, with items in every
state (proposed, listed, taken, in progress, applied for closure, closed), two overdue and one suspended, half of
those past the proposal on the public board, approved progress reports, two reports waiting in the approvals queue,
and a few items linked to the demo's tickets (one sent to the ledger as a 12345 hotspot, one raised from an item).

Written with bulk_create (about 30 items, their reports and events) to stay well inside the demo's time budget;
built once: a second run finds the campaign and changes nothing.
"""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from civicgrid.demo.year import Year
from civicgrid.ledgers.models import Campaign, ItemEvent, ItemTicket, LedgerItem, ProgressReport
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.tickets.models import Ticket

S = LedgerItem.State
SRC = LedgerItem.Source
A = ItemEvent.Action

# (problem, source, lead unit code suffix, co-unit suffixes, leader)
PROBLEMS = [
    ("老旧小区雨污分流改造推进缓慢，雨季污水外溢", SRC.SELF_FOUND, "ZJJ", ["SWJ"], "王建国（副市长）"),
    ("农贸市场周边占道经营、交通拥堵", SRC.HOTSPOT, "ZHZFJ", ["JTYSJ", "SCJGJ"], "陈海峰（副市长）"),
    ("企业开办涉及多个部门，材料重复提交", SRC.REPORTED, "SCJGJ", ["RSJ"], "林晓梅（副市长）"),
    ("农村饮水工程部分村庄水压不足", SRC.VISIT, "SWJ", ["SWJT"], "符志强（副市长）"),
    ("城区学校周边上下学时段停车难", SRC.HOTSPOT, "JTYSJ", ["GAJ", "JYJ"], "陈海峰（副市长）"),
    ("医保异地就医备案流程繁琐", SRC.REFERRED, "YBJ", [], "吴丽华（副市长）"),
    ("灵活就业人员社保参保渠道不畅", SRC.SELF_FOUND, "RSJ", ["YBJ"], "吴丽华（副市长）"),
    ("社区养老服务站点运营难以为继", SRC.DELIBERATION, "MZJ", ["WJW"], "林晓梅（副市长）"),
    ("农房报建审批时间长", SRC.REPORTED, "ZRZYJ", ["ZJJ", "NYNCJ"], "符志强（副市长）"),
    ("景区旺季厕所、停车配套不足", SRC.SELF_FOUND, "LWJ", ["JTYSJ"], "王建国（副市长）"),
    ("瓶装燃气安全隐患排查整治不到位", SRC.REFERRED, "RQGS", ["YJJ"], "陈海峰（副市长）"),
    ("夜间施工噪声投诉集中", SRC.HOTSPOT, "STHJJ", ["ZHZFJ", "ZJJ"], "王建国（副市长）"),
    ("农产品冷链物流设施不足", SRC.SELF_FOUND, "NYNCJ", [], "符志强（副市长）"),
    ("乡镇卫生院医生留不住", SRC.REPORTED, "WJW", ["RSJ"], "吴丽华（副市长）"),
    ("供电线路老化，台风季频繁停电", SRC.VISIT, "GDJ", [], "陈海峰（副市长）"),
    ("新建小区入学学位紧张", SRC.REFERRED, "JYJ", ["ZJJ"], "林晓梅（副市长）"),
    ("城乡结合部垃圾清运不及时", SRC.HOTSPOT, "ZHZFJ", [], "王建国（副市长）"),
    ("不动产登记“带押过户”办理不畅", SRC.SELF_FOUND, "ZRZYJ", [], "符志强（副市长）"),
    ("小微企业融资担保难", SRC.REPORTED, "SCJGJ", [], "林晓梅（副市长）"),
    ("防溺水警示设施缺失", SRC.VISIT, "YJJ", ["JYJ"], "陈海峰（副市长）"),
    ("公交线路覆盖不到新建园区", SRC.DELIBERATION, "JTYSJ", [], "王建国（副市长）"),
    ("电动自行车集中充电设施不足", SRC.HOTSPOT, "YJJ", ["GDJ", "ZJJ"], "陈海峰（副市长）"),
    ("渔港周边环境脏乱", SRC.SELF_FOUND, "STHJJ", ["NYNCJ"], "符志强（副市长）"),
    ("残疾人补贴申领材料多", SRC.REFERRED, "MZJ", [], "吴丽华（副市长）"),
]
# state, overdue, suspended, on_list, public, percents approved (in order), pending report percent
PLAN = [
    (S.PROPOSED, False, False, False, False, [], None),
    (S.PROPOSED, False, False, True, False, [], None),
    (S.PROPOSED, False, False, False, False, [], None),
    (S.LISTED, False, False, True, True, [], None),
    (S.LISTED, False, False, True, False, [], None),
    (S.LISTED, False, False, False, True, [], None),
    (S.TAKEN, False, False, True, True, [], None),
    (S.TAKEN, False, False, False, False, [], None),
    (S.TAKEN, False, False, True, False, [], None),
    (S.IN_PROGRESS, False, False, True, True, [20, 45, 70], None),
    (S.IN_PROGRESS, False, False, True, True, [30, 60], 80),
    (S.IN_PROGRESS, True, False, True, True, [25, 40], None),  # overdue
    (S.IN_PROGRESS, True, False, False, False, [10, 35], 50),  # overdue, progress waiting for approval
    (S.IN_PROGRESS, False, True, True, True, [15], None),  # suspended
    (S.IN_PROGRESS, False, False, False, True, [50, 85], None),
    (S.IN_PROGRESS, False, False, False, False, [40], None),
    (S.APPLIED, False, False, True, True, [50, 100], None),
    (S.APPLIED, False, False, False, False, [60, 100], None),
    (S.CLOSED, False, False, True, True, [40, 80, 100], None),
    (S.CLOSED, False, False, True, True, [50, 100], None),
    (S.CLOSED, False, False, False, True, [100], None),
    (S.CLOSED, False, False, True, False, [30, 100], None),
    (S.CLOSED, False, False, False, True, [70, 100], None),
    (S.IN_PROGRESS, False, False, True, False, [55], None),
]
ORDER = [S.PROPOSED, S.LISTED, S.TAKEN, S.IN_PROGRESS, S.APPLIED, S.CLOSED]
STEP_ACTION = {
    S.LISTED: A.LIST,
    S.TAKEN: A.TAKE,
    S.IN_PROGRESS: A.START,
    S.APPLIED: A.APPLY,
    S.CLOSED: A.CLOSE,
}


@dataclass
class LedgersDemoResult:
    created: bool
    items: int = 0


def campaign_code(year: int) -> str:
    return f"JBGS-{year}"


def build(*, city: AdminArea, seed: int = 2026, log=print) -> LedgersDemoResult:
    year = Year.so_far()
    code = campaign_code(year.number)
    if Campaign.objects.filter(code=code).exists():
        log("问题台账已存在，不重复生成。")
        return LedgersDemoResult(created=False, items=LedgerItem.objects.filter(campaign__code=code).count())
    units = {u.code.rsplit("-", 1)[-1]: u for u in Unit.objects.filter(code__startswith=f"{city.code}-")}
    owner = units.get("ZZB")
    if owner is None:
        log("示范城市没有组织部，不生成问题台账。")
        return LedgersDemoResult(created=False)
    rng = random.Random(seed + 13)
    from django.contrib.auth import get_user_model

    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["orgstaff1", "supervisor1"])
    }
    organiser = users.get("orgstaff1")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            code=code,
            name=f"{year.number}年揭榜挂帅/查堵点",
            year=year.number,
            owner_unit=owner,
            area=city,
            note="具体、有代表性、系统重要的堵点，牵头单位揭榜并签订目标责任书",
            created_at=year.at(0.0),
            created_by=organiser,
        )
        items, co_links, events, reports = [], [], [], []
        for index, ((problem, source, lead, co, leader), plan) in enumerate(zip(PROBLEMS, PLAN, strict=True)):
            state, overdue, suspended, on_list, public, percents, pending = plan
            created = year.at(0.02 + 0.01 * index)
            if overdue:
                deadline = year.today - timedelta(days=rng.randint(3, 20))
            else:
                deadline = year.today + timedelta(days=rng.randint(30, 200))
            reached = ORDER.index(state)
            item = LedgerItem(
                campaign=campaign,
                number=f"{index + 1:03d}",
                batch=1 if index < 16 else 2,
                problem=problem,
                source=source,
                on_list=on_list,
                lead_unit=units.get(lead) if reached >= 2 or index % 2 else None,
                responsible_leader=leader,
                special_team=f"{problem[:6]}工作专班" if on_list else "",
                deliverables="形成长效机制，群众满意度明显提升" if on_list else "",
                deadline=deadline,
                responsibility_letter_date=created.date() + timedelta(days=1) if reached >= 2 else None,
                is_public=public,
                state=state,
                suspended=suspended,
                suspend_reason="等待省级主管部门出台配套政策" if suspended else "",
                created_at=created,
                created_by=organiser,
                closed_on=year.today if state == S.CLOSED else None,
            )
            item._plan = (co, percents, pending, created, reached)
            items.append(item)
        LedgerItem.objects.bulk_create(items)
        span = 0.6
        for item in items:
            co, percents, pending, created, reached = item._plan
            for suffix in co:
                if suffix in units:
                    co_links.append(
                        LedgerItem.co_units.through(ledgeritem_id=item.pk, unit_id=units[suffix].pk)
                    )
            base = 0.02 + span * (int(item.number) / len(items)) * 0.3
            events.append(
                ItemEvent(
                    item=item,
                    action=A.PROPOSE,
                    note=f"来源：{item.get_source_display()}",
                    actor=organiser,
                    at=created,
                )
            )
            steps = ORDER[1 : reached + 1]
            for n, step in enumerate(steps):
                events.append(
                    ItemEvent(
                        item=item,
                        action=STEP_ACTION[step],
                        from_state=ORDER[ORDER.index(step) - 1],
                        to_state=step,
                        actor=organiser,
                        at=year.at(base + 0.05 * (n + 1)),
                    )
                )
            for n, percent in enumerate(percents):
                at = year.at(base + 0.1 + 0.12 * (n + 1))
                reports.append(
                    ProgressReport(
                        item=item,
                        percent=Decimal(percent),
                        narrative=f"按计划推进，完成{percent}%"
                        if percent < 100
                        else "各项任务已完成，申请销号",
                        status=ProgressReport.Status.APPROVED,
                        submitted_at=at,
                        decided_at=at + timedelta(hours=2),
                        approver=organiser,
                    )
                )
                events.append(
                    ItemEvent(
                        item=item, action=A.APPROVE, note=f"进度{percent}%审核通过", actor=organiser, at=at
                    )
                )
            if pending is not None:
                reports.append(
                    ProgressReport(
                        item=item,
                        percent=Decimal(pending),
                        narrative="主体工程完工，正在验收",
                        status=ProgressReport.Status.SUBMITTED,
                        submitted_at=year.at(0.97),
                    )
                )
                events.append(
                    ItemEvent(item=item, action=A.REPORT, note=f"填报进度{pending}%", at=year.at(0.97))
                )
            if item.suspended:
                events.append(
                    ItemEvent(
                        item=item,
                        action=A.SUSPEND,
                        note=item.suspend_reason,
                        actor=organiser,
                        at=year.at(0.9),
                    )
                )
        LedgerItem.co_units.through.objects.bulk_create(co_links)
        ProgressReport.objects.bulk_create(reports)
        ItemEvent.objects.bulk_create(events)
        _link_tickets(items, organiser, year)
    log(f"问题台账「{campaign.name}」：事项 {len(items)} 项")
    return LedgersDemoResult(created=True, items=len(items))


def _link_tickets(items, organiser, year) -> None:
    """Two of the demo's tickets: one sent to the ledger (the hotspot item), one raised from an item."""
    tickets = list(Ticket.objects.order_by("received_at", "pk")[:2])
    hotspot = next((i for i in items if i.source == SRC.HOTSPOT), None)
    other = next((i for i in items if i.state == S.IN_PROGRESS), None)
    links = []
    for ticket, item, direction in zip(
        tickets, [hotspot, other], [ItemTicket.Direction.SENT, ItemTicket.Direction.RAISED], strict=False
    ):
        if item is None:
            continue
        links.append(
            ItemTicket(item=item, ticket=ticket, direction=direction, linked_at=year.now, linked_by=organiser)
        )
    ItemTicket.objects.bulk_create(links)
