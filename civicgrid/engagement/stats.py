"""The engagement figures of an area (and every area below it) for a year: one function, used by
`civicgrid engagement stats`, the 组织部 dashboard and its Excel export. Definitions as in issue 12."""

from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from civicgrid.engagement.models import MicroWish, Pairing, PairingVisit, Registration
from civicgrid.engagement.quota import progress_many
from civicgrid.engagement.volunteer_link import MANY, area_points_totals, area_volunteer_totals
from civicgrid.party.models import PartyMember
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.party.stats import area_subtrees
from civicgrid.registry.models import AdminArea

KEYS = (
    "registered_orgs",
    "registered_members",
    "in_service_members",
    "registration_share",
    "members_meeting_quota",
    "micro_wishes_published",
    "micro_wishes_claimed",
    "micro_wishes_fulfilled",
    "volunteer_activities",
    "volunteer_hours",
    "pairing_units",
    "pairing_villages",
    "pairing_visits",
    "visits_on_wed_or_sat_share",
    "points_posted",
    "points_redeemed",
    "points_expired",
    "points_balance",
)

LABELS = {
    "registered_orgs": "报到党组织（个）",
    "registered_members": "报到在职党员（人）",
    "in_service_members": "在职党员（人）",
    "registration_share": "在职党员报到率",
    "members_meeting_quota": "完成年度任务党员（人）",
    "micro_wishes_published": "发布微心愿（个）",
    "micro_wishes_claimed": "其中已认领（个）",
    "micro_wishes_fulfilled": "其中已实现（个）",
    "volunteer_activities": "志愿活动（场）",
    "volunteer_hours": "志愿服务时长（小时）",
    "pairing_units": "结对单位（个）",
    "pairing_villages": "结对村（社区）（个）",
    "pairing_visits": "结对走访（次）",
    "visits_on_wed_or_sat_share": "周三、周六走访占比",
    "points_posted": "发放积分",
    "points_redeemed": "兑换积分",
    "points_expired": "过期积分",
    "points_balance": "积分余额",
}
SHARES = {"registration_share", "visits_on_wed_or_sat_share"}


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def empty_stats() -> dict:
    return {key: 0.0 if key in SHARES else 0 for key in KEYS}


def engagement_stats(area: AdminArea, year: int, *, today: date | None = None) -> dict:
    """Every figure of issue 12 for `area` and below in `year`; 0 everywhere over nothing."""
    today = today or timezone.localdate()
    as_of = min(date(year, 12, 31), today)
    areas = area_subtree_ids([area])

    in_service = (
        PartyMember.objects.active_at(as_of)
        .filter(in_service=True)
        .filter(
            Q(residence_grid__community_id__in=areas) | Q(residence_grid__isnull=True, org__area_id__in=areas)
        )
    )
    in_service_ids = set(in_service.values_list("pk", flat=True))

    registrations = Registration.objects.during(year).filter(community_id__in=areas)
    registered_orgs = registrations.filter(org__isnull=False).values("org_id").distinct().count()
    member_regs = {}
    member_rows = registrations.filter(member_id__isnull=False)
    if len(in_service_ids) <= MANY:  # a city's ids cost more in one IN list than the rows they leave out
        member_rows = member_rows.filter(member_id__in=in_service_ids)
    for member_id, community_id in member_rows.order_by("registered_on", "pk").values_list(
        "member_id", "community_id"
    ):
        if member_id in in_service_ids:
            member_regs[member_id] = (
                community_id  # the latest registration of the year decides the quota rule
            )
    communities = AdminArea.objects.in_bulk(set(member_regs.values()))
    progress = progress_many({m: communities.get(c) for m, c in member_regs.items()}, year, as_of)
    meeting_quota = sum(1 for p in progress.values() if p.meets)

    published = MicroWish.objects.filter(community_id__in=areas, published_at__year=year)
    wishes_published = published.count()
    wishes_claimed = published.filter(claimed_at__isnull=False).count()
    wishes_fulfilled = published.filter(state__in=MicroWish.DONE).count()

    pairings = Pairing.objects.filter(year=year, area_id__in=areas)
    visits = PairingVisit.objects.filter(pairing__area_id__in=areas, visited_on__year=year)
    visit_count = visits.count()
    visits_wed_sat = visits.filter(on_wed_or_sat=True).count()

    activities, hours = area_volunteer_totals(areas, year)
    points = area_points_totals(areas, year)

    figures = {
        "registered_orgs": registered_orgs,
        "registered_members": len(member_regs),
        "in_service_members": len(in_service_ids),
        "registration_share": _share(len(member_regs), len(in_service_ids)),
        "members_meeting_quota": meeting_quota,
        "micro_wishes_published": wishes_published,
        "micro_wishes_claimed": wishes_claimed,
        "micro_wishes_fulfilled": wishes_fulfilled,
        "volunteer_activities": int(activities),
        "volunteer_hours": float(hours),
        "pairing_units": pairings.filter(unit__isnull=False).values("unit_id").distinct().count(),
        "pairing_villages": pairings.values("area_id").distinct().count(),
        "pairing_visits": visit_count,
        "visits_on_wed_or_sat_share": _share(visits_wed_sat, visit_count),
        **{
            key: int(points.get(key, 0))
            for key in ("points_posted", "points_redeemed", "points_expired", "points_balance")
        },
    }
    return {key: figures[key] for key in KEYS}


