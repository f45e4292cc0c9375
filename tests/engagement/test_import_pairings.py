"""`civicgrid engagement import-pairings FILE`: all or nothing with every bad row listed, exit codes, re-import."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from civicgrid.__main__ import main
from civicgrid.engagement.models import Pairing
from tests.party.factories import COMMUNITY, OTHER_COMMUNITY, TOWN, unit

pytestmark = pytest.mark.django_db
HEADER = "年度,方式,单位,村居代码"


@pytest.fixture
def files(world, tmp_path):
    unit("U-EDU", world["areas"]["469002"], name="琼海市教育局")
    good = tmp_path / "good.csv"
    good.write_text(
        "\n".join(
            [
                HEADER,
                f"2026,双联双帮,U-TAX,{COMMUNITY}",
                f"2026,双联双帮,琼海市教育局,{OTHER_COMMUNITY}",
                f"2026,结对共建,琼海市税务局,{OTHER_COMMUNITY}",
                f"2026,双联双帮,U-TAX,{COMMUNITY}",  # the same pairing twice: one row
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join(
            [
                HEADER,
                f"2026,双联双帮,U-TAX,{COMMUNITY}",
                f"26,帮扶,U-TAX,{COMMUNITY}",
                f"2026,一对一,不存在的单位,{TOWN}",
                "2026,挂钩联系,U-TAX,999999999999",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("年份,方式,单位,村居代码\n2026,双联双帮,U-TAX,1\n", encoding="utf-8")
    return {"good": good, "bad": bad, "wrong": wrong}


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("engagement", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_then_reimport_changes_nothing(files):
    out, _ = run("import-pairings", str(files["good"]), "--format", "json")
    assert json.loads(out) == {"rows": 4, "created": 3, "existing": 0}
    before = list(Pairing.objects.values_list("pk", "year", "scheme", "unit__code", "area__code"))
    out, _ = run("import-pairings", str(files["good"]))
    assert "新增 0 条，已存在 3 条" in out
    assert list(Pairing.objects.values_list("pk", "year", "scheme", "unit__code", "area__code")) == before


def test_refusal_lists_every_bad_row_and_writes_nothing(files):
    with pytest.raises(CommandError, match="3 行有问题"):
        run("import-pairings", str(files["bad"]))
    assert not Pairing.objects.exists()


class TestExitCodes:
    @pytest.fixture(autouse=True)
    def keep_the_test_connection(self, monkeypatch):
        monkeypatch.setattr(connections, "close_all", lambda: None)

    def test_success_and_no_op_exit_zero(self, files):
        main(["civicgrid", "engagement", "import-pairings", str(files["good"])])
        main(["civicgrid", "engagement", "import-pairings", str(files["good"])])
        assert Pairing.objects.count() == 3

    def test_refused_exits_one_listing_rows(self, files, capsys):
        with pytest.raises(SystemExit) as exited:
            main(["civicgrid", "engagement", "import-pairings", str(files["bad"])])
        assert exited.value.code == 1
        err = capsys.readouterr().err
        assert "第 3 行：年度「26」不正确" in err and "方式「帮扶」不正确" in err
        assert "第 4 行：单位「不存在的单位」不存在；「469002100」（嘉积镇）不是村（社区）" in err
        assert "第 5 行：村居代码「999999999999」不存在" in err
        assert not Pairing.objects.exists()

    def test_missing_columns_exit_one(self, files, capsys):
        with pytest.raises(SystemExit) as exited:
            main(["civicgrid", "engagement", "import-pairings", str(files["wrong"])])
        assert exited.value.code == 1
        assert "表头缺少列：年度" in capsys.readouterr().err
