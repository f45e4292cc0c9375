"""party.imports: organisations and members from a table; refusals by row, all or nothing, re-import no-op."""

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import Workbook

from civicgrid.core import idnumbers
from civicgrid.core.documents import read_table
from civicgrid.core.models import AuditEvent
from civicgrid.party.imports import ImportFileError, import_members, import_orgs
from civicgrid.party.models import PartyGrid, PartyMember, PartyOrg
from civicgrid.registry.models import Unit
from tests.party.factories import COMMUNITY, OTHER_COMMUNITY, TOWN, id_number
from tests.registry.factories import make_grid

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 1)
ORG_HEADER = "组织代码,组织名称,组织类别,上级组织代码,所在区划代码,设置方式,临时,成立日期,关联网格,党建网格"
MEMBER_HEADER = "姓名,身份证号,性别,出生日期,类别,入党日期,转正日期,组织代码,工作单位,居住网格,标记,手机号"
G1, G2 = f"{COMMUNITY}001", f"{OTHER_COMMUNITY}001"


def table(header: str, *lines: str, encoding="utf-8"):
    return read_table(("\n".join([header, *lines]) + "\n").encode(encoding))


def orgs(*lines, **kwargs):
    return import_orgs(table(ORG_HEADER, *lines), today=TODAY, label="orgs.csv", **kwargs)


def members(*lines, **kwargs):
    return import_members(table(MEMBER_HEADER, *lines), today=TODAY, label="members.csv", **kwargs)


def errors(report) -> dict[int, str]:
    return {p.row: p.message for p in report.errors}


@pytest.fixture
def grids(areas):
    return {
        G1: make_grid(G1, areas[COMMUNITY], None),
        G2: make_grid(G2, areas[OTHER_COMMUNITY], None),
    }


BASE_ORGS = (
    f"T1,嘉积镇党委,党委,,{TOWN},机关,否,2010-01-01,,",
    f"B1,银海社区党支部,党支部,C1,{COMMUNITY},社区,否,2012-05-01,{G1},银海党建网格",
    f"C1,银海社区党委,党委,T1,{COMMUNITY},社区,否,2011-01-01,,",  # the parent comes after its child
    f"B2,金海社区党支部,党支部,T1,{OTHER_COMMUNITY},社区,否,2012-05-01,{G2}；{G1},银海党建网格",
)


@pytest.fixture
def register(grids):
    report = orgs(*BASE_ORGS)
    assert not report.errors and report.created == 4
    return report


def member_line(
    number=None,
    *,
    name="王小明",
    sex="男",
    birth=None,
    category="正式",
    joined="2010-07-01",
    full="2011-07-01",
    org="B1",
    unit="",
    grid="",
    flags="在职",
    phone="13800000000",
):
    number = number or id_number(
        birth=(birth or "1980-01-01").replace("-", ""), sex="male" if sex == "男" else "female"
    )
    birth = birth or f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    return f"{name},{number},{sex},{birth},{category},{joined},{full},{org},{unit},{grid},{flags},{phone}"


# ----------------------------------------------------------------------------------------------- organisations


