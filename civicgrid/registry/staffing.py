"""Whether a unit has someone on duty to handle its tickets （在岗办理人员）.

A unit is staffed when an active account with a handling role acts for it: a member of the unit,
or for a grid team the grid's leader or one of its workers. A leader alone cannot sign or reply, so a
unit whose only member is its leader is not staffed.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from civicgrid.registry.models import Role, Staff, Unit

__all__ = ["HANDLING_ROLES", "is_staffed", "staffed_unit_ids", "with_staffing"]

HANDLING_ROLES = (Role.UNIT_HANDLER, Role.GRID_WORKER, Role.GRID_LEADER)


def _handlers():
    return Staff.objects.filter(user__is_active=True, roles__code__in=HANDLING_ROLES)


def with_staffing(units: QuerySet[Unit]) -> QuerySet[Unit]:
    """The units annotated with `is_staffed`."""
    return units.annotate(
        is_staffed=Exists(_handlers().filter(units=OuterRef("pk")))
        | Exists(_handlers().filter(Q(grids=OuterRef("grid_id")) | Q(led_grids=OuterRef("grid_id"))))
    )


def staffed_unit_ids(unit_ids) -> set[int]:
    """Those of `unit_ids` that are staffed (one query)."""
    return set(
        with_staffing(Unit.objects.filter(pk__in=list(unit_ids)))
        .filter(is_staffed=True)
        .values_list("pk", flat=True)
    )


def is_staffed(unit: Unit) -> bool:
    return unit.is_active and unit.pk in staffed_unit_ids([unit.pk])
