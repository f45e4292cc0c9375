"""The demo's 软弱涣散 board: a scan of the city as of today (the candidates stay on the board to be decided), and
three of them decided through the services: one confirmed and under rectification (if any, an organisation whose
secretary has a demo account, so that account sees its plan), one rectified and accepted (摘牌), one dismissed.

Built once: a second run finds the scan's audit row of the demo and changes nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from civicgrid.core.actors import SYSTEM
from civicgrid.demo.year import Year
from civicgrid.party.models import Post
from civicgrid.registry.models import AdminArea
from civicgrid.weakorgs import services
from civicgrid.weakorgs.models import Candidate, RectificationPlan


@dataclass
class WeakorgsDemoResult:
    created: bool
    candidates: int = 0
    plans: int = 0


def _plan(plan, year: Year, leader: str):
    at = year.now
    services.plan_update(
        actor=SYSTEM,
        plan=plan,
        problems="；".join(plan.candidate.reason_texts) or plan.reasons,
        measures="选优配强班子；严格落实三会一课和主题党日；按期换届；包联领导每月到村（社区）指导",
        leader_name=leader,
        leader_title="镇党委副书记",
        first_secretary="黄志远",
        due_on=year.today + timedelta(days=90),
        at=at,
    )
    for reason in plan.candidate.reason_texts[:3]:
        services.item_add(
            actor=SYSTEM, plan=plan, problem=reason[:300], measure="制定整改措施，按月销号", at=at
        )
    services.plan_approve(actor=SYSTEM, plan=plan, at=at)
    services.plan_start(actor=SYSTEM, plan=plan, at=at)
    services.note_add(actor=SYSTEM, plan=plan, text="已召开党员大会，研究整顿方案，明确责任分工。", at=at)
    return plan


def build(*, city: AdminArea, seed: int = 2026, log=print) -> WeakorgsDemoResult:
    year = Year.so_far()
    if RectificationPlan.objects.exists() or Candidate.objects.exists():
        log("软弱涣散整顿数据已存在，不重复生成。")
        return WeakorgsDemoResult(created=False)
    with transaction.atomic():
        result = services.scan(actor=SYSTEM, area=city, as_of=year.today, at=year.now)
        candidates = list(result.candidates)
        with_account = set(
            Post.objects.filter(
                post=Post.Kind.SECRETARY, member__user__isnull=False, term__is_current=True
            ).values_list("term__org_id", flat=True)
        )
        candidates.sort(key=lambda c: (c.org_id not in with_account, c.org.code))
        plans = 0
        if candidates:
            plan = services.candidate_confirm(
                actor=SYSTEM,
                candidate=candidates[0],
                year=year.number,
                batch=f"{year.number}年第一批",
                at=year.now,
            )
            _plan(plan, year, "陈海峰")
            plans += 1
        if len(candidates) > 1:
            plan = services.candidate_confirm(
                actor=SYSTEM,
                candidate=candidates[1],
                year=year.number,
                batch=f"{year.number}年第一批",
                at=year.now,
            )
            _plan(plan, year, "林晓梅")
            for item in plan.items.all():
                services.item_done(actor=SYSTEM, item=item, note="已整改到位", on=year.today, at=year.now)
            services.plan_apply(actor=SYSTEM, plan=plan, at=year.now)
            services.plan_accept(
                actor=SYSTEM, plan=plan, note="整顿到位，同意摘牌", on=year.today, at=year.now
            )
            plans += 1
        if len(candidates) > 2:
            services.candidate_dismiss(
                actor=SYSTEM, candidate=candidates[2], reason="书记已到岗，组织生活已补齐", at=year.now
            )
    log(f"软弱涣散：候选 {len(candidates)} 个，认定并制定整顿方案 {plans} 个。")
    return WeakorgsDemoResult(created=True, candidates=len(candidates), plans=plans)
