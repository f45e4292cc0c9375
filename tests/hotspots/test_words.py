"""Stored words: a ticket is cut once, read back on the next run, and cut again when its text changes."""

from datetime import date
from unittest import mock

from civicgrid.hotspots import words
from civicgrid.hotspots.models import Snapshot, TicketWords
from civicgrid.hotspots.selectors import hot_issues
from civicgrid.tickets.models import Ticket
from tests.hotspots.factories import moment, ticket

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def test_words_are_cut_once_then_read_back_and_recut_when_the_text_changes(world):
    for k in range(3):
        ticket(
            world, moment(2026, 3, 2 + k), title="滨海路自来水停水", address="滨海路12号", unit=world["water"]
        )
    first = hot_issues(user=world["supervisor"], **MARCH)
    assert TicketWords.objects.count() == 3
    Snapshot.objects.all().delete()  # the closed month was kept: cluster it live again

    with mock.patch.object(words, "tokens", wraps=words.tokens) as cut:
        again = hot_issues(user=world["supervisor"], **MARCH)
    assert cut.call_count == 0  # every ticket read back
    assert [(i.label, i.size) for i in again] == [(i.label, i.size) for i in first]

    changed = Ticket.objects.order_by("pk").first()
    changed.title = "椰林花园小区油烟扰民"
    changed.save()
    Snapshot.objects.all().delete()
    with mock.patch.object(words, "tokens", wraps=words.tokens) as cut:
        hot_issues(user=world["supervisor"], **MARCH)
    assert cut.call_count == 1  # only the changed ticket is cut again
    stored = TicketWords.objects.get(ticket=changed).words.split(words.SEPARATOR)
    assert "油烟" in stored and TicketWords.objects.count() == 3
