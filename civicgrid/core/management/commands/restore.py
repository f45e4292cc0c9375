"""civicgrid restore: bring back an archive written by `civicgrid backup`."""

from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.core.backup import restore
from civicgrid.core.command import BaseCommand, CommandError


class Command(BaseCommand):
    help = _(
        "从 civicgrid backup 的归档恢复数据库和数据目录；用于空的、未迁移的新安装，"
        "已有数据时拒绝，除非加 --yes 确认覆盖；恢复后逐表核对行数"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("备份归档文件"))
        parser.add_argument("--yes", action="store_true", help=_("确认覆盖当前已有的数据"))

    def handle(self, *args, file, yes, **options):
        self.stderr.write(_("正在恢复……"))
        result = restore(Path(file), replace=yes)
        for note in result["notes"]:
            self.stderr.write(note)
        if result["mismatches"]:
            raise CommandError(_("恢复后行数与备份不符：") + "；".join(result["mismatches"]))
        self.stdout.write(
            _("已恢复 %(tables)d 张表，共 %(rows)d 行，行数与备份一致。")
            % {"tables": result["tables"], "rows": result["rows"]}
        )
