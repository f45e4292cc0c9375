"""Commands refuse in one Chinese line from the command line, and raise as usual through call_command."""

import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core.command import BaseCommand
from civicgrid.core.refusal import Refusal


class Refusing(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("kind")

    def handle(self, *args, kind, **options):
        if kind == "refusal":
            raise Refusal("无法办理：示例拒绝")
        raise CommandError("参数有误：示例错误", returncode=3)


@pytest.mark.parametrize(("kind", "code"), [("refusal", 1), ("command", 3)])
def test_a_refusal_on_the_command_line_is_one_chinese_line(capsys, kind, code):
    with pytest.raises(SystemExit) as exit_info:
        Refusing().run_from_argv(["civicgrid", "refusing", kind])
    assert exit_info.value.code == code
    err = capsys.readouterr().err
    assert err.strip() in ("无法办理：示例拒绝", "参数有误：示例错误")
    assert "Error" not in err and "Traceback" not in err


def test_call_command_still_raises():
    with pytest.raises(Refusal):
        call_command(Refusing(), "refusal")
    with pytest.raises(CommandError):
        call_command(Refusing(), "command")


def test_a_real_command_refuses_without_an_english_prefix(tmp_path):
    env = {"CIVICGRID_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "civicgrid", "workdays", "add", "not-a-date", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode != 0
    assert "CommandError" not in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.strip()
