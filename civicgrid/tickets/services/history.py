"""Historical tickets 「历史工单」: the one writer of an import from a spreadsheet, and the export's audit row.

An imported ticket keeps its source's number and times, gets a civicgrid number of its own (the same
numbering as registration, a day's worth at a time), is located to a grid when its point lies in one, and
carries `is_historical`: it counts in search and in statistics for its period but sits in no queue, scan,
notification or callback. One event row each says it was imported; one audit row tells the whole import.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.registry import locate
from civicgrid.registry.models import AdminArea, Grid
from civicgrid.routing.models import Category
from civicgrid.tickets.importing.mapping import IMPORT_ROOT, key
from civicgrid.tickets.importing.rows import ImportRow
from civicgrid.tickets.models import (
    QUERY_CODE_ALPHABET,
    QUERY_CODE_LENGTH,
    Event,
    EventAction,
    Status,
    Ticket,
    TriageOutcome,
)
from civicgrid.tickets.services._core import reserve_numbers

CALLBACK_EXEMPTION = "历史导入工单，不回访"
_LOOKUP_BATCH = 500  # external ids per IN (...): well inside SQLite's parameter limit


@dataclass
class Plan:
    """What an import would do: new rows with their grids, the ids already there, categories to create."""

    source: str
    new: list[ImportRow]
    unchanged: int
    grids: list[int | None]  # per new row
    without_point: int = 0
    outside: int = 0  # a point in no grid of ours
    new_categories: list[str] = field(default_factory=list)

    @property
    def located(self) -> int:
        return sum(1 for g in self.grids if g is not None)

    @property
    def not_located(self) -> int:
        return self.without_point + self.outside


def _by_external_id(source: str, external_ids: list[str]):
    # The unique index on (source, external id) is partial (external id not blank): SQLite uses it only when
    # the query says so too, else it reads every ticket (re-importing 50,000 rows: 19 s → bench_import.py).
    return (
        Ticket.objects.filter(external_source=source, external_id__in=external_ids)
        .exclude(external_id="")
        .order_by()
    )


def existing_external_ids(source: str, external_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(external_ids), _LOOKUP_BATCH):
        found.update(
            _by_external_id(source, external_ids[start : start + _LOOKUP_BATCH]).values_list(
                "external_id", flat=True
            )
        )
    return found


def plan_import(rows: list[ImportRow], *, source: str) -> Plan:
    """Read-only: which rows are new (matched by source and external id) and where each would be located."""
    there = existing_external_ids(source, [r.external_id for r in rows])
    new = [r for r in rows if r.external_id not in there]
    with_point = [i for i, r in enumerate(new) if r.lat is not None and r.lon is not None]
    grids: list[int | None] = [None] * len(new)
    if with_point:
        found = locate.locate_points([new[i].lat for i in with_point], [new[i].lon for i in with_point])
        for i, grid_id in zip(with_point, found.tolist(), strict=True):
            grids[i] = grid_id if grid_id >= 0 else None
    outside = int(np.sum(np.asarray([grids[i] is None for i in with_point], dtype=bool))) if with_point else 0
    names = list({key(r.new_category): r.new_category for r in new if r.new_category}.values())
    return Plan(
        source=source,
        new=new,
        unchanged=len(rows) - len(new),
        grids=grids,
        without_point=len(new) - len(with_point),
        outside=outside,
        new_categories=names,
    )


def _grid_places(grid_ids) -> dict[int, tuple[int, int | None, str]]:
    """grid → (community, town, area path) as registration fills them."""
    places = {}
    for grid in Grid.objects.filter(pk__in=set(grid_ids)).select_related("community"):
        path = grid.community.ancestors()
        town = next((a for a in path if a.level == AdminArea.Level.TOWN), None)
        places[grid.pk] = (grid.community_id, town.pk if town else None, " / ".join(a.name for a in path))
    return places


def _import_roots(version: str) -> list[Category]:
    return list(
        Category.objects.filter(version=version, parent=None, name__startswith=IMPORT_ROOT).order_by("code")
    )


def _free_code(taken: set[str], prefix: str, order) -> str | None:
    return next((prefix + f"{n:02d}" for n in order if prefix + f"{n:02d}" not in taken), None)


def _create_categories(names: list[str]) -> dict[str, Category]:
    """Categories of these names under the root 「导入分类」 (a further root 「导入分类（2）」… when one is full:
    codes have two digits a level)."""
    version = settings.CIVICGRID_CATEGORY_VERSION
    taken = set(Category.objects.filter(version=version).values_list("code", flat=True))
    roots = _import_roots(version)
    created: dict[str, Category] = {}
    for name in names:
        code = None
        for root in roots:
            code = _free_code(taken, root.code, range(1, 100))
            if code:
                break
        if code is None:
            root_code = _free_code(taken, "", range(99, 0, -1))
            if root_code is None:
                from civicgrid.tickets.errors import TicketError

                raise TicketError(
                    "业务分类的一级编码已用完，无法再建「导入分类」，请在映射的 [categories] 中写 default"
                )
            label = IMPORT_ROOT if not roots else f"{IMPORT_ROOT}（{len(roots) + 1}）"
            root = Category.objects.create(
                version=version, code=root_code, name=label, keywords="历史工单导入"
            )
            taken.add(root_code)
            roots.append(root)
            code = _free_code(taken, root.code, range(1, 100))
        category = Category.objects.create(version=version, code=code, name=name, parent=root)
        taken.add(code)
        created[key(name)] = category
    return created


@transaction.atomic
def import_history(plan: Plan, *, label: str, actor=None, progress=None, batch_size: int = 1000) -> int:
    """Write the plan's new rows as historical tickets, all or nothing; returns how many were written."""
    at = timezone.now()
    created = _create_categories(plan.new_categories)
    places = _grid_places(g for g in plan.grids if g is not None)

    numbers: dict[int, str] = {}
    by_day: dict = defaultdict(list)
    for i, row in enumerate(plan.new):
        by_day[timezone.localdate(row.received_at)].append(i)
    for day, indexes in by_day.items():
        for i, number in zip(indexes, reserve_numbers(day, len(indexes)), strict=True):
            numbers[i] = number

    written = 0
    user = actor if getattr(actor, "is_authenticated", False) else None
    tickets = _Inserter(
        Ticket,
        at,
        triage_outcome=TriageOutcome.ACCEPT,
        callback_exemption=CALLBACK_EXEMPTION,
        excluded_from_rating=True,
        external_source=plan.source,
        is_historical=True,
        version=1,
    )
    events = _Inserter(Event, at)
    for start in range(0, len(plan.new), batch_size):
        batch = plan.new[start : start + batch_size]
        tickets.insert(
            [
                _ticket(
                    row, numbers[start + i], code, plan.grids[start + i], places, created, plan.source, user
                )
                for i, (row, code) in enumerate(zip(batch, _query_codes(len(batch)), strict=True))
            ]
        )
        ids = dict(
            _by_external_id(plan.source, [r.external_id for r in batch]).values_list("external_id", "pk")
        )
        events.insert(
            [
                {
                    "ticket_id": ids[row.external_id],
                    "at": at,
                    "actor_id": user.pk if user else None,
                    "action": EventAction.IMPORTED,
                    "from_status": "",
                    "to_status": Status.CLOSED if row.status == "closed" else Status.RECEIVED,
                    "note": f"从「{label}」导入的历史工单（第 {row.row} 行）"[:500],
                    "payload": {
                        "source": plan.source,
                        "external_id": row.external_id,
                        "row": row.row,
                        "due_at": row.due_at.isoformat() if row.due_at else None,
                        "located": plan.grids[start + i] is not None,
                    },
                }
                for i, row in enumerate(batch)
            ]
        )
        written += len(batch)
        if progress is not None:
            progress(written, len(plan.new))
    record_event(
        actor=actor,
        action="tickets.import",
        summary=f"从「{label}」导入历史工单 {written} 件（来源 {plan.source}）",
        source=plan.source,
        file=label,
        imported=written,
        unchanged=plan.unchanged,
        located=plan.located,
        not_located=plan.not_located,
        categories_created=[c.path_display for c in created.values()],
    )
    return written


