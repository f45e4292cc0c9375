"""The fair ranking against hand-computed fixtures: the prior, the shrinkage, the bound, the standardisation."""

import pytest

from civicgrid.assessment.fair import (
    A_MIN,
    Prior,
    adjusted_rates,
    apply_fair,
    city_of,
    estimate_prior,
    praised_and_named,
    rank_fairly,
)
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.naming import places
from civicgrid.assessment.selectors import MixCounts, RateRow


def unit(key, x, n, **fields) -> RateRow:
    """A row whose three rates are all x / n (basic-satisfied 0), so each composite is that one rate."""
    return RateRow(
        key=key,
        label=f"单位{key}",
        rated=n,
        contacted_in_time=x,
        solved=x,
        very_satisfied=x,
        composite=x / n,
        **fields,
    )


def three_units():
    return [unit("A", 8, 10), unit("B", 4, 10), unit("C", 6, 10)]


class TestPrior:
    def test_the_method_of_moments_by_hand(self):
        # m = (8 + 4 + 6) / 30 = 0.6; m(1 − m) = 0.24
        # p = 0.8, 0.4, 0.6: S = (0.2² + 0.2² + 0²) / (3 − 1) = 0.04; h = (1/10 + 1/10 + 1/10) / 3 = 0.1
        # τ² = (0.04 − 0.24 × 0.1) / (1 − 0.1) = 0.016 / 0.9 = 0.01777…; a = 0.24 / τ² − 1 = 13.5 − 1 = 12.5
        prior = estimate_prior([(8, 10), (4, 10), (6, 10)])
        assert prior.mean == pytest.approx(0.6)
        assert prior.strength == pytest.approx(12.5)

    def test_a_spread_that_is_all_noise_pulls_everyone_to_the_mean(self):
        # p = 0.5, 0.5: S = 0 < m(1 − m)·h, τ² ≤ 0: a = A_MAX = Σn = 20
        assert estimate_prior([(5, 10), (5, 10)]) == Prior(0.5, 20.0)

    def test_a_wide_spread_is_floored_and_nothing_to_estimate_gives_the_floor(self):
        # p = 1 and 0 on 100 tickets each: τ² ≈ 0.25 → a ≈ 0, floored at 2
        assert estimate_prior([(100, 100), (0, 100)]).strength == A_MIN
        assert estimate_prior([(3, 4)]) == Prior(0.75, A_MIN)  # one group
        assert estimate_prior([(4, 4), (6, 6)]) == Prior(1.0, A_MIN)  # everyone at 100 %
        assert estimate_prior([]) == Prior(0.0, A_MIN)


class TestShrinkageAndBound:
    def test_shrunk_scores_and_the_90_percent_bounds_by_hand(self):
        rows = three_units()
        scheme = AssessmentScheme()  # weights 0.1 / 0.5 / 0.4, 90 %, at least 5 rated
        city = apply_fair(rows, scheme)
        a, b, c = rows
        # A: μ = (8 + 0.6 × 12.5) / (10 + 12.5) = 15.5 / 22.5 = 0.68889 for each rate, so for the composite.
        assert a.composite_shrunk == pytest.approx(15.5 / 22.5)
        # var = μ(1 − μ) / (10 + 12.5 + 1) = 0.68889 × 0.31111 / 23.5 = 0.0091200
        # sd = √((0.1² + 0.5² + 0.4²) × 0.0091200) = √(0.42 × 0.0091200) = 0.061890; z(90 %) = 1.28155
        # lower = 0.68889 − 1.28155 × 0.061890 = 0.60957 > 0.6, the city composite
        assert a.composite_lower == pytest.approx(0.60957, abs=1e-5)
        assert a.composite_upper == pytest.approx(0.76820, abs=1e-5)
        # B: μ = (4 + 7.5) / 22.5 = 0.51111; sd = √(0.42 × 0.51111 × 0.48889 / 23.5) = 0.066827
        # upper = 0.51111 + 1.28155 × 0.066827 = 0.59675 < 0.6
        assert b.composite_shrunk == pytest.approx(11.5 / 22.5)
        assert b.composite_upper == pytest.approx(0.59675, abs=1e-5)
        assert c.composite_shrunk == pytest.approx(0.6)
        assert city.composite == pytest.approx(0.6)
        assert a.verdict == "有 90% 把握高于全市平均（下限 61.0，全市 60.0）"
        assert b.verdict == "有 90% 把握低于全市平均（上限 59.7，全市 60.0）"
        assert c.verdict == "与全市平均无显著差异"
        assert all(row.rankable for row in rows)

    def test_one_ticket_at_100_percent_is_not_the_best_unit(self):
        rows = [*three_units(), unit("D", 1, 1)]
        scheme = AssessmentScheme()
        city = apply_fair(rows, scheme, city=city_of(three_units(), scheme))  # the city as above
        ranked = rank_fairly(rows, scheme)
        assert [row.key for row in ranked] == ["A", "C", "B", "D"]
        assert [row.rank for row in ranked] == [1, 2, 3, None]
        d = ranked[-1]
        assert d.composite == 1.0 and not d.rankable
        assert d.verdict == "参评 1 件，证据不足，暂不排名"
        # The raw composite would have put D first.
        assert d.composite_shrunk < 1.0
        best, worst = praised_and_named(ranked, scheme, city)
        assert [r.key for r in best] == ["A"] and [r.key for r in worst] == ["B"]
        assert places(best) == [1] and places(worst) == [1]

    def test_praise_starts_at_the_first_place_even_below_unranked_rows(self):
        rows = [unit(f"S{i}", 1, 1) for i in range(6)] + three_units()
        scheme = AssessmentScheme()
        city = apply_fair(rows, scheme, city=city_of(three_units(), scheme))  # the city as above
        best, _ = praised_and_named(rank_fairly(rows, scheme), scheme, city)
        assert places(best) == [1]

    def test_the_scheme_may_order_on_the_raw_composite(self):
        rows = [unit("A", 8, 10), unit("E", 17, 20)]  # raw 0.8 and 0.85
        scheme = AssessmentScheme(rank_by_shrunk=False)
        apply_fair(rows, scheme)
        assert [row.key for row in rank_fairly(rows, scheme)] == ["E", "A"]

    def test_deductions_come_off_every_composite(self):
        # 10 points per overdue per rated ticket: 2 overdue on 10 rated → 2 × 10 / 10 = 2 points = 0.02.
        rows = [unit("A", 8, 10, overdue=2), unit("B", 4, 10), unit("C", 6, 10)]
        plain = three_units()
        scheme = AssessmentScheme(overdue_deduction=10)
        apply_fair(rows, scheme)
        apply_fair(plain, AssessmentScheme())
        assert rows[0].composite_shrunk == pytest.approx(plain[0].composite_shrunk - 0.02)
        assert rows[0].composite_lower == pytest.approx(plain[0].composite_lower - 0.02)

    def test_a_row_without_rated_tickets_has_no_fair_figures(self):
        rows = [*three_units(), RateRow(key="Z", label="只受理", received=3)]
        apply_fair(rows, AssessmentScheme())
        assert rows[-1].composite_shrunk is None and rows[-1].verdict == "本期无参评工单，不排名"


