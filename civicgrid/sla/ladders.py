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


def _levels(ladder: EscalationLadder) -> list[EscalationLevel]:
    return list(ladder.levels.select_related("unit").order_by("order"))


def _climb(levels, start: int, below: Unit, skipped: list[str]) -> tuple[EscalationLevel, Unit] | None:
    """The first staffed level from `start` up, resolving each from the unit below; adds the others to `skipped`."""
    for level in levels[start:]:
        unit = _unit_at(level, below)
        if unit is not None and unit.is_active and is_staffed(unit):
            return level, unit
        skipped.append(f"{level.name}({unit.name})" if unit else level.name)
        below = unit or below
    return None


def _ladder_above(ladder: EscalationLadder, at) -> EscalationLadder | None:
    """The ladder a matter continues on past the top of an area's own ladder: that of the area above."""
    if ladder.area_id is None:
        return None
    above = ladder_for(ladder.area.parent, at=at)
    return None if above is None or above.pk == ladder.pk else above


def _entry_on(levels, passed: list[Unit]) -> tuple[int, Unit]:
    """Where a matter handed over from a lower ladder joins `levels`: above the highest level held by a unit it
    has passed on the lower ladder (the city's 村/社区 rung is the village's 村委会), else at the bottom."""
    best = (0, passed[0])
    for unit in passed:
        held = [i for i, level in enumerate(levels) if _holds(level, unit)]
        if held and max(held) + 1 > best[0]:
            best = (max(held) + 1, unit)
    return best


def _passed(levels, unit: Unit) -> list[Unit]:
    """`unit` and the units over it that hold a level of its own ladder: where the matter has been."""
    out, node, seen = [unit], unit.parent, {unit.pk}
    while node is not None and node.pk not in seen:
        if any(_holds(level, node) for level in levels):
            out.append(node)
        seen.add(node.pk)
        node = node.parent
    return out


def next_level(
    ticket_area: AdminArea | None, current_unit: Unit, *, at: date | datetime | None = None
) -> Step:
    """The level above `current_unit` on the ladder of `ticket_area`, skipping any level whose unit
    has no active staff (or is not found). Past the top of an area's own ladder (a village's 四级化事法 ends at
    云化解), the matter continues on the ladder of the area above (the city's 直通联办). Raises NoLevelAbove, with
    the reason in Chinese."""
    ladder = ladder_for(ticket_area, at=at)
    if ladder is None:
        raise NoLevelAbove(gettext("没有生效的提级阶梯，请管理员在后台配置"))
    levels = _levels(ladder)
    held = [i for i, level in enumerate(levels) if _holds(level, current_unit)]
    first, seen = ladder, {ladder.pk}
    while not held:
        # A matter already handed over from the village's own ladder is on the ladder of an area above.
        above = _ladder_above(ladder, at)
        if above is None or above.pk in seen:
            ladder, levels = first, []
            break
        ladder, levels = above, _levels(above)
        seen.add(ladder.pk)
        held = [i for i, level in enumerate(levels) if _holds(level, current_unit)]
    if not held:
        raise NoLevelAbove(
            gettext("%(unit)s不在提级阶梯「%(ladder)s」上，不能提级；可由督办员吹哨或由 12345 中心协调")
            % {"unit": current_unit.name, "ladder": ladder.name}
        )
    skipped: list[str] = []
    passed = _passed(levels, current_unit)
    found = _climb(levels, max(held) + 1, current_unit, skipped)
    while found is None:
        above = _ladder_above(ladder, at)
        if above is None or above.pk in seen:
            break
        ladder, levels = above, _levels(above)
        seen.add(ladder.pk)
        start, below = _entry_on(levels, passed)
        found = _climb(levels, start, below, skipped)
    if found is not None:
        return Step(ladder=ladder, level=found[0], unit=found[1], skipped=tuple(skipped))
    if skipped:
        raise NoLevelAbove(
            gettext("上级%(levels)s没有在岗的办理人员，不能提级；请联系 12345 中心协调")
            % {"levels": "、".join(skipped)}
        )
    raise NoLevelAbove(gettext("%(unit)s已是提级阶梯的最高层级，无法继续提级") % {"unit": current_unit.name})
