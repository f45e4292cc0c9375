"""Tickets back out to .csv or .xlsx: with a mapping, the same columns the mapping reads (so the file
imports again with it); without one, a plain table with Chinese headers."""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.db.models import F
from django.utils import timezone

from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.importing.mapping import (
    FIELDS,
    Categories,
    Mapping,
    Units,
    channel_code,
    request_type_code,
    status_code,
)
from civicgrid.tickets.models import OPEN_STATUSES, Assignment, Ticket

CHUNK = 2000
DEFAULT_FORMAT = "%Y-%m-%d %H:%M:%S"
# Without a mapping: what a person reads (personal data stays out unless a mapping names it).
PLAIN_FIELDS = [f for f in FIELDS if f not in ("requester_name", "requester_phone")]


@dataclass(frozen=True)
class Layout:
    header: list[str]
    fields: list[str | None]  # per column: the logical field, or None for a blank column


def layout_for(mapping: Mapping | None) -> Layout:
    if mapping is None:
        fields = ["number", "external_source", *PLAIN_FIELDS]
        names = {"number": "工单编号", "external_source": "外部来源", **FIELDS}
        return Layout([names[f] for f in fields], list(fields))
    numbered = {
        f: int(spec[1:]) - 1
        for f, spec in mapping.columns.items()
        if spec.startswith("@") and spec[1:].isdigit()
    }
    named = [f for f in mapping.columns if f not in numbered]
    width = max([len(numbered) + len(named), *(i + 1 for i in numbered.values())])
    fields: list[str | None] = [None] * width
    header = [""] * width
    for f, i in numbered.items():
        fields[i] = f
    free = (i for i in range(width) if fields[i] is None)
    for f in named:
        i = next(free)
        fields[i], header[i] = f, mapping.columns[f]
    return Layout(header, fields)


def _reverse(mapping: Mapping, table: str, find: Callable) -> dict:
    """target (as `find` resolves it) → the first source value the table maps to it."""
    back = {}
    for source_value, target in mapping.raw_tables[table].items():
        found = find(target)
        if found is not None:
            back.setdefault(getattr(found, "pk", found), source_value)
    return back


class Writer:
    def __init__(self, mapping: Mapping | None):
        self.mapping = mapping
        self.layout = layout_for(mapping)
        self.tz = mapping.timezone if mapping else timezone.get_current_timezone()
        formats = mapping.date_formats if mapping else [DEFAULT_FORMAT]
        self.date_format = next((f for f in formats if "%H" in f or "%I" in f), formats[0])
        self.categories = Categories()
        if mapping is not None:
            self.back = {
                "categories": _reverse(mapping, "categories", self.categories.find),
                "request_types": _reverse(mapping, "request_types", request_type_code),
                "channels": _reverse(mapping, "channels", channel_code),
                "statuses": _reverse(mapping, "statuses", status_code),
                "units": _reverse(mapping, "units", Units().find),
            }
        else:
            self.back = {t: {} for t in ("categories", "request_types", "channels", "statuses", "units")}

    def _date(self, value: datetime | None) -> str:
        return value.astimezone(self.tz).strftime(self.date_format) if value else ""

    def values(self, ticket: Ticket, due_at: datetime | None) -> list[str]:
        return [self.value(ticket, f, due_at) if f else "" for f in self.layout.fields]

    def value(self, ticket: Ticket, name: str, due_at: datetime | None) -> str:
        back = self.back
        match name:
            case "number":
                return ticket.number
            case "external_source":
                return ticket.external_source
            case "external_id":
                if self.mapping is None:
                    return ticket.external_id
                own = ticket.external_source == self.mapping.source and ticket.external_id
                return ticket.external_id if own else ticket.number
            case "received_at":
                return self._date(ticket.received_at)
            case "due_at":
                return self._date(due_at)
            case "closed_at":
                return self._date(ticket.closed_at)
            case "title" | "content" | "address" | "requester_name" | "requester_phone":
                return getattr(ticket, name)
            case "reply":
                return ticket.reply_text
            case "latitude":
                return "" if ticket.lat is None else repr(ticket.lat)
            case "longitude":
                return "" if ticket.lon is None else repr(ticket.lon)
            case "category":
                if ticket.category is None:
                    return ""
                return back["categories"].get(ticket.category_id) or self._category_text(ticket.category)
            case "request_type":
                return back["request_types"].get(ticket.request_type) or str(
                    RequestType(ticket.request_type).label
                )
            case "channel":
                return back["channels"].get(ticket.channel) or ticket.channel
            case "status":
                state = "open" if ticket.status in OPEN_STATUSES else "closed"
                return back["statuses"].get(state) or state
            case "unit":
                if ticket.lead_unit is None:
                    return ""
                return back["units"].get(ticket.lead_unit_id) or ticket.lead_unit.name
        return ""

    def _category_text(self, category) -> str:
        # A category made by an import (under 「导入分类」) goes back as its own name, which imports to it again.
        parent = self.categories.by_id.get(category.parent_id)
        if parent is not None and parent.parent_id is None and parent.name.startswith("导入分类"):
            return category.name
        return self.categories.path(category)


def tickets_between(date_from: date, date_to: date):
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time(0), tz)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tz)
    return (
        Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
        .select_related("category", "lead_unit")
        .order_by("received_at", "pk")
    )


def _due_dates(tickets: list[Ticket]) -> dict[int, datetime | None]:
    from civicgrid.tickets.services.history import imported_due_at

    due = imported_due_at(tickets)
    live = [t.pk for t in tickets if not t.is_historical]
    for start in range(0, len(live), 500):
        for ticket_id, due_at in Assignment.objects.filter(
            ticket_id__in=live[start : start + 500],
            role=Assignment.Role.LEAD,
            round=F("ticket__dispatch_round"),
        ).values_list("ticket_id", "due_at"):
            due[ticket_id] = due_at
    return due


def rows(writer: Writer, queryset) -> Iterator[list[str]]:
    chunk: list[Ticket] = []
    for ticket in queryset.iterator(chunk_size=CHUNK):
        chunk.append(ticket)
        if len(chunk) == CHUNK:
            yield from _chunk_rows(writer, chunk)
            chunk = []
    yield from _chunk_rows(writer, chunk)


def _chunk_rows(writer: Writer, chunk: list[Ticket]) -> Iterator[list[str]]:
    if not chunk:
        return
    due = _due_dates(chunk)
    for ticket in chunk:
        yield writer.values(ticket, due.get(ticket.pk))


def write_file(path, writer: Writer, queryset) -> int:
    """Write the tickets to `path` (.csv in UTF-8 with BOM, or .xlsx); returns how many rows. The file
    appears whole or not at all."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    count = 0
    try:
        if path.suffix.lower() == ".xlsx":
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet("工单")
            sheet.append(writer.layout.header)
            for values in rows(writer, queryset):
                sheet.append(values)
                count += 1
            book.save(partial)
        else:
            with partial.open("w", encoding="utf-8-sig", newline="") as handle:
                out = csv.writer(handle)
                out.writerow(writer.layout.header)
                for values in rows(writer, queryset):
                    out.writerow(values)
                    count += 1
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count
