"""Tracking by number + 查询码 (or the full phone), with a per-ticket failure limit shared by every
address (red team H1 and M1)."""

from datetime import timedelta
from importlib import import_module

import time_machine
from django.apps import apps
from django.test import Client
from django.urls import reverse

from civicgrid.portal.models import ResidentRating
from civicgrid.tickets.models import Ticket
from tests.portal import test_views
from tests.portal.test_views import T0, form, track
from tests.tickets.helpers import register

handled = test_views.handled  # the answered ticket, as a fixture here too


def guess(number, code, address):
    return Client(REMOTE_ADDR=address).post(reverse("portal:track"), {"number": number, "code": code})


def test_the_last_four_digits_a_masked_phone_shows_no_longer_open_the_tracker(client, handled):
    """H1: a unit that walked away saw 198****2067 and opened the tracker with 2067."""
    assert handled.requester_phone == "13812345678"
    body = track(client, handled.number, "5678").content.decode()
    assert "未找到对应的工单" in body and "办理过程" not in body
    assert "办理过程" in track(client, handled.number, "13812345678").content.decode()
    assert "办理过程" in track(client, handled.number, handled.query_code.lower()).content.decode()


def test_wrong_guesses_from_many_addresses_lock_the_ticket_for_everyone(handled, settings):
    """M1: 1,235 guesses from 65 addresses found the last four digits; now 5 wrong guesses per hour."""
    with time_machine.travel(T0 + timedelta(days=1), tick=False) as clock:
        for i in range(5):
            body = guess(handled.number, f"ZZZZZ{i + 2}", f"10.3.0.{i}").content.decode()
            assert "未找到对应的工单" in body
        locked = guess(handled.number, handled.query_code, "10.3.1.1").content.decode()
        assert "查询已暂时锁定，请 1 小时后再试" in locked and "办理过程" not in locked
        assert "我的诉求" in locked
        # The rating form, which opens the ticket the same way, is locked too.
        rate = Client(REMOTE_ADDR="10.3.1.2").post(
            reverse("portal:rate"),
            {
                "number": handled.number,
                "code": handled.query_code,
                "satisfaction": "satisfied",
                "solved": "solved",
            },
        )
        assert "暂时锁定" in rate.content.decode() and not ResidentRating.objects.exists()
        # Another ticket is not affected.
        other = register_other(handled)
        assert "办理过程" in guess(other.number, other.query_code, "10.3.1.3").content.decode()
        clock.shift(timedelta(hours=1, minutes=1))
        assert "办理过程" in guess(handled.number, handled.query_code, "10.3.1.1").content.decode()


def register_other(handled) -> Ticket:
    ticket = Ticket.objects.get(pk=handled.pk)
    ticket.pk, ticket.number, ticket.query_code = None, "20260601-999999", "ABCDEF"
    ticket.save()
    return ticket


def test_a_right_answer_costs_the_ticket_nothing(handled, settings):
    settings.CIVICGRID_PORTAL_LIMITS = {"lookup.ticket": (2, 3600)}
    for i in range(5):
        assert "办理过程" in guess(handled.number, handled.query_code, f"10.4.0.{i}").content.decode()
    assert "未找到" in guess(handled.number, "ZZZZZZ", "10.4.1.1").content.decode()
    assert "办理过程" in guess(handled.number, handled.query_code, "10.4.1.1").content.decode()


def test_the_receipt_shows_the_query_code_and_no_phone_digits(client, world):
    response = client.post(reverse("portal:submit"), form())
    ticket = Ticket.objects.get()
    body = client.get(response["Location"]).content.decode()
    assert ticket.query_code in body and "查询码" in body
    assert "4321" not in body and "尾号" not in body


def test_staff_pages_and_the_admin_do_not_show_the_query_code(client, world, handled):
    staff = Client()
    staff.force_login(world.user("operator"))
    page = staff.get(reverse("console:ticket", args=[handled.pk])).content.decode()
    assert handled.number in page and handled.query_code not in page
    admin = Client()
    admin.force_login(world.user("admin"))
    change = admin.get(f"/admin/tickets/ticket/{handled.pk}/change/")
    assert change.status_code == 200 and handled.query_code not in change.content.decode()


def test_existing_tickets_get_a_code_each_from_the_migration(world):
    ticket = register(world, T0)
    Ticket.objects.filter(pk=ticket.pk).update(query_code="")
    import_module("civicgrid.tickets.migrations.0008_query_code").fill_codes(apps, None)
    assert len(Ticket.objects.get(pk=ticket.pk).query_code) == 6
