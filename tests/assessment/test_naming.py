from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.naming import places, praised_and_named
from civicgrid.assessment.selectors import RateRow


def test_praise_and_naming_never_overlap():
    rows = [RateRow(key=i, label=f"单位{i}", rank=i, rated=9) for i in range(1, 6)]
    best, bottom = praised_and_named([*rows, RateRow(key=9, label="未参评")])
    assert [r.label for r in best] == ["单位1", "单位2", "单位3"]
    assert [r.label for r in bottom] == ["单位5", "单位4"]


def test_too_few_rated_tickets_are_neither_praised_nor_named():
    rows = [RateRow(key=1, label="大单位", rank=1, rated=20), RateRow(key=2, label="小单位", rank=2, rated=2)]
    assert praised_and_named(rows) == ([rows[0]], [])
    assert praised_and_named(rows, min_rated=1) == ([rows[0], rows[1]], [])


def league(*rated: int) -> list[RateRow]:
    """A league table ranked 1, 2, 3, … with the given numbers of rated tickets."""
    return [RateRow(key=i, label=f"单位{i}", rank=i, rated=n) for i, n in enumerate(rated, start=1)]


def test_praise_starts_at_the_first_place_among_those_meeting_the_minimum():
    # Six small units top the table on one or two rated tickets each.
    rows = league(1, 2, 1, 2, 1, 2, 30, 25, 40, 20, 35)
    best, bottom = praised_and_named(rows)
    assert [r.label for r in best] == ["单位7", "单位8", "单位9"]
    assert places(best) == [1, 2, 3]
    assert [r.label for r in bottom] == ["单位11", "单位10"]
    assert places(bottom) == [1, 2]


def test_the_minimum_and_the_count_are_the_schemes():
    rows = league(4, 4, 9, 9, 9, 9, 9)
    scheme = AssessmentScheme(naming_min_rated=4, naming_count=2)
    best, bottom = praised_and_named(rows, scheme=scheme)
    assert [r.label for r in best] == ["单位1", "单位2"]
    assert [r.label for r in bottom] == ["单位7", "单位6"]
    best, bottom = praised_and_named(rows, scheme=AssessmentScheme(naming_min_rated=9, naming_count=1))
    assert ([r.label for r in best], [r.label for r in bottom]) == (["单位3"], ["单位7"])


def test_the_defaults_are_five_rated_tickets_and_three_each():
    scheme = AssessmentScheme()
    assert (scheme.naming_min_rated, scheme.naming_count) == (5, 3)


def test_tied_scores_share_a_place():
    rows = [
        RateRow(key=i, label=f"单位{i}", rank=rank, rated=9) for i, rank in enumerate([1, 1, 3, 4], start=1)
    ]
    best, _ = praised_and_named(rows)
    assert places(best) == [1, 1, 3]
    assert places([]) == []
