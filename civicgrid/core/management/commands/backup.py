"""civicgrid backup: one archive with the database, the data directory's files and its keys."""

from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.core.backup import backup
from civicgrid.core.command import BaseCommand


class Command(BaseCommand):
    help = _(
        "备份：把数据库（SQLite 在线备份，PostgreSQL 用 pg_dump）、数据目录中的附件、文档、模型和密钥写成一个"
        "归档文件，在标准输出打印它的路径；运行中的服务无需停止"
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help=_("存放备份的目录（不存在则创建）"))
        parser.add_argument("--keep", type=int, default=None, help=_("只保留最新的 N 份备份，更早的删除"))

    def handle(self, *args, out, keep, **options):
        self.stderr.write(_("正在备份……"))
        made = backup(Path(out), keep=keep)
        self.stderr.write(
            _("已备份 %(tables)d 张表，共 %(rows)d 行。") % {"tables": made.tables, "rows": made.rows}
        )
        for note in made.notes:
            self.stderr.write(note)
        for old in made.removed:
            self.stderr.write(_("已删除过期备份：%(path)s") % {"path": old})
        self.stdout.write(str(made.path))
