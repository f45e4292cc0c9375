"""Reads of hotspots (热点问题) and early alerts (预警) for pages and briefings, scoped to the user.

Interface agreed between the hotspot and briefing work. A hotspot is computed from the tickets the user may see
(see `civicgrid.hotspots.engine` for the clustering and the heat index); alerts are rows the worker raised.

Stored clusters (`Snapshot`): the worker keeps each hourly clustering of the last weeks, and a live clustering of
a closed period is kept too. A period whose days the stored snapshots cover (chained with an overlap of at least
the time window, so that no two linked requests fall between two snapshots) is read from them: their clusters
are merged where they share a ticket, members are filtered to the tickets the reader may see in the period and
area, and counts, growth and heat are computed again from the members kept. Otherwise the period is clustered
live. Pages say 「数据截至 …」 for a stored result.
"""

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from civicgrid.assessment.selectors import area_filter, period_bounds
from civicgrid.core.actors import SYSTEM
from civicgrid.hotspots.engine import Params, Record, cluster, growth, heat_index
from civicgrid.hotspots.models import Alert, HotspotConfig, Snapshot, TicketWords
from civicgrid.hotspots.words import SEPARATOR, TOKENIZER_VERSION, fill_words
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import Grid, Role
from civicgrid.registry.selectors import has_role, sees_everything
from civicgrid.tickets.models import Ticket
from civicgrid.tickets.selectors import tickets_for

# Who sees every ticket's hotspots; everyone else sees hotspots among their units' tickets.
ALL_TICKETS_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER, Role.ADMINISTRATOR)
URGENCY_WEIGHT = {"critical": 1.0, "urgent": 0.5}
_LONG_DIGITS = re.compile(r"\d{7,}")


@dataclass
class HotIssue:
    """A cluster of similar requests in a place and a time window, explained."""

    label: str
    keywords: list[str]
    places: list[str]
    first: datetime
    last: datetime
    size: int
    callers: int
    heat: float
    daily: list[tuple[date, int]] = field(default_factory=list)
    # (ticket number, title) of a few members, most recent first
    examples: list[tuple[str, str]] = field(default_factory=list)
    growth: float = 0.0
    key: str = ""  # stable: the earliest member's number and the main place
    ticket_ids: list[int] = field(default_factory=list)
    urgency: float = 0.0
    area_id: int | None = None  # the town most members are in
    example_ids: list[int] = field(default_factory=list)  # the examples' ticket ids, same order
    main_place: str = ""  # the place the key is made of
    # [id, local time, caller hash, urgency, town id, number] of each member, as a snapshot keeps them
    members: list[list] = field(default_factory=list, repr=False)


@dataclass
class EarlyAlert:
    """An alert raised by the worker: a cluster growing beyond what its baseline explains."""

    label: str
    raised_at: datetime
    keywords: list[str]
    places: list[str]
    size: int
    observed: int
    expected: float
    explanation: str
    pk: int = 0
    p_value: float = 1.0


def config_at(day: date) -> HotspotConfig:
    """The parameters in force on `day` (an unsaved default when none is)."""
    return HotspotConfig.objects.effective_at(day).order_by(
        "-effective_from", "-pk"
    ).first() or HotspotConfig(version="默认", effective_from=day)


def params_of(config: HotspotConfig) -> Params:
    return Params(
        window_days=config.window_days,
        threshold=config.threshold,
        place_threshold=config.place_threshold,
        recent_days=config.recent_days,
    )


def visible_tickets(user):
    """Every ticket for the system and the supervisor, leader, dispatcher and administrator; else their units'."""
    if user is SYSTEM or sees_everything(user) or has_role(user, *ALL_TICKETS_ROLES):
        return Ticket.objects.all()
    return tickets_for(user)


def caller_hash(phone: str) -> str:
    """Distinct callers are counted on a hash: the phone itself never leaves the ticket."""
    digits = re.sub(r"\D", "", phone or "")
    return hashlib.sha256(f"civicgrid-hotspot:{digits}".encode()).hexdigest()[:16] if digits else ""


