"""The mediation figures of an area (and every area below it) for a year: one function, used by
`civicgrid mediation stats`, the console's figures page and its Excel export.

- committees: committees sitting in those areas that exist on 31 December (established by then, not dissolved);
- mediators: rows on those committees' rolls on 31 December (committee members and the mediators they engage);
- cases_accepted: cases of those committees accepted during the year;
- cases_closed, agreements, followed_up: among the cases accepted in the year, those now closed, those with an agreement
  in force (a re-mediated case counts again only once it agrees again), those visited at least once;
- success_rate: agreements ÷ cases concluded (an agreement or a failure), 0-1 in four decimals, 0 when none.
"""

from datetime import date

from civicgrid.mediation.models import Case, Committee, Mediator
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import AdminArea

KEYS = (
    "committees",
    "mediators",
    "cases_accepted",
    "cases_closed",
    "agreements",
    "success_rate",
    "followed_up",
)

LABELS = {
    "committees": "人民调解委员会（个）",
    "mediators": "人民调解员（人）",
    "cases_accepted": "受理纠纷（件）",
    "cases_closed": "其中已结案（件）",
    "agreements": "其中达成协议（件）",
    "success_rate": "调解成功率",
    "followed_up": "其中已回访（件）",
}


def empty_stats() -> dict:
    return {key: 0 for key in KEYS}


def shown(key: str, value) -> str:
    return f"{value * 100:.1f}%" if key == "success_rate" else str(value)


def mediation_stats(area: AdminArea, year: int) -> dict:
    areas = area_subtree_ids([area])
    end = date(year, 12, 31)
    committees = Committee.objects.filter(area_id__in=areas)
    standing = committees.filter(established_on__lte=end).exclude(dissolved_on__lte=end)
    accepted = Case.objects.filter(committee__in=committees, accepted_on__year=year)
    agreements = accepted.filter(agreements__is_void=False).distinct().count()
    concluded = accepted.filter(concluded_on__isnull=False).exclude(state=Case.State.DECLINED).count()
    return {
        "committees": standing.count(),
        "mediators": Mediator.objects.on_roll(end).filter(committee__in=standing).count(),
        "cases_accepted": accepted.count(),
        "cases_closed": accepted.filter(state=Case.State.CLOSED).count(),
        "agreements": agreements,
        "success_rate": round(agreements / concluded, 4) if concluded else 0,
        "followed_up": accepted.filter(followups__isnull=False).distinct().count(),
    }
