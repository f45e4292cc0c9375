from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.registry.locate import OUTSIDE, locate_address, locate_point


class Command(BaseCommand):
    help = "按经纬度（默认 WGS-84）或地址查找所在网格"

    def add_arguments(self, parser):
        parser.add_argument("lat", nargs="?", type=float, help="纬度")
        parser.add_argument("lon", nargs="?", type=float, help="经度")
        parser.add_argument("--gcj02", action="store_true", help="经纬度为 GCJ-02（高德、腾讯地图）坐标")
        parser.add_argument("--address", help="按地址或地名模糊查找")
        parser.add_argument("--limit", type=int, default=5, help="地址查找最多列出几条（默认 5）")

    def handle(self, *args, **options):
        if options["address"] is not None:
            if options["lat"] is not None:
                raise CommandError("请只提供经纬度或 --address 其中之一")
            return self.by_address(options["address"], options["limit"])
        if options["lat"] is None or options["lon"] is None:
            raise CommandError(
                "请提供纬度和经度，例如：civicgrid locate 19.2467 110.4664；或用 --address 按地址查找"
            )
        try:
            result = locate_point(options["lat"], options["lon"], gcj02=options["gcj02"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if result.method == OUTSIDE:
            raise CommandError(result.message, returncode=1)
        self.stdout.write(f"{result.grid.code} {result.grid.name}")
        self.stdout.write(result.area_path_display)
        self.stdout.write(result.message)

    def by_address(self, text: str, limit: int):
        matches = locate_address(text, limit=limit)
        if not matches:
            raise CommandError(f"未找到与“{text}”匹配的地名或网格", returncode=1)
        for match in matches:
            what = match.place.name if match.place else match.grid.name
            field = {"name": "名称", "alias": "别名", "address": "地址", "grid": "网格名称"}[match.field]
            grid = f"{match.grid.code} {match.grid.name}" if match.grid else "未归属网格"
            self.stdout.write(f"{match.score:5.1f}  {what}({field}:{match.matched_text})→ {grid}")
