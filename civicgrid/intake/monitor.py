"""Auto-dispatch keeps its promise in production, or switches itself off.

The threshold promises that suggestions at or above it are right at the target precision. Each time a
suggestion at or above the threshold has its category settled, the last `monitor_window` such
suggestions of the model are counted: kept (accepted, or dispatched automatically) or changed by the
operator. When even the one-sided 95 % Clopper-Pearson upper bound of their precision is below the
target, the model is demonstrably worse than promised: automatic dispatch is switched off, the reason
stored on the model, and the administrators told. The point estimate alone would switch an on-target
model off far too often (a third of the time for 200 suggestions at exactly 98 %).
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.intake import classifier
from civicgrid.intake.models import IntakeModel, Suggestion
from civicgrid.notify.services import notify
from civicgrid.registry.models import Role

Outcome = Suggestion.Outcome
KEPT = (Outcome.ACCEPTED, Outcome.AUTO)
SETTLED = (*KEPT, Outcome.CHANGED)


@dataclass(frozen=True)
class Verdict:
    kept: int
    settled: int
    target: float

    @property
    def precision(self) -> float | None:
        return self.kept / self.settled if self.settled else None

    @property
    def upper(self) -> float:
        return float(classifier.precision_upper(self.kept, self.settled))

    @property
    def below_target(self) -> bool:
        """Worse than promised with 95 % confidence."""
        return self.settled > 0 and self.upper < self.target


def verdict(model: IntakeModel) -> Verdict:
    """The model's last `monitor_window` settled suggestions at or above its current threshold."""
    outcomes = []
    if model.threshold is not None:
        outcomes = list(
            Suggestion.objects.filter(
                model=model, outcome__in=SETTLED, category__isnull=False, confidence__gte=model.threshold
            )
            .order_by("-decided_at", "-pk")
            .values_list("outcome", flat=True)[: model.monitor_window]
        )
    kept = sum(outcome in KEPT for outcome in outcomes)
    return Verdict(kept=kept, settled=len(outcomes), target=model.target_precision)


def suggestion_settled(suggestion: Suggestion, *, at: datetime | None = None) -> Verdict | None:
    """Called in the transaction that settles a suggestion's category: re-judge the model when the
    suggestion counts towards its window and auto-dispatch is on. Returns the verdict, if judged."""
    if not suggestion.confident:
        return None  # it was never a candidate for automatic dispatch
    model = suggestion.model
    if not model.auto_dispatch or model.threshold is None or suggestion.confidence < model.threshold:
        return None
    if suggestion.outcome not in SETTLED or suggestion.category_id is None:
        return None
    found = verdict(model)
    if found.below_target:
        switch_off(model, found, at=at)
    return found


@transaction.atomic
def switch_off(model: IntakeModel, found: Verdict, *, at: datetime | None = None) -> bool:
    """Turn automatic dispatch off with the reason, once (a racing settlement finds it already off)."""
    at = at or timezone.now()
    reason = (
        f"最近 {found.settled} 条达到阈值的建议中只有 {found.kept} 条分类被采纳"
        f"（准确率 {found.precision:.1%}，95% 置信上限 {found.upper:.1%}），"
        f"低于承诺的 {found.target:.0%}，自动派单已于 {timezone.localtime(at):%Y-%m-%d %H:%M} 自动关闭。"
        "请检查近期被改动的建议，重新训练或提高阈值后再开启。"
    )
    switched = IntakeModel.objects.filter(pk=model.pk, auto_dispatch=True).update(
        auto_dispatch=False, auto_dispatch_off_reason=reason, auto_dispatch_off_at=at
    )
    if not switched:
        model.auto_dispatch = False  # someone switched it off first; a caller holding this row must see it
        return False
    model.auto_dispatch, model.auto_dispatch_off_reason, model.auto_dispatch_off_at = False, reason, at
    record_event(
        actor=None,
        action="intake.auto_dispatch_off",
        target=model,
        summary=f"模型 {model.name} 的自动派单准确率低于目标，已自动关闭",
        kept=found.kept,
        settled=found.settled,
        upper=round(found.upper, 4),
        target_precision=found.target,
    )
    administrators = get_user_model().objects.filter(is_active=True, staff__roles__code=Role.ADMINISTRATOR)
    notify(
        recipients=list(administrators.distinct()),
        kind="intake_auto_dispatch_off",
        title=f"智能派单已自动关闭：模型 {model.name} 准确率低于目标",
        body=reason,
        at=at,
    )
    return True
