from types import SimpleNamespace

import pytest

from civicgrid.registry.models import AdminArea
from tests.assessment.factories import make_area, make_category, make_grid, make_unit

Level = AdminArea.Level


@pytest.fixture
def place(db):
    """Two towns with one grid each, three departments and two first-level categories."""
    county = make_area("469002", "琼海市", Level.COUNTY)
    jiaji = make_area("469002100", "嘉积镇", Level.TOWN, county)
    boao = make_area("469002101", "博鳌镇", Level.TOWN, county)
    yinhai = make_area("469002100001", "银海社区", Level.VILLAGE, jiaji)
    binhai = make_area("469002101001", "滨海社区", Level.VILLAGE, boao)
    building = make_category("01", "城乡建设")
    environment = make_category("02", "环境保护")
    return SimpleNamespace(
        towns=SimpleNamespace(jiaji=jiaji, boao=boao),
        grids=SimpleNamespace(
            yinhai=make_grid("469002100001001", "银海第一网格", yinhai),
            binhai=make_grid("469002101001001", "滨海第一网格", binhai),
        ),
        units=SimpleNamespace(
            housing=make_unit("zjj", "住房和城乡建设局"),
            environment=make_unit("sthj", "生态环境局"),
            transport=make_unit("jtj", "交通运输局"),
        ),
        categories=SimpleNamespace(
            building=building,
            environment=environment,
            property=make_category("0101", "物业管理", building),
            noise=make_category("0202", "噪音扰民", environment),
        ),
    )
