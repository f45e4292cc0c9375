import io

import pytest
from docx import Document
from openpyxl import load_workbook

from civicgrid.core.models import AuditEvent
from civicgrid.reviews import exports, services
from civicgrid.reviews.errors import ReviewError
from tests.reviews.conftest import moment, ready_campaign


def _texts(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def _voted(world):
    made = ready_campaign(world)
    services.ballot_cast(actor=world["r1"], reporter=made["town"], grade="好")
    services.ballot_cast(actor=world["r3"], reporter=made["town"], grade="较好")
    services.reporter_comment(
        actor=world["organiser"], reporter=made["town"], text="责任落实到位，网格党建有亮点。"
    )
    services.rectification_add(
        actor=world["organiser"],
        reporter=made["town"],
        problem="组织生活不规范",
        measure="每月检查三会一课记录",
        responsible="王建国",
        due_date=moment(2027, 3, 31).date(),
    )
    made["town"].refresh_from_db()
    return made


def test_reporter_docx_read_back(world):
    made = _voted(world)
    data = exports.reporter_docx(actor=world["organiser"], reporter=made["town"], now=moment(2026, 12, 10))
    doc = Document(io.BytesIO(data))
    title = doc.paragraphs[0]
    assert title.text == "2026年度抓基层党建工作述职评议材料"
    assert title.runs[0].font.name == "方正小标宋简体"
    text = _texts(doc)
    for heading in ("一、述职数据", "12345热线办理情况", "二、测评结果", "三、点评", "四、整改事项"):
        assert heading in text
    assert "责任落实到位，网格党建有亮点。" in text
    # 全委会 好 100 (0.6), 本单位 较好 80 (0.4) → 92 → 好
    assert "综合得分92.00，等次：好，第1名。" in text
    hotline = doc.tables[0]
    assert [c.text for c in hotline.rows[0].cells] == ["指标", "数值", "口径"]
    assert hotline.rows[1].cells[0].text == "受理工单（件）"
    ballots = next(t for t in doc.tables if t.rows[0].cells[0].text == "测评组")
    assert [c.text for c in ballots.rows[1].cells] == ["全委会成员", "0.6", "1", "0", "0", "0", "1", "100.00"]
    items = doc.tables[-1]
    assert [c.text for c in items.rows[1].cells][1:5] == [
        "组织生活不规范",
        "每月检查三会一课记录",
        "王建国",
        "2027-03-31",
    ]
    assert AuditEvent.objects.filter(action="export.review_sheet", target_id=str(made["town"].pk)).exists()


def test_reporter_sees_no_results_before_publication(world):
    made = _voted(world)
    data = exports.reporter_docx(actor=world["secretary_user"], reporter=made["town"])
    assert "结果尚未公布。" in _texts(Document(io.BytesIO(data)))
    services.campaign_close(actor=world["organiser"], campaign=made["campaign"])
    services.campaign_publish(actor=world["organiser"], campaign=made["campaign"])
    made["town"].refresh_from_db()
    data = exports.reporter_docx(actor=world["secretary_user"], reporter=made["town"])
    assert "等次：好" in _texts(Document(io.BytesIO(data)))


def test_out_of_scope_readers_refused(world):
    made = _voted(world)
    for who in ("outsider", "handler", "r1"):
        with pytest.raises(ReviewError):
            exports.reporter_docx(actor=world[who], reporter=made["town"])
        with pytest.raises(ReviewError):
            exports.results_xlsx(actor=world[who], campaign=made["campaign"])
    with pytest.raises(ReviewError):
        exports.results_xlsx(actor=world["secretary_user"], campaign=made["campaign"])


def test_results_xlsx_read_back(world):
    made = _voted(world)
    data = exports.results_xlsx(actor=world["organiser"], campaign=made["campaign"], now=moment(2026, 12, 10))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "2026年度乡镇党委书记抓基层党建述职评议测评结果"
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["名次", "述职人", "职务", "负责区划（单位）"]
    assert header[4:6] == ["全委会成员（权重0.6）", "本单位干部群众（权重0.4）"]
    first = [c.value for c in sheet[4]]
    assert first[:2] == [1, "王建国"] and first[4:9] == [100, 80, 2, 92, "好"]
    second = [c.value for c in sheet[5]]
    assert second[1] == "李明" and second[8] == "不评定"
    assert AuditEvent.objects.filter(action="export.review_results").count() == 1
