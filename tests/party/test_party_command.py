"""`civicgrid party import-orgs|import-members FILE`: exit codes, JSON on stdout, progress on stderr."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from civicgrid.__main__ import main
from civicgrid.core.models import AuditEvent
from civicgrid.party.models import PartyMember, PartyOrg
from tests.party.factories import COMMUNITY, TOWN, id_number
from tests.party.test_imports import MEMBER_HEADER, ORG_HEADER, member_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(areas, tmp_path):
    orgs = tmp_path / "orgs.csv"
    orgs.write_text(
        "\n".join(
            [
                ORG_HEADER,
                f"T1,嘉积镇党委,党委,,{TOWN},机关,否,2010-01-01,,",
                f"B1,银海社区党支部,党支部,T1,{COMMUNITY},社区,否,2012-05-01,,银海党建网格",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    members = tmp_path / "members.csv"
    members.write_text(
        "\n".join([MEMBER_HEADER, member_line(id_number()), member_line(id_number(), name="李四")]) + "\n",
        encoding="gbk",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join([MEMBER_HEADER, member_line(id_number()), member_line(org="NOPE"), member_line(sex="未知")])
        + "\n",
        encoding="utf-8",
    )
    return {"orgs": orgs, "members": members, "bad": bad}


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("party", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_orgs_then_members(files):
    out, err = run("import-orgs", str(files["orgs"]))
    assert "导入党组织完成：共 2 行：新增 2 个" in out
    assert "写入 2/2（100%）" in err
    out, _ = run("import-members", str(files["members"]))
    assert "新增 2 名" in out
    assert PartyMember.objects.count() == 2
    out, _ = run("import-members", str(files["members"]), "--no-progress")
    assert "新增 0 名，更新 0 名，未变化 2 名" in out


def test_json_holds_only_the_report(files):
    run("import-orgs", str(files["orgs"]))
    out, err = run("import-members", str(files["bad"]), "--format", "json", "--skip-invalid")
    report = json.loads(out)
    assert (report["created"], report["updated"], report["unchanged"], report["skipped"]) == (1, 0, 0, 2)
    assert [e["row"] for e in report["errors"]] == [3, 4]
    assert "组织代码「NOPE」不存在" in report["errors"][0]["message"]
    assert "导入党员" in err  # the progress line


def test_refused_import_lists_rows_and_writes_nothing(files):
    run("import-orgs", str(files["orgs"]))
    with pytest.raises(CommandError, match=r"2 行有问题（第 3、4 行）"):
        run("import-members", str(files["bad"]))
    assert not PartyMember.objects.exists()


def test_dry_run(files):
    out, _ = run("import-orgs", str(files["orgs"]), "--dry-run")
    assert "试运行，未写入数据库" in out and not PartyOrg.objects.exists()


class TestExitCodes:
    @pytest.fixture(autouse=True)
    def keep_the_test_connection(self, monkeypatch):
        # run_from_argv closes every connection when it ends, which on PostgreSQL ends the test's transaction.
        monkeypatch.setattr(connections, "close_all", lambda: None)

    def test_success_and_no_op_exit_zero(self, files, capsys):
        main(["civicgrid", "party", "import-orgs", str(files["orgs"])])  # returns: exit 0
        main(["civicgrid", "party", "import-orgs", str(files["orgs"])])
        assert "未变化 2 个" in capsys.readouterr().out

    def test_refused_exits_one_with_the_rows_on_stderr(self, files, capsys):
        main(["civicgrid", "party", "import-orgs", str(files["orgs"])])
        audits = AuditEvent.objects.count()
        with pytest.raises(SystemExit) as exited:
            main(["civicgrid", "party", "import-members", str(files["bad"])])
        assert exited.value.code == 1
        captured = capsys.readouterr()
        assert "第 3、4 行" in captured.err and "Traceback" not in captured.err
        assert "第 3 行：组织代码「NOPE」不存在" in captured.out
        assert not PartyMember.objects.exists() and AuditEvent.objects.count() == audits

    def test_an_unreadable_file_exits_one(self, files, tmp_path, capsys):
        with pytest.raises(SystemExit) as exited:
            main(["civicgrid", "party", "import-orgs", str(tmp_path / "missing.csv")])
        assert exited.value.code == 1
        assert "无法打开文件" in capsys.readouterr().err

    def test_missing_columns_exit_one(self, files, tmp_path, capsys):
        wrong = tmp_path / "wrong.csv"
        wrong.write_text("姓名,身份证号\n张三,1\n", encoding="utf-8")
        with pytest.raises(SystemExit) as exited:
            main(["civicgrid", "party", "import-members", str(wrong)])
        assert exited.value.code == 1
        assert "缺少列" in capsys.readouterr().err
