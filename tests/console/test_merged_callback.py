"""The callback desk calls each merged requester from the master's callback page."""

from datetime import timedelta

import time_machine
from django.urls import reverse

from civicgrid.tickets import services
from civicgrid.tickets.models import Callback, Status
from tests.tickets.test_merged_callback import T0, merged_master


def test_the_master_page_has_a_form_per_requester_and_records_on_the_duplicate(client, world):
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        master, (first, second) = merged_master(world)
        client.force_login(world.user("callback"))
        url = reverse("console:callback_ticket", args=[master.pk])
        page = client.get(url).content.decode()
        action = reverse("console:callback_merged", args=[master.pk])
        for duplicate in (first, second):
            assert f'name="child" value="{duplicate.pk}"' in page
        assert 'href="tel:13900000011"' in page
        response = client.post(
            action,
            {
                "child": first.pk,
                f"m{first.pk}-reached": "1",
                f"m{first.pk}-contacted": "1",
                f"m{first.pk}-solved": "solved",
                f"m{first.pk}-satisfaction": "satisfied",
                f"m{first.pk}-notes": "李先生说修好了",
            },
        )
        assert response.status_code == 302 and response.url == url
        callback = Callback.objects.get(ticket=first)
        assert callback.valid and callback.notes == "李先生说修好了"
        page = client.get(url).content.decode()
        assert f'name="child" value="{first.pk}"' not in page
        assert f'name="child" value="{second.pk}"' in page
        assert "李先生说修好了" in page
        master.refresh_from_db()
        assert master.status == Status.PENDING_CALLBACK  # the master's own call decides its outcome


def test_bad_input_and_a_ticket_not_merged_here_are_refused_without_a_500(client, world):
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        master, (first,) = merged_master(world, phones=("13900000011",))
        other, _ = merged_master(world, phones=("13900000099",))
        client.force_login(world.user("callback"))
        back = reverse("console:callback_ticket", args=[master.pk])
        response = client.post(
            reverse("console:callback_merged", args=[master.pk]),
            {"child": first.pk, f"m{first.pk}-reached": "1"},
        )
        assert response.status_code == 302 and response.url == back
        for child in (first.pk, "abc", "", 10**30):
            response = client.post(reverse("console:callback_merged", args=[other.pk]), {"child": child})
            assert response.status_code == 302
        assert not Callback.objects.exists()
        assert services.merged_requesters_owed(master) == [first]


def test_a_closed_master_owing_calls_is_flagged_in_the_queue(client, world):
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        master, _ = merged_master(world, phones=("13900000011",))
        services.callback_record(
            ticket=master,
            actor=world.user("callback"),
            reached=True,
            contacted=True,
            solved="solved",
            satisfaction="satisfied",
        )
        client.force_login(world.user("callback"))
        body = client.get(reverse("console:callbacks")).content.decode()
        assert master.number in body and "主单已办结，待回访并单诉求人" in body
