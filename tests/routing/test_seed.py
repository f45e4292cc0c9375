import pytest

from civicgrid.routing.models import Category

pytestmark = pytest.mark.django_db

SEED = "2026.1"


def test_the_default_taxonomy_has_about_a_hundred_well_formed_categories():
    categories = list(Category.objects.filter(version=SEED).select_related("parent"))

    assert 100 <= len(categories) <= 130
    for category in categories:
        category.full_clean()
        assert category.code.isdigit() and len(category.code) % 2 == 0, category.code
        assert category.level == len(category.code) // 2
        if category.level == 1:
            assert category.parent is None
        else:
            assert category.parent.code == category.code[:-2]
    assert len({c.code for c in categories}) == len(categories)


def test_each_top_level_category_has_three_to_eight_children():
    roots = Category.objects.filter(version=SEED, level=1)

    assert 12 <= roots.count() <= 16
    for root in roots:
        assert 3 <= root.children.count() <= 8, root.name
    assert Category.objects.filter(version=SEED, level=3).count() >= 20


@pytest.mark.parametrize(
    ("name", "path", "keyword"),
    [
        ("建筑施工噪音", "城乡建设 / 建筑施工 / 建筑施工噪音", "噪音"),
        ("占道经营", "城市管理 / 占道经营", "摆摊"),
        ("停水", "水电气 / 供水 / 停水", "停水"),
        ("邻里纠纷", "社区治理 / 邻里纠纷", "邻居"),
        ("工资拖欠", "劳动和社会保障 / 工资拖欠", "欠薪"),
    ],
)
def test_residents_words_find_the_category(name, path, keyword):
    category = Category.objects.get(version=SEED, name=name)

    assert category.path_display == path
    assert keyword in category.keywords.replace("，", ",").split(",")