def ticket_records(tickets) -> tuple[list[Record], dict[int, dict]]:
    """Engine records of the tickets (text = address + title + content), and per id what the explanation shows."""
    rows = tickets.values(
        "pk",
        "number",
        "title",
        "content",
        "address",
        "received_at",
        "requester_phone",
        "requester_name",
        "urgency",
        "town_id",
        "community__name",
        "grid_id",
        "grid__name",
    ).order_by("received_at", "pk")
    records, info = [], {}
    for row in rows.iterator(chunk_size=2000):
        local = timezone.localtime(row["received_at"]).replace(tzinfo=None)
        records.append(
            Record(
                ref=row["pk"],
                text=f"{row['address']}。{row['title']}。{row['content'][:500]}",
                time=local,
                area=f"t{row['town_id']}" if row["town_id"] else "",
                caller=caller_hash(row["requester_phone"]),
                urgency=URGENCY_WEIGHT.get(row["urgency"], 0.0),
                title=row["title"],
                fallback_place=row["grid__name"] or row["community__name"] or "",
                grid=f"g{row['grid_id']}" if row["grid_id"] else "",
            )
        )
        info[row["pk"]] = {
            "number": row["number"],
            "title": row["title"],
            "name": row["requester_name"],
            "town": row["town_id"],
        }
    fill_words(records)
    return records, info


_NEIGHBOURS: dict[str, dict[str, set[str]]] = {}
# Grids closer than this (degrees, about 10 m) count as adjacent: drawn boundaries rarely meet exactly.
TOUCH = 1e-4


def grid_neighbours() -> dict[str, set[str]]:
    """Adjacent grids by their boundaries ("g<pk>" keys), computed once per set of boundaries (a digest of the
    grids' bounding boxes tells when one was redrawn)."""
    rows = list(
        Grid.objects.filter(geometry__isnull=False)
        .order_by("pk")
        .values_list("pk", "min_lon", "min_lat", "max_lon", "max_lat")
    )
    key = hashlib.sha256(repr(rows).encode()).hexdigest()
    if key not in _NEIGHBOURS:
        _NEIGHBOURS.clear()
        _NEIGHBOURS[key] = _adjacent(
            dict(Grid.objects.filter(geometry__isnull=False).values_list("pk", "geometry"))
        )
    return _NEIGHBOURS[key]


def _adjacent(geometries: dict[int, dict]) -> dict[str, set[str]]:
    import shapely
    from shapely.geometry import shape

    pks, shapes = [], []
    for pk, geometry in geometries.items():
        try:
            shapes.append(shape(geometry))
            pks.append(pk)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
            continue  # an unreadable boundary has no neighbours
    out: dict[str, set[str]] = {f"g{pk}": set() for pk in pks}
    if not shapes:
        return out
    tree = shapely.STRtree(shapes)
    left, right = tree.query([s.buffer(TOUCH) for s in shapes], predicate="intersects")
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a != b:
            out[f"g{pks[a]}"].add(f"g{pks[b]}")
    return out


def _clean(words: list[str], private: set[str]) -> list[str]:
    return [w for w in words if w not in private and not _LONG_DIGITS.search(w)]


def _scrub(text: str, private: set[str]) -> str:
    for word in private:
        if len(word) >= 2:
            text = text.replace(word, "*" * len(word))
    return _LONG_DIGITS.sub("****", text)


