"""A fair ranking (公平排名) beside the raw composite: shrinkage, a credible bound, category-mix adjustment.

A unit with one rated ticket at 100 % is not the best unit. Each row of a league table gets, on the 0-1
scale of `RateRow.composite` (pages and exports show them ×100):

Notation. For a group i (a unit, grid or town) and one rate (响应率, 解决率, 满意率): x_i successes out of
n_i rated tickets (参评). For 满意率 x = 非常满意 + 满意 + k·基本满意 with the scheme's factor k, so x may be
fractional; it is treated as a binomial count all the same.

City mean. m = Σx_i / Σn_i over every group of the table (the scope's pooled rate; the centre is left out
of unit tables by `assessment.leagues`).

Prior strength, by the method of moments. With θ_i ~ Beta(m·a, (1−m)·a) the true rates spread with
τ² = m(1−m)/(a+1), and an observed rate p_i = x_i/n_i has Var p_i = τ² + (m(1−m) − τ²)/n_i. Over the K
groups with n_i ≥ 1, S = Σ(p_i − m)²/(K − 1) and h = (1/K)·Σ 1/n_i, so

    τ² = (S − m(1−m)·h) / (1 − h)        a = m(1−m)/τ² − 1

floored at A_MIN = 2 (however wide the spread, one ticket stays near the mean) and capped at
A_MAX = max(Σn_i, A_MIN), which is also taken when τ² ≤ 0 (the spread is all noise: every group is the
mean). With K < 2 or m(1−m) = 0 there is no spread to estimate: a = A_MIN.

composite_shrunk. Each rate's posterior is Beta(x_i + m·a, n_i − x_i + (1−m)·a), with mean
μ_i = (x_i + m·a)/(n_i + a) and variance μ_i(1−μ_i)/(n_i + a + 1). The shrunk composite is
w_r·μ_响应 + w_s·μ_解决 + w_m·μ_满意 − deduction_i, deduction_i = (d_o·overdue_i + d_s·supervised_i)/n_i
(the scheme's 超期、督办扣分; 0 by default).

composite_lower / composite_upper. The three posteriors are taken as independent and their weighted sum
as normal (an approximation; the betas are close to normal once n_i + a passes a few dozen):
sd_i = √(Σ w² · var), bounds = shrunk ∓ z·sd_i with z = Φ⁻¹(level), the scheme's one-sided credible level
(0.9 → z ≈ 1.2816).

composite_adjusted, by indirect standardisation. With n_ic the group's rated tickets in first-level
category c and R_c the city's rate in c: expected_i = Σ_c n_ic·R_c, adjusted rate = m·x_i/expected_i capped
to [0, 1] (expected 0: the city rate m when x_i = 0, else 1); combined with the weights less the deduction.
A unit handling the categories where the whole city does worse is thus measured against that harder mix.

rankable and verdict. A row is rankable with at least the scheme's `naming_min_rated` rated tickets; the
city composite is C = Σ w·m − (d_o·Σoverdue + d_s·Σsupervised)/Σn. It may be praised only when its lower
bound is above C, named only when its upper bound is below C; its `verdict` says which, in one sentence.
"""

from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist

from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.selectors import MixCounts, RateRow

A_MIN = 2.0
RATES = ("contacted_in_time", "solved", "satisfied")


@dataclass(frozen=True)
class Prior:
    """The city mean and the prior strength of one rate."""

    mean: float
    strength: float

    def shrink(self, x: float, n: int) -> tuple[float, float]:
        """Posterior mean and variance of the rate for x successes in n."""
        a = self.strength
        mu = (x + self.mean * a) / (n + a)
        return mu, mu * (1 - mu) / (n + a + 1)


def successes(row: RateRow, scheme: AssessmentScheme) -> tuple[float, float, float]:
    """(按时联系, 已解决, 满意折算) counts: the numerators of the three rates."""
    k = float(scheme.basic_satisfied_weight)
    return row.contacted_in_time, row.solved, row.very_satisfied + row.satisfied + k * row.basic


