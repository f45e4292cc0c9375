"""civicgrid metrics: the league table (and, with --intake, smart intake's accuracy) on the command line."""

import csv
import io
import json
import unicodedata

import pytest
from django.core.management import CommandError, call_command

from civicgrid.registry.models import Role, Unit
from tests.assessment.factories import (
    local,
    make_assignment,
    make_rated,
    make_staff,
    make_ticket,
    make_unit,
    make_user,
)

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]


def metrics(*args) -> str:
    out = io.StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.fixture
def rated(place):
    u = place.units
    for day, satisfaction in enumerate(["very_satisfied", "satisfied", "basic", "unsatisfied"], start=1):
        make_rated(
            u.housing,
            local(2026, 3, day, 10),
            satisfaction=satisfaction,
            contacted=day != 4,
            town=place.towns.jiaji,
            category_code="0101",
        )
    make_rated(
        u.environment,
        local(2026, 3, 9, 10),
        solved="partly",
        closed_at=local(2026, 3, 8),
        closed_on_time=True,
    )
    ticket = make_ticket(received_at=local(2026, 3, 6), lead_unit=u.environment)
    make_assignment(ticket, u.environment, local(2026, 3, 6, 10), overdue_issued_at=local(2026, 3, 9))
    return place


class TestTable:
    def test_it_prints_an_aligned_league_table_in_chinese(self, rated):
        lines = metrics(*MARCH).splitlines()

        assert lines[0].split() == [
            "排名",
            "单位",
            "参评",
            "响应率",
            "解决率",
            "满意率",
            "综合",
            "按时办结率",
            "退单",
            "超期",
            "督办",
            "修正",
            "下限",
            "名次变化",
        ]
        assert lines[2] == "【职能部门】"
        first, second = lines[3].split(), lines[4].split()
        # 住建局: response 3/4, solved 4/4, satisfaction (1 + 1 + 0.9) / 4; 0.1 × 0.75 + 0.5 + 0.4 × 0.725
        # Four and one rated tickets: below the scheme's minimum of 5, so neither is ranked.
        assert first[:11] == [
            "—",
            "住房和城乡建设局",
            "4",
            "75.0%",
            "100.0%",
            "72.5%",
            "86.5",
            "—",
            "0",
            "0",
            "0",
        ]
        assert second[:11] == [
            "—",
            "生态环境局",
            "1",
            "100.0%",
            "0.0%",
            "100.0%",
            "50.0",
            "100.0%",
            "0",
            "1",
            "0",
        ]
        assert first[-1] == second[-1] == "—" and len(first) == 14
        assert lines[-1].split()[:3] == ["合计", "5", "80.0%"]
        body = [lines[0], lines[3], lines[4]]
        assert len({width(line) for line in body}) == 1

    def test_the_first_column_names_the_grouping(self, rated):
        assert metrics(*MARCH, "--by", "town").splitlines()[0].split()[1] == "乡镇/街道"
        assert metrics(*MARCH, "--by", "category").splitlines()[0].split()[1] == "分类"

    def test_an_empty_period_says_so(self, rated):
        assert metrics("--from", "2025-01-01", "--to", "2025-01-31").strip() == "该时段没有参评工单"

    def test_a_period_with_work_but_no_callbacks_still_shows_the_work(self, rated):
        out = metrics("--from", "2026-03-06", "--to", "2026-03-06")

        assert out.splitlines()[0] == "该时段没有参评工单"
        assert "生态环境局" in out


class TestCsvAndJson:
    def test_csv_starts_with_a_byte_order_mark_and_a_header_row(self, rated):
        out = metrics(*MARCH, "--format", "csv")

        assert out.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(out[1:])))
        assert rows[0][:4] == ["排名", "编码", "单位", "参评"]
        assert len(rows) == 3
        record = dict(zip(rows[0], rows[1], strict=True))
        assert (record["单位"], record["参评"], record["满意率（%）"], record["综合得分"]) == (
            "住房和城乡建设局",
            "4",
            "72.5",
            "86.5",
        )

    def test_json_is_a_list_of_plain_objects(self, rated):
        data = json.loads(metrics(*MARCH, "--format", "json"))

        assert [row["label"] for row in data] == ["住房和城乡建设局", "生态环境局"]
        assert data[0]["rated"] == 4
        assert data[0]["satisfaction_rate"] == pytest.approx(0.725)
        assert data[1]["overdue"] == 1 and data[1]["rank"] is None

    def test_json_rows_carry_the_kind_the_fair_scores_and_the_comparisons(self, rated):
        make_rated(rated.units.housing, local(2026, 2, 10, 10), solved="unsolved")
        data = json.loads(metrics(*MARCH, "--format", "json"))
        housing = data[0]
        assert (housing["kind"], housing["league"], housing["rankable"]) == ("department", "职能部门", False)
        assert housing["composite"] == pytest.approx(86.5)  # the 0-100 scale
        assert housing["response_rate"] == pytest.approx(0.75)  # rates stay 0-1
        for name in ("composite_shrunk", "composite_lower", "composite_adjusted"):
            assert 0 <= housing[name] <= 100, name
        assert housing["composite_lower"] < housing["composite_shrunk"]
        # February: one rated ticket, unsolved: 0.1 + 0 + 0.4 × 1 = 50
        assert housing["composite_prev"] == pytest.approx(50.0)
        assert housing["composite_last_year"] is None and housing["rank_move"] == ""
        assert housing["verdict"] == "参评 4 件，证据不足，暂不排名"

    def test_json_of_an_empty_period_is_an_empty_list(self, db):
        assert json.loads(metrics(*MARCH, "--format", "json")) == []


