import pytest
from django.core.management import CommandError, call_command

from civicgrid.registry.models import Grid


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_it_builds_and_prints_the_accounts_without_serving(data_dir, capsys):
    call_command("demo", "--no-serve", "--grids", "12", "--seed", "4", "--tickets", "40", "--days", "10")

    out = capsys.readouterr().out
    assert "示范城市:海南省 / 琼台市" in out
    assert "密码:cg-" in out
    assert "dispatcher1" in out and "派单员" in out
    assert Grid.objects.count() == 12
    assert "工单 40 件" in out
    assert (data_dir / "demo-accounts.txt").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_a_second_run_says_the_city_exists(data_dir, capsys):
    call_command("demo", "--no-serve", "--grids", "12", "--tickets", "20", "--days", "5")
    call_command("demo", "--no-serve", "--grids", "12", "--tickets", "20", "--days", "5")

    out = capsys.readouterr().out
    assert "已存在,不重复生成" in out
    assert "工单已存在(20 件)" in out
    assert Grid.objects.count() == 12


@pytest.mark.django_db
def test_reset_asks_before_deleting(data_dir, monkeypatch):
    call_command("demo", "--no-serve", "--grids", "12", "--tickets", "0")
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
