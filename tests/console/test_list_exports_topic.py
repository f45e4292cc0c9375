"""「导出 Excel」 on a deliberation topic's page: participants, the 四议两公开 steps and the linked work as sheets,
the proposer never in the file, one audit row; a worker of another community gets no file."""

import io

import openpyxl
from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AUDIT_ACTIONS, AuditEvent
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Topic
from tests.deliberation.conftest import moment, world  # noqa: F401  (fixture)


def test_a_topics_participants_and_steps(client, world):  # noqa: F811
    topic = services.topic_propose(
        actor=SYSTEM,
        area=world["village"],
        title="凯源小区水沟坍塌",
        description="挖掘机压坏水沟",
        source=Topic.Source.RESIDENT,
        form=Topic.Form.FOUR_TWO,
        proposer_name="钱大伯",
        proposer_phone="13612345678",
        at=moment(2026, 3, 2),
    )
    services.topic_accept(actor=SYSTEM, topic=topic)
    services.participant_add(actor=SYSTEM, topic=topic, kind="stakeholder", name="凯源小区业委会")
    client.force_login(world["secretary"])
    url = reverse("console:delib_topic", args=[topic.pk])
    html = client.get(url).content.decode()
    assert 'data-export="xlsx"' in html and "钱大伯" not in html
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content))
    assert workbook.sheetnames == ["参与人", "四议两公开", "关联工单和台账"]
    ws = workbook.worksheets[0]
    assert ws["A1"].value == "议题「凯源小区水沟坍塌」" and "范围：大路村" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["类别", "姓名/单位", "出席"]
    assert [ws["A4"].value, ws["B4"].value] == ["利益相关方", "凯源小区业委会"]
    steps = workbook["四议两公开"]
    assert [c.value for c in steps[3]] == ["步骤", "日期", "到会与表决", "记录"]
    assert steps["A4"].value.startswith("1. ")
    text = "".join(str(c.value) for w in workbook.worksheets for r in w.iter_rows() for c in r if c.value)
    assert "钱大伯" not in text and "13612345678" not in text and "5678" not in text
    assert "export.deliberation_topic" in AUDIT_ACTIONS
    assert (
        AuditEvent.objects.filter(action="export.deliberation_topic", actor=world["secretary"]).count() == 1
    )
    client.force_login(world["worker"])  # 银海社区：not his village
    assert client.get(url).status_code == 403
    assert client.get(url, {"export": "xlsx"}).status_code == 403
    assert AuditEvent.objects.filter(action="export.deliberation_topic").count() == 1
