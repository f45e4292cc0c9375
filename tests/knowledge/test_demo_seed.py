from datetime import date

import pytest

from civicgrid.demo.city import build_city
from civicgrid.demo.knowledge import ENTRIES, SEASONAL, seed_knowledge
from civicgrid.knowledge import selectors
from civicgrid.knowledge.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return build_city(seed=1, grids=6, log=lambda msg: None).city


def test_it_seeds_a_searchable_knowledge_base_once(city):
    created = seed_knowledge(rng_seed=1, log=lambda msg: None)

    assert created == len(ENTRIES) + len(SEASONAL)
    assert seed_knowledge(rng_seed=1, log=lambda msg: None) == 0
    assert Entry.objects.current().count() == created
    assert Entry.objects.filter(version=2).count() == 1  # one revised entry shows a history
    assert not Entry.objects.filter(category=None).exists() and not Entry.objects.filter(unit=None).exists()
    assert all(e.unit.code.startswith(city.code) for e in Entry.objects.select_related("unit"))
    assert "琼台市" in Entry.objects.get(question="高校毕业生来琼就业有什么补贴？").answer
    day = date(2026, 6, 1)
    assert [h.entry.question for h in selectors.suggest_for_intake("路面积水严重，怎么报修", at=day)][
        0
    ] == "路面积水怎么报修？"
    assert "台风“摩羯”期间学校停课安排" not in [
        h.entry.question for h in selectors.suggest_for_intake("台风停课安排", at=day)
    ]


def test_it_needs_the_demo_city():
    with pytest.raises(ValueError, match="示范城市"):
        seed_knowledge(log=lambda msg: None)
