from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.registry.geojson import GeoJSONImportError, import_grids
from civicgrid.registry.management.commands.import_areas import print_result, read_geojson


class Command(BaseCommand):
    help = "从 GeoJSON 文件导入或更新网格（按 15 位网格编码，所属村/社区须已存在）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 文件（FeatureCollection）")
        parser.add_argument("--code-field", default="code", help="网格编码所在的属性（默认 code）")
        parser.add_argument("--name-field", default="name", help="名称所在的属性（默认 name）")
        parser.add_argument("--community-field", help="所属村/社区代码所在的属性（缺省取网格编码前 12 位）")
        parser.add_argument("--kind-field", help="网格类型所在的属性（基础网格、专属网格或专属类别）")
        parser.add_argument("--households-field", help="户数所在的属性")

    def handle(self, *args, **options):
        data = read_geojson(options["file"])
        try:
            result = import_grids(
                data,
                code_field=options["code_field"],
                name_field=options["name_field"],
                community_field=options["community_field"],
                kind_field=options["kind_field"],
                households_field=options["households_field"],
            )
        except GeoJSONImportError as exc:
            raise CommandError(str(exc)) from None
        print_result(self, "网格", result)
