import io
import json
import os
import signal
import socket
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command, get_commands

from civicgrid.demo.management.commands import demo as demo_command
from civicgrid.demo.models import DemoCity
from civicgrid.demo.tickets import DEFAULT_TICKETS
from civicgrid.hotspots.models import Alert
from civicgrid.registry.models import AdminArea, Grid, Unit
from civicgrid.tickets.models import Ticket

NOW = datetime(2026, 6, 30, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def data_dir(settings, tmp_path, time_machine):
    settings.DATA_DIR = tmp_path
    time_machine.move_to(NOW)  # the tickets fill the days before now: a confirmed year, whatever today is
    return tmp_path


@pytest.fixture
def no_model(monkeypatch):
    """For tests about the city and the command: training the demo classifier is most of their time."""
    monkeypatch.setattr(demo_command, "train_demo_model", lambda **kwargs: None)


@pytest.mark.django_db
def test_it_builds_and_prints_the_accounts_without_serving(data_dir, capsys):
    call_command("demo", "--no-serve", "--grids", "12", "--seed", "4", "--tickets", "40", "--days", "10")

    out = capsys.readouterr().out
    assert "示范城市：海南省 / 琼台市" in out
    assert "密码：cg-" in out
    assert "dispatcher1" in out and "派单员" in out
    assert Grid.objects.count() == 12
    assert "工单 40 件" in out
    assert "volunteer1" in out and "resident1" in out and "积分审核" in out
    assert "植入 19 件同类诉求" in out and Alert.objects.exists()  # the planted surge alerts
    assert (data_dir / "demo-accounts.txt").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_a_second_run_says_the_city_exists(data_dir, no_model, capsys):
    call_command("demo", "--no-serve", "--grids", "12", "--tickets", "20", "--days", "5")
    tickets = Ticket.objects.count()  # the 20 and those the pairing visits' findings became
    call_command("demo", "--no-serve", "--grids", "12", "--tickets", "20", "--days", "5")

    out = capsys.readouterr().out
    assert "已存在，不重复生成" in out
    assert f"工单已存在（{tickets} 件）" in out and Ticket.objects.count() == tickets
    assert "社区共建数据已存在，不重复生成" in out
    assert Grid.objects.count() == 12


@pytest.mark.django_db
def test_reset_asks_before_deleting(data_dir, no_model, monkeypatch):
    call_command("demo", "--no-serve", "--grids", "12", "--tickets", "0")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="已取消"):
        call_command("demo", "--no-serve", "--reset", "--grids", "13", "--tickets", "0")
    assert Grid.objects.count() == 12


@pytest.mark.django_db
def test_bad_arguments_get_a_clear_message(data_dir, tmp_path):
    with pytest.raises(CommandError, match="无法读取边界文件"):
        call_command("demo", "--no-serve", "--boundary", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="--grids"):
        call_command("demo", "--no-serve", "--grids", "0")


@pytest.mark.django_db
def test_tickets_defaults_to_the_budgeted_count(data_dir, no_model, monkeypatch):
    asked = {}

    def fake_generate(*, count, days, seed, log):
        asked.update(count=count, days=days)
        return {}

    monkeypatch.setattr(demo_command, "generate_tickets", fake_generate)
    call_command("demo", "--no-serve", "--grids", "6")
    assert asked == {"count": DEFAULT_TICKETS, "days": 90}
    assert 500 <= DEFAULT_TICKETS <= 1000