class TestKindsAndExcel:
    def test_the_centre_is_in_no_league_and_kind_filters(self, rated):
        centre = make_unit("rx", "12345热线中心", kind=Unit.Kind.HOTLINE_CENTRE)
        company = make_unit("wy", "椰城物业", kind=Unit.Kind.PROPERTY)
        make_rated(centre, local(2026, 3, 3, 10))
        make_rated(company, local(2026, 3, 3, 10))
        labels = [row["label"] for row in json.loads(metrics(*MARCH, "--format", "json"))]
        assert "12345热线中心" not in labels and "椰城物业" in labels
        only = json.loads(metrics(*MARCH, "--format", "json", "--kind", "enterprise"))
        assert [(row["label"], row["kind"]) for row in only] == [("椰城物业", "property")]
        assert json.loads(metrics(*MARCH, "--format", "json", "--kind", "property")) == only
        assert [
            r["label"] for r in json.loads(metrics(*MARCH, "--format", "json", "--kind", "department"))
        ] == [
            "住房和城乡建设局",
            "生态环境局",
        ]

    def test_xlsx_has_the_league_first_a_sheet_per_kind_and_the_definitions(self, rated, tmp_path):
        import openpyxl

        out = tmp_path / "league.xlsx"
        assert metrics(*MARCH, "--format", "xlsx", "--out", str(out)) == ""
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["三率排名", "职能部门", "指标口径"]
        ws = book["三率排名"]
        assert ws["A1"].value == "三率排名（单位）" and "2026-03-01 至 2026-03-31" in ws["A2"].value
        header = [c.value for c in ws[3]]
        assert header[:4] == ["类别", "排名", "名次变化", "单位"] and "修正得分" in header
        assert (
            ws.cell(4, 4).value == "住房和城乡建设局"
            and ws.cell(4, header.index("综合得分") + 1).value == 86.5
        )

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--format", "xlsx"], "--out"),
            (["--kind", "bureau"], "未知的单位类别"),
            (["--by", "grid", "--kind", "department"], "未知的单位类别"),
        ],
    )
    def test_bad_excel_and_kind_options(self, db, args, message):
        with pytest.raises(CommandError, match=message):
            metrics(*MARCH, *args)


class TestActingUser:
    def test_as_a_unit_handler_it_shows_their_unit_only(self, rated):
        make_staff("handler", [Role.UNIT_HANDLER], units=[rated.units.environment])

        data = json.loads(metrics(*MARCH, "--format", "json", "--as", "handler"))

        assert [row["label"] for row in data] == ["生态环境局"]

    def test_a_grid_leader_linked_only_through_the_grid_sees_his_grid_team(self, rated):
        grid = rated.grids.yinhai
        team = make_unit("yinhai-team", "银海第一网格工作组", kind=Unit.Kind.GRID_TEAM, grid=grid)
        make_rated(team, local(2026, 3, 12, 10))
        grid.leader = make_staff("gridleader01", [Role.GRID_LEADER]).staff  # not a member of the team
        grid.save()

        data = json.loads(metrics(*MARCH, "--format", "json", "--as", "gridleader01"))
        table = metrics(*MARCH, "--as", "gridleader01").splitlines()

        assert [(row["label"], row["rated"]) for row in data] == [("银海第一网格工作组", 1)]
        assert table[2] == "【网格工作组】" and table[3].split()[:3] == ["—", "银海第一网格工作组", "1"]

    def test_an_unknown_user_is_an_error(self, db):
        with pytest.raises(CommandError, match="用户不存在"):
            metrics(*MARCH, "--as", "ghost")

    def test_a_user_without_staff_profile_is_refused(self, db):
        make_user("visitor")

        with pytest.raises(CommandError, match="未登记为工作人员"):
            metrics(*MARCH, "--as", "visitor")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-3-1x", "--to", "2026-03-31"], "日期格式不正确"),
        (["--from", "2026-02-30", "--to", "2026-03-31"], "日期格式不正确"),
        (["--from", "2026-04-01", "--to", "2026-03-31"], "晚于结束日期"),
        ([*MARCH, "--by", "street"], "未知的分组方式"),
        ([*MARCH, "--format", "xml"], "未知的输出格式"),
    ],
)
def test_bad_arguments_are_explained_in_chinese(db, args, message):
    with pytest.raises(CommandError, match=message):
        metrics(*args)


def test_the_console_script_name_with_hyphens_reaches_it(db, capsys):
    from civicgrid.__main__ import main

    main(["civicgrid", "metrics", *MARCH, "--format", "json"])

    assert json.loads(capsys.readouterr().out) == []
