"""Word and Excel of a 述职评议: a reporter's material (.docx: data sheet, ballots by group, grade, 点评,
rectification items) and the campaign's results (.xlsx). Each checks the reader's scope and writes an audit row;
the house style is `civicgrid.core.documents`."""

from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.core.documents import (
    DATE,
    DECIMAL,
    INTEGER,
    Column,
    Section,
    Sheet,
    Table,
    document,
    workbook_of,
)
from civicgrid.reviews import rectification, scope
from civicgrid.reviews.errors import ReviewError
from civicgrid.reviews.models import Reporter, ReviewCampaign
from civicgrid.reviews.results import result_of
from civicgrid.reviews.services import results_of


def _score(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def sheet_sections(data: dict | None) -> list[Section]:
    if not data:
        return [Section("一、述职数据", ["尚未采集述职数据。"])]
    sections = [
        Section(
            "一、述职数据",
            [f"统计区间：{data['period_from']}至{data['period_to']}；范围：{data.get('scope') or '—'}。"],
        )
    ]
    for part in data["sections"]:
        blocks: list = []
        if part.get("note"):
            blocks.append(part["note"])
        if part["rows"]:
            blocks.append(
                Table(
                    ["指标", "数值", "口径"],
                    [(row["label"], row["display"], row["definition"]) for row in part["rows"]],
                    widths_cm=(4.5, 3, 8),
                )
            )
        sections.append(Section(part["title"], blocks, level=2))
    return sections


def reporter_docx(*, actor, reporter: Reporter, now=None) -> bytes:
    if not scope.sees_reporter(actor, reporter):
        raise ReviewError("您无权查看该述职人的材料")
    campaign = reporter.campaign
    data = getattr(getattr(reporter, "sheet", None), "data", None)
    sections = sheet_sections(data)
    if scope.sees_results(actor, reporter):
        result = result_of(results_of(campaign), reporter.pk)
        blocks: list = []
        if result is None or not result["groups"]:
            blocks.append("尚无测评结果。")
        else:
            labels = [level["label"] for level in campaign.scale.levels]
            blocks.append(
                Table(
                    ["测评组", "权重", *labels, "票数", "平均分"],
                    [
                        (
                            g["name"],
                            f"{g['weight']:g}",
                            *(g["counts"].get(x, 0) for x in labels),
                            g["ballots"],
                            _score(g["mean"]),
                        )
                        for g in result["groups"]
                    ],
                )
            )
            grade = result["grade"] or "不评定"
            rank = f"，第{result['rank']}名" if result["rank"] else ""
            blocks.append(f"综合得分{_score(result['score'])}，等次：{grade}{rank}。")
            blocks.extend(note + "。" for note in result["notes"])
        sections.append(Section("二、测评结果", blocks))
    else:
        sections.append(Section("二、测评结果", ["结果尚未公布。"]))
    sections.append(Section("三、点评", [reporter.comment or "尚未点评。"]))
    today = timezone.localdate(now or timezone.now())
    items = list(reporter.rectifications.order_by("due_date", "pk"))
    sections.append(
        Section(
            "四、整改事项",
            [
                Table(
                    ["序号", "问题", "整改措施", "责任人", "时限", "状态"],
                    [
                        (
                            n,
                            i.problem,
                            i.measure,
                            i.responsible,
                            i.due_date,
                            rectification.state_label(i, today),
                        )
                        for n, i in enumerate(items, start=1)
                    ],
                )
            ]
            if items
            else ["本期无。"],
        )
    )
    data_bytes = document(
        f"{campaign.year}年度抓基层党建工作述职评议材料",
        f"{reporter.name}　{reporter.post}".strip(),
        sections,
        now=now,
    )
    with transaction.atomic():
        record_event(actor=actor, action="export.review_sheet", target=reporter, summary=str(reporter))
    return data_bytes


def results_xlsx(*, actor, campaign: ReviewCampaign, now=None) -> bytes:
    if not scope.manages(actor, campaign):
        raise ReviewError("只有本次述职评议的组织部门可以导出结果")
    results = results_of(campaign)
    groups = results["groups"]

    def group_mean(index):
        return lambda row: row["groups"][index]["mean"]

    columns = [
        Column("名次", "rank", number_format=INTEGER),
        Column("述职人", "name", width=12),
        Column("职务", "post", width=28),
        Column("负责区划（单位）", "answers_for", width=28),
        *[
            Column(f"{g['name']}（权重{g['weight']:g}）", group_mean(i), number_format=DECIMAL)
            for i, g in enumerate(groups)
        ],
        Column("有效票", "ballots", number_format=INTEGER),
        Column("综合得分", "score", number_format=DECIMAL),
        Column("等次", lambda r: r["grade"] or "不评定"),
        Column("说明", lambda r: "；".join(r["notes"]), width=40),
    ]
    rows = sorted(results["reporters"], key=lambda r: (r["rank"] is None, r["rank"] or 0))
    state = "已公布" if campaign.state == ReviewCampaign.State.PUBLISHED else "未公布，仅供组织部门核对"
    scale = "；".join(f"{x['label']}计{x['score']:g}分、{x['min']:g}分及以上" for x in results["scale"])
    sheet = Sheet(
        f"{campaign.name}测评结果",
        columns,
        rows,
        scope=campaign.area.name if campaign.area_id else "全部",
        period=f"{campaign.year}年度（{state}）",
        name="测评结果",
        note=f"综合得分为各测评组平均分按权重加权；等次：{scale}。",
    )
    data_bytes = workbook_of([sheet], now=now)
    with transaction.atomic():
        record_event(actor=actor, action="export.review_results", target=campaign, summary=campaign.name)
    return data_bytes


def campaigns_xlsx(*, actor, campaigns, scope_label: str, now=None) -> bytes:
    columns = [
        Column("编码", "code", width=16),
        Column("名称", "name", width=36),
        Column("年度", "year", number_format=INTEGER),
        Column("所属区划", lambda c: c.area.name if c.area_id else "", width=16),
        Column("述职对象", "kinds_display", width=36),
        Column("述职人数", lambda c: c.n if hasattr(c, "n") else c.reporters.count(), number_format=INTEGER),
        Column("状态", lambda c: c.get_state_display()),
        Column("创建时间", lambda c: timezone.localdate(c.created_at), number_format=DATE),
    ]
    data_bytes = workbook_of(
        [Sheet("述职评议清单", columns, campaigns, scope=scope_label, name="述职评议")], now=now
    )
    with transaction.atomic():
        record_event(actor=actor, action="export.review_campaigns", summary=scope_label)
    return data_bytes
