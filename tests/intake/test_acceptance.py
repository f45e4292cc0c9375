"""What the operator is shown and left with at acceptance: no preset guess below the threshold, a banner
that says where the ticket went, and direct answers that keep a category."""

import pytest
from django.urls import reverse

from civicgrid.intake import services
from civicgrid.intake.models import Suggestion
from civicgrid.knowledge import services as kb
from civicgrid.tickets.models import Status, Ticket
from tests.intake.test_services import PROPERTY_TEXT, register
from tests.tickets.helpers import INSIDE_GRID1


@pytest.fixture(autouse=True)
def test_categories(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"


def intake_post(world, **extra):
    data = {
        "channel": "phone",
        "requester_name": "王女士",
        "requester_phone": "13700005678",
        "request_type": "TS",
        "urgency": "normal",
        "lat": str(INSIDE_GRID1[0]),
        "lon": str(INSIDE_GRID1[1]),
        **PROPERTY_TEXT,
    }
    data.update(extra)
    return data


def test_a_suggestion_below_the_threshold_is_not_preselected(client, world, active_model):
    # The walk: a blocked sewer arrived preset to 水污染 at 61 %; pressing the button sent it to the wrong bureau.
    services.model_set_auto_dispatch(model=active_model, enabled=True, threshold=1.0)
    ticket = register(world)
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert not suggestion.confident and suggestion.category == world.categories["property"]
    client.force_login(world.user("operator"))
    html = client.get(reverse("console:dispatch_ticket", args=[ticket.pk])).content.decode()
    assert "智能分类建议" in html and "物业管理" in html  # still shown as a suggestion
    assert f'<option value="{suggestion.category_id}" selected' not in html
    assert '<option value="" selected>请选择业务分类</option>' in html


def test_a_confident_suggestion_is_preselected(world, active_model):
    ticket = register(world)
    suggestion = Suggestion.objects.select_related("model").get(ticket=ticket)
    assert suggestion.confident
    assert services.preselected_category(suggestion) == world.categories["property"].pk
    assert services.preselected_category(None) is None
    active_model.threshold = 1.0  # raised since: the old guess no longer clears the bar
    active_model.save()
    suggestion.refresh_from_db()
    assert services.preselected_category(Suggestion.objects.get(pk=suggestion.pk)) is None


def test_the_banner_says_an_auto_dispatched_ticket_went_to_its_unit(client, world, active_model):
    # The walk: 「已登记,转入待派单」 for a ticket the rules had already sent to 水务局.
    services.model_set_auto_dispatch(model=active_model, enabled=True)
    client.force_login(world.user("operator"))
    response = client.post(
        reverse("console:intake"),
        intake_post(world, category=str(world.categories["property"].pk), action="accept"),
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert ticket.status == Status.DISPATCHED and ticket.lead_unit == world.units["zjj"]
    html = response.content.decode()
    assert f"工单 {ticket.number} 已登记，已自动派至 住建局" in html and "转入待派单" not in html


def test_the_banner_says_waiting_for_dispatch_when_a_person_dispatches(client, world, active_model):
    client.force_login(world.user("operator"))
    response = client.post(
        reverse("console:intake"),
        intake_post(world, category=str(world.categories["property"].pk), action="accept"),
        follow=True,
    )
    assert Ticket.objects.get().status == Status.PENDING_DISPATCH
    assert "已登记，转入待派单" in response.content.decode()


def test_accepting_a_web_ticket_says_where_it_went(client, world, active_model):
    services.model_set_auto_dispatch(model=active_model, enabled=True)
    ticket = register(world, actor=None, channel="web")
    client.force_login(world.user("operator"))
    response = client.post(
        reverse("console:dispatch_accept", args=[ticket.pk]),
        {"category": world.categories["property"].pk},
        follow=True,
    )
    assert f"工单 {ticket.number} 已受理，已自动派至 住建局" in response.content.decode()


def test_a_direct_answer_takes_the_category_of_the_knowledge_it_quotes(client, world):
    entry = kb.entry_create(
        actor=world.user("admin"),
        question="电梯坏了找谁",
        answer="请联系物业服务企业,物业不处理可向住建局投诉。",
        category=world.categories["property"],
        unit=world.units["zjj"],
    )
    client.force_login(world.user("operator"))
    response = client.post(
        reverse("console:intake"),
        intake_post(world, request_type="ZX", action="answer", answer=entry.answer, kb_refs=str(entry.pk)),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.status == Status.DIRECT_ANSWERED and ticket.category == world.categories["property"]
    assert ticket.category_code == "9003"


def test_a_direct_answer_without_knowledge_takes_the_confident_suggestion(world, active_model):
    ticket = register(world, request_type="ZX")
    services.ticket_answer_directly(ticket=ticket, actor=world.user("operator"), answer="请联系物业。")
    ticket.refresh_from_db()
    assert ticket.status == Status.DIRECT_ANSWERED and ticket.category == world.categories["property"]
    assert Suggestion.objects.get(ticket=ticket).outcome == Suggestion.Outcome.ACCEPTED


def test_the_operators_own_category_wins_over_the_knowledge_entry(world):
    entry = kb.entry_create(
        actor=world.user("admin"),
        question="电梯坏了找谁",
        answer="请联系物业。",
        category=world.categories["property"],
        unit=world.units["zjj"],
    )
    ticket = register(world, request_type="ZX", category=world.categories["noise"])
    services.ticket_answer_directly(
        ticket=ticket, actor=world.user("operator"), answer="请联系物业。", kb_refs=[entry.pk]
    )
    ticket.refresh_from_db()
    assert ticket.category == world.categories["noise"]
