import json
import os
import signal
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgrid.notify.models import Notification
from civicgrid.tickets.scan import ScanResult
from tests.sla.factories import local, make_assignment, make_ticket, make_unit, make_user

YELLOW, RED, DUE = local(2026, 3, 3, 9), local(2026, 3, 4, 9), local(2026, 3, 5, 9)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def assignment(db):
    unit = make_unit()
    make_user("handler", units=[unit])
    return make_assignment(
        make_ticket(), unit, dispatched_at=local(2026, 3, 2, 9), yellow_at=YELLOW, red_at=RED, due_at=DUE
    )


def test_scan_deadlines_json_output(assignment):
    data = json.loads(run("scan_deadlines", "--now", "2026-03-04T10:00", "--format", "json"))
    assert data == {
        "yellow": 1,
        "red": 1,
        "overdue": 0,
        "auto_escalated": 0,
        "now": "2026-03-04T10:00:00+08:00",
    }
    data = json.loads(run("scan_deadlines", "--now", "2026-03-04T10:00+08:00", "--format", "json"))
    assert (data["yellow"], data["red"], data["overdue"]) == (0, 0, 0)


def test_scan_deadlines_text_output_in_chinese(assignment):
    out = run("scan_deadlines", "--now", "2026-03-05 09:00")
    assert "2026-03-05 09:00:00 扫描完成" in out
    assert "黄色预警 1 件，红色预警 1 件，超期 1 件" in out


def test_scan_deadlines_rejects_a_bad_time(db):
    with pytest.raises(CommandError, match="时间格式不正确"):
        run("scan_deadlines", "--now", "tomorrow")


def test_worker_once_scans_and_delivers(assignment, capsys, time_machine):
    time_machine.move_to(DUE, tick=False)
    out = run("worker", "--once")
    assert "黄色预警 1，红色预警 1，超期 1，外发通知 1 条" in out
    sms = Notification.objects.get()
    assert sms.kind == "sla_overdue"
    assert sms.delivered_at == DUE
    assert "[sms] -> handler: 超期：工单" in capsys.readouterr().out
    assert "外发通知 0 条" in run("worker", "--once")


@pytest.fixture
def loop(db, monkeypatch):
    # Closing the connection between passes would end the test's transaction.
    monkeypatch.setattr("civicgrid.tickets.management.commands.worker.close_old_connections", lambda: None)


def test_worker_loop_stops_on_sigterm(loop, monkeypatch):
    passes = []
    monkeypatch.setattr("civicgrid.tickets.management.commands.worker.scan_deadlines", lambda: ScanResult())

    def deliver():
        passes.append(1)
        if len(passes) == 2:
            threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM)).start()
        return 0

    monkeypatch.setattr("civicgrid.tickets.management.commands.worker.deliver_pending", deliver)
    previous = signal.getsignal(signal.SIGTERM)
    out = run("worker", "--interval", "0.01")
    assert len(passes) >= 2
    assert "worker 已停止" in out
    assert signal.getsignal(signal.SIGTERM) == previous


def test_worker_survives_a_failing_pass(loop, monkeypatch):
    calls = []

    def scan():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        os.kill(os.getpid(), signal.SIGINT)
        return ScanResult()

    monkeypatch.setattr("civicgrid.tickets.management.commands.worker.scan_deadlines", scan)
    monkeypatch.setattr("civicgrid.tickets.management.commands.worker.deliver_pending", lambda: 0)
    err = StringIO()
    call_command("worker", "--interval", "0.01", stdout=StringIO(), stderr=err)
    assert len(calls) == 2
    assert "本轮执行失败" in err.getvalue()


def test_worker_rejects_a_zero_interval(db):
    with pytest.raises(CommandError, match="间隔"):
        run("worker", "--interval", "0")