def _ticket(row: ImportRow, number, query_code, grid_id, places, created, source, user) -> dict:
    """The ticket's column values (the rest take the model's defaults)."""
    closed = row.status == "closed"
    category = row.category or (created.get(key(row.new_category)) if row.new_category else None)
    community_id, town_id, area_path = places.get(grid_id, (None, None, "")) if grid_id else (None, None, "")
    return {
        "number": number,
        "query_code": query_code,
        "channel": row.channel,
        "received_at": row.received_at,
        "registered_by_id": user.pk if user else None,
        "requester_name": row.requester_name,
        "requester_phone": row.requester_phone,
        "address": row.address,
        "title": row.title,
        "content": row.content,
        "lat": row.lat,
        "lon": row.lon,
        "grid_id": grid_id,
        "community_id": community_id,
        "town_id": town_id,
        "area_path": area_path,
        "request_type": row.request_type,
        "category_id": category.pk if category else None,
        "category_code": category.code if category else "",
        "category_version": category.version if category else "",
        "status": Status.CLOSED if closed else Status.RECEIVED,
        "lead_unit_id": row.unit_id,
        "reply_text": row.reply,
        "replied_at": row.closed_at if row.reply else None,
        "closed_at": row.closed_at if closed else None,
        "closed_on_time": (row.closed_at <= row.due_at) if closed and row.closed_at and row.due_at else None,
        "external_id": row.external_id,
    }