def clusters_of(tickets, *, today: date, config: HotspotConfig | None = None) -> list[HotIssue]:
    """Every hotspot among `tickets`, hottest first, explained without personal data."""
    config = config or config_at(today)
    records, info = ticket_records(tickets)
    out = []
    for c in cluster(records, params_of(config), today=today, neighbours=grid_neighbours()):
        ids = [records[i].ref for i in c.members]
        private = {info[pk]["name"] for pk in ids if info[pk]["name"]}
        keywords, places = _clean(c.keywords, private), _clean(c.places, private)
        head = c.main_place if c.main_place not in private else (keywords[0] if keywords else "")
        label = head + ("：" + "、".join(keywords[:3]) if keywords else "")
        recent = ids[::-1][:5]
        towns = Counter(info[pk]["town"] for pk in ids if info[pk]["town"])
        out.append(
            HotIssue(
                label=label,
                keywords=keywords,
                places=places,
                first=timezone.make_aware(c.first),
                last=timezone.make_aware(c.last),
                size=c.size,
                callers=c.callers,
                heat=c.heat,
                daily=c.daily,
                examples=[(info[pk]["number"], _scrub(info[pk]["title"], private)) for pk in recent],
                growth=c.growth,
                key=f"{info[ids[0]]['number']}:{c.main_place}"[:64],
                ticket_ids=ids,
                urgency=c.urgency,
                area_id=towns.most_common(1)[0][0] if towns else None,
                example_ids=recent,
                main_place=c.main_place,
                members=[_member(records[i], info[records[i].ref]) for i in c.members],
            )
        )
    return out


def _member(record: Record, info: dict) -> list:
    return [record.ref, record.time.isoformat(), record.caller, record.urgency, info["town"], info["number"]]


def period_tickets(*, user, date_from: date, date_to: date, area=None):
    start, end = period_bounds(date_from, date_to)
    tickets = visible_tickets(user).filter(received_at__gte=start, received_at__lt=end)
    return tickets.filter(area_filter(area)) if area is not None else tickets


def hot_issues(*, user, date_from: date, date_to: date, area=None, top: int = 10) -> list[HotIssue]:
    """The period's top hotspots among the tickets `user` may see, hottest first (area: an AdminArea or None)."""
    return hot_issues_as_of(user=user, date_from=date_from, date_to=date_to, area=area, top=top)[0]


def hot_issues_as_of(
    *, user, date_from: date, date_to: date, area=None, top: int = 10
) -> tuple[list[HotIssue], datetime | None]:
    """`hot_issues` and, when they were read from stored clusters, the time the data are complete up to."""
    issues, as_of = _all_issues(user=user, date_from=date_from, date_to=date_to, area=area)
    issues = issues[:top]
    if as_of is not None:
        _fill_examples(issues)
    return issues, as_of


def hot_issue(*, user, date_from: date, date_to: date, key: str, area=None) -> HotIssue | None:
    """One hotspot of the period by its key (the detail page)."""
    issues, as_of = _all_issues(user=user, date_from=date_from, date_to=date_to, area=area)
    issue = next((h for h in issues if h.key == key), None)
    if issue is not None and as_of is not None:
        _fill_examples([issue])
    return issue


def _all_issues(*, user, date_from, date_to, area) -> tuple[list[HotIssue], datetime | None]:
    config = config_at(date_to)
    stored = stored_issues(user=user, date_from=date_from, date_to=date_to, area=area, config=config)
    if stored is not None:
        return stored
    tickets = period_tickets(user=user, date_from=date_from, date_to=date_to, area=area)
    issues = clusters_of(tickets, today=date_to, config=config)
    now = timezone.now()
    # A closed period seen whole is kept: the next view of it (a year, say) merges instead of clustering again.
    if area is None and _sees_all(user) and period_bounds(date_from, date_to)[1] <= now:
        store_snapshot(issues, date_from=date_from, date_to=date_to, config=config, now=now)
    return issues, None


def _sees_all(user) -> bool:
    return user is SYSTEM or sees_everything(user) or has_role(user, *ALL_TICKETS_ROLES)


# ----------------------------------------------------------------------------- stored clusters

# Bump when the engine clusters differently: every stored snapshot is then left unused.
SNAPSHOT_ENGINE = "1"


def snapshot_version(config: HotspotConfig) -> str:
    text = f"{params_of(config)}|{TOKENIZER_VERSION}|{SNAPSHOT_ENGINE}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def store_snapshot(
    issues: list[HotIssue], *, date_from: date, date_to: date, config, now: datetime
) -> Snapshot:
    """Keep the clusters of [date_from, date_to] (all tickets, every area) as computed at `now`."""
    clusters = [
        {"keywords": h.keywords, "places": h.places, "main": h.main_place, "members": h.members}
        for h in issues
    ]
    snapshot, _ = Snapshot.objects.update_or_create(
        version=snapshot_version(config),
        date_from=date_from,
        date_to=date_to,
        defaults={"computed_at": now, "clusters": clusters},
    )
    return snapshot