class TestImportOrgs:
    def test_creates_the_tree_grids_and_party_grids(self, register):
        t1, c1, b1, b2 = (PartyOrg.objects.get(code=c) for c in ("T1", "C1", "B1", "B2"))
        assert b1.parent == c1 and c1.parent == t1 and t1.parent is None
        assert b1.path == f"/{t1.pk}/{c1.pk}/{b1.pk}/"
        assert b1.kind == PartyOrg.Kind.BRANCH and b1.setup == PartyOrg.Setup.COMMUNITY
        assert set(b2.grids.values_list("code", flat=True)) == {G1, G2}  # full-width ；accepted
        grid = PartyGrid.objects.get(name="银海党建网格")
        assert set(grid.orgs.values_list("code", flat=True)) == {"B1", "B2"}
        assert register.as_dict()["created"] == 4

    def test_working_committee_label(self, grids):
        report = orgs(f"W1,园区党工委,工委,,{TOWN},园区,否,,,")
        assert not report.errors
        assert PartyOrg.objects.get(code="W1").kind == PartyOrg.Kind.WORKING_COMMITTEE

    def test_every_bad_row_is_listed_and_nothing_is_written(self, grids):
        report = orgs(
            f"T1,嘉积镇党委,党委,,{TOWN},机关,否,2010-01-01,,",  # 2: good
            f",无代码,党支部,T1,{COMMUNITY},社区,否,,,",  # 3
            f"X1,,党支部,T1,{COMMUNITY},社区,否,,,",  # 4
            f"X2,类别错,支部委员会,T1,{COMMUNITY},社区,否,,,",  # 5
            f"X3,设置错,党支部,T1,{COMMUNITY},楼宇,否,,,",  # 6
            "X4,区划错,党支部,T1,469002999999,社区,否,,,",  # 7
            f"X5,临时错,党支部,T1,{COMMUNITY},社区,可能,,,",  # 8
            f"X6,日期错,党支部,T1,{COMMUNITY},社区,否,2020/13/01,,",  # 9
            f"X7,网格错,党支部,T1,{COMMUNITY},社区,否,,{COMMUNITY}999,",  # 10
            f"X8,上级错,党支部,NOPE,{COMMUNITY},社区,否,,,",  # 11
            f"T1,重复,党支部,,{COMMUNITY},社区,否,,,",  # 12
            f"X9,支部下级,党支部,X10,{COMMUNITY},社区,否,,,",  # 13: the parent is a branch
            f"X10,支部,党支部,T1,{COMMUNITY},社区,否,,,",  # 14: good
            f"X11,循环甲,党委,X12,{COMMUNITY},社区,否,,,",  # 15
            f"X12,循环乙,党委,X11,{COMMUNITY},社区,否,,,",  # 16
            f"X13,跟随坏行,党支部,X2,{COMMUNITY},社区,否,,,",  # 17: the parent's row is bad
            f"X14,未来,党支部,T1,{COMMUNITY},社区,否,2099-01-01,,",  # 18
        )
        found = errors(report)
        assert sorted(found) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18]
        assert "组织代码不能为空" in found[3]
        assert "组织名称不能为空" in found[4]
        assert "组织类别「支部委员会」无效" in found[5]
        assert "设置方式「楼宇」无效" in found[6]
        assert "所在区划代码「469002999999」不存在" in found[7]
        assert "临时「可能」无效" in found[8]
        assert "成立日期" in found[9]
        assert f"关联网格「{COMMUNITY}999」不存在" in found[10]
        assert "上级组织代码「NOPE」不存在" in found[11]
        assert "与第 2 行重复" in found[12]
        assert "党支部下不能设立下级党组织" in found[13]
        assert "循环" in found[15] and "循环" in found[16]
        assert "第 5 行有误" in found[17]
        assert "不能晚于今天" in found[18]
        assert report.refused and report.created == 0
        assert not PartyOrg.objects.exists() and not AuditEvent.objects.exists()

    def test_skip_invalid_writes_the_good_rows(self, grids):
        report = orgs(
            f"T1,嘉积镇党委,党委,,{TOWN},机关,否,2010-01-01,,",
            f"X3,设置错,党支部,T1,{COMMUNITY},楼宇,否,,,",
            f"B1,银海社区党支部,党支部,T1,{COMMUNITY},社区,否,,,",
            skip_invalid=True,
        )
        assert sorted(errors(report)) == [3]
        assert (report.created, report.skipped, report.refused) == (2, 1, False)
        assert set(PartyOrg.objects.values_list("code", flat=True)) == {"T1", "B1"}

    def test_dry_run_writes_nothing(self, grids):
        report = orgs(*BASE_ORGS, dry_run=True)
        assert report.created == 4 and not report.errors
        assert not PartyOrg.objects.exists() and not PartyGrid.objects.exists()

    def test_a_party_grid_with_more_than_two_serving_orgs_is_a_bad_row(self, register):
        report = orgs(f"B3,第三支部,党支部,T1,{COMMUNITY},社区,否,,,银海党建网格")
        assert "银海党建网格" in errors(report)[2] and "超过 2 个" in errors(report)[2]
        # Moving one of the two away in the same file makes room.
        report = orgs(
            f"B3,第三支部,党支部,T1,{COMMUNITY},社区,否,,,银海党建网格",
            f"B2,金海社区党支部,党支部,T1,{OTHER_COMMUNITY},社区,否,2012-05-01,{G2}；{G1},金海党建网格",
        )
        assert not report.errors
        assert set(PartyGrid.objects.get(name="银海党建网格").orgs.values_list("code", flat=True)) == {
            "B1",
            "B3",
        }
        assert list(PartyGrid.objects.get(name="金海党建网格").orgs.values_list("code", flat=True)) == ["B2"]

    def test_reimport_is_a_no_op(self, register):
        audits = AuditEvent.objects.count()
        report = orgs(*BASE_ORGS)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        assert AuditEvent.objects.count() == audits

    def test_update_path(self, register):
        before = AuditEvent.objects.count()
        report = orgs(
            f"B1,银海社区第一党支部,党支部,T1,{COMMUNITY},社区,否,2012-05-01,,",
        )
        assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
        b1 = PartyOrg.objects.get(code="B1")
        t1 = PartyOrg.objects.get(code="T1")
        assert b1.name == "银海社区第一党支部" and b1.parent == t1 and b1.path == f"/{t1.pk}/{b1.pk}/"
        assert not b1.grids.exists() and not b1.party_grids.exists()
        update = AuditEvent.objects.get(action="party.org_update")
        assert set(update.payload["fields"]) == {"name", "parent", "grids", "party_grids"}
        assert AuditEvent.objects.filter(action="party.import_orgs").count() == 2
        assert AuditEvent.objects.count() == before + 2

    def test_a_temporary_org_without_task_is_accepted_with_a_warning(self, grids):
        report = import_orgs(
            table(
                ORG_HEADER + ",临时任务,批准组织代码,结束日期",
                f"T1,嘉积镇党委,党委,,{TOWN},机关,否,2010-01-01,,,,,",
                f"L1,项目临时党支部,党支部,T1,{COMMUNITY},项目,是,2025-06-01,,,,,",
                f"L2,防台临时党支部,党支部,T1,{COMMUNITY},项目,是,2025-06-01,,,防台风,T1,2026-12-31",
            ),
            today=TODAY,
        )
        assert not report.errors
        assert [p.row for p in report.warnings] == [3]
        assert "临时任务" in report.warnings[0].message
        l2 = PartyOrg.objects.get(code="L2")
        assert l2.is_temporary and l2.approved_by.code == "T1" and l2.end_date == date(2026, 12, 31)

    def test_missing_columns_refuse_the_file(self, grids):
        with pytest.raises(ImportFileError, match="缺少列：设置方式"):
            import_orgs(
                table(
                    "组织代码,组织名称,组织类别,上级组织代码,所在区划代码,临时,成立日期,关联网格,党建网格",
                    f"T1,党委,党委,,{TOWN},否,,,",
                )
            )


