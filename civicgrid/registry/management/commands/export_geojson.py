import json
from pathlib import Path

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.registry.geojson import EXPORT_LEVELS, export_geojson


class Command(BaseCommand):
    help = "把网格或某一层级的行政区划导出为 GeoJSON(WGS-84,UTF-8)"

    def add_arguments(self, parser):
        parser.add_argument("--level", required=True, choices=EXPORT_LEVELS, help="grid 或区划层级")
        parser.add_argument("--out", help="输出文件（默认输出到标准输出）")

    def handle(self, *args, **options):
        collection = export_geojson(options["level"])
        text = json.dumps(collection, ensure_ascii=False)
        if not options["out"]:
            self.stdout.write(text)
            return
        try:
            Path(options["out"]).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入文件 {options['out']}:{exc.strerror}") from None
        self.stderr.write(f"已导出 {len(collection['features'])} 个要素到 {options['out']}")
