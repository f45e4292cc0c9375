import subprocess
import sys

import pytest

from civicgrid.__main__ import main


def test_hyphenated_command_names_run_the_underscored_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["civicgrid", "import-areas", "--help"])
    assert exit_info.value.code in (None, 0)
    assert "--code-field" in capsys.readouterr().out


def test_the_console_script_runs_a_command():
    out = subprocess.run(
        [sys.executable, "-m", "civicgrid", "check"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "no issues" in out.stdout


@pytest.mark.django_db
def test_home_page_is_in_chinese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "12345" in response.content.decode() and "我要反映" in response.content.decode()
