"""Escalation ladders （提级阶梯）： which unit a ticket goes to when it climbs one level."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.registry.models import AdminArea, Unit
from civicgrid.registry.staffing import is_staffed
from civicgrid.sla.models import EscalationLadder, EscalationLevel
from civicgrid.sla.policies import SlaError

__all__ = ["NoLevelAbove", "Step", "ladder_for", "next_level"]


class NoLevelAbove(SlaError):
    """There is no level above the unit that someone could take the ticket at."""


@dataclass(frozen=True)
class Step:
    """The level above: its unit, and the levels passed over because nobody was on duty there."""

    ladder: EscalationLadder
    level: EscalationLevel
    unit: Unit
    skipped: tuple[str, ...] = ()

    @property
    def limit(self) -> tuple[Decimal, str] | None:
        """The level's own short limit, when it has one."""
        if self.level.limit is None:
            return None
        return self.level.limit, self.level.limit_unit


def _day(at: date | datetime | None) -> date:
    if at is None:
        return timezone.localdate()
    if isinstance(at, datetime):
        return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    return at


def ladder_for(area: AdminArea | None, *, at: date | datetime | None = None) -> EscalationLadder | None:
    """The ladder in force for `area`: the nearest area up from it that has one, else the default."""
    in_force: dict[int | None, EscalationLadder] = {}
    for ladder in EscalationLadder.objects.effective_at(_day(at)).order_by("effective_from", "pk"):
        in_force[ladder.area_id] = ladder  # the newest version of each area's ladder wins
    for node in reversed(area.ancestors() if area is not None else []):
        if node.pk in in_force:
            return in_force[node.pk]
    return in_force.get(None)


def _holds(level: EscalationLevel, unit: Unit) -> bool:
    if level.unit_id:
        return level.unit_id == unit.pk
    return bool(level.unit_kind) and level.unit_kind == unit.kind


def _unit_at(level: EscalationLevel, below: Unit) -> Unit | None:
    if level.unit_id:
        return level.unit
    node, seen = below.parent, {below.pk}
    if not level.unit_kind:
        return node
    while node is not None and node.pk not in seen:
        if node.kind == level.unit_kind:
            return node
        seen.add(node.pk)
        node = node.parent
    return None


def next_level(
    ticket_area: AdminArea | None, current_unit: Unit, *, at: date | datetime | None = None
) -> Step:
    """The level above `current_unit` on the ladder of `ticket_area`, skipping any level whose unit
    has no active staff (or is not found). Raises NoLevelAbove, with the reason in Chinese."""
    ladder = ladder_for(ticket_area, at=at)
    if ladder is None:
        raise NoLevelAbove(gettext("没有生效的提级阶梯，请管理员在后台配置"))
    levels = list(ladder.levels.select_related("unit").order_by("order"))
    held = [i for i, level in enumerate(levels) if _holds(level, current_unit)]
    if not held:
        raise NoLevelAbove(
            gettext("%(unit)s不在提级阶梯「%(ladder)s」上，不能提级；可由督办员吹哨或由 12345 中心协调")
            % {"unit": current_unit.name, "ladder": ladder.name}
        )
    below, skipped = current_unit, []
    for level in levels[max(held) + 1 :]:
        unit = _unit_at(level, below)
        if unit is not None and unit.is_active and is_staffed(unit):
            return Step(ladder=ladder, level=level, unit=unit, skipped=tuple(skipped))
        skipped.append(f"{level.name}({unit.name})" if unit else level.name)
        below = unit or below
    if skipped:
        raise NoLevelAbove(
            gettext("上级%(levels)s没有在岗的办理人员，不能提级；请联系 12345 中心协调")
            % {"levels": "、".join(skipped)}
        )
    raise NoLevelAbove(gettext("%(unit)s已是提级阶梯的最高层级，无法继续提级") % {"unit": current_unit.name})
