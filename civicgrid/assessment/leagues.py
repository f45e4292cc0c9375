"""League tables by kind of unit 「分类排名」, with the fair ranking and the comparisons 「环比、同比、名次变化」.

The one mapping of a unit's kind to its league is `LEAGUES`: functional departments, towns and streets,
communities and villages (with a village's own ladder), grid teams, enterprises and utilities, other. The
hotline centre is in none: it dispatches the work the others are ranked on.

`league_table` is what the dashboard, its Excel, `civicgrid metrics` and a briefing read; `leagues` is the
short form for a briefing's 「二、三率排名」.
"""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from civicgrid.assessment.fair import City, apply_fair, praised_and_named, rank_fairly
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.selectors import (
    PeriodCounts,
    RateRow,
    mix_of,
    period_counts,
    rate_rows,
    scheme_for,
    totals,
)
from civicgrid.registry.models import Unit

K = Unit.Kind

# (league code, Chinese title, the unit kinds in it); the order is the order leagues are shown in.
LEAGUES: tuple[tuple[str, str, frozenset], ...] = (
    ("department", "职能部门", frozenset({K.DEPARTMENT})),
    ("town", "乡镇/街道", frozenset({K.TOWN})),
    ("community", "村/社区", frozenset({K.COMMUNITY, K.VILLAGER_GROUP, K.HOUSEHOLD_CONTACT})),
    ("grid_team", "网格工作组", frozenset({K.GRID_TEAM})),
    ("enterprise", "企业与公用事业", frozenset({K.ENTERPRISE, K.PROPERTY})),
    ("other", "其他单位", frozenset({K.OTHER})),
)
NEVER_RANKED = frozenset({K.HOTLINE_CENTRE})
LEAGUE_TITLES = {code: title for code, title, _ in LEAGUES}
# The groupings other than units form one table each.
GROUP_TITLES = {"grid": "网格", "town": "乡镇/街道（属地汇总）", "category": "一级分类"}
_LEAGUE_OF_KIND = {kind: code for code, _, kinds in LEAGUES for kind in kinds}


def league_of(kind: str) -> str | None:
    """The league a unit of `kind` is ranked in; None for the hotline centre (and nothing else)."""
    if kind in NEVER_RANKED:
        return None
    return _LEAGUE_OF_KIND.get(kind, "other")


