"""Excel exports of the hotspot list and the alerts list, as filtered on their pages."""

from civicgrid.core.documents import DECIMAL, INTEGER, Column, workbook


def sparkline(daily) -> str:
    """Counts per day as a row of bars (▁ to █): the page and the sheet show the same."""
    counts = [k for _d, k in daily]
    if not counts:
        return ""
    top = max(counts) or 1
    bars = "▁▂▃▄▅▆▇█"
    return "".join(bars[min(7, round(k / top * 7))] if k else "·" for k in counts[-60:])


def hotspots_workbook(issues, *, scope: str, period: str) -> bytes:
    columns = [
        Column("名次", lambda h: h.rank, number_format=INTEGER),
        Column("热点", "label", width=36),
        Column("热度", "heat", number_format=DECIMAL),
        Column("件数", "size", number_format=INTEGER),
        Column("诉求人数", "callers", number_format=INTEGER),
        Column("关键词", lambda h: "、".join(h.keywords), width=30),
        Column("地点", lambda h: "、".join(h.places), width=30),
        Column("首件", lambda h: h.first.strftime("%Y-%m-%d %H:%M"), width=18),
        Column("末件", lambda h: h.last.strftime("%Y-%m-%d %H:%M"), width=18),
        Column("每日件数", lambda h: "、".join(f"{d:%m-%d} {k}" for d, k in h.daily if k), width=40),
        Column("示例工单", lambda h: "、".join(n for n, _t in h.examples), width=30),
    ]
    return workbook("热点问题", scope, period, columns, issues, sheet_name="热点问题")


def alerts_workbook(alerts, *, scope: str, period: str) -> bytes:
    columns = [
        Column("预警日期", lambda a: a.day.strftime("%Y-%m-%d"), width=12),
        Column("热点", "label", width=36),
        Column("当日件数", "observed", number_format=INTEGER),
        Column("基线日均", "expected", number_format=DECIMAL),
        Column("累计件数", "size", number_format=INTEGER),
        Column("说明", "explanation", width=60),
    ]
    return workbook("热点预警", scope, period, columns, alerts, sheet_name="热点预警")
