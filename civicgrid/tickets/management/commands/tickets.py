"""civicgrid tickets import|export: historical tickets from a spreadsheet, and tickets back out.

`import FILE --mapping MAPPING.toml [--dry-run] [--skip-invalid] [--limit N]` reads the file with the mapping
(docs/import/README.md), lists every bad row with its line and reason, and writes all rows or none (with
`--skip-invalid`, the good ones, the rest in a rejects file). Progress goes to stderr; the last line on stdout
is exactly `imported N, unchanged N, rejected N` for scripts. `export --from D --to D [--mapping M] --out F`
writes the tickets received in the period to .csv or .xlsx, with a mapping in the columns it reads.
"""

import csv
import time
from datetime import date
from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.tickets.importing import exporting
from civicgrid.tickets.importing.mapping import load_mapping
from civicgrid.tickets.importing.reading import read_source
from civicgrid.tickets.importing.rows import TABLE_NAMES, Problem, RowReader
from civicgrid.tickets.services.history import import_history, plan_import, record_export

SHOWN_VALUES = 8


class _Progress:
    """「导入历史工单：写入 45,000/100,000（45%）」 on stderr: redrawn in place on a terminal, else every 10 %."""

    def __init__(self, stream, title: str, enabled: bool):
        self.stream, self.title, self.enabled = stream, title, enabled
        self.tty = getattr(stream, "isatty", lambda: False)()
        self.last: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        percent = 100 * done // total if total else 100
        step = percent if self.tty else percent // 10 * 10
        if (stage, step) == self.last:
            return
        self.last = (stage, step)
        filled = percent // 5
        bar = "█" * filled + "░" * (20 - filled)
        text = f"{self.title}：{stage} {bar} {done:,}/{total:,}（{percent}%）"
        if self.tty:
            self.stream.write("\r" + text, ending="\n" if done >= total else "")
            self.stream.flush()
        else:
            self.stream.write(text)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("日期「%(d)s」格式不对，应为 YYYY-MM-DD") % {"d": text}) from None