class _Inserter:
    """Plain multi-row INSERTs for one model: the ORM's bulk_create spends most of an import preparing each
    value through every field (bench/bench_import.py); here each column's adapter is chosen once, and the
    values every row shares are prepared once."""

    def __init__(self, model, at, **shared):
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        ops = self.connection.ops
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.adapt = {}
        for f in self.fields:
            if isinstance(f, models.DateTimeField):
                self.adapt[f.attname] = ops.adapt_datetimefield_value
            elif isinstance(f, models.DateField):
                self.adapt[f.attname] = ops.adapt_datefield_value
            elif isinstance(f, models.JSONField):
                self.adapt[f.attname] = lambda v, f=f: f.get_db_prep_save(v, self.connection)
        self.constant = {}
        for f in self.fields:
            if f.attname in shared:
                value = shared[f.attname]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = at
            else:
                value = f.get_default()
            self.constant[f.attname] = self._prepare(f.attname, value)
        quote = ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        # Bound parameters per statement: SQLite allows 32,766, PostgreSQL 65,535.
        limit = 30_000 if self.connection.vendor == "sqlite" else 60_000
        self.per_statement = max(1, limit // len(self.fields))
        self.sql_head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        self.row_sql = "(" + ", ".join(["%s"] * len(self.fields)) + ")"

    def _prepare(self, attname, value):
        adapt = self.adapt.get(attname)
        return adapt(value) if adapt is not None and value is not None else value

    def insert(self, rows: list[dict]) -> None:
        """Insert rows that all carry the same keys (the columns that vary); the rest take the constants."""
        if not rows:
            return
        varying = list(rows[0])
        index = {f.attname: i for i, f in enumerate(self.fields)}
        positions = [index[name] for name in varying]
        adapters = [self._fast_adapter(name) for name in varying]
        template = [self.constant[f.attname] for f in self.fields]
        params = []
        for row in rows:
            values = template.copy()
            for position, adapt, value in zip(positions, adapters, row.values(), strict=True):
                values[position] = value if adapt is None or value is None else adapt(value)
            params.append(values)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # COPY: a statement with tens of thousands of placeholders is parsed by psycopg in Python
                # on every call (not cached past 4 kB), which cost more than the writing itself.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for values in params:
                        copy.write_row(values)
                return
            for start in range(0, len(params), self.per_statement):
                chunk = params[start : start + self.per_statement]
                cursor.execute(
                    self.sql_head + ", ".join([self.row_sql] * len(chunk)),
                    [value for values in chunk for value in values],
                )

    def _fast_adapter(self, attname):
        adapt = self.adapt.get(attname)
        if adapt is self.connection.ops.adapt_datetimefield_value and self.connection.vendor == "sqlite":
            # What Django's SQLite adapter stores (naive UTC text), without its checks on every value.
            return lambda value: str(value.astimezone(UTC).replace(tzinfo=None))
        return adapt


def _query_codes(n: int) -> list[str]:
    """`n` fresh 查询码 (the same alphabet and length as registration's), drawn from the OS's randomness."""
    rng = secrets.SystemRandom()
    return ["".join(rng.choices(QUERY_CODE_ALPHABET, k=QUERY_CODE_LENGTH)) for _ in range(n)]


def imported_due_at(tickets) -> dict[int, datetime | None]:
    """The source's own 办理时限 of imported tickets, kept on their import event."""
    due: dict[int, datetime | None] = {}
    ids = [t.pk for t in tickets if t.is_historical]
    for start in range(0, len(ids), _LOOKUP_BATCH):
        for ticket_id, payload in Event.objects.filter(
            ticket_id__in=ids[start : start + _LOOKUP_BATCH], action=EventAction.IMPORTED
        ).values_list("ticket_id", "payload"):
            value = (payload or {}).get("due_at")
            due[ticket_id] = datetime.fromisoformat(value) if value else None
    return due


@transaction.atomic
def record_export(*, actor=None, label: str, count: int, date_from, date_to, mapping: str = "") -> None:
    """An export of tickets leaves an audit row (what, how many, which period)."""
    record_event(
        actor=actor,
        action="tickets.export",
        summary=f"导出工单 {count} 件（{date_from} 至 {date_to}）到「{label}」",
        file=label,
        count=count,
        date_from=str(date_from),
        date_to=str(date_to),
        mapping=mapping,
    )