# ----------------------------------------------------------------------------------------------------- members


class TestImportMembers:
    def test_creates_members_encrypted(self, register, grids):
        unit = Unit.objects.create(code="U1", name="嘉积镇人民政府", kind=Unit.Kind.TOWN)
        number = id_number(birth="19850302", sex="female")
        report = members(
            member_line(number, name="李小红", sex="女", unit="嘉积镇人民政府", grid=G1, flags="在职;候鸟"),
            member_line(category="预备", full="", joined="2025-07-01", unit="某某公司", flags="离退休；失联"),
        )
        assert not report.errors and report.created == 2
        red = PartyMember.objects.get(name="李小红")
        assert red.sex == "female" and red.birth_date == date(1985, 3, 2)
        assert red.employer == unit and red.employer_name == "嘉积镇人民政府"
        assert red.residence_grid.code == G1 and red.org.code == "B1"
        assert red.in_service and red.seasonal and not red.retired
        assert idnumbers.decrypt(red.id_encrypted) == number
        assert red.id_hash == idnumbers.lookup_hash(number) and red.id_masked == idnumbers.mask(number)
        other = PartyMember.objects.exclude(pk=red.pk).get()
        assert other.employer is None and other.employer_name == "某某公司"
        assert other.retired and other.lost_contact and other.lost_since == TODAY
        assert other.category == PartyMember.Category.PROBATIONARY and other.full_on is None
        batch, summary = AuditEvent.objects.filter(action="party.import_members").order_by("pk")
        assert batch.payload["created_ids"] == sorted(PartyMember.objects.values_list("pk", flat=True))
        assert summary.payload | {"file": ""} == {
            "file": "",
            "total": 2,
            "created": 2,
            "updated": 0,
            "unchanged": 0,
            "skipped": 0,
        }

    def test_no_plain_id_number_in_the_database(self, register):
        number = id_number()
        members(member_line(number))
        values = [str(v) for row in PartyMember.objects.values_list() for v in row]
        values += [str(v) for row in AuditEvent.objects.values_list() for v in row]
        assert not any(number in v or number[:-1] in v for v in values)

    def test_every_bad_row_is_listed_and_nothing_is_written(self, register, grids):
        good = id_number()
        bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
        n = id_number(birth="19800101", sex="male")
        report = members(
            member_line(good),  # 2
            member_line(good, name="重复"),  # 3
            member_line(bad_check),  # 4
            member_line(name=""),  # 5
            member_line(n, sex="女"),  # 6: sex disagrees
            member_line(id_number(birth="19800101"), birth="1980-01-02"),  # 7: birth date disagrees
            member_line(category="党员"),  # 8
            member_line(joined="2010/07/01x"),  # 9: bad date
            member_line(full="2011-06-30"),  # 10: under a year
            member_line(category="预备", full="2011-07-01"),  # 11: probationary with a full date
            member_line(full=""),  # 12: full without a full date
            member_line(org="NOPE"),  # 13
            member_line(grid=f"{COMMUNITY}999"),  # 14
            member_line(flags="在职;退伍"),  # 15
            member_line(phone="12345"),  # 16
            member_line(sex="未知"),  # 17
            member_line(joined="2027-01-01", full=""),  # 18: joined in the future
            member_line(org=""),  # 19: no organisation is a warning, not a bad row
        )
        found = errors(report)
        assert sorted(found) == list(range(3, 19))
        assert "与第 2 行重复" in found[3]
        assert "校验位" in found[4]
        assert "姓名不能为空" in found[5]
        assert "性别与身份证号不符" in found[6]
        assert "出生日期与身份证号不符" in found[7]
        assert "类别「党员」无效" in found[8]
        assert "入党日期" in found[9]
        assert "满 12 个月" in found[10]
        assert "预备党员不应填写转正日期" in found[11]
        assert "正式党员须填写转正日期" in found[12]
        assert "组织代码「NOPE」不存在" in found[13]
        assert "居住网格" in found[14]
        assert "标记「退伍」无效" in found[15]
        assert "手机号" in found[16]
        assert "性别「未知」无效" in found[17]
        assert "入党日期不能晚于今天" in found[18]
        assert any(w.row == 19 and "暂无所在党组织" in w.message for w in report.warnings)
        assert report.refused and not PartyMember.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="party.member").exists()

    def test_temporary_org_refuses_probationary_members_and_warns_for_full_ones(self, grids):
        import_orgs(
            table(
                ORG_HEADER,
                f"T1,嘉积镇党委,党委,,{TOWN},机关,否,,,",
                f"L1,临时支部,党支部,T1,{TOWN},项目,是,,,",
            ),
            today=TODAY,
        )
        report = members(
            member_line(org="L1"), member_line(org="L1", category="预备", full="", joined="2025-07-01")
        )
        assert list(errors(report)) == [3] and "临时党组织" in errors(report)[3]
        assert [p.row for p in report.warnings] == [2]

    def test_skip_invalid_and_dry_run(self, register):
        lines = (member_line(), member_line(org="NOPE"), member_line())
        report = members(*lines, dry_run=True, skip_invalid=True)
        assert (report.created, report.skipped) == (2, 1) and not PartyMember.objects.exists()
        report = members(*lines, skip_invalid=True)
        assert (report.created, report.skipped, report.refused) == (2, 1, False)
        assert PartyMember.objects.count() == 2

    def test_reimport_is_a_no_op_and_changes_are_updates(self, register, grids):
        lines = [member_line(name=f"党员{i}", flags="失联") for i in range(3)]
        members(*lines)
        audits = AuditEvent.objects.count()
        report = members(*lines)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
        assert AuditEvent.objects.count() == audits

        moved = lines[0].replace(",B1,", ",B2,").replace("党员0", "党员零")
        report = members(moved, *lines[1:], member_line(name="新人"))
        assert (report.created, report.updated, report.unchanged) == (1, 1, 2)
        member = PartyMember.objects.get(name="党员零")
        assert member.org.code == "B2" and member.lost_since == TODAY
        update = AuditEvent.objects.get(action="party.member_update")
        assert update.payload["fields"] == ["name", "org"]
        assert AuditEvent.objects.count() == audits + 3  # one update, one batch of additions, one summary

    def test_gbk_csv_and_xlsx(self, register, tmp_path):
        number = id_number()
        gbk = tmp_path / "members.csv"
        gbk.write_bytes(("\n".join([MEMBER_HEADER, member_line(number, name="欧阳华")]) + "\n").encode("gbk"))
        report = import_members(read_table(gbk), today=TODAY)
        assert report.created == 1 and PartyMember.objects.get().name == "欧阳华"

        book = Workbook()
        sheet = book.active
        sheet.append(MEMBER_HEADER.split(","))
        cells = member_line(name="张大山").split(",")
        for i in (3, 5, 6):  # dates as Excel dates, as a person would type them
            cells[i] = datetime.fromisoformat(cells[i])
        sheet.append(cells)
        buffer = BytesIO()
        book.save(buffer)
        report = import_members(read_table(buffer.getvalue()), today=TODAY)
        assert not report.errors and report.created == 1
        assert PartyMember.objects.filter(name="张大山").exists()

    def test_orgs_must_come_first(self, grids):
        report = members(member_line(org="B1"))
        assert "请先导入党组织" in errors(report)[2]

    def test_an_id_number_excel_stored_as_a_number_is_explained(self, register):
        report = members(member_line("4.60002198001011E+17", birth="1980-01-01"))
        assert "科学计数法" in errors(report)[2]
