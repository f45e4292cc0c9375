import json

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from civicgrid.demo.city import accounts_file, build_city


class Command(BaseCommand):
    help = "生成示范城市(区划、网格、单位、人员、地名)并启动服务 http://127.0.0.1:8000。重复执行不会重复生成数据。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="随机种子(默认 2026),相同种子生成相同城市")
        parser.add_argument("--grids", type=int, default=60, help="网格数量(默认 60)")
        parser.add_argument(
            "--boundary", help="用真实边界生成网格,例如 ../shared/data/hainan_geojson/county_469002.json"
        )
        parser.add_argument("--no-serve", action="store_true", help="只生成数据,不启动服务")
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="服务地址(默认 127.0.0.1:8000)")
        parser.add_argument("--reset", action="store_true", help="清空数据库后重建(会删除全部数据,需要确认)")
        parser.add_argument("--yes", action="store_true", help="与 --reset 一起使用时不再询问确认")

    def handle(self, *args, **opts):
        if opts["grids"] < 1 or opts["grids"] > 20000:
            raise CommandError("--grids 应在 1 到 20000 之间")
        boundary = None
        if opts["boundary"]:
            try:
                with open(opts["boundary"], encoding="utf-8") as fh:
                    boundary = json.load(fh)
            except OSError as exc:
                raise CommandError(f"无法读取边界文件 {opts['boundary']}:{exc.strerror}") from exc
            except json.JSONDecodeError as exc:
                raise CommandError(f"边界文件不是有效的 JSON:第 {exc.lineno} 行 {exc.msg}") from exc

        call_command("migrate", verbosity=0, interactive=False)
        if opts["reset"]:
            if not opts["yes"]:
                answer = input("这将删除数据库中的全部数据并重建示范城市。确定吗?输入 yes 继续:")
                if answer.strip().lower() != "yes":
                    raise CommandError("已取消,未做任何修改。")
            call_command("flush", interactive=False, verbosity=0)
            call_command("migrate", verbosity=0, interactive=False)  # re-seed data migrations' rows
            accounts_file().unlink(missing_ok=True)

        self.stdout.write("正在生成示范城市……")
        try:
            result = build_city(
                seed=opts["seed"],
                grids=opts["grids"],
                boundary=boundary,
                log=lambda msg: self.stdout.write("  " + msg),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"示范城市:{result.city.path_display}。区划 {counts['areas']},网格 {counts['grids']},"
                f"单位 {counts['units']},工作人员 {counts['staff']},地名 {counts['places']}。"
            )
        )
        self._print_accounts(result)
        if not opts["no_serve"]:
            self.stdout.write(
                f"\n服务地址:http://{opts['addrport']}/  管理后台:http://{opts['addrport']}/admin/"
                "  (按 Ctrl+C 停止)"
            )
            call_command("runserver", opts["addrport"], use_reloader=False)

    def _print_accounts(self, result):
        self.stdout.write("\n示范账号(所有账号密码相同):")
        self.stdout.write(f"  密码:{result.password}")
        for a in result.accounts:
            self.stdout.write(f"  {a.username:<14} {a.role:<10} {a.name} ({a.unit})")
        self.stdout.write(f"  全部账号清单:{accounts_file()}")