class TestStandardisation:
    def test_indirect_standardisation_by_hand(self):
        # X handles only the hard category 02; Y and Z only the easy 01.
        mix = {
            "X": {"02": MixCounts(10, 6, 6, 6.0)},
            "Y": {"01": MixCounts(10, 9, 9, 9.0)},
            "Z": {"01": MixCounts(10, 8, 8, 8.0)},
        }
        rows = [unit("X", 6, 10), unit("Y", 9, 10), unit("Z", 8, 10)]
        scheme = AssessmentScheme()
        city = city_of(rows, scheme, mix)
        # City: 01 → 17 / 20 = 0.85; 02 → 6 / 10 = 0.6; overall m = 23 / 30 = 0.76667
        assert city.category_rates == {"01": (0.85, 0.85, 0.85), "02": (0.6, 0.6, 0.6)}
        apply_fair(rows, scheme, mix, city)
        x, y, z = rows
        # X: expected = 10 × 0.6 = 6; adjusted = 0.76667 × 6 / 6 = 0.76667 (raw 0.6, the lowest)
        assert x.composite_adjusted == pytest.approx(23 / 30)
        # Y: expected = 10 × 0.85 = 8.5; adjusted = 0.76667 × 9 / 8.5 = 0.81176
        assert y.composite_adjusted == pytest.approx(23 / 30 * 9 / 8.5)
        # Z: 0.76667 × 8 / 8.5 = 0.72157: below X once the mix is allowed for
        assert z.composite_adjusted == pytest.approx(23 / 30 * 8 / 8.5)
        assert z.composite_adjusted < x.composite_adjusted < y.composite_adjusted

    def test_the_adjusted_rate_is_capped_and_survives_a_zero_expectation(self):
        city = city_of([unit("P", 9, 10), unit("Q", 0, 10)], AssessmentScheme(), {
            "P": {"01": MixCounts(10, 9, 9, 9.0)},
            "Q": {"02": MixCounts(10, 0, 0, 0.0)},
        })  # fmt: skip
        # m = 0.45; a unit with 10/10 in 01: 0.45 × 10 / 9 = 0.5 (not capped); 10/10 in 02 (rate 0): 1.0
        assert adjusted_rates((10, 10, 10), {"01": MixCounts(10)}, city)[0] == pytest.approx(0.5)
        assert adjusted_rates((10, 10, 10), {"02": MixCounts(10)}, city) == (1.0, 1.0, 1.0)
        assert adjusted_rates((0, 0, 0), {"02": MixCounts(10)}, city) == (0.45, 0.45, 0.45)
        assert adjusted_rates((1, 1, 1), {}, city) is None