def covering_snapshots(date_from: date, date_to: date, *, config) -> list[Snapshot] | None:
    """The snapshots overlapping the period when they cover it (each day in one, consecutive ones overlapping by
    at least the time window), else None."""
    rows = list(
        Snapshot.objects.filter(
            version=snapshot_version(config), date_from__lte=date_to, date_to__gte=date_from
        )
        .order_by("date_from", "-date_to")
        .only("pk", "date_from", "date_to", "computed_at")
    )
    reach = date_from - timedelta(days=1)
    for row in rows:
        # A pair of linked requests straddling `reach` lies in `row` when it starts early enough.
        if row.date_from <= max(date_from, reach - timedelta(days=config.window_days - 1)):
            reach = max(reach, row.date_to)
    return rows if rows and reach >= date_to else None


def complete_until(snapshots: list[Snapshot], date_from: date, date_to: date) -> datetime:
    """The time up to which the snapshots hold every ticket of the period: a day is complete once a snapshot
    covering it was computed after it ended."""
    as_of = None
    newest = max(s.computed_at for s in snapshots)
    day = date_from
    while day <= date_to:
        end = period_bounds(day, day)[1]
        best = max((s.computed_at for s in snapshots if s.date_from <= day <= s.date_to), default=None)
        if best is not None and best < end:
            as_of = best if as_of is None else min(as_of, best)
        day += timedelta(days=1)
    return as_of if as_of is not None else min(newest, period_bounds(date_from, date_to)[1])


def stored_issues(
    *, user, date_from: date, date_to: date, area, config
) -> tuple[list[HotIssue], datetime] | None:
    """The period's hotspots merged from stored snapshots (examples not filled), and the time they are complete
    up to; None when the snapshots do not cover the period or are older than two worker checks."""
    heads = covering_snapshots(date_from, date_to, config=config)
    if heads is None:
        return None
    as_of = complete_until(heads, date_from, date_to)
    now = timezone.now()
    stale = timedelta(minutes=2 * max(config.every_minutes, 30))
    if as_of < min(now, period_bounds(date_from, date_to)[1]) - stale:
        return None
    visible = set(
        period_tickets(user=user, date_from=date_from, date_to=date_to, area=area).values_list(
            "pk", flat=True
        )
    )
    parts, owner, parent = [], {}, []

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for snapshot in Snapshot.objects.filter(pk__in=[s.pk for s in heads]).order_by("date_from", "pk"):
        for part in snapshot.clusters:
            kept = [m for m in part["members"] if m[0] in visible]
            if not kept:
                continue
            index = len(parts)
            parts.append((part, kept))
            parent.append(index)
            for m in kept:
                other = owner.setdefault(m[0], index)
                if other != index:
                    a, b = find(other), find(index)
                    parent[max(a, b)] = min(a, b)
    groups = defaultdict(list)
    for index in range(len(parts)):
        groups[find(index)].append(index)
    params = params_of(config)
    issues = []
    for indexes in groups.values():
        members = {m[0]: m for i in indexes for m in parts[i][1]}
        if len(members) < 2:
            continue
        main = max(indexes, key=lambda i: (len(parts[i][0]["members"]), -i))
        ordered = sorted(members.values(), key=lambda m: (m[1], m[0]))
        issues.append(_merged(parts[main][0], ordered, date_to, params))
    issues.sort(key=lambda h: (-h.heat, -h.size, h.ticket_ids[0]))
    return issues, as_of


