"""Points in two villages of the demo city, through the points services so that the ledger is genuine: the focus
community scores households (the template's validity, to the end of next year), the village scores persons with
a short validity, so that some of its early points have expired by now.

The ledger is written in time order: one pass over the days of the year, posting what has passed its public
notice and clearing what has expired on some mornings, then that day's claims, reviews, redemptions and
hand-overs; a redemption is refused, as it would have been, when the balance of that day is short.
"""

import heapq
import itertools
from datetime import datetime, time, timedelta

from django.utils import timezone

from civicgrid.engagement.points_link import post_for_volunteer_records
from civicgrid.points import services as points
from civicgrid.points.errors import PointsRefusal
from civicgrid.points.models import PointsAccount, PointsEntry, PointsRule, PointsScheme, RewardItem

MORNING = time(6)
ITEMS = {
    "focus": [
        ("洗衣液（2 千克）", RewardItem.Kind.GOODS, 20, 30, "椰城超市"),
        ("大米（5 千克）", RewardItem.Kind.GOODS, 40, 20, "椰城超市"),
        ("理发一次", RewardItem.Kind.SERVICE, 10, 40, "巧手理发店"),
        ("社区食堂午餐券", RewardItem.Kind.MEAL, 8, 60, "长者饭堂"),
    ],
    "village": [
        ("食用油（5 升）", RewardItem.Kind.GOODS, 30, 15, "村便民超市"),
        ("毛巾两条", RewardItem.Kind.GOODS, 6, 50, "村便民超市"),
    ],
}


def _gap(days: float) -> float:
    return days / 365


def schemes_and_accounts(ctx) -> None:
    """Both schemes from the seeded template, adopted on New Year's Day; the accounts; the catalogue."""
    year = ctx.year
    template = PointsScheme.objects.filter(area__isnull=True).order_by("pk").first()
    if template is None:
        return
    short = year.days < 30  # a squeezed January: a one-day notice, so something is posted by now
    jan1 = year.start.date()
    ctx.schemes = {}
    for key, area, holder, validity in (
        ("focus", ctx.focus, PointsScheme.Holder.HOUSEHOLD, PointsScheme.Validity.END_OF_NEXT_YEAR),
        ("village", ctx.village, PointsScheme.Holder.PERSON, PointsScheme.Validity.DAYS),
    ):
        if key == "village" and ctx.village == ctx.focus:
            continue
        scheme = points.adopt_scheme(
            area=area,
            template=template,
            decision_date=jan1,
            decision_body="村（居）民代表会议",
            decision_document=f"{area.name}{year.number}年诚信积分实施方案",
            effective_from=jan1,
            actor=ctx.actor(area),
        )
        scheme.holder_kind, scheme.validity = holder, validity
        scheme.publicity_days = 1 if short else 3
        if validity == PointsScheme.Validity.DAYS:
            # 90 days once the year is long enough for some points to have lived and died.
            scheme.validity_days = 90 if year.days >= 180 else max(1, year.days // 4)
            scheme.name = f"{area.name}志愿积分"
        scheme.save(update_fields=["holder_kind", "validity", "validity_days", "publicity_days", "name"])
        ctx.schemes[key] = scheme
    ctx.points_accounts = {"focus": [], "village": []}
    for key, area in (("focus", ctx.focus), ("village", ctx.village)):
        if key not in ctx.schemes:
            continue
        people = [(p.name, p.phone, p.member_id) for p in ctx.volunteers.get(area.pk, [])]
        people += [(_name(ctx), ctx.people.phone(), None) for _ in range(5 if key == "focus" else 4)]
        for index, (name, phone, member_id) in enumerate(people, start=1):
            account = points.open_account(
                area=area,
                holder_name=name,
                phone=phone,
                household_code=f"{area.code[-6:]}-{index:03d}" if key == "focus" else "",
                party_member_id=member_id,
                actor=ctx.actor(area),
                now=year.at(ctx.rng.uniform(0, 0.03)),
            )
            ctx.points_accounts[key].append(account)
        for name, kind, cost, stock, merchant in ITEMS[key]:
            points.add_item(
                area=area,
                name=name,
                cost=cost,
                stock=stock,
                kind=kind,
                merchant_name=merchant,
                actor=ctx.actor(area),
            )


def _name(ctx) -> str:
    from civicgrid.demo.party import _name as person

    return person(ctx.rng)


# --------------------------------------------------------------------------------------------------- ledger


class _Timeline:
    def __init__(self, year):
        self.year, self.queue, self.seq = year, [], itertools.count()

    def add(self, at: datetime, step, *args) -> None:
        if at <= self.year.now:
            heapq.heappush(self.queue, (at, next(self.seq), step, args))

    def _until(self, end: datetime) -> None:
        while self.queue and self.queue[0][0] < end:
            at, _seq, step, args = heapq.heappop(self.queue)
            step(at, *args)

    def run(self) -> None:
        year = self.year
        day = year.start.date()
        while day <= year.today:
            morning = min(year.now, timezone.make_aware(datetime.combine(day, MORNING)))
            self._until(morning)
            # The credit group posts twice a week and clears expired points on Mondays (a redemption posts
            # what is due and clears its own expired points first).
            daily = year.days < 60  # a squeezed year has no time to wait for Monday
            if daily or day.weekday() in (0, 3):
                points.post_due(now=morning)
            if daily or day.weekday() == 0:
                points.expire_due(now=morning)
            self._until(timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)))
            day += timedelta(days=1)
        points.post_due(now=year.now)
        points.expire_due(now=year.now)


