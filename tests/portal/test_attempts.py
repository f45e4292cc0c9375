"""One ticket per filled-in form (portal.attempts): a form sent again after a lost answer or a double tap shows
the first send's receipt; a send while the first is still registering waits for it or says so; a refused send
leaves the form free to be sent again."""

import re

from django.test import Client
from django.urls import reverse

from civicgrid.portal import attempts
from civicgrid.tickets.models import Ticket
from tests.portal.test_views import form


def _token(client) -> str:
    page = client.get(reverse("portal:submit")).content.decode()
    return re.search(r'name="attempt" value="([^"]+)"', page).group(1)


def test_the_same_form_sent_twice_makes_one_ticket_and_shows_its_receipt_again(world):
    first = Client()
    token = _token(first)
    assert attempts.valid(token)
    assert first.post(reverse("portal:submit"), form(attempt=token))["Location"] == reverse("portal:receipt")
    ticket = Ticket.objects.get()
    again = Client()  # the answer was lost, the browser sends the form once more (a new session, too)
    response = again.post(reverse("portal:submit"), form(attempt=token))
    assert response.status_code == 302 and Ticket.objects.count() == 1
    body = again.get(response["Location"]).content.decode()
    assert ticket.number in body and ticket.query_code in body
    # A new form is a new submission.
    other = Client()
    other.post(
        reverse("portal:submit"), form(attempt=_token(other), content="另一件事：路灯坏了一个多星期没人修。")
    )
    assert Ticket.objects.count() == 2


def test_a_send_while_the_first_is_still_registering_does_not_make_a_second_ticket(world, monkeypatch):
    client = Client()
    token = _token(client)
    assert attempts.claim(token)  # the first send holds the form
    monkeypatch.setattr(attempts, "WAIT_SECONDS", 0.3)
    response = client.post(reverse("portal:submit"), form(attempt=token))
    assert response.status_code == 200 and Ticket.objects.count() == 0
    assert "这份诉求正在提交，请勿重复点击" in response.content.decode()
    attempts.remember(token, {"number": "X1", "code": "123456"})  # the first send finished meanwhile
    response = client.post(reverse("portal:submit"), form(attempt=token))
    assert response["Location"] == reverse("portal:receipt") and Ticket.objects.count() == 0


def test_a_refused_send_leaves_the_form_free_to_be_sent_again(world):
    client = Client()
    token = _token(client)
    response = client.post(reverse("portal:submit"), form(attempt=token, content="太短"))
    assert response.status_code == 200 and Ticket.objects.count() == 0
    assert f'value="{token}"' in response.content.decode()  # the corrected form keeps its token
    assert client.post(reverse("portal:submit"), form(attempt=token))["Location"] == reverse("portal:receipt")
    assert Ticket.objects.count() == 1


def test_a_made_up_token_is_ignored(world):
    client = Client()
    client.post(reverse("portal:submit"), form(attempt="../../etc"))
    client.post(
        reverse("portal:submit"), form(attempt="../../etc", content="第二件：公交站的顶棚漏雨很严重。")
    )
    assert Ticket.objects.count() == 2
