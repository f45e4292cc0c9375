"""`civicgrid party stats --area CODE [--at DATE] [--format table|json]`: the handler of the subcommand.

Kept out of management/commands/party.py so every subcommand lives in its own module and party.py only wires
them (one subparser each, dispatched by name). The figures and their definitions: `civicgrid.party.stats`.
"""

import json
import unicodedata
from datetime import date, datetime

from django.utils import timezone

from civicgrid.core.command import CommandError
from civicgrid.party.stats import empty_stats, party_stats
from civicgrid.registry.models import AdminArea

HELP = "按区划统计党组织、党员、党建网格、网格党支部覆盖、先锋岗、突击队、下沉、换届（含下级区划）"

# (key, label, unit); orgs_by_kind is shown as one row per kind under 党组织总数.
ROWS = [
    ("orgs_total", "党组织总数", "个"),
    ("orgs_by_kind", "", "个"),
    ("temporary_orgs", "临时党组织", "个"),
    ("members_total", "党员总数", "名"),
    ("members_full", "正式党员", "名"),
    ("members_probationary", "预备党员", "名"),
    ("members_without_org", "未编入党组织的党员", "名"),
    ("party_grids", "党建网格", "个"),
    ("orgs_per_party_grid", "平均每个党建网格的党组织", "个"),
    ("members_per_party_grid", "平均每个党建网格的党员", "名"),
    ("grids_total", "基础网格", "个"),
    ("grids_with_branch", "已建党组织的基础网格", "个"),
    ("grid_branch_coverage", "网格党组织覆盖率", "%"),
    ("pioneer_posts", "党员先锋岗", "个"),
    ("shock_teams", "党员突击队", "支"),
    ("deployment_person_times", "党员下沉（进行中）", "人次"),
    ("terms_overdue", "换届逾期", "个"),
    ("terms_due_6_months", "即将到期换届（提醒期内）", "个"),
    ("temporary_orgs_founded", "本年新建临时党组织", "个"),
]


def add_arguments(parser) -> None:
    parser.add_argument("--area", required=True, metavar="CODE", help="区划代码（统计该区划及其下级）")
    parser.add_argument("--at", metavar="DATE", help="统计日期 YYYY-MM-DD（默认今天）")
    parser.add_argument("--format", choices=["table", "json"], default="table", help="输出格式（默认 table）")


def parse_day(text: str | None) -> date:
    if not text:
        return timezone.localdate()
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"日期格式不正确：{text}（应为 YYYY-MM-DD，例如 2025-06-30）") from None


def handle(command, *, area: str, at: str | None = None, format: str = "table", **options) -> None:
    day = parse_day(at)
    code = (area or "").strip()
    found = AdminArea.objects.filter(code=code).first()
    if found is None:
        if AdminArea.objects.exists():
            raise CommandError(f"未找到区划代码：{code}")
        # Nothing registered at all (a fresh database): the empty register, every figure 0.
        command.stderr.write("区划库为空，统计结果均为 0")
        stats, title = empty_stats(), code
    else:
        stats, title = party_stats(found, day), found.path_display
    if format == "json":
        command.stdout.write(json.dumps(stats, ensure_ascii=False))
        return
    command.stdout.write(render_table(stats, title, day))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _value(key: str, value) -> str:
    if key == "grid_branch_coverage":
        return f"{value * 100:.1f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return f"{value:,}"


def render_table(stats: dict, title: str, day: date) -> str:
    lines = [f"{title}　党建统计（截至 {day:%Y-%m-%d}）"]
    rows: list[tuple[str, str, str]] = []
    for key, label, unit in ROWS:
        if key == "orgs_by_kind":
            rows += [(f"　其中{kind}", f"{n:,}", unit) for kind, n in stats[key].items()]
        else:
            rows.append((label, _value(key, stats[key]), unit))
    label_width = max(_width(label) for label, _v, _u in rows) + 2
    value_width = max(len(value) for _l, value, _u in rows)
    for label, value, unit in rows:
        lines.append(f"{_pad(label, label_width)}{value.rjust(value_width)} {unit}")
    return "\n".join(lines)
