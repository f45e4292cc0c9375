from pathlib import Path

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.registry.geojson import LEVEL_ALIASES, GeoJSONImportError, import_areas, parse_geojson
from civicgrid.registry.models import AdminArea


def read_geojson(path: str) -> dict:
    try:
        return parse_geojson(Path(path).read_bytes())
    except FileNotFoundError:
        raise CommandError(f"文件不存在：{path}") from None
    except OSError as exc:
        raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from None
    except GeoJSONImportError as exc:
        raise CommandError(str(exc)) from None


def print_result(command: BaseCommand, what: str, result) -> None:
    for code in result.created_parents:
        area = AdminArea.objects.get(code=code)
        command.stdout.write(f"已创建上级区划 {area.name}（{area.code}，{area.get_level_display()}）")
    for warning in result.warnings:
        command.stderr.write(f"提示：{warning}")
    command.stdout.write(
        command.style.SUCCESS(
            f"已导入{what} {result.total} 个：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
        )
    )


class Command(BaseCommand):
    help = "从 GeoJSON 文件导入或更新行政区划（按区划代码，重复导入只更新不重复）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 文件（FeatureCollection）")
        parser.add_argument("--level", required=True, choices=AdminArea.ORDER, help="要素的层级")
        parser.add_argument("--code-field", default="adcode", help="区划代码所在的属性（默认 adcode）")
        parser.add_argument("--name-field", default="name", help="名称所在的属性（默认 name）")
        parser.add_argument("--parent", dest="parent_code", help="所有要素的上级区划代码")
        parser.add_argument("--parent-name", help="上级区划不存在时，用此名称创建（高一级）")
        parser.add_argument("--parent-field", default="parent", help="上级区划代码所在的属性（默认 parent）")
        parser.add_argument(
            "--level-field",
            help=f"每个要素层级所在的属性（可用值：{', '.join(sorted(LEVEL_ALIASES))}）；缺省时用 --level",
        )

    def handle(self, *args, **options):
        data = read_geojson(options["file"])
        try:
            result = import_areas(
                data,
                level=options["level"],
                code_field=options["code_field"],
                name_field=options["name_field"],
                parent_code=options["parent_code"],
                parent_name=options["parent_name"],
                parent_field=options["parent_field"],
                level_field=options["level_field"],
            )
        except GeoJSONImportError as exc:
            raise CommandError(str(exc)) from None
        level = AdminArea.Level(options["level"]).label
        print_result(self, f"行政区划（{level}）", result)