def estimate_prior(pairs: list[tuple[float, int]]) -> Prior:
    """The method-of-moments prior (see the module docstring) from (x_i, n_i) per group."""
    pairs = [(x, n) for x, n in pairs if n > 0]
    total_n = sum(n for _, n in pairs)
    if not total_n:
        return Prior(0.0, A_MIN)
    m = sum(x for x, _ in pairs) / total_n
    binomial = m * (1 - m)
    k = len(pairs)
    if k < 2 or binomial <= 0:
        return Prior(m, A_MIN)
    a_max = max(float(total_n), A_MIN)
    spread = sum((x / n - m) ** 2 for x, n in pairs) / (k - 1)
    h = sum(1 / n for _, n in pairs) / k
    if h >= 1:  # every group has one ticket: the spread cannot be told from noise
        return Prior(m, a_max)
    tau2 = (spread - binomial * h) / (1 - h)
    if tau2 <= 0:
        return Prior(m, a_max)
    return Prior(m, min(max(binomial / tau2 - 1, A_MIN), a_max))


def weights_of(scheme: AssessmentScheme) -> tuple[float, float, float]:
    return float(scheme.weight_response), float(scheme.weight_resolution), float(scheme.weight_satisfaction)


def deduction_of(overdue: int, supervised: int, rated: int, scheme: AssessmentScheme) -> float:
    if not rated:
        return 0.0
    d_o = float(scheme.overdue_deduction or 0) / 100
    d_s = float(scheme.supervision_deduction or 0) / 100
    return (d_o * overdue + d_s * supervised) / rated


@dataclass
class City:
    """The scope's pooled figures a fair table is measured against."""

    rates: tuple[float, float, float]  # m per rate
    priors: tuple[Prior, Prior, Prior]
    composite: float | None  # C, the city mean composite
    category_rates: dict  # {category code: (R_response, R_resolution, R_satisfaction)}
    z: float


def city_of(rows: list[RateRow], scheme: AssessmentScheme, mix: dict | None = None) -> City:
    rated_rows = [row for row in rows if row.rated]
    counts = [successes(row, scheme) for row in rated_rows]
    priors = tuple(
        estimate_prior([(c[j], row.rated) for c, row in zip(counts, rated_rows, strict=True)])
        for j in range(3)
    )
    total = sum(row.rated for row in rated_rows)
    composite = None
    if total:
        penalty = deduction_of(
            sum(r.overdue for r in rated_rows), sum(r.supervised for r in rated_rows), total, scheme
        )
        composite = sum(w * p.mean for w, p in zip(weights_of(scheme), priors, strict=True)) - penalty
    by_category: dict[str, list[float]] = {}
    for groups in (mix or {}).values():
        for code, c in groups.items():
            acc = by_category.setdefault(code, [0, 0, 0, 0.0])
            acc[0] += c.rated
            acc[1] += c.contacted_in_time
            acc[2] += c.solved
            acc[3] += c.satisfied
    category_rates = {
        code: (acc[1] / acc[0], acc[2] / acc[0], acc[3] / acc[0])
        for code, acc in by_category.items()
        if acc[0]
    }
    level = float(scheme.credible_level or 0.9)
    return City(
        rates=tuple(p.mean for p in priors),
        priors=priors,
        composite=composite,
        category_rates=category_rates,
        z=NormalDist().inv_cdf(level),
    )


def adjusted_rates(
    observed: tuple[float, float, float], categories: dict[str, MixCounts], city: City
) -> tuple[float, float, float] | None:
    """The category-mix adjusted three rates (indirect standardisation), or None without a mix."""
    if not categories:
        return None
    expected = [0.0, 0.0, 0.0]
    for code, counts in categories.items():
        rates = city.category_rates.get(code)
        if rates is None:
            continue
        for j in range(3):
            expected[j] += counts.rated * rates[j]
    result = []
    for j in range(3):
        if expected[j] > 0:
            result.append(min(1.0, max(0.0, city.rates[j] * observed[j] / expected[j])))
        else:
            result.append(city.rates[j] if observed[j] == 0 else 1.0)
    return tuple(result)


def _points(value: float) -> str:
    return f"{value * 100:.1f}"


