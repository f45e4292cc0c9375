"""civicgrid kb import|search|reindex: the knowledge base (知识库) from the command line."""

import re
import time

from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.core.chinese import tokenizer
from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.knowledge import importing, selectors, services

MAX_ERRORS_SHOWN = 50
_MARK = re.compile(r"</?mark>")


def _plain(html: str) -> str:
    from html import unescape

    return unescape(_MARK.sub(lambda m: "】" if m.group().startswith("</") else "【", html))


class Command(BaseCommand):
    help = "知识库：从 CSV 导入知识条目、检索、重建检索索引"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,search,reindex}")

        imp = sub.add_parser(
            "import",
            help="从 CSV 导入知识条目（列 question,answer[,category][,unit][,valid_from][,valid_to][,keywords]，"
            "或留言答复格式 留言编号,留言主题,…,答复意见,答复时间）；默认全部成功或全部不导入",
        )
        imp.add_argument("file", metavar="CSV", help="CSV 文件，第一行为列名")
        imp.add_argument("--encoding", default="utf-8-sig", help="文件编码（默认 utf-8-sig，也可为 gbk）")
        imp.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入数据库")
        imp.add_argument("--category", default="", help="未填分类的行使用的业务分类（编码或名称）")
        imp.add_argument("--unit", default="", help="未填单位的行使用的维护单位（编码、名称或简称）")
        imp.add_argument("--skip-invalid", action="store_true", help="跳过有问题的行，导入其余的行")
        imp.add_argument("--batch", type=int, default=services.IMPORT_BATCH, help="每写入多少条报告一次进度")

        find = sub.add_parser("search", help="检索知识库（与工作台检索相同）")
        find.add_argument("query", help='检索词，例如 "积水 报修"')
        find.add_argument("--limit", type=int, default=10)
        find.add_argument("--all", dest="include_all", action="store_true", help="包含已停用和已过期的条目")

        sub.add_parser("reindex", help="重新分词并重建检索索引（更新用户词典或分词规则后使用）")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _import(self, *, file, encoding, dry_run, category, unit, skip_invalid, batch, **options):
        if batch < 1:
            raise CommandError("--batch 应为正整数")
        started = time.monotonic()
        try:
            parsed = importing.read_import_file(
                file, encoding=encoding, default_category=category, default_unit=unit
            )
        except importing.ImportFileError as exc:
            raise CommandError(f"未导入任何条目。{exc}") from None
        self.stdout.write(
            f"文件格式：{importing.FORMAT_NAMES[parsed.format]}；共 {parsed.total} 行，"
            f"有问题 {len(parsed.errors)} 行。"
        )
        if parsed.errors:
            shown = parsed.errors[:MAX_ERRORS_SHOWN]
            for line in shown:
                self.stderr.write(f"  {line}")
            if len(parsed.errors) > len(shown):
                self.stderr.write(f"  ……另有 {len(parsed.errors) - len(shown)} 行有问题未列出")
            if not skip_invalid:
                raise CommandError(
                    f"未导入任何条目：{len(parsed.errors)} 行有问题。"
                    "请改正后重新导入，或使用 --skip-invalid 只导入无误的行。"
                )

        def progress(done, total):
            self.stdout.write(f"  已写入 {done}/{total} 条")

        try:
            result = services.entries_import(
                rows=parsed.rows,
                actor=None,
                skipped=len(parsed.errors),
                dry_run=dry_run,
                label=str(file),
                batch_size=batch,
                progress=progress,
            )
        except (ValidationError, PermissionDenied) as exc:
            text = ";".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(f"未导入任何条目：{text}") from None
        summary = (
            f"新增 {result.created} 条，未变化 {result.unchanged} 条，跳过 {result.skipped} 条"
            f"（用时 {time.monotonic() - started:.1f} 秒）"
        )
        if dry_run:
            self.stdout.write(self.style.WARNING(f"试运行，未写入数据库：{summary}"))
        else:
            self.stdout.write(self.style.SUCCESS(summary))

    def _search(self, *, query, limit, include_all, **options):
        tokenizer()  # loading jieba's dictionary (~0.5 s) is not the search's time
        started = time.perf_counter()
        hits = selectors.search(query, limit=limit, include_retired=include_all)
        elapsed = 1000 * (time.perf_counter() - started)
        self.stdout.write(f"「{query}」：{len(hits)} 条结果（{elapsed:.0f} 毫秒）")
        for rank, hit in enumerate(hits, start=1):
            entry = hit.entry
            where = " / ".join(
                filter(
                    None,
                    [entry.category.name if entry.category else "", entry.unit.name if entry.unit else ""],
                )
            )
            self.stdout.write(
                f"{rank:>2}. [{entry.pk}] {_plain(hit.question_html)}  ({hit.score:.2f}{' ' + where if where else ''})"
            )
            self.stdout.write(f"    {_plain(hit.snippet)}")

    def _reindex(self, **options):
        started = time.monotonic()

        def progress(done, total):
            self.stdout.write(f"  已处理 {done}/{total} 条")

        count = services.entries_reindex(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"已重建检索索引：{count} 条（用时 {time.monotonic() - started:.1f} 秒）")
        )
