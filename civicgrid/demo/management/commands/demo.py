import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.commands.runserver import naiveip_re
from django.db.models import Count
from threadpoolctl import threadpool_limits

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.demo import deliberation as demo_deliberation
from civicgrid.demo import weakorgs as demo_weakorgs
from civicgrid.demo.catalogue import build as build_catalogue
from civicgrid.demo.city import (
    ADMIN_USERNAME,
    DEFAULT_GRIDS,
    DemoAccount,
    DemoCityMismatch,
    accounts_file,
    admin_two_factor,
    build_city,
    built_demo_city,
    rewrite_accounts,
)
from civicgrid.demo.engagement import build_engagement
from civicgrid.demo.hotspots import build as build_hotspots
from civicgrid.demo.intake_model import train_demo_model
from civicgrid.demo.knowledge import seed_knowledge
from civicgrid.demo.ledgers import build as build_ledgers
from civicgrid.demo.mediation import build as build_mediation
from civicgrid.demo.party import build_party
from civicgrid.demo.reviews import build as build_reviews
from civicgrid.demo.tickets import DEFAULT_TICKETS, generate_tickets
from civicgrid.tickets.models import Status, Ticket
from civicgrid.workcal.calendar import CalendarError

WORKER_STOP_SECONDS = 10
BIND_ERRORS = {
    errno.EADDRINUSE: "端口已被占用",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
    errno.EACCES: "没有使用该端口的权限",
}


def parse_addrport(value: str) -> tuple[str, int]:
    """`HOST:PORT` or `PORT`, as runserver takes it; a refusal in Chinese instead of its English one."""
    match = naiveip_re.fullmatch(value)
    port = int(match["port"]) if match else 0
    if not 1 <= port <= 65535:
        raise CommandError(
            f"--addrport {value} 无效：应为“地址：端口”或“端口”，端口在 1 到 65535 之间，例如 127.0.0.1:8000"
        )
    return (match["addr"] or "127.0.0.1").strip("[]"), port


def worker_command() -> tuple[list[str], dict]:
    """The `civicgrid worker` started beside the demo server, on the same data directory and database."""
    env = {**os.environ, "CIVICGRID_DATA_DIR": str(settings.DATA_DIR)}
    return [sys.executable, "-m", "civicgrid", "worker"], env


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