def apply_fair(
    rows: list[RateRow], scheme: AssessmentScheme, mix: dict | None = None, city: City | None = None
) -> City:
    """Fill the fair fields (module docstring) of every row in place; returns the city they are measured on.

    `mix` is `selectors.rated_by_category` for the same rows (no mix: composite_adjusted stays None).
    """
    city = city or city_of(rows, scheme, mix)
    weights = weights_of(scheme)
    for row in rows:
        row.rankable = row.rated >= scheme.naming_min_rated
        if not row.rated:
            row.composite_shrunk = row.composite_lower = row.composite_upper = row.composite_adjusted = None
            row.verdict = "本期无参评工单，不排名"
            continue
        observed = successes(row, scheme)
        penalty = deduction_of(row.overdue, row.supervised, row.rated, scheme)
        shrunk, variance = 0.0, 0.0
        for w, prior, x in zip(weights, city.priors, observed, strict=True):
            mu, var = prior.shrink(x, row.rated)
            shrunk += w * mu
            variance += w * w * var
        sd = sqrt(variance)
        row.composite_shrunk = shrunk - penalty
        row.composite_lower = row.composite_shrunk - city.z * sd
        row.composite_upper = row.composite_shrunk + city.z * sd
        adjusted = adjusted_rates(observed, (mix or {}).get(row.key, {}), city)
        row.composite_adjusted = (
            None if adjusted is None else sum(w * r for w, r in zip(weights, adjusted, strict=True)) - penalty
        )
        row.verdict = verdict(row, scheme, city)
    return city


def verdict(row: RateRow, scheme: AssessmentScheme, city: City) -> str:
    """One sentence on the row's placement: too little evidence, above or below the city, or no different."""
    if not row.rated:
        return "本期无参评工单，不排名"
    if not row.rankable:
        return f"参评 {row.rated} 件，证据不足，暂不排名"
    level = f"{float(scheme.credible_level) * 100:.0f}%"
    if city.composite is not None and row.composite_lower > city.composite:
        return f"有 {level} 把握高于全市平均（下限 {_points(row.composite_lower)}，全市 {_points(city.composite)}）"
    if city.composite is not None and row.composite_upper < city.composite:
        return f"有 {level} 把握低于全市平均（上限 {_points(row.composite_upper)}，全市 {_points(city.composite)}）"
    return "与全市平均无显著差异"


def order_key(row: RateRow, scheme: AssessmentScheme) -> float | None:
    """The score a league is ordered on: the shrunk composite unless the scheme ranks on the raw one."""
    return row.composite_shrunk if scheme.rank_by_shrunk else row.composite


def rank_fairly(rows: list[RateRow], scheme: AssessmentScheme) -> list[RateRow]:
    """Rankable rows first, best first by `order_key`, ranked 1, 2, … (equal scores share a rank); the rest
    after them, unranked (rank None), most rated first."""
    rankable = [row for row in rows if row.rankable and order_key(row, scheme) is not None]
    rest = [row for row in rows if not (row.rankable and order_key(row, scheme) is not None)]
    rankable.sort(key=lambda r: (-round(order_key(r, scheme), 12), -r.rated, r.label, str(r.key)))
    rest.sort(key=lambda r: (-r.rated, -(r.composite or 0), r.label, str(r.key)))
    previous, rank = None, 0
    for position, row in enumerate(rankable, start=1):
        score = round(order_key(row, scheme), 12)
        if score != previous:
            rank, previous = position, score
        row.rank = rank
    for row in rest:
        row.rank = None
    return rankable + rest


def praised_and_named(rows: list[RateRow], scheme: AssessmentScheme, city: City) -> tuple[list, list]:
    """Praise: the best rankable rows whose lower bound is above the city composite, best first; naming: the
    worst whose upper bound is below it, worst first; at most the scheme's `naming_count` each. `rows` ranked
    by `rank_fairly`. Places in each list start at 第 1 名 (`naming.places`)."""
    if city.composite is None:
        return [], []
    ranked = [row for row in rows if row.rank is not None]
    best = [row for row in ranked if row.composite_lower > city.composite][: scheme.naming_count]
    worst = [row for row in reversed(ranked) if row.composite_upper < city.composite][: scheme.naming_count]
    return best, worst
