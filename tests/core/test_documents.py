import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from docx.oxml.ns import qn

from civicgrid.core.documents import (
    BODY_FONT,
    DATE,
    INTEGER,
    PERCENT,
    TITLE_FONT,
    Column,
    Section,
    Sheet,
    Table,
    UnreadableFile,
    cell_text,
    document,
    docx_response,
    read_table,
    workbook,
    xlsx_response,
)
from civicgrid.core.refusal import Refusal

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 20, 12, 30, tzinfo=SH)

COLUMNS = [
    Column("工单编号", "number", width=18),
    Column("主办单位", "unit.name"),
    Column("受理量", "count", number_format=INTEGER),
    Column("满意率", "rate", number_format=PERCENT),
    Column("受理日期", "day", number_format=DATE),
    Column("受理时间", lambda row: row["at"]),
    Column("标题", "title"),
]
ROWS = [
    {
        "number": "2026060100001",
        "unit": {"name": "嘉积镇人民政府"},
        "count": 12,
        "rate": 0.875,
        "day": date(2026, 6, 1),
        "at": datetime(2026, 6, 1, 1, 0, tzinfo=ZoneInfo("UTC")),
        "title": '=HYPERLINK("http://x")\x07',
    },
    {
        "number": "2026060100002",
        "unit": None,
        "count": None,
        "rate": None,
        "day": None,
        "at": None,
        "title": "x",
    },
]


def _book(**kwargs) -> openpyxl.Workbook:
    data = workbook(
        "三率排名", "全部单位", "2026-06-01 至 2026-06-20", COLUMNS, iter(ROWS), now=NOW, **kwargs
    )
    return openpyxl.load_workbook(io.BytesIO(data))


def test_workbook_house_style():
    ws = _book(sheet_name="排名").active
    assert ws.title == "排名"
    assert ws["A1"].value == "三率排名"
    assert ws["A1"].font.name == TITLE_FONT
    assert "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "范围：全部单位　统计区间：2026-06-01 至 2026-06-20　生成时间：2026-06-20 12:30"
    assert ws.freeze_panes == "A4"
    assert [c.value for c in ws[3]] == [
        "工单编号",
        "主办单位",
        "受理量",
        "满意率",
        "受理日期",
        "受理时间",
        "标题",
    ]
    assert all(c.font.bold for c in ws[3])
    assert ws.print_title_rows == "$3:$3"
    first = ws[4]
    assert first[1].value == "嘉积镇人民政府"
    assert (first[2].value, first[2].number_format) == (12, INTEGER)
    assert (first[3].value, first[3].number_format) == (0.875, PERCENT)
    assert (first[4].value, first[4].number_format) == (datetime(2026, 6, 1), DATE)
    assert first[5].value == datetime(2026, 6, 1, 9, 0)  # aware time shown in Beijing time
    assert ws.column_dimensions["A"].width == 18
    assert ws.column_dimensions["B"].width >= 12


