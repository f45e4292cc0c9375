"""The operator's smart intake in a real browser: category suggestion, and a knowledge-base answer used."""

from civicgrid.knowledge import services as kb
from civicgrid.tickets.models import Status, Ticket
from tests.intake.conftest import active_model, model_dir  # noqa: F401
from tests.tickets.conftest import world  # noqa: F401


def test_the_operator_takes_the_suggested_category(tab, world, active_model, settings):  # noqa: F811
    settings.CIVICGRID_CATEGORY_VERSION = "test"  # the world's categories, offered by the intake form
    page = tab.page
    tab.login("operator")
    tab.open("/console/intake/")
    page.fill("[name=title]", "小区电梯坏了")
    page.fill("[name=content]", "物业费照收,电梯停了一周,停车也乱,保安不管")
    page.wait_for_selector("[data-testid=suggestions] >> text=物业管理")
    tab.shot("intake-suggestions")
    page.click("[data-testid=suggestions] >> [data-use-category] >> nth=0")
    assert page.input_value("#id_category") == str(world.categories["property"].pk)


def test_the_operator_answers_from_the_knowledge_base(tab, world):  # noqa: F811
    entry = kb.entry_create(
        actor=world.user("admin"),
        question="路面积水怎么报修",
        answer="道路积水可拨打市政维修热线,或在12345网上平台提交位置和照片。",
        unit=world.units["zjj"],
    )
    page = tab.page
    tab.login("operator")
    tab.open("/console/intake/")
    page.fill("[name=requester_name]", "王女士")
    page.fill("[name=requester_phone]", "13700005678")
    page.select_option("[name=request_type]", "ZX")
    page.fill("[name=title]", "咨询积水报修")
    page.fill("[name=content]", "家门口路面积水,想问去哪里报修")
    page.wait_for_selector("#kb-panel >> text=路面积水怎么报修")
    tab.shot("intake-knowledge")
    page.click(f"[data-use-answer='{entry.pk}']")
    assert "市政维修热线" in page.input_value("#id_answer")
    page.click("text=登记并直接答复")
    page.wait_for_selector("text=已登记并直接答复")
    ticket = Ticket.objects.get(title="咨询积水报修")
    assert ticket.status == Status.DIRECT_ANSWERED and ticket.kb_refs == [entry.pk]
