"""Console pages: search, read, add, revise and retire within the unit's scope, the intake suggestions partial."""

from datetime import date

import pytest
from django.urls import reverse

from civicgrid.knowledge import services
from civicgrid.knowledge.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def zjj_entry(world, make_entry):
    return make_entry(
        "路面积水怎么报修", "拨打12345报修。", unit=world.units["zjj"], category=world.categories["property"]
    )


def entry_form(**overrides):
    data = {
        "question": "路面积水怎么报修",
        "answer": "拨打12345报修,说明具体路段。",
        "keywords": "积水,内涝",
        "category": "",
        "unit": "",
        "valid_from": "2026-01-01",
        "valid_to": "",
        "change_note": "",
    }
    return {**data, **overrides}


def test_every_staff_member_can_search(client, world, zjj_entry, make_entry):
    make_entry("楼下KTV噪音扰民", "可拨打110。")
    client.force_login(world.user("operator"))

    response = client.get(reverse("console:kb"), {"q": "积水"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "路面<mark>积水</mark>怎么报修" in page
    assert "KTV" not in page
    assert "新增知识" not in page  # operators read, they do not maintain


def test_the_list_filters_by_category_and_says_when_nothing_is_found(client, world, zjj_entry, make_entry):
    make_entry("施工噪音扰民", category=world.categories["noise"])
    client.force_login(world.user("dispatcher"))

    everything = client.get(reverse("console:kb")).content.decode()
    noise = client.get(reverse("console:kb"), {"category": world.categories["noise"].pk}).content.decode()
    nothing = client.get(reverse("console:kb"), {"q": "公积金"}).content.decode()

    assert "路面积水怎么报修" in everything and "施工噪音扰民" in everything
    assert "施工噪音扰民" in noise and "路面积水怎么报修" not in noise
    assert "没有找到与「公积金」相关的知识" in nothing


def test_the_list_pages_through_many_entries(client, world, make_entry):
    for i in range(30):
        make_entry(f"垃圾分类问答{i}")
    client.force_login(world.user("operator"))

    first = client.get(reverse("console:kb"), {"q": "垃圾分类"}).content.decode()
    second = client.get(reverse("console:kb"), {"q": "垃圾分类", "page": 2}).content.decode()

    assert "第 1 / 2 页，共 30 条" in first and "page=2" in first and "q=%E5%9E%83" in first
    assert second.count("list-group-item-action") == 5


def test_the_entry_page_shows_the_answer_and_its_history(client, world, zjj_entry):
    revised = services.entry_revise(
        entry=zjj_entry, actor=None, answer="拨打12345或找网格员。", change_note="补充"
    )
    client.force_login(world.user("operator"))

    current = client.get(reverse("console:kb_entry", args=[revised.pk])).content.decode()
    old = client.get(reverse("console:kb_entry", args=[zjj_entry.pk])).content.decode()

    assert "拨打12345或找网格员" in current and "第 1 版" in current and "补充" in current
    assert reverse("console:kb_revise", args=[revised.pk]) not in current  # operators only read
    assert "这是历史版本" in old and reverse("console:kb_entry", args=[revised.pk]) in old


def test_a_unit_handler_adds_entries_for_their_own_unit(client, world):
    client.force_login(world.user("zjj"))
    assert "新增知识" in client.get(reverse("console:kb")).content.decode()

    response = client.post(reverse("console:kb_create"), entry_form(unit=world.units["zjj"].pk))

    entry = Entry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "console:kb_entry", args=[entry.pk]
    )
    assert (entry.unit, entry.created_by) == (world.units["zjj"], world.user("zjj"))
    refused = client.post(
        reverse("console:kb_create"), entry_form(question="别的", unit=world.units["zf"].pk)
    )
    assert refused.status_code == 200 and Entry.objects.count() == 1  # not a choice for this handler


def test_the_form_shows_the_service_refusals(client, world):
    client.force_login(world.user("admin"))

    response = client.post(reverse("console:kb_create"), entry_form(valid_to="2025-01-01"))

    assert response.status_code == 200
    assert "失效日期不能早于生效日期" in response.content.decode()
    assert not Entry.objects.exists()


def test_another_units_handler_may_not_revise_or_retire(client, world, zjj_entry):
    client.force_login(world.user("zf"))

    assert client.get(reverse("console:kb_revise", args=[zjj_entry.pk])).status_code == 403
    assert client.post(reverse("console:kb_revise", args=[zjj_entry.pk]), entry_form()).status_code == 403
    assert (
        client.post(reverse("console:kb_retire", args=[zjj_entry.pk]), {"reason": "过时"}).status_code == 403
    )
    page = client.get(reverse("console:kb_entry", args=[zjj_entry.pk])).content.decode()
    assert reverse("console:kb_revise", args=[zjj_entry.pk]) not in page
    assert Entry.objects.get().status == Entry.Status.ACTIVE


def test_operators_may_not_open_the_maintenance_pages(client, world, zjj_entry):
    client.force_login(world.user("operator"))

    assert client.get(reverse("console:kb_create")).status_code == 403
    assert client.get(reverse("console:kb_revise", args=[zjj_entry.pk])).status_code == 403


def test_the_owning_unit_revises_into_a_new_version(client, world, zjj_entry):
    client.force_login(world.user("zjj"))
    form = client.get(reverse("console:kb_revise", args=[zjj_entry.pk])).content.decode()
    assert "路面积水怎么报修" in form and "第 2 版" in form

    response = client.post(
        reverse("console:kb_revise", args=[zjj_entry.pk]),
        entry_form(
            answer="拨打12345报修,或联系网格员。",
            unit=world.units["zjj"].pk,
            category=world.categories["property"].pk,
            change_note="补充网格员渠道",
        ),
    )

    current = Entry.objects.current().get()
    assert response["Location"] == reverse("console:kb_entry", args=[current.pk])
    assert (current.version, current.key, current.change_note) == (2, zjj_entry.key, "补充网格员渠道")
    assert (
        client.get(reverse("console:kb_revise", args=[zjj_entry.pk])).status_code == 302
    )  # history is read-only


def test_retiring_asks_for_confirmation_first(client, world, zjj_entry):
    client.force_login(world.user("zjj"))

    page = client.get(reverse("console:kb_retire", args=[zjj_entry.pk])).content.decode()
    assert "确定停用" in page and "确认停用" in page
    assert Entry.objects.get().status == Entry.Status.ACTIVE

    empty = client.post(reverse("console:kb_retire", args=[zjj_entry.pk]), {"reason": ""})
    assert empty.status_code == 200 and Entry.objects.get().status == Entry.Status.ACTIVE

    done = client.post(reverse("console:kb_retire", args=[zjj_entry.pk]), {"reason": "政策废止"})
    assert done.status_code == 302
    assert Entry.objects.get().status == Entry.Status.RETIRED


def test_the_suggestion_partial_lists_answers_with_their_ids(client, world, zjj_entry, make_entry):
    other = make_entry("路面积水绕行提示", "请绕行。", category=world.categories["noise"])
    client.force_login(world.user("operator"))

    response = client.get(
        reverse("console:kb_suggest"),
        {"q": "银海路路面积水严重", "category": world.categories["noise"].pk},
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert f'data-kb-entry="{zjj_entry.pk}"' in page and f'data-kb-entry="{other.pk}"' in page
    assert page.index(f'data-kb-entry="{other.pk}"') < page.index(f'data-kb-entry="{zjj_entry.pk}"')
    assert "<details" in page and "拨打12345报修。" in page and "本分类" in page


def test_the_suggestion_partial_reads_title_and_content_and_waits_for_text(client, world, zjj_entry):
    client.force_login(world.user("operator"))

    typed = client.get(
        reverse("console:kb_suggest"), {"title": "积水", "content": "门口积水"}
    ).content.decode()
    empty = client.get(reverse("console:kb_suggest"), {"q": "", "category": "abc"}).content.decode()
    nothing = client.get(reverse("console:kb_suggest"), {"q": "公积金提取"}).content.decode()

    assert f'data-kb-entry="{zjj_entry.pk}"' in typed
    assert "自动推荐知识库中的答案" in empty
    assert "没有找到相关答案" in nothing


def test_expired_entries_are_listed_only_on_request(client, world, make_entry):
    make_entry("2025年度医保缴费期", valid_from=date(2024, 9, 1), valid_to=date(2024, 12, 31))
    client.force_login(world.user("operator"))

    default = client.get(reverse("console:kb"), {"q": "医保"}).content.decode()
    everything = client.get(reverse("console:kb"), {"q": "医保", "all": "1"}).content.decode()

    assert "缴费期" not in default
    assert "缴费期" in everything and "已过期" in everything
