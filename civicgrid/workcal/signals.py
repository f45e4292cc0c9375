"""The calendar's one announcement to the layers above it, which it must not import."""

from django.dispatch import Signal

# Sent inside the transaction that confirms (or imports) a year, with `year` and `actor` (who did it). A receiver that moves
# provisional deadlines returns how many it recomputed (an int); the sum is reported to the person.
year_confirmed = Signal()


def announce_year_confirmed(year: int, actor) -> int:
    """Send year_confirmed; the number of provisional deadlines the receivers recomputed."""
    responses = year_confirmed.send(sender=None, year=year, actor=actor)
    return sum(response for _, response in responses if isinstance(response, int))
