"""civicgrid reviews sheet --campaign ID|CODE [--reporter ID] [--format table|json]
civicgrid reviews results --campaign ID|CODE [--format table|json|xlsx] [--out FILE]."""

import json
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.actors import SYSTEM
from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.reviews import exports, sheet
from civicgrid.reviews.models import DataSheet, ReviewCampaign
from civicgrid.reviews.services import results_of


def campaign_of(text: str) -> ReviewCampaign:
    text = (text or "").strip()
    found = ReviewCampaign.objects.filter(code=text).first()
    if found is None and text.isdigit():
        found = ReviewCampaign.objects.filter(pk=int(text)).first()
    if found is None:
        raise CommandError(f"没有找到述职评议「{text[:40]}」（请填写编码或编号）")
    return found


class Command(BaseCommand):
    help = _("述职评议：述职数据表、测评结果")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sh = sub.add_parser(
            "sheet", help=_("各述职人的述职数据表（已采集的按采集时的数据，未采集的按当前数据）")
        )
        sh.add_argument("--campaign", required=True, help=_("述职评议编码或编号"))
        sh.add_argument("--reporter", type=int, default=None, help=_("只看一名述职人（编号）"))
        sh.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))
        rs = sub.add_parser("results", help=_("测评结果：各组平均分、综合得分、等次、名次"))
        rs.add_argument("--campaign", required=True, help=_("述职评议编码或编号"))
        rs.add_argument("--format", choices=("table", "json", "xlsx"), default="table", help=_("结果格式"))
        rs.add_argument("--out", default="", help=_("输出文件（xlsx 格式必填）"))

    def handle(self, *args, **options):
        campaign = campaign_of(options["campaign"])
        if options["action"] == "sheet":
            return self._sheet(campaign, options)
        return self._results(campaign, options)

    def _sheet(self, campaign, options):
        reporters = campaign.reporters.select_related("area", "unit", "party_org", "campaign").order_by(
            "order", "pk"
        )
        if options["reporter"] is not None:
            reporters = reporters.filter(pk=options["reporter"])
            if not reporters.exists():
                raise CommandError("该述职人不在本次述职评议中")
        stored = {s.reporter_id: s for s in DataSheet.objects.filter(reporter__campaign=campaign)}
        today = timezone.localdate()
        start, end = sheet.period_of(campaign.year, today)
        context = sheet.Context(start, end)
        out = []
        for reporter in reporters:
            row = stored.get(reporter.pk)
            if row is None:
                self.stderr.write(f"{reporter.name}尚未采集数据表，以下为当前数据（未保存）")
                data, taken = sheet.assemble(reporter, today, context), None
            else:
                data, taken = row.data, row.taken_at
            out.append(
                {
                    "reporter_id": reporter.pk,
                    "name": reporter.name,
                    "post": reporter.post,
                    "taken_at": taken.isoformat() if taken else None,
                    "sheet": data,
                }
            )
        if options["format"] == "json":
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        for entry in out:
            data = entry["sheet"]
            self.stdout.write(
                f"{entry['name']}　{entry['post']}（{data['period_from']}至{data['period_to']}）"
            )
            for part in data["sections"]:
                self.stdout.write(f"  {part['title']}" + (f"：{part['note']}" if part["note"] else ""))
                for row in part["rows"]:
                    self.stdout.write(f"    {row['label']}：{row['display']}")

    def _results(self, campaign, options):
        fmt, out = options["format"], options["out"]
        if fmt == "xlsx":
            if not out:
                raise CommandError("xlsx 格式须用 --out 指定输出文件")
            Path(out).write_bytes(exports.results_xlsx(actor=SYSTEM, campaign=campaign))
            self.stderr.write(f"已写入{out}")
            return
        results = results_of(campaign)
        if fmt == "json":
            text = json.dumps(results["reporters"], ensure_ascii=False, indent=2)
        else:
            lines = [f"{campaign.name}（{campaign.get_state_display()}）"]
            for row in sorted(results["reporters"], key=lambda r: (r["rank"] is None, r["rank"] or 0)):
                groups = "，".join(
                    f"{g['name']}{'—' if g['mean'] is None else format(g['mean'], '.2f')}（{g['ballots']}票）"
                    for g in row["groups"]
                )
                score = "—" if row["score"] is None else f"{row['score']:.2f}"
                lines.append(
                    f"{row['rank'] or '—'}　{row['name']}　{score}　{row['grade'] or '不评定'}　{groups}"
                    + (f"　{'；'.join(row['notes'])}" if row["notes"] else "")
                )
            text = "\n".join(lines)
        if out:
            Path(out).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"已写入{out}")
        else:
            self.stdout.write(text)