def _merged(part: dict, members: list[list], today: date, params: Params) -> HotIssue:
    times = [datetime.fromisoformat(m[1]) for m in members]
    per_day = Counter(t.date() for t in times)
    first_day = times[0].date()
    n = len(members)
    callers = len({m[2] for m in members if m[2]}) or n
    urgency = sum(m[3] for m in members) / n
    grown = growth(per_day, today, params.recent_days)
    keywords, main = part["keywords"], part["main"]
    head = main or (keywords[0] if keywords else "")
    towns = Counter(m[4] for m in members if m[4])
    ids = [m[0] for m in members]
    return HotIssue(
        label=head + ("：" + "、".join(keywords[:3]) if keywords else ""),
        keywords=keywords,
        places=part["places"],
        first=timezone.make_aware(times[0]),
        last=timezone.make_aware(times[-1]),
        size=n,
        callers=callers,
        heat=heat_index(n, grown, callers, urgency),
        daily=[
            (first_day + timedelta(d), per_day.get(first_day + timedelta(d), 0))
            for d in range((times[-1].date() - first_day).days + 1)
        ],
        growth=grown,
        key=f"{members[0][5]}:{main}"[:64],
        ticket_ids=ids,
        urgency=urgency,
        area_id=towns.most_common(1)[0][0] if towns else None,
        example_ids=ids[::-1][:5],
        main_place=main,
        members=members,
    )


def _fill_examples(issues: list[HotIssue]) -> None:
    """Numbers and titles of the examples, titles cleared of the members' names (read for these hotspots only).

    A stored cluster's key words and places were drawn from all its members, city-wide; a reader who sees only some
    of them keeps only the words those tickets hold, so no word comes from a ticket outside her scope.
    """
    wanted = [pk for h in issues for pk in h.ticket_ids]
    rows, words = {}, defaultdict(set)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for pk, number, title, content, name in Ticket.objects.filter(pk__in=chunk).values_list(
            "pk", "number", "title", "content", "requester_name"
        ):
            rows[pk] = (number, title, name, f"{title}\n{content}")
        for pk, cut in TicketWords.objects.filter(ticket_id__in=chunk).values_list("ticket_id", "words"):
            words[pk].update(cut.split(SEPARATOR) if cut else ())
    for h in issues:
        private = {rows[pk][2] for pk in h.ticket_ids if pk in rows and rows[pk][2]}
        seen = [rows[pk][3] for pk in h.ticket_ids if pk in rows]
        held = set().union(*(words[pk] for pk in h.ticket_ids))

        def in_scope(word, seen=seen, held=held):
            return word in held or any(word in text for text in seen)

        h.keywords = [w for w in _clean(h.keywords, private) if in_scope(w)]
        h.places = [p for p in _clean(h.places, private) if in_scope(p)]
        shown = h.main_place and h.main_place not in private and in_scope(h.main_place)
        head = h.main_place if shown else (h.keywords[0] if h.keywords else "")
        h.label = head + ("：" + "、".join(h.keywords[:3]) if h.keywords else "")
        h.examples = [(rows[pk][0], _scrub(rows[pk][1], private)) for pk in h.example_ids if pk in rows]


def alerts_for(user, *, date_from: date | None = None, date_to: date | None = None, area=None):
    """Alert rows the user may see: any of their tickets is in the alert."""
    alerts = Alert.objects.all()
    if not (user is SYSTEM or sees_everything(user) or has_role(user, *ALL_TICKETS_ROLES)):
        alerts = alerts.filter(tickets__in=tickets_for(user)).distinct()
    if date_from is not None:
        alerts = alerts.filter(day__gte=date_from)
    if date_to is not None:
        alerts = alerts.filter(day__lte=date_to)
    if area is not None:
        alerts = alerts.filter(area_id__in=area_subtree_ids([area]))
    return alerts.order_by("-raised_at", "-pk")


def early_alerts(*, user, date_from: date, date_to: date, area=None) -> list[EarlyAlert]:
    """Early alerts raised in the period for tickets `user` may see, newest first."""
    return [
        EarlyAlert(
            label=a.label,
            raised_at=a.raised_at,
            keywords=a.keywords,
            places=a.places,
            size=a.size,
            observed=a.observed,
            expected=a.expected,
            explanation=a.explanation,
            pk=a.pk,
            p_value=a.p_value,
        )
        for a in alerts_for(user, date_from=date_from, date_to=date_to, area=area)
    ]
