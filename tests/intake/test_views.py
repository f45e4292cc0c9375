import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from tests.intake.test_services import T0, accept, register

SUGGEST = reverse("console:intake_suggest")
ACCURACY = reverse("console:intake_accuracy")


def test_the_suggest_panel_names_categories_confidence_and_the_unit(client, world, active_model):
    client.force_login(world.user("operator"))
    response = client.get(SUGGEST, {"title": "电梯坏了", "content": "物业费照收,停车乱,保安不管"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "物业管理" in html and "按规则派：住建局" in html
    assert f'data-use-category="{world.categories["property"].pk}"' in html
    assert "自动派单未开启" in html


def test_the_suggest_panel_says_when_it_would_dispatch_by_itself(client, world, active_model):
    active_model.auto_dispatch = True
    active_model.save()
    client.force_login(world.user("operator"))
    html = client.get(
        SUGGEST, {"title": "电梯坏了", "content": "物业费照收,停车乱,保安不管"}
    ).content.decode()
    assert "将自动派出" in html


def test_the_suggest_panel_without_a_model_or_text(client, world):
    client.force_login(world.user("operator"))
    assert "尚未启用分类模型" in client.get(SUGGEST, {"title": "电梯坏了物业不管"}).content.decode()


def test_the_intake_page_carries_the_panel(client, world, active_model):
    client.force_login(world.user("operator"))
    html = client.get(reverse("console:intake")).content.decode()
    assert 'id="suggest-panel"' in html and SUGGEST in html


def test_the_accuracy_page_shows_production_figures(client, world, active_model):
    accept(world, register(world))
    accept(world, register(world), key="noise")
    client.force_login(world.user("dispatcher"))
    html = client.get(ACCURACY, {"date_from": "2026-05-01", "date_to": "2026-06-30"}).content.decode()
    assert "test-model" in html and "首选采纳率" in html and "50%" in html
    assert "施工噪音" in html  # what it was changed to
    assert (
        "起始日期晚于结束日期"
        in client.get(ACCURACY, {"date_from": "2026-07-01", "date_to": "2026-06-01"}).content.decode()
    )


def test_the_accuracy_page_is_closed_to_operators_and_units(client, world):
    for name in ("operator", "zjj", "worker1"):
        client.force_login(world.user(name))
        assert client.get(ACCURACY).status_code == 403


def test_metrics_intake_prints_the_same_figures(world, active_model):
    accept(world, register(world))
    accept(world, register(world), key="noise")
    out = StringIO()
    call_command(
        "metrics", "--from", "2026-06-01", "--to", "2026-06-01", "--intake", "--format", "json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["settled"] == 2 and data["top1"] == 0.5
    out = StringIO()
    call_command("metrics", "--from", "2026-06-01", "--to", "2026-06-01", "--intake", stdout=out)
    assert "首选采纳率" in out.getvalue() and "50.0%" in out.getvalue()
    assert T0.date().isoformat() == "2026-06-01"


def test_the_dispatch_page_shows_the_suggestion_and_prefills_the_category(
    client, world, active_model, settings
):
    from tests.intake.test_services import register

    settings.CIVICGRID_CATEGORY_VERSION = "test"

    ticket = register(world)
    client.force_login(world.user("dispatcher"))
    html = client.get(reverse("console:dispatch_ticket", args=[ticket.pk])).content.decode()
    assert "智能分类建议" in html and "物业管理" in html and "住建局" in html
    assert f'<option value="{world.categories["property"].pk}" selected' in html


def test_a_direct_answer_from_the_knowledge_base_is_kept_on_the_ticket(client, world):
    from civicgrid.knowledge import services as kb
    from civicgrid.tickets import services as tickets
    from tests.intake.test_services import register

    entry = kb.entry_create(
        actor=world.user("admin"), question="积水报修", answer="拨打市政热线。", unit=world.units["zjj"]
    )
    ticket = register(world, request_type="ZX")
    tickets.ticket_answer_directly(
        ticket=ticket, actor=world.user("operator"), answer=entry.answer, kb_refs=[entry.pk]
    )
    client.force_login(world.user("operator"))
    html = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert "拨打市政热线。" in html and reverse("console:kb_entry", args=[entry.pk]) in html


def test_intake_posts_the_knowledge_refs_with_a_direct_answer(client, world):
    from civicgrid.knowledge import services as kb
    from civicgrid.tickets.models import Status, Ticket

    entry = kb.entry_create(
        actor=world.user("admin"), question="积水报修", answer="拨打市政热线。", unit=world.units["zjj"]
    )
    client.force_login(world.user("operator"))
    data = {
        "channel": "phone",
        "request_type": "ZX",
        "urgency": "normal",
        "requester_name": "王女士",
        "requester_phone": "13700005678",
        "title": "咨询积水报修",
        "content": "门口积水去哪里报修",
        "answer": "拨打市政热线。",
        "kb_refs": f"{entry.pk},999999",
        "action": "answer",
    }
    response = client.post(reverse("console:intake"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(title="咨询积水报修")
    assert ticket.status == Status.DIRECT_ANSWERED and ticket.kb_refs == [entry.pk]  # unknown ids dropped
    bad = client.post(reverse("console:intake"), {**data, "title": "另一个", "kb_refs": "1;drop"})
    assert "知识库引用无效" in bad.content.decode()
    assert not Ticket.objects.filter(title="另一个").exists()


def test_the_suggest_panel_says_why_a_confident_suggestion_will_not_dispatch_itself(
    client, world, active_model
):
    active_model.auto_dispatch = True
    active_model.save()
    client.force_login(world.user("operator"))
    # No place given: the grid is unknown, so the routing tables cannot name a unit.
    html = client.get(
        SUGGEST, {"title": "楼上漏水", "content": "楼上邻居卫生间渗水,天花板漏水,协商不成"}
    ).content.decode()
    assert "派单规则未能确定承办单位" in html
