"""Praise and naming （表扬、点名）： which groups of a league table are praised and which are named."""

from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.selectors import RateRow


def praised_and_named(
    rows: list[RateRow], min_rated: int | None = None, *, scheme: AssessmentScheme | None = None
) -> tuple[list[RateRow], list[RateRow]]:
    """The best and the worst groups of a ranked league table, best first and worst first.

    Only groups with at least the scheme's minimum of rated tickets compete, so the praised are the
    top of those, whatever the rank of the groups too small to count. No group is in both lists.
    `min_rated` overrides the scheme's minimum; without a scheme the defaults apply.
    """
    scheme = scheme or AssessmentScheme()
    least = scheme.naming_min_rated if min_rated is None else min_rated
    eligible = [row for row in rows if row.rank is not None and row.rated >= least]
    best = eligible[: scheme.naming_count]
    bottom = [row for row in eligible[-scheme.naming_count :] if all(row is not b for b in best)]
    bottom.reverse()  # worst first: the order they are named in
    return best, bottom


def places(mentioned: list[RateRow]) -> list[int]:
    """Places down a praise or naming list （第 1 名 first）； groups with equal scores share a place."""
    result: list[int] = []
    for position, row in enumerate(mentioned):
        tied = position and mentioned[position - 1].rank == row.rank
        result.append(result[-1] if tied else position + 1)
    return result