class Command(BaseCommand):
    help = _("工单：导入历史工单、导出工单")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help=_("按映射文件导入历史工单（全部成功才写入，除非 --skip-invalid）")
        )
        imp.add_argument("file", metavar="FILE", help=_("CSV（UTF-8 或 GBK）或 .xlsx 文件"))
        imp.add_argument(
            "--mapping", required=True, metavar="MAPPING.toml", help=_("映射文件，见 docs/import/README.md")
        )
        imp.add_argument("--dry-run", action="store_true", help=_("只校验并报告，不写入数据库"))
        imp.add_argument(
            "--skip-invalid", action="store_true", help=_("导入无误的行，有问题的行写入拒绝文件")
        )
        imp.add_argument("--limit", type=int, metavar="N", help=_("只读前 N 条数据行"))
        imp.add_argument(
            "--rejects", metavar="FILE", help=_("拒绝文件的路径（默认：当前目录下的 <文件名>.rejects.csv）")
        )
        imp.add_argument("--no-progress", action="store_true", help=_("不显示进度"))
        exp = sub.add_parser("export", help=_("导出受理时间在某段时间内的工单到 .csv 或 .xlsx"))
        exp.add_argument(
            "--from", dest="date_from", required=True, metavar="YYYY-MM-DD", help=_("起始日期（含）")
        )
        exp.add_argument(
            "--to", dest="date_to", required=True, metavar="YYYY-MM-DD", help=_("截止日期（含）")
        )
        exp.add_argument(
            "--mapping", metavar="MAPPING.toml", help=_("按映射文件的列导出（可再用同一映射导入）")
        )
        exp.add_argument("--out", required=True, metavar="FILE", help=_("输出文件（.csv 或 .xlsx）"))

    def handle(self, *args, action, **options):
        return getattr(self, "_" + action)(**options)

    # --------------------------------------------------------------------------------------------- import

    def _import(self, *, file, mapping, dry_run, skip_invalid, limit, rejects, no_progress, **options):
        started = time.monotonic()
        write = self.stdout.write
        if limit is not None and limit < 1:
            raise CommandError(_("--limit 应为正整数"))
        progress = _Progress(self.stderr, _("导入历史工单"), not no_progress)
        the_mapping = load_mapping(mapping)
        table = read_source(file, the_mapping.encoding)
        reader = RowReader(the_mapping, table)
        records = []
        for record in table.records:
            if limit is not None and len(records) >= limit:
                break
            records.append(record)
        good, problems, seen = [], [], {}
        for n, record in enumerate(records, start=1):
            result = reader.read(record)
            if isinstance(result, Problem):
                problems.append(result)
            elif result.external_id in seen:
                problems.append(
                    Problem(
                        record.row,
                        record.line,
                        record.where(),
                        _("外部编号「%(id)s」与第 %(row)d 行重复")
                        % {"id": result.external_id, "row": seen[result.external_id]},
                        record.cells,
                    )
                )
            else:
                seen[result.external_id] = record.row
                good.append(result)
            if n % 1000 == 0 or n == len(records):
                progress(_("校验"), n, len(records))
        plan = plan_import(good, source=the_mapping.source)

        write(
            _("文件「%(f)s」（%(enc)s）：%(n)d 条数据，来源「%(s)s」")
            % {"f": Path(file).name, "enc": table.encoding, "n": len(records), "s": the_mapping.source}
        )
        if problems:
            write(_("有问题的行（%(n)d 行）：") % {"n": len(problems)})
            for problem in problems:
                write("  " + problem.message)
        self._notes(reader, plan, dry_run or bool(problems and not skip_invalid))
        last = "imported %d, unchanged %d, rejected %d"
        if problems and not skip_invalid:
            write(_("未导入：有问题的行须先改正（或使用 --skip-invalid 只导入无误的行），未写入任何数据"))
            write(last % (0, plan.unchanged, len(problems)))
            raise CommandError(_("未导入：%(n)d 行有问题，未写入任何数据") % {"n": len(problems)})
        if problems and not dry_run:
            path = Path(rejects) if rejects else Path.cwd() / f"{Path(file).stem}.rejects.csv"
            self._write_rejects(path, table.header, problems)
            write(_("有问题的 %(n)d 行已写入「%(p)s」") % {"n": len(problems), "p": path})
        if dry_run:
            write(_("试运行，未写入数据库：将新增 %(n)d 件") % {"n": len(plan.new)})
        else:
            written = import_history(
                plan, label=Path(file).name, progress=lambda done, total: progress(_("写入"), done, total)
            )
            seconds = time.monotonic() - started
            write(
                _("导入完成：新增 %(n)d 件历史工单，用时 %(s).1f 秒（每秒 %(r)d 行）")
                % {"n": written, "s": seconds, "r": len(records) / seconds if seconds else 0}
            )
        write(last % (len(plan.new), plan.unchanged, len(problems)))

    def _notes(self, reader: RowReader, plan, hypothetical: bool) -> None:
        write = self.stdout.write
        write(
            _(
                "定位：%(ok)d 件定位到网格，%(no)d 件未定位（无坐标 %(np)d 件，坐标不在本辖区任何网格内 %(out)d 件，均照原样保留）"
            )
            % {"ok": plan.located, "no": plan.not_located, "np": plan.without_point, "out": plan.outside}
        )
        if plan.new_categories:
            names = "、".join(plan.new_categories[:SHOWN_VALUES])
            more = _("等") if len(plan.new_categories) > SHOWN_VALUES else ""
            text = (
                _("将在「导入分类」下新建 %(n)d 个分类：%(names)s%(more)s")
                if hypothetical
                else _("在「导入分类」下新建了 %(n)d 个分类：%(names)s%(more)s")
            )
            write(text % {"n": len(plan.new_categories), "names": names, "more": more})
        fallbacks = {
            "request_types": _("按「求助」"),
            "channels": _("按「其他」"),
            "statuses": _("按有无办结时间或答复判断"),
            "units": _("无主办单位"),
            "categories": _("见上"),
        }
        mapping = reader.mapping
        for table, counter in reader.notes.unmatched.items():
            if not counter or table == "categories" and table not in mapping.defaults:
                continue
            values = "、".join(f"「{v}」{n} 行" for v, n in counter.most_common(SHOWN_VALUES))
            more = _("等") if len(counter) > SHOWN_VALUES else ""
            fallback = (
                _("按默认值「%(d)s」") % {"d": mapping.defaults[table]}
                if table in mapping.defaults
                else fallbacks[table]
            )
            write(
                _("%(t)s：%(k)d 个值在映射中没有对应（%(v)s%(more)s），%(f)s")
                % {"t": TABLE_NAMES[table], "k": len(counter), "v": values, "more": more, "f": fallback}
            )
        notes = reader.notes
        if notes.closed_before_received:
            write(_("提示：%(n)d 行的办结时间早于受理时间，照原样保留") % {"n": notes.closed_before_received})
        if notes.half_coordinates:
            write(_("提示：%(n)d 行只有纬度或经度之一，未定位") % {"n": notes.half_coordinates})
        for name, n in notes.cut.items():
            write(_("提示：%(n)d 行的%(f)s过长，已截断") % {"n": n, "f": name})

    @staticmethod
    def _write_rejects(path: Path, header: list[str], problems: list[Problem]) -> None:
        try:
            with path.open("w", encoding="utf-8-sig", newline="") as handle:
                out = csv.writer(handle)
                out.writerow([_("原行号"), _("拒绝原因"), *header])
                for problem in problems:
                    out.writerow([problem.row, problem.reason, *problem.cells])
        except OSError as error:
            raise CommandError(
                _("无法写入拒绝文件「%(p)s」：%(e)s") % {"p": path, "e": error.strerror}
            ) from None

    # --------------------------------------------------------------------------------------------- export

    def _export(self, *, date_from, date_to, mapping, out, **options):
        start, end = _date(date_from), _date(date_to)
        if end < start:
            raise CommandError(_("截止日期早于起始日期"))
        if Path(out).suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError(_("输出文件应以 .csv 或 .xlsx 结尾"))
        the_mapping = load_mapping(mapping) if mapping else None
        writer = exporting.Writer(the_mapping)
        try:
            count = exporting.write_file(out, writer, exporting.tickets_between(start, end))
        except OSError as error:
            raise CommandError(_("无法写入「%(p)s」：%(e)s") % {"p": out, "e": error.strerror}) from None
        record_export(
            label=str(out),
            count=count,
            date_from=start,
            date_to=end,
            mapping=Path(mapping).name if mapping else "",
        )
        self.stdout.write(_("已导出 %(n)d 件工单到「%(p)s」") % {"n": count, "p": out})
