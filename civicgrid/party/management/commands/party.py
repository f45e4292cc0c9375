"""civicgrid party import-orgs|import-members FILE: the party register from a table (.xlsx, .csv UTF-8/GBK).

One method per subcommand (`_import_orgs`, `_import_members`, ...), each with its parser added in
add_arguments; `stats` joins them the same way. Progress goes to stderr; with `--format json` stdout holds
only the JSON.
"""

import json
import time

from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.core.documents import read_table
from civicgrid.party import imports, stats_command

# The command line is not an upload: a province's members in one file are allowed.
MAX_ROWS = 2_000_000
MAX_BYTES = 1024 * 1024 * 1024
WARNINGS_SHOWN = 50


class _ProgressLine:
    """「导入党员：写入 45,000/100,000（45%）」 on stderr: redrawn in place on a terminal, else every 10 %."""

    def __init__(self, stream, title: str):
        self.stream, self.title = stream, title
        self.tty = getattr(stream, "isatty", lambda: False)()
        self.last: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        step = percent if self.tty else percent // 10 * 10
        if (stage, step) == self.last:
            return
        self.last = (stage, step)
        text = f"{self.title}：{stage} {done:,}/{total:,}（{percent}%）"
        if self.tty:
            self.stream.write("\r" + text, ending="\n" if done >= total else "")
            self.stream.flush()
        else:
            self.stream.write(text)


def _import_parser(sub, name: str, help_text: str) -> None:
    parser = sub.add_parser(name, help=help_text)
    parser.add_argument("file", metavar="FILE", help=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）文件"))
    parser.add_argument(
        "--skip-invalid", action="store_true", help=_("跳过有问题的行（逐行列出），只导入无误的行")
    )
    parser.add_argument("--dry-run", action="store_true", help=_("只校验并报告，不写入数据库"))
    parser.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))
    parser.add_argument("--no-progress", action="store_true", help=_("不显示进度"))


class Command(BaseCommand):
    help = _("党组织和党员：导入组织、导入党员、统计")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        _import_parser(sub, "import-orgs", _("导入党组织（按组织代码新增或更新）"))
        _import_parser(sub, "import-members", _("导入党员（按身份证号新增或更新；请先导入党组织）"))
        stats_command.add_arguments(sub.add_parser("stats", help=stats_command.HELP))

    def handle(self, *args, action, **options):
        return getattr(self, "_" + action.replace("-", "_"))(**options)

    # ---------------------------------------------------------------------------------------- import-orgs

    def _stats(self, **options):
        stats_command.handle(self, **options)

    def _import_orgs(self, **options):
        self._import(imports.import_orgs, _("导入党组织"), _("个"), **options)

    # ------------------------------------------------------------------------------------- import-members

    def _import_members(self, **options):
        self._import(imports.import_members, _("导入党员"), _("名"), **options)

    def _import(self, run, title, unit, *, file, skip_invalid, dry_run, format, no_progress, **options):
        started = time.monotonic()
        progress = None if no_progress else _ProgressLine(self.stderr, title)
        if progress:
            progress(_("读取文件"), 0, 1)
        table = read_table(file, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)
        report = run(table, skip_invalid=skip_invalid, dry_run=dry_run, label=str(file), progress=progress)
        if format == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self._write_report(report, title, unit, time.monotonic() - started)
        if report.refused:
            rows = "、".join(str(p.row) for p in report.errors[:20])
            more = "等" if len(report.errors) > 20 else ""
            raise CommandError(
                _(
                    "未导入：%(n)d 行有问题（第 %(rows)s%(more)s 行），未写入任何数据。请改正后重新导入，或使用 --skip-invalid 只导入无误的行"
                )
                % {"n": len(report.errors), "rows": rows, "more": more}
            )

    def _write_report(self, report, title, unit, seconds: float) -> None:
        write = self.stdout.write
        counts = _(
            "共 %(total)d 行：新增 %(c)d %(u)s，更新 %(up)d %(u)s，未变化 %(same)d %(u)s，跳过 %(skip)d 行"
        ) % {
            "total": report.total,
            "c": report.created,
            "up": report.updated,
            "same": report.unchanged,
            "skip": report.skipped,
            "u": unit,
        }
        if report.errors:
            write(_("有问题的行（%(n)d 行）：") % {"n": len(report.errors)})
            for problem in report.errors:
                write(_("  第 %(row)d 行：%(message)s") % problem.as_dict())
        if report.warnings:
            write(_("提示（%(n)d 条）：") % {"n": len(report.warnings)})
            for problem in report.warnings[:WARNINGS_SHOWN]:
                write(_("  第 %(row)d 行：%(message)s") % problem.as_dict())
            if len(report.warnings) > WARNINGS_SHOWN:
                write(
                    _("  ……另有 %(n)d 条提示未列出（--format json 可看全部）")
                    % {"n": len(report.warnings) - WARNINGS_SHOWN}
                )
        if report.refused:
            write(_("%(title)s（未写入）：%(counts)s") % {"title": title, "counts": counts})
        elif report.dry_run:
            write(self.style.WARNING(_("试运行，未写入数据库：%(counts)s") % {"counts": counts}))
        else:
            write(
                self.style.SUCCESS(
                    _("%(title)s完成：%(counts)s（用时 %(s).1f 秒）")
                    % {"title": title, "counts": counts, "s": seconds}
                )
            )
