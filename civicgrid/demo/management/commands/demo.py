import json
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from civicgrid.demo.city import accounts_file, build_city
from civicgrid.demo.intake_model import train_demo_model
from civicgrid.demo.knowledge import seed_knowledge
from civicgrid.demo.tickets import generate_tickets
from civicgrid.tickets.models import Status, Ticket
from civicgrid.workcal.calendar import CalendarError


class Command(BaseCommand):
    help = "生成示范城市(区划、网格、单位、人员、地名)并启动服务 http://127.0.0.1:8000。重复执行不会重复生成数据。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="随机种子(默认 2026),相同种子生成相同城市")
        parser.add_argument("--grids", type=int, default=60, help="网格数量(默认 60)")
        parser.add_argument(
            "--boundary", help="用真实边界生成网格,例如 ../shared/data/hainan_geojson/county_469002.json"
        )
        parser.add_argument(
            "--tickets", type=int, default=3000, help="生成的工单数量(默认 3000,0 表示不生成)"
        )
        parser.add_argument("--days", type=int, default=90, help="工单分布在过去多少天内(默认 90)")
        parser.add_argument("--no-serve", action="store_true", help="只生成数据,不启动服务")
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="服务地址(默认 127.0.0.1:8000)")
        parser.add_argument("--reset", action="store_true", help="清空数据库后重建(会删除全部数据,需要确认)")
        parser.add_argument("--yes", action="store_true", help="与 --reset 一起使用时不再询问确认")

    def handle(self, *args, **opts):
        if opts["grids"] < 1 or opts["grids"] > 20000:
            raise CommandError("--grids 应在 1 到 20000 之间")
        if opts["tickets"] < 0 or not 1 <= opts["days"] <= 3650:
            raise CommandError("--tickets 不能为负数,--days 应在 1 到 3650 之间")
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
        seed_knowledge(rng_seed=opts["seed"], log=lambda msg: self.stdout.write("  " + msg))
        train_demo_model(seed=opts["seed"], log=lambda msg: self.stdout.write("  " + msg))
        self._tickets(opts)
        self._print_accounts(result)
        if not opts["no_serve"]:
            self.stdout.write(
                f"\n服务地址:http://{opts['addrport']}/  管理后台:http://{opts['addrport']}/admin/"
                "  (按 Ctrl+C 停止)"
            )
            call_command("runserver", opts["addrport"], use_reloader=False)

    def _tickets(self, opts):
        if opts["tickets"] <= 0:
            return
        if Ticket.objects.exists():
            self.stdout.write(f"工单已存在({Ticket.objects.count()} 件),不重复生成。")
            return
        self.stdout.write(f"正在通过办理流程生成 {opts['tickets']} 件工单(过去 {opts['days']} 天)……")
        started = time.monotonic()
        try:
            counts = generate_tickets(
                count=opts["tickets"],
                days=opts["days"],
                seed=opts["seed"],
                log=lambda msg: self.stdout.write("  " + msg),
            )
        except CalendarError as exc:
            self.stderr.write(self.style.WARNING(f"未生成工单:{exc}"))
            return
        by_status = Ticket.objects.values("status").annotate(n=Count("id")).order_by("status")
        summary = ",".join(f"{Status(row['status']).label} {row['n']}" for row in by_status)
        self.stdout.write(
            self.style.SUCCESS(
                f"工单 {Ticket.objects.count()} 件,用时 {time.monotonic() - started:.0f} 秒:{summary}"
            )
        )
        if counts.get("refused"):
            self.stdout.write(
                f"  (模拟中有 {counts['refused']} 个环节被规则拒绝,例如超过退单时限,属正常情况)"
            )

    def _print_accounts(self, result):
        self.stdout.write("\n示范账号(所有账号密码相同):")
        self.stdout.write(f"  密码:{result.password}")
        for a in result.accounts:
            self.stdout.write(f"  {a.username:<14} {a.role:<10} {a.name} ({a.unit})")
        self.stdout.write(f"  全部账号清单:{accounts_file()}")
