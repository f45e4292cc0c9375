"""The results of a campaign: for each reporter, each group's mean of the grade scores of its ballots (online and
paper alike, one ballot one vote), the weighted mean of those group means, the grade the scale's thresholds give
it, and the rank. Computed exactly (fractions), shown rounded.

- A group with no ballot for a reporter is left out of that reporter's score and the other groups' weights are
  scaled up in proportion (the weights used always sum to 1); the result says so.
- A reporter with no ballot at all gets no score, no grade and no rank.
- Equal scores share a rank (1, 2, 2, 4) and the result says with whom.
- A score exactly on a threshold gets the higher grade.
"""

from collections import defaultdict
from fractions import Fraction

from django.db.models import Count, Sum

from civicgrid.reviews.models import Ballot, PaperTally, ReviewCampaign


def _fraction(value) -> Fraction:
    return Fraction(str(value))


def grade_for(levels: list[dict], score: Fraction) -> str:
    for level in levels:
        if score >= _fraction(level["min"]):
            return level["label"]
    return levels[-1]["label"]


def ballot_counts(campaign: ReviewCampaign) -> dict:
    """{(reporter_id, group_id): {grade: count}} over online ballots and paper tallies."""
    counts: dict = defaultdict(lambda: defaultdict(int))
    online = (
        Ballot.objects.filter(rater__campaign=campaign)
        .values("reporter_id", "rater__group_id", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in online:
        counts[(row["reporter_id"], row["rater__group_id"])][row["grade"]] += row["n"]
    paper = (
        PaperTally.objects.filter(group__campaign=campaign)
        .values("reporter_id", "group_id", "grade")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in paper:
        counts[(row["reporter_id"], row["group_id"])][row["grade"]] += row["n"] or 0
    return counts


def compute(campaign: ReviewCampaign) -> dict:
    levels = campaign.scale.levels
    scores = {level["label"]: _fraction(level["score"]) for level in levels}
    groups = list(campaign.groups.order_by("order", "pk"))
    counts = ballot_counts(campaign)
    rows, exact = [], {}
    for reporter in campaign.reporters.order_by("order", "pk"):
        group_rows, used = [], []
        for group in groups:
            tally = {label: counts.get((reporter.pk, group.pk), {}).get(label, 0) for label in scores}
            total = sum(tally.values())
            mean = sum(scores[label] * n for label, n in tally.items()) / total if total else None
            group_rows.append(
                {
                    "group_id": group.pk,
                    "name": group.name,
                    "weight": float(group.weight),
                    "ballots": total,
                    "counts": tally,
                    "mean": None if mean is None else round(float(mean), 2),
                }
            )
            if mean is not None:
                used.append((group, mean))
        notes = []
        weight_used = sum((_fraction(g.weight) for g, _ in used), Fraction(0))
        if not used or weight_used == 0:
            score = None
            notes.append("无有效测评票，不计算得分、不评定等次")
        else:
            score = sum((_fraction(g.weight) * mean for g, mean in used), Fraction(0)) / weight_used
            missing = [g.name for g in groups if g not in {u for u, _ in used}]
            if missing:
                notes.append("「" + "」「".join(missing) + "」无有效测评票，其权重按比例分配给其他测评组")
        exact[reporter.pk] = score
        rows.append(
            {
                "reporter_id": reporter.pk,
                "name": reporter.name,
                "post": reporter.post,
                "answers_for": reporter.answers_for,
                "groups": group_rows,
                "ballots": sum(g["ballots"] for g in group_rows),
                "score": None if score is None else round(float(score), 2),
                "grade": "" if score is None else grade_for(levels, score),
                "rank": None,
                "notes": notes,
            }
        )
    _rank(rows, exact)
    return {
        "scale": [dict(level) for level in levels],
        "groups": [{"id": g.pk, "name": g.name, "weight": float(g.weight)} for g in groups],
        "reporters": rows,
    }


def _rank(rows: list[dict], exact: dict) -> None:
    scored = sorted(
        (r for r in rows if exact[r["reporter_id"]] is not None), key=lambda r: -exact[r["reporter_id"]]
    )
    previous, rank = None, 0
    for position, row in enumerate(scored, start=1):
        score = exact[row["reporter_id"]]
        if score != previous:
            rank, previous = position, score
        row["rank"] = rank
    by_rank = defaultdict(list)
    for row in scored:
        by_rank[row["rank"]].append(row)
    for rank, tied in by_rank.items():
        if len(tied) > 1:
            for row in tied:
                others = "、".join(r["name"] for r in tied if r is not row)
                row["notes"].append(f"得分与{others}相同，并列第{rank}名")


def result_of(results: dict | None, reporter_id: int) -> dict | None:
    for row in (results or {}).get("reporters", ()):
        if row["reporter_id"] == reporter_id:
            return row
    return None
