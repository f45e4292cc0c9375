"""Reads of the smart-intake data: suggestions for a text, and how good they turned out in production."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.intake import runtime
from civicgrid.intake.models import IntakeModel, LabelMapping, Suggestion
from civicgrid.registry.models import Grid, Unit
from civicgrid.routing.models import Category
from civicgrid.routing.route import route
from civicgrid.tickets.selectors import tickets_for

TOP_K = 3
MIN_CHARS = 4  # fewer characters say too little to classify ("漏水")


@dataclass
class Candidate:
    label: str
    confidence: float
    category: Category | None
    unit: Unit | None = None
    mode: str = ""
    reason: str = ""

    @property
    def percent(self) -> int:
        return round(100 * self.confidence)

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "category": self.category.pk if self.category else None,
            "unit": self.unit.pk if self.unit else None,
        }


@dataclass
class Proposal:
    model: IntakeModel
    candidates: list[Candidate]
    threshold: float | None

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def confident(self) -> bool:
        return (
            self.threshold is not None
            and self.best.confidence >= self.threshold
            and self.best.category is not None
        )

    @property
    def would_auto_dispatch(self) -> bool:
        return self.confident and self.model.auto_dispatch and self.best.unit is not None

    @property
    def dispatch_note(self) -> str:
        """What accepting this suggestion will lead to, in the operator's words."""
        if self.would_auto_dispatch:
            return "置信度达到阈值：保持此分类「登记并转派单」后将自动派出。"
        if not self.confident:
            return "置信度未达自动派单阈值，由派单员确认。"
        if not self.model.auto_dispatch:
            return "置信度达到阈值；自动派单未开启，由派单员派单。"
        return "置信度达到阈值，但派单规则未能确定承办单位（如尚未定位到网格），由派单员派单。"


def label_categories(model: IntakeModel) -> dict[str, Category | None]:
    rows = LabelMapping.objects.filter(model=model).select_related("category")
    return {row.label: row.category for row in rows}


def _routed(category: Category, *, grid: Grid | None, at: datetime):
    from civicgrid.tickets.models import Ticket

    probe = Ticket(category=category, grid=grid, community_id=grid.community_id if grid else None)
    return route(probe, at=at)


def propose(
    text: str, *, grid: Grid | None = None, at: datetime | None = None, k: int = TOP_K, routed: int = TOP_K
) -> Proposal | None:
    """The active model's top categories for `text`; the first `routed` of them with the unit route()
    would pick there (routing costs a few queries: recording a ticket's suggestion routes only the first).

    None when no model is active or the text is too short to say anything.
    """
    from civicgrid.core.chinese import compact

    if len(compact(text)) < MIN_CHARS:
        return None
    loaded = runtime.active()
    if loaded is None:
        return None
    row, model = loaded
    at = at or timezone.now()
    categories = label_categories(row)
    candidates = []
    for rank, (label, confidence) in enumerate(model.top(text, k=k)):
        candidate = Candidate(label=label, confidence=confidence, category=categories.get(label))
        if candidate.category is not None and rank < routed:
            decision = _routed(candidate.category, grid=grid, at=at)
            candidate.unit, candidate.mode, candidate.reason = decision.lead, decision.mode, decision.reason
        candidates.append(candidate)
    return Proposal(model=row, candidates=candidates, threshold=row.threshold)


# --- accuracy in production ------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def suggestions_for(
    user, *, date_from: date | None = None, date_to: date | None = None, model: IntakeModel | None = None
):
    """The suggestions on tickets `user` may see (SYSTEM: all), made in the period, by one model or all."""
    rows = Suggestion.objects.all()
    if user is not SYSTEM:
        rows = rows.filter(ticket__in=tickets_for(user))
    if model is not None:
        rows = rows.filter(model=model)
    if date_from is not None:
        rows = rows.filter(created_at__date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(created_at__date__lte=date_to)
    return rows


_KEPT = Q(outcome__in=[Suggestion.Outcome.ACCEPTED, Suggestion.Outcome.AUTO])
_SETTLED = Q(outcome__in=[Suggestion.Outcome.ACCEPTED, Suggestion.Outcome.AUTO, Suggestion.Outcome.CHANGED])


def accuracy(user, **period) -> dict:
    """How often people kept the suggested category and unit, over suggestions made in the period.

    top1 = kept the first category (or it was dispatched automatically); top3 = the final category was
    among the three shown; confident_precision = top1 on the suggestions over the threshold.
    """
    Outcome = Suggestion.Outcome
    totals = suggestions_for(user, **period).aggregate(
        made=Count("pk"),
        settled=Count("pk", filter=_SETTLED),
        kept=Count("pk", filter=_KEPT),
        auto=Count("pk", filter=Q(outcome=Outcome.AUTO)),
        changed=Count("pk", filter=Q(outcome=Outcome.CHANGED)),
        in_top3=Count("pk", filter=_SETTLED & Q(in_top__lte=3)),
        n_confident=Count("pk", filter=_SETTLED & Q(confident=True)),
        n_confident_kept=Count("pk", filter=_KEPT & Q(confident=True)),
        unit_settled=Count(
            "pk", filter=Q(unit_outcome__in=[Outcome.ACCEPTED, Outcome.CHANGED, Outcome.AUTO])
        ),
        unit_kept=Count("pk", filter=Q(unit_outcome__in=[Outcome.ACCEPTED, Outcome.AUTO])),
    )
    return {
        **totals,
        "top1": _rate(totals["kept"], totals["settled"]),
        "top3": _rate(totals["in_top3"], totals["settled"]),
        "confident_precision": _rate(totals["n_confident_kept"], totals["n_confident"]),
        "confident_share": _rate(totals["n_confident"], totals["settled"]),
        "unit_agreement": _rate(totals["unit_kept"], totals["unit_settled"]),
    }


def accuracy_by_category(user, **period) -> list[dict]:
    """Per suggested category: how many suggestions were settled and how many of them were kept."""
    grouped = (
        suggestions_for(user, **period)
        .filter(_SETTLED)
        .values("category__name")
        .annotate(n=Count("pk"), kept=Count("pk", filter=_KEPT))
        .order_by("-n")
    )
    return [
        {
            "category": g["category__name"] or "（未映射）",
            "n": g["n"],
            "kept": g["kept"],
            "rate": _rate(g["kept"], g["n"]),
        }
        for g in grouped
    ]


def recent_changes(user, limit: int = 20, **period):
    """The latest suggestions people overrode: what to look at when retraining."""
    rows = suggestions_for(user, **period).filter(outcome=Suggestion.Outcome.CHANGED)
    return rows.select_related("ticket", "category", "final_category").order_by("-decided_at")[:limit]


def suggestion_for(ticket) -> Suggestion | None:
    """What the model proposed for this ticket, with category names for the candidates shown."""
    suggestion = (
        Suggestion.objects.filter(ticket=ticket)
        .select_related("model", "category", "unit", "final_category")
        .first()
    )
    if suggestion is not None:
        ids = [c.get("category") for c in suggestion.candidates if c.get("category")]
        names = {c.pk: c for c in Category.objects.filter(pk__in=ids)}
        suggestion.shown = [
            {**c, "category_obj": names.get(c.get("category")), "percent": round(100 * c["confidence"])}
            for c in suggestion.candidates
        ]
    return suggestion