def ledger(ctx) -> None:
    """Points for confirmed volunteer hours (engagement's rule), claims by the credit group, redemptions."""
    if not getattr(ctx, "schemes", None):
        return
    post_for_volunteer_records()  # publicised at each record's confirmation; posted by the timeline below
    timeline = _Timeline(ctx.year)
    for key, scheme in ctx.schemes.items():
        accounts = ctx.points_accounts[key]
        rules = {r.code: r for r in PointsRule.objects.filter(scheme=scheme)}
        _claims(ctx, timeline, key, accounts, rules)
        _redemptions(ctx, timeline, key, accounts)
    timeline.run()


def _claims(ctx, timeline, key, accounts, rules) -> None:
    rng, year = ctx.rng, ctx.year
    actor = ctx.actor(ctx.focus if key == "focus" else ctx.village)
    plans = []
    if key == "focus" and "B01" in rules:
        plans += [
            (rules["B01"], account, rng.uniform(0.005, 0.04), "入户建立诚信档案") for account in accounts
        ]
    if "P02" in rules:
        for account in accounts:
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
                plans.append((rules["P02"], account, rng.uniform(0.05, 0.99), "参加环境卫生整治，有签到记录"))
    if "P04" in rules:
        plans.append((rules["P04"], accounts[-1], rng.uniform(0.3, 0.6), "拾金不昧，归还失主钱包"))
    if "M01" in rules:
        plans += [
            (rules["M01"], account, rng.uniform(0.3, 0.9), "网格员记录：占道堆放杂物")
            for account in accounts[-2:]
        ]
    for number, (rule, account, f, evidence) in enumerate(sorted(plans, key=lambda p: p[2])):
        state = {}
        claimed = year.at(f)
        timeline.add(claimed, _claim, state, account, rule, f"{key}-{number}", evidence, actor)
        if number % 17 == 5:
            timeline.add(year.at(f + _gap(1)), _reject, state, actor)
            continue
        timeline.add(year.at(f + _gap(rng.uniform(0.5, 2))), _review, state, actor)
        timeline.add(year.at(f + _gap(rng.uniform(2.1, 3))), _publicise, state, actor)
        if number == 3:  # a double claim found after posting: reversed
            timeline.add(year.at(f + _gap(20)), _reverse, state, actor)
    _waiting(ctx, timeline, key, accounts, rules, actor)


