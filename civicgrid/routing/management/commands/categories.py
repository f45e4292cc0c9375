"""civicgrid categories import|list: the subject taxonomy (业务分类) from the command line."""

from django.utils import timezone

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.routing import services
from civicgrid.routing.models import Category


class Command(BaseCommand):
    help = "业务分类：从 CSV 导入分类表，或按版本列出分类树"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,list}")

        imp = sub.add_parser(
            "import", help="从每级一列的 CSV 导入分类表，作为一个新版本（全部成功或全部不导入）"
        )
        imp.add_argument("file", metavar="CSV", help="CSV 文件（UTF-8 或 GB18030），第一行为列名")
        imp.add_argument(
            "--version", dest="category_version", metavar="V", help="分类版本，默认 导入YYYYMMDD"
        )
        imp.add_argument(
            "--levels-cols",
            default=",".join(services.DEFAULT_LEVEL_COLUMNS),
            help="各级分类的列名，逗号分隔，从一级到末级（默认 一级分类，二级分类，三级分类）",
        )

        show = sub.add_parser("list", help="列出分类树")
        show.add_argument(
            "--version", dest="category_version", metavar="V", help="只列出该版本（默认全部版本）"
        )

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _import(self, *, file, category_version, levels_cols, **options):
        columns = [c.strip() for c in levels_cols.replace(",", ",").split(",") if c.strip()]
        if not columns or len(columns) > Category.MAX_LEVEL:
            raise CommandError(f"--levels-cols 应列出 1 到 {Category.MAX_LEVEL} 个列名")
        version = category_version or f"导入{timezone.localdate():%Y%m%d}"
        try:
            rows = services.read_category_csv(file, columns)
            created = services.categories_import(rows=rows, version=version, actor=None)
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}") from None
        except services.CategoryImportError as exc:
            raise CommandError(f"未导入任何分类。\n{exc}") from None
        levels = [sum(1 for c in created if c.level == n) for n in range(1, len(columns) + 1)]
        detail = "，".join(f"{n} 级 {count} 个" for n, count in enumerate(levels, start=1))
        self.stdout.write(self.style.SUCCESS(f"已导入分类版本 {version}，共 {len(created)} 个（{detail}）。"))

    def _list(self, *, category_version, **options):
        categories = Category.objects.order_by("version", "code")
        if category_version:
            categories = categories.filter(version=category_version)
            if not categories.exists():
                known = "、".join(Category.objects.values_list("version", flat=True).distinct()) or "无"
                raise CommandError(f"没有版本为 {category_version} 的分类（现有版本：{known}）")
        current = None
        for category in categories:
            if category.version != current:
                current = category.version
                count = sum(1 for c in categories if c.version == current)
                self.stdout.write(f"分类版本 {current}（共 {count} 个）")
            line = f"{'  ' * category.level}{category.code} {category.name}"
            if not category.is_active:
                line += " （停用）"
            if category.keywords:
                line += f"  [{category.keywords}]"
            self.stdout.write(line)
