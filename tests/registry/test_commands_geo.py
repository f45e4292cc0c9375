import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from civicgrid.__main__ import main
from civicgrid.core.models import AuditEvent
from civicgrid.registry import locate
from civicgrid.registry.models import AdminArea, Grid
from tests.registry.factories import (
    COMMUNITY,
    ORIGIN_LAT,
    ORIGIN_LON,
    cell,
    cell_centre,
    collection,
    feature,
    make_hierarchy,
    make_lattice,
    make_place,
    square,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index():
    locate.invalidate()
    yield
    locate.invalidate()


@pytest.fixture
def keep_test_connection(monkeypatch):
    # run_from_argv closes every connection when it finishes, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, data, name="data.geojson") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def counties():
    return collection(
        feature(square(110.1, 19.9), adcode=460105, name="秀英区", parent={"adcode": 460100}),
        feature(square(110.4, 19.2), adcode=469002, name="琼海市", parent={"adcode": 460000}),
    )


class TestImportAreasCommand:
    def test_it_imports_and_summarises_in_chinese(self, tmp_path):
        path = write(tmp_path, counties())
        out, err = run(
            "import_areas", path, "--level", "county", "--parent", "460000", "--parent-name", "海南省"
        )
        assert "已创建上级区划 海南省（460000，省）" in out
        assert "已导入行政区划（县/区） 2 个：新增 2，更新 0，未变 0" in out
        assert "1 个要素在文件中的上级与指定的上级 460000 不同" in err
        assert AdminArea.objects.count() == 3
        out, _ = run("import_areas", path, "--level", "county", "--parent", "460000")
        assert "新增 0，更新 0，未变 2" in out and AdminArea.objects.count() == 3

    def test_it_passes_field_names_through(self, tmp_path):
        data = collection(feature(square(110, 19), code="460000", title="海南省"))
        run(
            "import_areas",
            write(tmp_path, data),
            "--level",
            "province",
            "--code-field",
            "code",
            "--name-field",
            "title",
        )
        assert AdminArea.objects.get(code="460000").name == "海南省"

    def test_it_uses_the_parent_field(self, tmp_path):
        make_hierarchy()
        data = collection(feature(square(110, 19), adcode="469002101", name="长坡镇", up="469002"))
        run("import_areas", write(tmp_path, data), "--level", "town", "--parent-field", "up")
        assert AdminArea.objects.get(code="469002101").parent.code == "469002"

    def test_it_fails_with_every_problem_and_writes_nothing(self, tmp_path):
        data = collection(
            feature(square(110, 19), adcode=4601, name="坏区"),
            feature({"type": "Point", "coordinates": [110, 19]}, adcode=460106, name="龙华区"),
        )
        with pytest.raises(CommandError) as excinfo:
            run("import_areas", write(tmp_path, data), "--level", "county")
        message = str(excinfo.value)
        assert "共 2 个问题" in message
        assert "第 1 个要素（代码 4601、坏区）：代码 4601 应为 6 位" in message
        assert "第 2 个要素（代码 460106、龙华区）：几何类型应为 Polygon 或 MultiPolygon" in message
        assert (AdminArea.objects.count(), AuditEvent.objects.count()) == (0, 0)

    def test_it_reports_missing_files_and_bad_json(self, tmp_path):
        with pytest.raises(CommandError, match="文件不存在"):
            run("import_areas", str(tmp_path / "nope.geojson"), "--level", "county")
        bad = tmp_path / "bad.geojson"
        bad.write_text("{not json", encoding="utf-8")
        with pytest.raises(CommandError, match="不是有效的 JSON"):
            run("import_areas", str(bad), "--level", "county")

    def test_it_exits_non_zero_from_the_console_script(self, tmp_path, capsys, keep_test_connection):
        path = write(tmp_path, collection(feature(square(110, 19), adcode=4601, name="坏区")))
        with pytest.raises(SystemExit) as excinfo:
            main(["civicgrid", "import-areas", path, "--level", "county"])
        assert excinfo.value.code == 1
        assert "代码 4601 应为 6 位" in capsys.readouterr().err
        assert AdminArea.objects.count() == 0


class TestImportGridsCommand:
    def test_it_imports_grids_and_prints_warnings(self, tmp_path):
        make_hierarchy()
        data = collection(
            feature(cell(0, 0), code=f"{COMMUNITY}001", name="一号网格", type="学校", hh=120),
            feature(square(110.4695, 19.24), code=f"{COMMUNITY}002", name="二号网格", type="基础", hh=80),
        )
        out, err = run(
            "import_grids", write(tmp_path, data), "--kind-field", "type", "--households-field", "hh"
        )
        assert "已导入网格 2 个：新增 2，更新 0，未变 0" in out
        assert "重叠" in err
        school = Grid.objects.get(code=f"{COMMUNITY}001")
        assert (school.kind, school.dedicated_type, school.households) == ("dedicated", "school", 120)

    def test_it_takes_other_field_names(self, tmp_path):
        make_hierarchy()
        data = collection(feature(cell(0, 0), gridcode=f"{COMMUNITY}001", title="一号", village=COMMUNITY))
        run(
            "import_grids",
            write(tmp_path, data),
            "--code-field",
            "gridcode",
            "--name-field",
            "title",
            "--community-field",
            "village",
        )
        assert Grid.objects.get().name == "一号"

    def test_it_refuses_grids_of_unknown_communities(self, tmp_path):
        data = collection(feature(cell(0, 0), code=f"{COMMUNITY}001", name="一号网格"))
        with pytest.raises(CommandError, match=f"所属村/社区 {COMMUNITY} 不存在"):
            run("import_grids", write(tmp_path, data))
        assert Grid.objects.count() == 0


class TestExportCommand:
    def test_it_writes_utf8_geojson_to_stdout(self):
        make_lattice(make_hierarchy())
        out, _ = run("export_geojson", "--level", "grid")
        assert "银海社区第1网格" in out
        data = json.loads(out)
        assert len(data["features"]) == 4

    def test_it_writes_to_a_file(self, tmp_path):
        make_lattice(make_hierarchy())
        target = tmp_path / "grids.geojson"
        _, err = run("export_geojson", "--level", "grid", "--out", str(target))
        assert "已导出 4 个要素" in err
        assert "金海社区第4网格" in target.read_text(encoding="utf-8")

    def test_it_exports_area_levels(self, tmp_path):
        path = write(tmp_path, counties())
        run("import_areas", path, "--level", "county", "--parent", "460000", "--parent-name", "海南省")
        data = json.loads(run("export_geojson", "--level", "county")[0])
        assert [f["properties"]["parent"] for f in data["features"]] == ["460000", "460000"]


class TestLocateCommand:
    @pytest.fixture
    def grids(self):
        return make_lattice(make_hierarchy())

    def test_it_prints_the_grid_and_the_area_path(self, grids):
        out, _ = run("locate", *map(str, cell_centre(0, 0)))
        lines = out.splitlines()
        assert lines[0] == f"{COMMUNITY}001 银海社区第1网格"
        assert lines[1] == "海南省 / 琼海市 / 嘉积镇 / 银海社区"

    def test_it_explains_a_nearest_grid(self, grids):
        out, _ = run("locate", str(ORIGIN_LAT + 0.002), str(ORIGIN_LON - 0.0005))
        assert "已就近归入" in out and f"{COMMUNITY}001" in out

    def test_it_fails_with_code_1_outside_the_jurisdiction(self, grids):
        with pytest.raises(CommandError) as excinfo:
            run("locate", "20.0", "110.3")
        assert excinfo.value.returncode == 1
        assert "不在本辖区范围内" in str(excinfo.value)

    def test_it_accepts_gcj02(self, grids):
        from civicgrid.registry.coords import wgs84_to_gcj02

        gcj_lon, gcj_lat = wgs84_to_gcj02(ORIGIN_LON + 0.008, ORIGIN_LAT + 0.005)
        assert run("locate", str(gcj_lat), str(gcj_lon), "--gcj02")[0].startswith(f"{COMMUNITY}001")
        assert run("locate", str(gcj_lat), str(gcj_lon))[0].startswith(f"{COMMUNITY}002")

    def test_it_rejects_bad_input(self, grids):
        with pytest.raises(CommandError, match="纬度应在 -90 到 90 之间"):
            run("locate", "120", "19")
        with pytest.raises(CommandError, match="请提供纬度和经度"):
            run("locate")

    def test_it_finds_addresses(self, grids):
        make_place("金海湾小区", aliases="金海湾花园", grid=grids[f"{COMMUNITY}001"])
        out, _ = run("locate", "--address", "琼海市嘉积镇银海路 金海湾小区3栋")
        first = out.splitlines()[0]
        assert "金海湾小区" in first and f"{COMMUNITY}001" in first
        assert float(first.split()[0]) >= 85

    def test_it_fails_when_no_address_matches(self, grids):
        with pytest.raises(CommandError) as excinfo:
            run("locate", "--address", "完全无关的东西")
        assert excinfo.value.returncode == 1 and "未找到" in str(excinfo.value)

    def test_it_exits_1_from_the_console_script(self, grids, capsys, keep_test_connection):
        main(["civicgrid", "locate", *map(str, cell_centre(1, 1))])
        assert "金海社区" in capsys.readouterr().out
        with pytest.raises(SystemExit) as excinfo:
            main(["civicgrid", "locate", "20.0", "110.3"])
        assert excinfo.value.code == 1
        assert "不在本辖区范围内" in capsys.readouterr().err
