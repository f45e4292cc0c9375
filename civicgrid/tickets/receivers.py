"""What the ticket app does when a lower layer announces a change (connected in TicketsConfig.ready)."""

from civicgrid.tickets.services.provisional import provisional_deadlines_recompute


def recompute_provisional_deadlines(sender, *, year: int, actor=None, **kwargs) -> int:
    """workcal's year_confirmed: the provisional deadlines reaching `year` follow the confirmed calendar."""
    return provisional_deadlines_recompute(year=year, actor=actor)