def engagement_stats_by_area(areas, year: int, *, today: date | None = None) -> dict[int, dict]:
    """`engagement_stats(area, year, today=today)` for each of `areas`, keyed by area id, from queries grouped by
    area over all of them at once (the volunteering and points totals stay one call per area: they belong to
    their apps). Each answer equals `engagement_stats` for that area."""
    areas = list({a.pk: a for a in areas}.values())
    if not areas:
        return {}
    today = today or timezone.localdate()
    as_of = min(date(year, 12, 31), today)
    trees, _ = area_subtrees([a.pk for a in areas])
    union = sorted(set().union(*trees.values()))

    # In-service members by the area they count in: their residence grid's community, or with no residence grid
    # their organisation's area.
    home: dict[int, int] = {}
    for member_id, grid_id, community_id, org_area_id in (
        PartyMember.objects.active_at(as_of)
        .filter(in_service=True)
        .filter(
            Q(residence_grid__community_id__in=union) | Q(residence_grid__isnull=True, org__area_id__in=union)
        )
        .values_list("pk", "residence_grid_id", "residence_grid__community_id", "org__area_id")
    ):
        home[member_id] = community_id if grid_id is not None else org_area_id

    registrations = Registration.objects.during(year).filter(community_id__in=union)
    org_regs = set(
        registrations.filter(org__isnull=False).order_by().values_list("community_id", "org_id").distinct()
    )
    member_rows = list(
        registrations.filter(member_id__isnull=False)
        .order_by("registered_on", "pk")
        .values_list("member_id", "community_id")
    )
    wish_rows = {
        row["community_id"]: row
        for row in MicroWish.objects.filter(community_id__in=union, published_at__year=year)
        .order_by()
        .values("community_id")
        .annotate(
            published=Count("pk"),
            claimed=Count("pk", filter=Q(claimed_at__isnull=False)),
            fulfilled=Count("pk", filter=Q(state__in=MicroWish.DONE)),
        )
    }
    pairing_rows = set(
        Pairing.objects.filter(year=year, area_id__in=union)
        .order_by()
        .values_list("area_id", "unit_id")
        .distinct()
    )
    visit_rows = {
        row["pairing__area_id"]: row
        for row in PairingVisit.objects.filter(pairing__area_id__in=union, visited_on__year=year)
        .order_by()
        .values("pairing__area_id")
        .annotate(n=Count("pk"), wed_sat=Count("pk", filter=Q(on_wed_or_sat=True)))
    }

    member_regs: dict[int, dict[int, int]] = {}
    for root, tree in trees.items():
        regs = member_regs[root] = {}
        for member_id, community_id in member_rows:
            if community_id in tree and home.get(member_id) in tree:
                regs[member_id] = community_id  # the latest registration of the year decides the quota rule
    progress = _progress_by_root(member_regs, year, as_of)

    result = {}
    for root, tree in trees.items():
        in_service = sum(1 for area_id in home.values() if area_id in tree)
        registered = len(member_regs[root])
        wishes = [wish_rows[a] for a in tree if a in wish_rows]
        visits = [visit_rows[a] for a in tree if a in visit_rows]
        visit_count = sum(v["n"] for v in visits)
        pairings = [(a, u) for a, u in pairing_rows if a in tree]
        activities, hours = area_volunteer_totals(tree, year)
        points = area_points_totals(tree, year)
        figures = {
            "registered_orgs": len({o for c, o in org_regs if c in tree}),
            "registered_members": registered,
            "in_service_members": in_service,
            "registration_share": _share(registered, in_service),
            "members_meeting_quota": sum(1 for p in progress[root].values() if p.meets),
            "micro_wishes_published": sum(w["published"] for w in wishes),
            "micro_wishes_claimed": sum(w["claimed"] for w in wishes),
            "micro_wishes_fulfilled": sum(w["fulfilled"] for w in wishes),
            "volunteer_activities": int(activities),
            "volunteer_hours": float(hours),
            "pairing_units": len({u for _, u in pairings if u is not None}),
            "pairing_villages": len({a for a, _ in pairings}),
            "pairing_visits": visit_count,
            "visits_on_wed_or_sat_share": _share(sum(v["wed_sat"] for v in visits), visit_count),
            **{
                key: int(points.get(key, 0))
                for key in ("points_posted", "points_redeemed", "points_expired", "points_balance")
            },
        }
        result[root] = {key: figures[key] for key in KEYS}
    return result


def _progress_by_root(member_regs: dict[int, dict[int, int]], year: int, as_of: date) -> dict[int, dict]:
    """progress_many for every root's registrations in as few calls as the members allow: one, unless a member
    counts in two roots with different communities (nested roots), which then go to a further call."""
    communities = AdminArea.objects.in_bulk({c for regs in member_regs.values() for c in regs.values()})
    batches: list[dict[int, int]] = []
    for regs in member_regs.values():
        for member_id, community_id in regs.items():
            for batch in batches:
                if batch.get(member_id, community_id) == community_id:
                    batch[member_id] = community_id
                    break
            else:
                batches.append({member_id: community_id})
    done: list[dict] = [
        progress_many({m: communities.get(c) for m, c in batch.items()}, year, as_of) for batch in batches
    ]
    out = {}
    for root, regs in member_regs.items():
        out[root] = {}
        for member_id, community_id in regs.items():
            for batch, progress in zip(batches, done, strict=True):
                if batch.get(member_id) == community_id:
                    out[root][member_id] = progress[member_id]
                    break
    return out


def shown(key: str, value) -> str:
    """A figure as people read it: shares as percentages."""
    if key in SHARES:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}"