class Command(BaseCommand):
    help = (
        "生成示范城市（区划、网格、单位、人员、地名、党建、知识库、分类模型、工单、社区共建），"
        "并启动服务 http://127.0.0.1:8000 和后台任务 worker。重复执行不会重复生成数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2026, help="随机种子（默认 2026），相同种子生成相同城市"
        )
        parser.add_argument(
            "--grids", type=int, help=f"网格数量（默认 {DEFAULT_GRIDS}；已有示范城市时沿用其网格数）"
        )
        parser.add_argument(
            "--boundary",
            help="用真实边界生成网格，例如 ../shared/data/hainan_geojson/county_469002.json（已有示范城市时沿用其边界）",
        )
        parser.add_argument(
            "--tickets",
            type=int,
            default=DEFAULT_TICKETS,
            help=f"通过办理流程生成的工单数量（默认 {DEFAULT_TICKETS}，0 表示不生成）",
        )
        parser.add_argument("--days", type=int, default=90, help="工单分布在过去多少天内（默认 90）")
        parser.add_argument("--no-serve", action="store_true", help="只生成数据，不启动服务")
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="服务地址（默认 127.0.0.1:8000）")
        parser.add_argument(
            "--reset", action="store_true", help="清空数据库后重建（会删除全部数据，需要确认）"
        )
        parser.add_argument("--yes", action="store_true", help="与 --reset 一起使用时不再询问确认")

    def handle(self, *args, **opts):
        if opts["grids"] is not None and not 1 <= opts["grids"] <= 20000:
            raise CommandError("--grids 应在 1 到 20000 之间")
        if opts["tickets"] < 0 or not 1 <= opts["days"] <= 3650:
            raise CommandError("--tickets 不能为负数，--days 应在 1 到 3650 之间")
        addr = parse_addrport(opts["addrport"])
        boundary = self._boundary(opts["boundary"])
        if opts["reset"]:
            self._confirm_reset(opts["yes"])
        if not opts["no_serve"]:
            self._check_port_free(*addr)

        call_command("migrate", verbosity=0, interactive=False)
        if opts["reset"]:
            call_command("flush", interactive=False, verbosity=0)
            call_command("migrate", verbosity=0, interactive=False)  # re-seed data migrations' rows
            accounts_file().unlink(missing_ok=True)
        else:
            try:
                built_demo_city(grids=opts["grids"], boundary=boundary)
            except DemoCityMismatch as exc:
                raise CommandError(exc.message) from exc

        started = time.monotonic()
        # Every matrix here is small: BLAS threads cost more than they give (the classifier's training
        # took 4× the CPU time with two threads on two cores, and far longer on a busy machine).
        with threadpool_limits(limits=1):
            result = self._build(opts, boundary)
        self.stdout.write(f"示范数据就绪，用时 {time.monotonic() - started:.0f} 秒。")
        self._print_accounts(result)
        if not opts["no_serve"]:
            self._serve(opts["addrport"], *addr)

    def _build(self, opts, boundary):
        self.stdout.write("正在生成示范城市……")
        try:
            result = build_city(seed=opts["seed"], grids=opts["grids"], boundary=boundary, log=self._log)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"示范城市：{result.city.path_display}。区划 {counts['areas']}，网格 {counts['grids']}，"
                f"单位 {counts['units']}，工作人员 {counts['staff']}，地名 {counts['places']}。"
            )
        )
        self.stdout.write("正在生成党建数据……")
        party = build_party(city=result.city, seed=opts["seed"], log=self._log)
        self.stdout.write("正在生成知识库……")
        seed_knowledge(rng_seed=opts["seed"], log=self._log)
        self.stdout.write("正在训练分类模型……")
        train_demo_model(seed=opts["seed"], log=self._log)
        self._tickets(opts)
        self.stdout.write("正在生成社区共建数据（双报到、微心愿、志愿服务、积分、结对）……")
        engagement = build_engagement(city=result.city, seed=opts["seed"], log=self._log)
        self.stdout.write("正在生成问题台账（揭榜挂帅/查堵点）……")
        build_ledgers(city=result.city, seed=opts["seed"], log=self._log)
        self.stdout.write("正在生成协商议事数据……")
        demo_deliberation.build(city=result.city, log=self._log)
        self.stdout.write("正在生成人民调解数据……")
        build_mediation(city=result.city, seed=opts["seed"], log=self._log)
        self.stdout.write("正在生成述职评议数据……")
        build_reviews(city=result.city, seed=opts["seed"], log=self._log)
        self.stdout.write("正在检查热点预警……")
        build_hotspots(log=self._log)
        self.stdout.write("正在生成村级服务清单和四级化事法阶梯……")
        catalogue = build_catalogue(city=result.city, log=self._log)
        self.stdout.write("正在排查软弱涣散党组织……")
        demo_weakorgs.build(city=result.city, seed=opts["seed"], log=self._log)
        if party.created or engagement.created or catalogue.created:
            extra = [DemoAccount(*row) for row in party.accounts + engagement.accounts + catalogue.accounts]
            result.accounts = rewrite_accounts(result.password, extra)
        return result

    def _log(self, message: str) -> None:
        self.stdout.write("  " + message)

    def _boundary(self, path: str | None) -> dict | None:
        if not path:
            return None
        try:
            with open(path, encoding="utf-8") as fh:
                return json.load(fh)
        except OSError as exc:
            raise CommandError(f"无法读取边界文件 {path}：{exc.strerror}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = (
                f"第 {exc.lineno} 行 {exc.msg}"
                if isinstance(exc, json.JSONDecodeError)
                else "不是 UTF-8 编码"
            )
            raise CommandError(f"边界文件不是有效的 JSON:{where}") from exc

    def _confirm_reset(self, yes: bool) -> None:
        if yes:
            return
        if not sys.stdin.isatty():
            raise CommandError(
                "已取消，未做任何修改：--reset 会删除全部数据，须在终端中输入 yes 确认；不经询问执行请加 --yes。"
            )
        try:
            answer = input("这将删除数据库中的全部数据并重建示范城市。确定吗？输入 yes 继续：")
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("已取消，未做任何修改。")

    def _check_port_free(self, host: str, port: int) -> None:
        # runserver ends the process on a busy port without unwinding, which would orphan the worker.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                reason = BIND_ERRORS.get(exc.errno, "无法使用该地址")
                raise CommandError(
                    f"无法在 {host}：{port} 启动服务：{reason}。请用 --addrport 换一个地址或端口。"
                ) from exc

    def _tickets(self, opts):
        if opts["tickets"] <= 0:
            return
        if Ticket.objects.exists():
            self.stdout.write(f"工单已存在（{Ticket.objects.count()} 件），不重复生成。")
            return
        self.stdout.write(f"正在通过办理流程生成 {opts['tickets']} 件工单（过去 {opts['days']} 天）……")
        started = time.monotonic()
        try:
            counts = generate_tickets(
                count=opts["tickets"], days=opts["days"], seed=opts["seed"], log=self._log
            )
        except CalendarError as exc:
            self.stderr.write(self.style.WARNING(f"未生成工单：{exc}"))
            return
        by_status = Ticket.objects.values("status").annotate(n=Count("id")).order_by("status")
        summary = "，".join(f"{Status(row['status']).label} {row['n']}" for row in by_status)
        self.stdout.write(
            self.style.SUCCESS(
                f"工单 {Ticket.objects.count()} 件，用时 {time.monotonic() - started:.0f} 秒：{summary}"
            )
        )
        if counts.get("refused"):
            self.stdout.write(
                f"  （模拟中有 {counts['refused']} 个环节被规则拒绝，例如超过退单时限，属正常情况）"
            )

    def _print_accounts(self, result):
        self.stdout.write("\n示范账号（所有账号密码相同）：")
        self.stdout.write(f"  密码：{result.password}")
        for a in result.accounts:
            self.stdout.write(f"  {a.username:<14} {a.role:<10} {a.name} ({a.unit})")
        if second_step := admin_two_factor():
            secret, codes = second_step
            self.stdout.write(
                f"  管理员 {ADMIN_USERNAME} 登录须两步验证：身份验证器密钥 {secret}；"
                f"或备用验证码（每个只能用一次）：{' '.join(codes[:3])} 等 {len(codes)} 个"
            )
        self.stdout.write(f"  全部账号清单：{accounts_file()}")

    def _serve(self, addrport: str, host: str, port: int) -> None:
        argv, env = worker_command()
        worker = subprocess.Popen(argv, env=env)
        url = "http://" + (f"[{host}]" if ":" in host else host) + f":{port}/"
        self.stdout.write(
            f"\n服务地址：{url}  管理后台：{url}admin/"
            f"  后台任务 worker 已启动（进程 {worker.pid}）  （按 Ctrl+C 一并停止）"
        )
        # Ended by `kill` or a service manager rather than Ctrl+C, the server must still stop the worker.
        previous = signal.signal(signal.SIGTERM, _exit_on_signal)
        try:
            call_command("serve", "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        finally:
            signal.signal(signal.SIGTERM, previous)
            worker.terminate()
            try:
                worker.wait(WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
