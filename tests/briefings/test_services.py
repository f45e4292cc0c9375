"""Generating into the register: numbering per area and year (restarting in a new year), the stored file and its
checksum, previews without a number, refusals, audit rows and the command (in process and as a process)."""

import hashlib
import io
import os
import subprocess
import sys
import threading
from datetime import date
from io import StringIO
from pathlib import Path

import docx
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from civicgrid.briefings import services
from civicgrid.briefings.models import Briefing
from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.core.refusal import Refusal
from tests.briefings.conftest import local, make_world

NOV = dict(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))


def generate(actor, area=None, at=None, **period):
    return services.briefing_generate(
        actor=actor, area=area, now=at or local(2026, 12, 2, 9), **(period or NOV)
    )


def test_numbers_run_per_area_and_year_and_restart_in_a_new_year(world):
    first = generate(world.leader)
    second = generate(world.supervisor)
    town = generate(world.admin, area=world.town)
    third = generate(world.leader)
    new_year = generate(world.leader, at=local(2027, 1, 4, 9))
    town_new_year = generate(world.leader, area=world.town, at=local(2027, 1, 4, 9))
    assert [(b.scope, b.year, b.number) for b in (first, second, town, third, new_year, town_new_year)] == [
        ("", 2026, 1),
        ("", 2026, 2),
        (world.town.code, 2026, 1),
        ("", 2026, 3),
        ("", 2027, 1),
        (world.town.code, 2027, 1),
    ]
    assert str(town) == "嘉积镇2026年第1期"


def test_the_stored_file_its_checksum_and_the_audit(world):
    briefing = generate(world.leader, area=world.town)
    content = services.briefing_download(actor=world.supervisor, briefing=briefing)
    assert hashlib.sha256(content).hexdigest() == briefing.sha256 and len(content) == briefing.size
    document = docx.Document(io.BytesIO(content))
    assert document.paragraphs[1].text == "2026年第 1 期"
    assert document.paragraphs[2].text.startswith("琼海市12345热线中心")  # the centre issues it
    assert briefing.generated_by == world.leader
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "actor__username", "target_id"))
    assert events == [
        ("briefing.generate", "leader", str(briefing.pk)),
        ("briefing.download", "supervisor", str(briefing.pk)),
    ]


def test_a_changed_or_lost_file_is_refused_on_download(world):
    briefing = generate(world.leader)
    storage, name = briefing.file.storage, briefing.file.name
    storage.delete(name)
    assert storage.save(name, ContentFile(b"changed")) == name
    with pytest.raises(Refusal, match="校验值不符"):
        services.briefing_download(actor=world.leader, briefing=briefing)
    storage.delete(name)
    with pytest.raises(Refusal, match="简报文件已丢失"):
        services.briefing_download(actor=world.leader, briefing=briefing)


def test_a_preview_takes_no_number(world):
    preview = services.briefing_preview(actor=world.leader, now=local(2026, 12, 2, 9), **NOV)
    assert docx.Document(io.BytesIO(preview.content)).paragraphs[1].text == "预览稿（未编号）"
    assert not Briefing.objects.exists()
    assert generate(world.leader).number == 1
    assert AuditEvent.objects.filter(action="briefing.preview", actor=world.leader).count() == 1


@pytest.mark.parametrize("who", ["operator", "handler"])
def test_others_may_neither_generate_nor_download(world, who):
    briefing = generate(world.leader)
    with pytest.raises(Refusal, match="只有领导、督办人员和系统管理员"):
        generate(world[who])
    with pytest.raises(Refusal, match="只有领导、督办人员和系统管理员"):
        services.briefing_download(actor=world[who], briefing=briefing)
    with pytest.raises(Refusal):
        services.briefing_preview(actor=world[who], **NOV)
    assert Briefing.objects.count() == 1


def test_refusals_of_the_period(world):
    with pytest.raises(Refusal, match="起始日期不能晚于结束日期"):
        generate(world.leader, date_from=date(2026, 12, 1), date_to=date(2026, 11, 30))
    with pytest.raises(Refusal, match="统计区间最长 366 天"):
        generate(world.leader, date_from=date(2025, 1, 1), date_to=date(2026, 11, 30))
    with pytest.raises(Refusal, match="区划代码「999」不存在"):
        services.area_by_code("999")
    assert not Briefing.objects.exists()


def test_the_year_end_issue(world):
    with time_machine.travel(local(2027, 1, 3, 9), tick=False):
        briefing = services.briefing_generate(
            actor=world.leader, date_from=date(2026, 12, 1), date_to=date(2026, 12, 31)
        )
    assert (briefing.year, briefing.number) == (2027, 1)
    with briefing.file.open("rb") as stored:
        document = docx.Document(io.BytesIO(stored.read()))
    texts = [p.text for p in document.paragraphs]
    assert "统计范围：全市；统计区间：2026年12月1日至2026年12月31日。" in texts
    assert "2027年1月3日" in texts[2]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("report", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_the_command_generates_and_refuses_in_chinese(world, tmp_path):
    out = tmp_path / "简报.docx"
    with time_machine.travel(local(2026, 12, 2, 9), tick=False):
        said = run(
            "briefing",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--area",
            world.town.code,
            "--out",
            str(out),
        )
    assert said.strip() == f"已生成嘉积镇2026年第1期：{out}"
    assert docx.Document(out).paragraphs[1].text == "2026年第 1 期"
    assert Briefing.objects.get().generated_by is None
    dry = tmp_path / "dry.docx"
    run("briefing", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(dry), "--dry-run")
    assert docx.Document(dry).paragraphs[1].text == "预览稿（未编号）"
    assert Briefing.objects.count() == 1
    for args, message in (
        (["--from", "2026-11-31", "--to", "2026-11-30"], "日期格式不正确：2026-11-31"),
        (["--from", "2026-12-01", "--to", "2026-11-30"], "起始日期不能晚于结束日期"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--area", "999"], "区划代码「999」不存在"),
    ):
        with pytest.raises((CommandError, Refusal), match=message):
            run("briefing", *args, "--out", str(out))
    with pytest.raises(CommandError, match="输出文件应为 .docx"):
        run("briefing", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(tmp_path / "a.txt"))


def _cli(args, data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CIVICGRID_PG_TEST_DB")}
    env["CIVICGRID_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(Path(sys.executable).parent / "civicgrid"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_command_as_a_process_writes_the_file(tmp_path):
    data_dir = tmp_path / "data"
    done = _cli(["migrate", "-v0"], data_dir)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "brief.docx"
    done = _cli(
        ["report", "briefing", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out)], data_dir
    )
    assert done.returncode == 0, done.stderr
    assert "第1期" in done.stdout and out.exists()
    assert [p.text for p in docx.Document(out).paragraphs if p.style.name == "Heading 1"][0] == "一、总体情况"
    done = _cli(
        ["report", "briefing", "--from", "2026-12-01", "--to", "2026-11-30", "--out", str(out)], data_dir
    )
    assert done.returncode == 1 and done.stderr.strip() == "起始日期不能晚于结束日期"
    assert "Traceback" not in done.stderr and not done.stdout


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_generations_at_once_get_distinct_numbers(settings, tmp_path):
    world = make_world()
    barrier = threading.Barrier(4)
    numbers, errors = [], []

    def run_one(actor):
        try:
            barrier.wait()
            numbers.append(services.briefing_generate(actor=actor, **NOV).number)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run_one, args=(a,))
        for a in (world.leader, world.supervisor, world.admin, SYSTEM)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(numbers) == [1, 2, 3, 4]
    assert sorted(Briefing.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