def test_text_that_looks_like_a_formula_stays_text():
    cell = _book().active["G4"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x")'  # the control character is dropped too


def test_empty_values_stay_empty():
    row = _book().active[5]
    assert [c.value for c in row[1:6]] == [None] * 5


def test_several_sheets_with_unique_names():
    more = [Sheet("每日受理量", [Column("日期", 0, number_format=DATE)], [(date(2026, 6, 1),)])]
    data = workbook("三率排名", "", "", COLUMNS, ROWS, more_sheets=more, now=NOW)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["三率排名", "每日受理量"]
    assert book["每日受理量"]["A4"].value == datetime(2026, 6, 1)


def test_sheet_names_are_made_valid():
    more = [Sheet("a/b:c", COLUMNS, []), Sheet("A/B:C", COLUMNS, [])]
    data = workbook("t", "", "", COLUMNS, [], sheet_name="x" * 40, more_sheets=more, now=NOW)
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["x" * 31, "a_b_c", "A_B_C(2)"]


def test_note_under_the_table():
    data = workbook("t", "", "", COLUMNS, ROWS, note="仅导出前 2 条", now=NOW)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.cell(ws.max_row, 1).value == "仅导出前 2 条"


def test_xlsx_response_keeps_the_chinese_name():
    response = xlsx_response("工单清单 2026-06", b"PK")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="2026-06.xlsx"; ')
    assert "filename*=utf-8''%E5%B7%A5%E5%8D%95%E6%B8%85%E5%8D%95%202026-06.xlsx" in disposition
    assert response["Cache-Control"] == "no-store"
    assert docx_response("月报", b"PK")["Content-Disposition"].endswith("%E6%9C%88%E6%8A%A5.docx")


def _east_asia(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_document_house_style():
    data = document(
        "2026年6月12345热线运行情况",
        "琼海市12345热线中心",
        [
            Section(
                "一、总体情况",
                [
                    "本月共受理诉求 120 件。",
                    Table(["单位", "受理量", "日期"], [["住建局", 3, date(2026, 6, 1)]]),
                ],
            ),
            Section("（一）办理情况", ["按时办结率 95.0%。"], level=2),
        ],
        now=NOW,
    )
    doc = Document(io.BytesIO(data))
    page = doc.sections[0]
    assert (round(page.page_width.cm, 1), round(page.page_height.cm, 1)) == (21.0, 29.7)
    title, subtitle, heading, body = doc.paragraphs[:4]
    assert title.text == "2026年6月12345热线运行情况"
    assert _east_asia(title.runs[0]) == TITLE_FONT
    assert title.runs[0].font.size.pt == 22
    assert subtitle.text == "琼海市12345热线中心"
    assert heading.style.name == "Heading 1" and heading.text == "一、总体情况"
    assert _east_asia(heading.runs[0]) == "黑体"
    assert _east_asia(body.runs[0]) == BODY_FONT
    normal_fonts = doc.styles["Normal"].element.rPr.rFonts
    assert normal_fonts.get(qn("w:eastAsia")) == BODY_FONT
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["单位", "受理量", "日期"]
    assert [c.text for c in table.rows[1].cells] == ["住建局", "3", "2026-06-01"]
    assert _east_asia(table.rows[1].cells[0].paragraphs[0].runs[0]) == BODY_FONT
    assert any(p.text == "按时办结率 95.0%。" for p in doc.paragraphs)
    assert "PAGE" in page.footer._element.xml


def test_document_fonts_page_numbers_and_repeated_header_read_back():
    """What the issue asks of a government document, checked on the file itself: East Asian font names on
    the title and body runs, a PAGE field in the footer, the table's header row repeated on each page, and
    the fonts named, not embedded."""
    rows = [[f"单位{i}", i] for i in range(60)]  # long enough to run over a page
    doc = Document(
        io.BytesIO(
            document("工作简报", "", [Section("一、总体情况", ["正文。", Table(["单位", "件数"], rows)])])
        )
    )
    title = doc.paragraphs[0]
    assert _east_asia(title.runs[0]) == TITLE_FONT == "方正小标宋简体"
    body = next(p for p in doc.paragraphs if p.text == "正文。")
    assert _east_asia(body.runs[0]) == BODY_FONT == "仿宋_GB2312"
    for run in (title.runs[0], body.runs[0]):
        fonts = run._element.rPr.rFonts
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override the named one
    footer = doc.sections[0].footer._element
    kinds = [e.get(qn("w:fldCharType")) for e in footer.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "end"]
    assert [e.text.strip() for e in footer.iter(qn("w:instrText"))] == ["PAGE"]
    header_row, first_row = doc.tables[0].rows[:2]
    flag = header_row._tr.trPr.find(qn("w:tblHeader"))
    assert flag is not None and flag.get(qn("w:val")) in ("true", "1", None)
    assert first_row._tr.trPr is None or first_row._tr.trPr.find(qn("w:tblHeader")) is None
    settings = doc.settings.element
    assert settings.find(qn("w:embedTrueTypeFonts")) is None
    assert not any("fonts/" in part.partname for part in doc.part.package.iter_parts())


# --------------------------------------------------------------------------------------------- reading


def test_read_own_export_skips_the_title_rows():
    data = workbook("三率排名", "全部单位", "2026-06", COLUMNS, ROWS, now=NOW)
    table = read_table(SimpleUploadedFile("排名.xlsx", data))
    assert table.header[0] == "工单编号"
    assert table.rows[0][:6] == [
        "2026060100001",
        "嘉积镇人民政府",
        "12",
        "0.875",
        "2026-06-01",
        "2026-06-01 09:00",
    ]
    assert table.lines == [4, 5]


def test_read_xlsx_dates_and_trimmed_cells(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["  姓名 ", "入党时间", "电话", "备注"])
    ws.append([" 张三　", datetime(2001, 7, 1), 13800138000, None])
    ws.append([None, None, None, None])
    ws.append(["李四", "2003/7/1", "13900000000", "2003年7月1日"])
    path = tmp_path / "党员.xlsx"
    book.save(path)
    table = read_table(path)
    assert table.header == ["姓名", "入党时间", "电话", "备注"]
    assert table.rows == [
        ["张三", "2001-07-01", "13800138000", ""],
        ["李四", "2003-07-01", "13900000000", "2003-07-01"],
    ]
    assert table.lines == [2, 4]
    assert list(table.records())[0] == (
        2,
        {"姓名": "张三", "入党时间": "2001-07-01", "电话": "13800138000", "备注": ""},
    )


CSV_TEXT = '姓名,所在支部,入党时间\r\n 王五 ,第一党支部,2010.5.4\r\n赵六,"第二党支部,老干部",2012-10-01\r\n'


@pytest.mark.parametrize(
    "encoded",
    [
        CSV_TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"),
        CSV_TEXT.encode("gbk"),
        CSV_TEXT.encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "utf-16"],
)
def test_read_csv_encodings(encoded):
    table = read_table(SimpleUploadedFile("党员.csv", encoded))
    assert table.header == ["姓名", "所在支部", "入党时间"]
    assert table.rows == [["王五", "第一党支部", "2010-05-04"], ["赵六", "第二党支部,老干部", "2012-10-01"]]


def test_read_tab_separated_text():
    table = read_table("姓名\t电话\n张三\t13800138000\n".encode())
    assert table.rows == [["张三", "13800138000"]]


def test_one_column_file():
    assert read_table("姓名\n张三\n李四\n".encode()).rows == [["张三"], ["李四"]]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("党员.xlsx", b"PK\x03\x04 this is not a zip", "无法读取该 Excel 文件"),
        ("党员.xlsx", b"hello, world", "不是有效的 Excel 文件"),
        ("党员.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为 .xlsx"),
        ("党员.csv", b"", "文件是空的"),
        ("党员.csv", b"\xff\xfe\x00\xd8", "无法识别文件编码"),
        ("党员.csv", b'a,b\n"unterminated,1\n', "格式有误"),
        ("党员.csv", "姓名,姓名\n张三,李四\n".encode(), "表头「姓名」重复"),
        ("党员.csv", b"a,b\n1,2\n3,4\n", None),
    ],
)
def test_bad_files_are_refused_in_chinese(name, data, message):
    upload = SimpleUploadedFile(name, data)
    if message is None:
        with pytest.raises(UnreadableFile, match="超过 1 行"):
            read_table(upload, max_rows=1)
        return
    with pytest.raises(Refusal, match=message):
        read_table(upload)


def test_files_too_large_are_refused():
    with pytest.raises(UnreadableFile, match="超过"):
        read_table(b"a,b\n" + b"1,2\n" * 100, max_bytes=50)


def test_missing_sheet_is_refused():
    data = workbook("t", "", "", COLUMNS, ROWS, now=NOW)
    with pytest.raises(UnreadableFile, match="没有名为「党员」的工作表"):
        read_table(data, sheet="党员")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (3.0, "3"),
        (2.5, "2.5"),
        (True, "是"),
        (datetime(2026, 1, 2, 0, 0), "2026-01-02"),
        ("2026年2月30日", "2026年2月30日"),  # not a date: left as written
        ("  2026-1-2 ", "2026-01-02"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text