def _month_shift(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """环比: for whole calendar months (a month, a quarter, a year) the same number of months just before;
    for a month to date (from the 1st, within one month) the same days of the previous month; for any other
    period, as many days just before it."""
    month_end = monthrange(date_to.year, date_to.month)[1]
    if date_from.day == 1 and date_to.day == month_end:
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        return _month_shift(date_from, months), date_from - timedelta(days=1)
    if date_from.day == 1 and (date_to.year, date_to.month) == (date_from.year, date_from.month):
        last = date_from - timedelta(days=1)
        start = last.replace(day=1)
        return start, min(start + timedelta(days=date_to.day - 1), last)
    days = (date_to - date_from).days + 1
    return date_from - timedelta(days=days), date_from - timedelta(days=1)


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def last_year_period(date_from: date, date_to: date) -> tuple[date, date]:
    """同比: the same dates a year earlier (a whole month stays the whole month: February's end moves)."""
    start, end = _year_earlier(date_from), _year_earlier(date_to)
    if date_to.month == 2 and date_to.day == monthrange(date_to.year, 2)[1]:
        end = end.replace(day=monthrange(end.year, 2)[1])
    return start, end


@dataclass
class League:
    """The league tables of one period and grouping, fairly ranked and compared."""

    date_from: date
    date_to: date
    by: str
    scheme: AssessmentScheme
    tables: dict[str, list[RateRow]]  # league code (or the grouping) → rows, ranked within the table
    city: City | None
    total: RateRow  # every row of every table summed (the centre left out)
    outside: int = 0  # tickets received in the period that are in no table (not dispatched, or the centre's)
    previous: tuple[date, date] | None = None
    last_year: tuple[date, date] | None = None
    praise: dict[str, tuple[list, list]] = field(default_factory=dict)  # code → (praised, named)
    # The counts each table was built from: "current", and with the comparisons "prev" and "last_year".
    counts: dict[str, PeriodCounts] = field(default_factory=dict)

    @property
    def recent_at(self):
        """When the oldest recent window the tables read was counted (None: none read; see `period_counts`)."""
        times = [c.recent_at for c in self.counts.values() if c.recent_at is not None]
        return min(times) if times else None

    @property
    def counted_at(self):
        """When the oldest stored month the tables read was counted (None: everything counted live now)."""
        times = [c.counted_at for c in self.counts.values() if c.counted_at is not None]
        return min(times) if times else None

    def title(self, code: str) -> str:
        return LEAGUE_TITLES[code] if self.by == "unit" else GROUP_TITLES[self.by]

    @property
    def rows(self) -> list[RateRow]:
        return [row for rows in self.tables.values() for row in rows]


def _tables(rows: list[RateRow], by: str) -> dict[str, list[RateRow]]:
    if by != "unit":
        return {by: rows}
    tables: dict[str, list[RateRow]] = {code: [] for code, _, _ in LEAGUES}
    for row in rows:
        code = league_of(row.kind)
        if code is not None:
            tables[code].append(row)
    return {code: rows for code, rows in tables.items() if rows}


def _fair_tables(
    counts: PeriodCounts, *, by, scheme, adjusted: bool = True
) -> tuple[dict, City | None, list[RateRow]]:
    rows = rate_rows(counts, scheme)
    tables = _tables(rows, by)
    kept = [row for rows in tables.values() for row in rows]
    # The periods compared with need ranks and rates, not the mix-adjusted score.
    mix = mix_of(counts, scheme) if adjusted else None
    city = apply_fair(kept, scheme, mix) if kept else None
    return {code: rank_fairly(rows, scheme) for code, rows in tables.items()}, city, kept


def _move(now: int | None, before: int | None) -> str:
    if now is None:
        return ""
    if before is None:
        return "新"
    if before == now:
        return "持平"
    return f"↑{before - now}" if before > now else f"↓{now - before}"


def league_table(
    *,
    user,
    date_from: date,
    date_to: date,
    by: str = "unit",
    area=None,
    scheme=None,
    compare: bool = True,
    recent: bool = False,
) -> League:
    """The league tables for the period: `three_rates` by `by`, split by kind of unit (`LEAGUES`, the centre
    left out; one table for another grouping), each row given the fair fields of `assessment.fair` (the
    prior centred on the whole scope's mean), each table ranked by `fair.rank_fairly` with its praise and
    naming lists. With `compare`, the same tables for `previous_period` and `last_year_period` fill each
    row's `*_prev` / `*_last_year` figures and `rank_move` (its rank in the same table then).
    `user` scopes everything as `three_rates` does; `area` (an AdminArea) keeps the tickets located in it.
    `recent` (the leaders' dashboard only) reads the worker's few-minutes-old counts (`period_counts`)."""
    scheme = scheme or scheme_for(date_to) or AssessmentScheme()
    counts = period_counts(user=user, date_from=date_from, date_to=date_to, by=by, area=area, recent=recent)
    tables, city, kept = _fair_tables(counts, by=by, scheme=scheme)
    league = League(date_from, date_to, by, scheme, tables, city, totals(kept))
    league.counts = {"current": counts}
    if by == "unit":
        # Every ticket received, dispatched or not: the keyless cells hold the undispatched ones.
        league.outside = max(counts.sum("received") - league.total.received, 0)
    for code, rows in tables.items():
        league.praise[code] = praised_and_named(rows, scheme, city) if city else ([], [])
    if not compare:
        return league
    league.previous = previous_period(date_from, date_to)
    league.last_year = last_year_period(date_from, date_to)
    for suffix, (first, last) in (("prev", league.previous), ("last_year", league.last_year)):
        # A year's 环比 and 同比 are the same year: counted once.
        if (first, last) == league.previous and suffix == "last_year":
            then_counts = league.counts["prev"]
        else:
            then_counts = period_counts(
                user=user, date_from=first, date_to=last, by=by, area=area, recent=recent
            )
        league.counts[suffix] = then_counts
        then, _, _ = _fair_tables(then_counts, by=by, scheme=scheme_for(last) or scheme, adjusted=False)
        for code, rows in tables.items():
            before = {row.key: row for row in then.get(code, [])}
            for row in rows:
                old = before.get(row.key)
                if old is None:
                    continue
                setattr(row, f"composite_{suffix}", old.composite)
                setattr(row, f"response_{suffix}", old.response_rate)
                setattr(row, f"resolution_{suffix}", old.resolution_rate)
                setattr(row, f"satisfaction_{suffix}", old.satisfaction_rate)
                setattr(row, f"rank_{suffix}", old.rank)
        for rows in tables.values():
            for row in rows:
                row.rank_move = _move(row.rank, row.rank_prev)
    return league


def leagues(*, user, date_from: date, date_to: date, area=None) -> dict[str, list[RateRow]]:
    """For a briefing's 「二、三率排名」: {Chinese table title: rows} — one table per kind of unit that has
    rows, then the roll-up by town and the table of grids. Rows are fairly ranked (rank None: too few rated
    tickets to rank) and compared with the previous period and a year earlier (see `league_table`).
    Composites are on the 0-1 scale (print them ×100); rates 0-1; `verdict` is the sentence to print."""
    result: dict[str, list[RateRow]] = {}
    for by in ("unit", "town", "grid"):
        league = league_table(user=user, date_from=date_from, date_to=date_to, by=by, area=area)
        for code, rows in league.tables.items():
            result[league.title(code)] = rows
    return result