@pytest.mark.django_db
def test_a_second_run_with_other_grids_or_boundary_is_refused(data_dir, no_model, tmp_path, capsys):
    call_command("demo", "--no-serve", "--grids", "12", "--tickets", "0")
    areas, units = AdminArea.objects.count(), Unit.objects.count()
    ring = [[110.40, 19.20], [110.52, 19.20], [110.52, 19.30], [110.40, 19.30], [110.40, 19.20]]
    boundary = tmp_path / "qionghai.json"
    boundary.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {"adcode": 469002, "name": "琼海市"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ),
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match="已有示范城市琼台市（.*12 个网格）.*--grids 13.*--reset"):
        call_command("demo", "--no-serve", "--grids", "13", "--tickets", "0")
    with pytest.raises(CommandError, match="--boundary"):
        call_command("demo", "--no-serve", "--boundary", str(boundary), "--tickets", "0")

    assert (AdminArea.objects.count(), Unit.objects.count(), Grid.objects.count()) == (areas, units, 12)
    assert DemoCity.objects.get().grids == 12
    call_command("demo", "--no-serve", "--tickets", "0")  # left out: the city as it was built
    assert "已存在，不重复生成" in capsys.readouterr().out
    assert Grid.objects.count() == 12


@pytest.mark.django_db
def test_reset_without_a_terminal_changes_nothing(data_dir, no_model, monkeypatch):
    call_command("demo", "--no-serve", "--grids", "6", "--tickets", "0")
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))

    with pytest.raises(CommandError, match="须在终端中输入 yes 确认.*--yes"):
        call_command("demo", "--no-serve", "--reset", "--grids", "7", "--tickets", "0")
    assert Grid.objects.count() == 6


@pytest.mark.django_db
@pytest.mark.parametrize("addrport", ["127.0.0.1:99999", "127.0.0.1:0", "localhost:http", "127.0.0.1:"])
def test_a_bad_addrport_is_refused_before_anything_is_built(data_dir, addrport):
    with pytest.raises(CommandError, match="--addrport .* 无效"):
        call_command("demo", "--addrport", addrport, "--grids", "6", "--tickets", "0")
    assert not AdminArea.objects.exists()


@pytest.mark.django_db
def test_a_busy_port_is_refused_before_anything_is_built(data_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match="端口已被占用"):
            call_command("demo", "--addrport", f"127.0.0.1:{port}", "--grids", "6", "--tickets", "0")
    assert not AdminArea.objects.exists()


def test_refusals_print_one_line_without_a_traceback(tmp_path):
    env = {**os.environ, "CIVICGRID_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    for args, says in ((["--reset"], "须在终端中输入 yes 确认"), (["--addrport", "127.0.0.1:70000"], "无效")):
        done = subprocess.run(
            [sys.executable, "-m", "civicgrid", "demo", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode != 0
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert says in done.stderr
    assert not (tmp_path / "civicgrid.sqlite3").exists()


def test_the_worker_runs_on_the_same_data_directory(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    argv, env = demo_command.worker_command()

    assert argv == [sys.executable, "-m", "civicgrid", "worker"]
    assert env["CIVICGRID_DATA_DIR"] == str(tmp_path)
    assert "worker" in get_commands()


@pytest.mark.django_db
def test_serving_starts_the_worker_and_stops_it_with_the_server(data_dir, no_model, monkeypatch):
    started = []

    class FakeWorker:
        pid = 4242

        def __init__(self, argv, env):
            self.argv, self.env, self.stopped = argv, env, False
            started.append(self)

        def terminate(self):
            self.stopped = True

        def wait(self, timeout=None):
            return 0

    def fake_call_command(name, *args, **kwargs):
        if name == "serve":
            assert started and not started[0].stopped  # the worker runs while the server does
            os.kill(os.getpid(), signal.SIGTERM)  # stopped by `kill`, not by Ctrl+C
        return call_command(name, *args, **kwargs)

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(demo_command.subprocess, "Popen", FakeWorker)
    monkeypatch.setattr(demo_command, "call_command", fake_call_command)
    with pytest.raises(SystemExit):
        call_command("demo", "--grids", "6", "--tickets", "0", "--addrport", f"127.0.0.1:{_free_port()}")

    assert [w.argv for w in started] == [demo_command.worker_command()[0]]
    assert started[0].stopped
    assert signal.getsignal(signal.SIGTERM) is before


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
