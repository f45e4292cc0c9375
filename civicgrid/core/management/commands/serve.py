"""civicgrid serve: the web server for real use (gunicorn, static files through whitenoise)."""

import os

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError


def default_workers() -> int:
    # gunicorn's advice for sync workers: two per core and one more.
    return 2 * (os.cpu_count() or 1) + 1


def parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(
            _("--bind 「%(bind)s」无效，应为 主机：端口，例如 127.0.0.1:8000") % {"bind": bind}
        )
    return host.strip("[]"), int(port)


def options_for(bind: str, workers: int, timeout: int) -> dict:
    host, port = parse_bind(bind)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [address],
        "workers": workers,
        "worker_class": "sync",
        "timeout": timeout,
        "graceful_timeout": 30,
        # One line per request on stdout; gunicorn's own lines (start, workers, errors) on stderr.
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "civicgrid",
        # Each worker imports the application itself, so its warm-up thread runs in that worker.
        "preload_app": False,
        # A worker that has served this many requests is replaced: a slow leak cannot grow without end.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        "forwarded_allow_ips": os.environ.get("CIVICGRID_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        # Managed by signals (systemd); a shared control socket in the home directory would make two servers on
        # one machine collide (gunicorn 25.1 and later).
        "control_socket_disable": True,
    }


class Command(BaseCommand):
    help = _(
        "以 gunicorn 提供网页服务（静态文件由 whitenoise 提供，无需 collectstatic）；"
        "收到 SIGTERM 时处理完进行中的请求再停止，SIGHUP 平滑重启"
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help=_("监听地址 主机：端口（默认 127.0.0.1:8000）")
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=_("工作进程数（默认按处理器核数：2×核数+1，当前 %(n)d）") % {"n": default_workers()},
        )
        parser.add_argument("--timeout", type=int, default=120, help=_("单个请求最长秒数（默认 120）"))

    def handle(self, *args, bind, workers, timeout, **options):
        workers = workers or default_workers()
        if workers < 1:
            raise CommandError(_("工作进程数必须至少为 1"))
        if timeout < 1:
            raise CommandError(_("请求时限必须至少为 1 秒"))
        from gunicorn.app.base import BaseApplication
        from gunicorn.util import import_app

        settings = options_for(bind, workers, timeout)

        class Server(BaseApplication):
            def load_config(self):
                for key, value in settings.items():
                    if key in self.cfg.settings:  # an option an older gunicorn lacks is left out
                        self.cfg.set(key, value)

            def load(self):
                # By name, as gunicorn's own command line does: the WSGI module sits above every app.
                return import_app("civicgrid.wsgi:application")

        Server().run()
