"""civicgrid points verify [--format table|json]: the whole ledger against its invariants.

Exit 0 with one line when it holds; otherwise each problem on a line (in Chinese) and exit 1. With --format json
stdout holds only the JSON object {"ok", "entries", "accounts", "items", "problems", "counts"}.
"""

import json
import sys

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.points.verify import verify

CHECK_LABELS = {
    "balance": "余额与记录合计",
    "key": "幂等键",
    "reversal": "冲正",
    "sign": "分数正负",
    "state": "状态",
    "expiry": "到期清零",
    "negative": "负余额",
    "stock": "库存",
    "redemption": "兑换",
}


class Command(BaseCommand):
    help = "积分台账：verify 检查整个台账（余额、透支、库存、幂等键、冲正、到期）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        check = sub.add_parser("verify", help="检查整个积分台账")
        check.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, action=None, format="table", **options):
        if action != "verify":
            raise CommandError("未知的子命令")
        report = verify()
        if format == "json":
            payload = {
                "ok": report.ok,
                "entries": report.entries,
                "accounts": report.accounts,
                "items": report.items,
                "problems": report.problems,
                "counts": dict(report.counts),
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        elif report.ok:
            self.stdout.write(
                f"积分台账检查通过：{report.entries} 条记录，{report.accounts} 个账户，{report.items} 种兑换物品，未发现问题。"
            )
        else:
            total = sum(report.counts.values())
            self.stdout.write(f"积分台账发现 {total} 个问题：")
            for text in report.problems:
                self.stdout.write(f"- {text}")
            summary = "，".join(f"{CHECK_LABELS.get(k, k)} {n} 个" for k, n in sorted(report.counts.items()))
            self.stdout.write(f"合计：{summary}")
        if not report.ok:
            if self._from_command_line:
                sys.exit(1)
            raise CommandError("积分台账检查未通过", returncode=1)
