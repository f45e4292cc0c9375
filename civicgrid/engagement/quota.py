"""A member's yearly quota (QuotaRule) and progress: wishes from engagement, activities and hours from
volunteering's confirmed service records."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from civicgrid.engagement.models import MicroWish, QuotaRule, WishClaim
from civicgrid.engagement.volunteer_link import MANY, member_totals
from civicgrid.registry.models import AdminArea


def _rules_by_area(day: date) -> dict[int | None, QuotaRule]:
    """The rules in force on `day`, the latest per area (None: the general one)."""
    by_area: dict[int | None, QuotaRule] = {}
    for rule in QuotaRule.objects.effective_at(day).order_by("-effective_from", "-pk"):
        by_area.setdefault(rule.area_id, rule)
    return by_area


def _nearest(by_area: dict, chain: list[int]) -> QuotaRule | None:
    """`chain`: area ids from the root down to the community."""
    for area_id in reversed(chain):
        if area_id in by_area:
            return by_area[area_id]
    return by_area.get(None)


def quota_for(community: AdminArea | None, day: date) -> QuotaRule | None:
    """The rule in force on `day` of the nearest area at or above `community`, else the general one."""
    by_area = _rules_by_area(day)
    if not by_area:
        return None
    chain = [a.pk for a in community.ancestors()] if community is not None else []
    return _nearest(by_area, chain)


def _chains(area_ids) -> dict[int, list[int]]:
    """Each area's ids from the root down to itself, with one query per level (not one per area and level)."""
    parents: dict[int, int | None] = {}
    frontier = set(area_ids)
    while frontier:
        rows = AdminArea.objects.filter(pk__in=frontier).values_list("pk", "parent_id")
        parents.update(rows)
        frontier = {parent for _, parent in rows if parent is not None} - parents.keys()
    chains = {}
    for area_id in area_ids:
        chain, node = [], area_id
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        chains[area_id] = list(reversed(chain))
    return chains


def wishes_done(member_ids, year: int) -> dict[int, int]:
    """Wishes each member claimed that were fulfilled in `year` (whatever they are now, if fulfilled or after)."""
    ids = set(member_ids)
    claims = WishClaim.objects.filter(
        member_id__isnull=False, wish__state__in=MicroWish.DONE, wish__fulfilled_at__year=year
    )
    if len(ids) <= MANY:
        claims = claims.filter(member_id__in=ids)
    counts: dict[int, int] = {}
    for member_id in claims.values_list("member_id", flat=True):
        if member_id in ids:
            counts[member_id] = counts.get(member_id, 0) + 1
    return counts


@dataclass
class Progress:
    year: int
    wishes: int
    activities: int
    hours: Decimal
    quota: QuotaRule | None

    @property
    def meets(self) -> bool:
        q = self.quota
        if q is None:
            return False
        return self.wishes >= q.wishes and self.activities >= q.activities and self.hours >= q.hours

    def share(self, done, target) -> int:
        """Percent done, capped at 100 (for the progress bars)."""
        if not target:
            return 100
        return min(100, int(Decimal(done) * 100 / Decimal(target)))

    @property
    def wishes_percent(self) -> int:
        return self.share(self.wishes, self.quota.wishes if self.quota else 0)

    @property
    def activities_percent(self) -> int:
        return self.share(self.activities, self.quota.activities if self.quota else 0)

    @property
    def hours_percent(self) -> int:
        return self.share(self.hours, self.quota.hours if self.quota else 0)


def progress_many(
    members_communities: dict[int, AdminArea | None], year: int, day: date
) -> dict[int, Progress]:
    """Progress of many members at once: {member id: community of registration}."""
    ids = list(members_communities)
    wishes = wishes_done(ids, year)
    hours, activities = member_totals(ids, year)
    by_area = _rules_by_area(day)
    community_ids = {c.pk for c in members_communities.values() if c is not None}
    chains = _chains(community_ids) if by_area else {}
    rules: dict[int | None, QuotaRule | None] = {
        key: _nearest(by_area, chains.get(key, [])) if by_area else None for key in community_ids | {None}
    }
    result = {}
    for member_id, community in members_communities.items():
        key = getattr(community, "pk", None)
        result[member_id] = Progress(
            year=year,
            wishes=wishes.get(member_id, 0),
            activities=activities.get(member_id, 0),
            hours=hours.get(member_id, Decimal("0")),
            quota=rules[key],
        )
    return result


def progress(member, community: AdminArea | None, year: int, day: date | None = None) -> Progress:
    day = day or date(year, 12, 31)
    return progress_many({member.pk: community}, year, day)[member.pk]
