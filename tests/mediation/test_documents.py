"""The agreement as a .docx: what 人民调解法 Art.29 asks for and the judicial-confirmation note."""

import io
from datetime import date

from docx import Document

from civicgrid.core.actors import SYSTEM
from civicgrid.mediation import services
from civicgrid.mediation.documents import agreement_docx

from .conftest import make_case


def test_agreement_docx_has_the_fields(med):
    case = make_case(med)
    services.case_accept(actor=SYSTEM, case=case, on=date(2026, 3, 3))
    services.assign_mediators(actor=SYSTEM, case=case, mediators=med["roll"]["a"][:2])
    services.case_start(actor=SYSTEM, case=case)
    agreement = services.case_agree(
        actor=SYSTEM,
        case=case,
        content="李小河赔偿张大山维修费1500元",
        performance_manner="现金一次性支付",
        performance_deadline=date(2026, 4, 10),
        signed_on=date(2026, 3, 20),
        responsibilities="李小河负主要责任",
    )
    doc = Document(io.BytesIO(agreement_docx(agreement)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "人民调解协议书" in text and case.number in text
    assert "张大山" in cells and "李小河" in cells and "申请人" in cells and "被申请人" in cells
    assert "13812345678" in cells and "*" in cells  # the ID number masked even here
    assert "纠纷事实：楼上住户卫生间漏水" in text and "争议事项：维修费用由谁承担" in text
    assert "各方责任：李小河负主要责任" in text
    assert "协议内容：李小河赔偿张大山维修费1500元" in text and "履行方式：现金一次性支付" in text
    assert "履行期限：2026年04月10日前履行完毕" in text
    assert "30日内（即2026年04月19日前）共同向人民法院申请司法确认" in text
    assert "银海社区人民调解委员会（印章）" in text and "调解员（a主任）" in cells