def _waiting(ctx, timeline, key, accounts, rules, actor) -> None:
    """The review queue today: one claim just made, one reviewed, one in its public notice."""
    rule = rules.get("P04")
    if rule is None:
        return
    year = ctx.year
    hours = timedelta(hours=1)
    for number, (claimed, reviewed, publicised, evidence) in enumerate(
        (
            (2, None, None, "帮助邻居老人送医，有村委会证明"),
            (26, 3, None, "协助调解邻里纠纷，有调解记录"),
            (50, 44, 20, "台风后主动清理村道倒伏树木，有现场照片"),
        )
    ):
        state = {}
        timeline.add(
            year.at(year.ago(claimed * hours)),
            _claim,
            state,
            accounts[number],
            rule,
            f"{key}-waiting-{number}",
            evidence,
            actor,
        )
        if reviewed is not None:
            timeline.add(year.at(year.ago(reviewed * hours)), _review, state, actor)
        if publicised is not None:
            timeline.add(year.at(year.ago(publicised * hours)), _publicise, state, actor)


def _claim(at, state, account, rule, source, evidence, actor):
    try:
        state["entry"] = points.claim(
            account=account,
            rule=rule,
            source_kind="demo.claim",
            source_id=source,
            actor=actor,
            now=at,
            occurred_on=timezone.localdate(at),
            evidence=evidence,
            note=rule.name,
        )
    except PointsRefusal:
        pass  # the rule's cap for the period was reached


def _review(at, state, actor):
    if "entry" in state:
        state["entry"] = points.review(entry=state["entry"], actor=actor, now=at)


def _publicise(at, state, actor):
    if "entry" in state and state["entry"].state == PointsEntry.State.REVIEWED:
        state["entry"] = points.publicise(entry=state["entry"], actor=actor, now=at)


def _reject(at, state, actor):
    if "entry" in state:
        points.reject(entry=state["entry"], reason="照片不清晰，无法核实", actor=actor, now=at)


def _reverse(at, state, actor):
    entry = state.get("entry")
    if entry is not None:
        entry.refresh_from_db()
        if entry.state == PointsEntry.State.POSTED:
            points.reverse(entry=entry, reason="与志愿服务积分重复申报", actor=actor, now=at)


def _redemptions(ctx, timeline, key, accounts) -> None:
    rng, year = ctx.rng, ctx.year
    area = ctx.focus if key == "focus" else ctx.village
    actor = ctx.actor(area)
    items = list(RewardItem.objects.filter(area=area).order_by("cost", "pk"))
    count = 14 if key == "focus" else 6
    resident = next((a for a in accounts if ctx.resident and a.phone == ctx.resident[1]), None)
    for number in range(count):
        f = 0.25 + 0.74 * (number + rng.uniform(0.1, 0.9)) / count
        account = resident if (number == count - 1 and resident is not None) else rng.choice(accounts)
        item = rng.choice(items)
        state = {}
        at = year.at(f)
        timeline.add(at, _redeem, state, account, item, actor, accounts)
        if number == count - 1:
            continue  # reserved: waiting at the desk
        if number == 4:
            timeline.add(year.at(f + _gap(2)), _cancel, state, actor)
            continue
        timeline.add(year.at(f + _gap(rng.uniform(0.2, 3))), _fulfil, state, actor)


def _redeem(at, state, account, item, actor, accounts):
    """The chosen holder redeems, or, short of points that day, the holder with most points in the village."""
    points.post_due(now=at)
    balances = dict(
        PointsAccount.objects.filter(pk__in=[a.pk for a in accounts]).values_list("pk", "balance")
    )
    if balances.get(account.pk, 0) < item.cost:
        account = max(accounts, key=lambda a: (balances.get(a.pk, 0), -a.pk))
    try:
        state["redemption"] = points.redeem(account=account, item=item, actor=actor, now=at)
    except PointsRefusal:
        pass  # not enough points anywhere yet, or sold out


def _fulfil(at, state, actor):
    if "redemption" in state:
        points.fulfil(redemption=state["redemption"], actor=actor, now=at)


def _cancel(at, state, actor):
    if "redemption" in state:
        points.cancel_redemption(
            redemption=state["redemption"], reason="居民改换其他物品", actor=actor, now=at
        )
