"""Deliberation in the demo city, for the year so far: topics in every state from every source, one 四议两公开 in
a village with all six steps, one still under way, and a drain case like 东风社区's in Danzhou (a collapsed drain
behind a compound, decided by the community's 议事会, paid by the town), some sent from tickets, one
resolution set going as a ticket and one (when demo.ledgers has built this year's campaign) as a ledger item.

A dozen topics go through the real services (states, gates, quorum checks and audit rows are genuine); nothing
is bulk-made. Built once: a second run finds topics in the city and changes nothing.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services as delib
from civicgrid.deliberation.models import FourTwoStep, Participant, Topic
from civicgrid.demo.year import Year
from civicgrid.engagement.models import PairingVisit
from civicgrid.ledgers.models import Campaign
from civicgrid.party.models import PartyOrg
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import AdminArea, Role, Staff, Unit
from civicgrid.tickets.models import Ticket

RESIDENT_PHONE = "13907550103"  # demo.engagement's resident1: her proposal shows on /deliberation/mine/
S = Topic.State
Step = FourTwoStep.Step
ORDER = [S.ACCEPTED, S.NOTIFIED, S.DELIBERATED, S.PUBLICISED, S.IMPLEMENTING, S.DONE, S.FED_BACK]

DRAIN = (
    "由镇政府出资疏通被堵塞的排污水沟，清理整段水沟污物，加固水沟边坡，重新预制混凝土盖板，"
    "对裸露水沟段封盖处理。"
)


@dataclass
class DeliberationDemoResult:
    created: bool
    counts: dict = field(default_factory=dict)


def counts(areas) -> dict:
    rows = Topic.objects.filter(area_id__in=areas)
    return {"topics": rows.count(), "states": rows.values("state").distinct().count()}


class _Walker:
    def __init__(self, year: Year):
        self.year = year

    def day(self, fraction: float):
        return self.year.day(fraction)

    def walk(
        self, topic: Topic, to: str, start: float, *, span: float = 0.2, steps=None, **resolution
    ) -> Topic:
        """Take `topic` (collected) through the states to `to`, dated from `start` over `span` of the year so far;
        a 四议两公开 topic records its steps where they belong. The last state lands on today when `span` reaches 1."""
        if to == S.COLLECTED:
            return topic
        if to == S.DECLINED:
            return delib.topic_decline(
                actor=SYSTEM, topic=topic, reason="属于司法程序处理事项，已告知依法申请", on=self.day(start)
            )
        target = ORDER.index(to)
        marks = [min(start + span * i / 7, 1.0) for i in range(8)]
        topic = delib.topic_accept(actor=SYSTEM, topic=topic, on=self.day(marks[0]))
        four_two = topic.is_four_two
        if four_two:
            self._step(topic, Step.PROPOSE, marks[0])
            self._step(topic, Step.CONSULT, marks[0])
        for name in ("利益相关方代表", "居民代表", "镇城建办技术员")[: 3 if target >= 1 else 0]:
            kind = {
                "利益相关方代表": Participant.Kind.STAKEHOLDER,
                "居民代表": Participant.Kind.REPRESENTATIVE,
                "镇城建办技术员": Participant.Kind.EXPERT,
            }[name]
            delib.participant_add(actor=SYSTEM, topic=topic, kind=kind, name=name)
        if target < 1:
            return topic
        meeting = self.day(marks[2]) if target >= 2 else self.year.today + timedelta(days=5)
        topic = delib.topic_notify(
            actor=SYSTEM,
            topic=topic,
            meeting_on=meeting,
            place=resolution.pop("place", "议事厅"),
            on=self.day(marks[1]),
        )
        if four_two:
            self._step(topic, Step.MEMBERS, marks[1], expected=36, present=29, votes_for=26, votes_against=1)
            if target >= 2:
                self._step(
                    topic, Step.RESOLVE, marks[2], expected=45, present=38, votes_for=35, votes_against=2
                )
        if target < 2:
            return topic
        present = list(topic.participants.values_list("pk", flat=True))
        delib.attendance_record(
            actor=SYSTEM, topic=topic, attended_ids=present[:-1] if len(present) > 2 else present
        )
        topic = delib.topic_deliberate(actor=SYSTEM, topic=topic, on=self.day(marks[2]), **resolution)
        if target < 3:
            return topic
        if four_two:
            self._step(topic, Step.RESOLUTION_PUBLIC, marks[3])
        topic = delib.topic_publicise(actor=SYSTEM, topic=topic, on=self.day(marks[3]))
        if target < 4:
            return topic
        topic = delib.topic_implement(actor=SYSTEM, topic=topic, on=self.day(marks[4]))
        if target < 5:
            return topic
        topic = delib.topic_done(actor=SYSTEM, topic=topic, on=self.day(marks[5]))
        if target < 6:
            return topic
        if four_two:
            self._step(topic, Step.RESULT_PUBLIC, marks[6])
        return delib.topic_feed_back(
            actor=SYSTEM, topic=topic, feedback="已按决议落实，在公示栏和居民群反馈。", on=self.day(marks[6])
        )

    def _step(self, topic, step, fraction, **figures):
        delib.step_record(actor=SYSTEM, topic=topic, step=step, on=self.day(fraction), **figures)


def _grid_leader(area: AdminArea):
    staff = (
        Staff.objects.filter(roles__code=Role.GRID_LEADER, units__area=area, units__kind=Unit.Kind.COMMUNITY)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return (staff.user, getattr(staff, "phone", "")) if staff is not None else (None, "")


def build(*, city: AdminArea, log=print) -> DeliberationDemoResult:
    areas = area_subtree_ids([city])
    if Topic.objects.filter(area_id__in=areas).exists():
        log("协商议事数据已存在，不重复生成。")
        return DeliberationDemoResult(created=False, counts=counts(areas))
    communities = list(AdminArea.objects.filter(pk__in=areas, level=AdminArea.Level.VILLAGE).order_by("code"))
    if not communities:
        log("示范城市没有村（社区），不生成协商议事数据。")
        return DeliberationDemoResult(created=False)
    urban = [c for c in communities if not c.is_village] or communities
    villages = [c for c in communities if c.is_village] or communities
    year = Year.so_far()
    w = _Walker(year)
    with transaction.atomic():
        _build(w, year, urban, villages)
    found = counts(areas)
    log(f"协商议题 {found['topics']} 个（{found['states']} 种状态），含四议两公开和决议转办工单")
    return DeliberationDemoResult(created=True, counts=found)


def _propose(year, area, title, source, fraction, **fields):
    return delib.topic_propose(
        actor=SYSTEM, area=area, title=title, source=source, at=year.at(fraction), **fields
    )


def _build(w: _Walker, year: Year, urban, villages):
    drain_area = urban[0]
    town = drain_area.parent
    town_unit = Unit.objects.filter(area=town).order_by("code").first() if town is not None else None
    tickets = list(
        Ticket.objects.filter(community=drain_area, received_at__lte=year.now).order_by("received_at")[:1]
    ) + list(
        Ticket.objects.filter(community__in=urban[1:] or urban, received_at__lte=year.now).order_by(
            "-received_at"
        )[:1]
    )

    # 东风社区-like: a collapsed drain behind a compound; from a ticket when there is one; paid by the town.
    drain = _propose(
        year,
        drain_area,
        "凯源小区二街水沟坍塌堵塞",
        Topic.Source.HOTSPOT if tickets else Topic.Source.GRID_WORKER,
        0.05,
        description="挖掘机施工压坏水沟，约60米水沟坍塌、堵塞，消防通道污水横流，影响附近100多户居民。",
        level=Topic.Level.COMPOUND,
        tickets=tickets[:1],
    )
    w.walk(
        drain,
        S.FED_BACK,
        0.06,
        span=0.3,
        place=f"{drain_area.name}党群服务中心",
        resolution=DRAIN,
        votes_for=17,
        votes_against=0,
        votes_abstain=1,
        owner_unit=town_unit,
        owner_name="" if town_unit else "镇人民政府",
        deadline=year.day(0.3),
        funding_amount=Decimal("86000.00"),
        funding_source="镇财政",
    )

    if not villages[0].is_village:  # no village in this city: 四议两公开 is for villages only
        villages = []
    _four_two(w, year, villages)
    _every_state(w, year, urban, villages, tickets)


def _four_two(w: _Walker, year: Year, villages):
    if not villages:
        return
    village = villages[0]
    road = _propose(
        year,
        village,
        "村道硬化及排水沟建设",
        Topic.Source.PARTY_ORG,
        0.1,
        description="村内主干道雨天泥泞，排水不畅，群众多次反映。",
        form=Topic.Form.FOUR_TWO,
        party_org=PartyOrg.objects.filter(area=village).order_by("code").first(),
    )
    if road.party_org is None:
        road.source = Topic.Source.GRID_WORKER
        road.save(update_fields=["source"])
    w.walk(
        road,
        S.FED_BACK,
        0.11,
        span=0.5,
        place="村委会会议室",
        resolution="村道硬化1.2公里，两侧修建排水沟；申请一事一议财政奖补，不足部分由村集体经济补足。",
        owner_name="村委会",
        deadline=year.day(0.7),
        funding_amount=Decimal("420000.00"),
        funding_source="一事一议财政奖补、村集体经济",
    )
    # a second 四议两公开, under way: the party members' meeting held, the villagers' meeting to come.
    pond = _propose(
        year, villages[-1], "村集体鱼塘发包方案", Topic.Source.GRID_WORKER, 0.8, form=Topic.Form.FOUR_TWO
    )
    w.walk(pond, S.NOTIFIED, 0.85, span=0.1, place="村委会会议室")


def _every_state(w: _Walker, year: Year, urban, villages, tickets):
    """One topic in every other state, across the communities; those on the portal now end today."""
    visit = PairingVisit.objects.filter(pairing__area__in=urban + villages).order_by("visited_on").first()
    plan = [
        (
            S.COLLECTED,
            "小区增设电动车充电桩",
            Topic.Source.RESIDENT,
            0.95,
            {"proposer_name": "林秀英", "proposer_phone": RESIDENT_PHONE},
        ),
        (S.ACCEPTED, "农贸市场周边占道经营整治", Topic.Source.GRID_WORKER, 0.9, {}),
        (
            S.DECLINED,
            "邻里宅基地界址纠纷",
            Topic.Source.RESIDENT,
            0.4,
            {"proposer_name": "王德发", "proposer_phone": "13907550190"},
        ),
        (S.NOTIFIED, "老旧小区加装电梯费用分摊", Topic.Source.GRID_WORKER, 0.92, {"form": Topic.Form.OWNERS}),
        (
            S.DELIBERATED,
            "背街小巷路灯维修",
            Topic.Source.VISIT if visit else Topic.Source.GRID_WORKER,
            0.6,
            {"visit": visit},
        ),
        (S.PUBLICISED, "社区停车位划分方案", Topic.Source.GRID_WORKER, 0.7, {"form": Topic.Form.HEARING}),
        (
            S.IMPLEMENTING,
            "垃圾分类投放点选址",
            Topic.Source.HOTSPOT,
            0.5,
            {"tickets": tickets[1:2], "form": Topic.Form.ONLINE},
        ),
        (S.DONE, "健身广场噪音扰民公约", Topic.Source.GRID_WORKER, 0.3, {"level": Topic.Level.GRID}),
    ]
    for index, (state, title, source, fraction, fields) in enumerate(plan):
        area = urban[index % len(urban)]
        if source == Topic.Source.VISIT:
            area = visit.pairing.area
        topic = _propose(year, area, title, source, fraction, **fields)
        start = fraction + 0.001
        if state in (S.PUBLICISED, S.NOTIFIED):  # the notice or the result on the portal now
            span = (1.0 - start) * 7 / ORDER.index(state)
        else:
            span = min(0.2, 1.0 - start)
        topic = w.walk(
            topic,
            state,
            start,
            span=span,
            place=f"{area.name}议事厅",
            resolution=f"经协商，{title}按多数意见实施，由社区居委会牵头落实。",
            votes_for=12,
            votes_against=2,
            votes_abstain=1,
            owner_name="社区居委会",
        )
        if state == S.PUBLICISED:
            campaign = Campaign.objects.filter(year=year.number).order_by("code").first()
            if campaign is not None:  # demo.ledgers ran first: the resolution joins this year's ledger
                delib.resolution_to_ledger(actor=SYSTEM, topic=topic, campaign=campaign, at=year.now)
        if state == S.IMPLEMENTING:
            actor, phone = _grid_leader(area)
            if actor is not None and phone:
                delib.resolution_to_ticket(
                    actor=actor,
                    topic=topic,
                    title=f"落实协商决议：{title}",
                    content="按协商决议设置垃圾分类投放点并做好清运衔接。",
                    phone=phone,
                    at=year.at(min(fraction + 0.2, 1.0)),
                )
