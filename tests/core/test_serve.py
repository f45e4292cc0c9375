"""civicgrid serve: gunicorn serves the application and its static files, and stops on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.management import call_command

from civicgrid.core.command import CommandError
from civicgrid.core.management.commands.serve import options_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, deadline: float):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_serve_answers_health_and_static_files_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["CIVICGRID_DATA_DIR"] = str(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "civicgrid", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        status, body = _get(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 60)
        assert status == 200 and b'"database": "ok"' in body
        status, body = _get(f"http://127.0.0.1:{port}/static/console/console.css", time.monotonic() + 10)
        assert status == 200 and len(body) > 100
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert f"Listening at: http://127.0.0.1:{port}" in err  # gunicorn's start line, on stderr
    assert "GET /healthz" in out  # the access log, on stdout
    assert "Control socket" not in err  # two servers on one machine must not share one


def test_options_follow_the_bind_and_the_cores():
    options = options_for("[::1]:8080", 3, 60)
    assert options["bind"] == ["[::1]:8080"] and options["workers"] == 3 and options["timeout"] == 60
    assert options["accesslog"] == "-" and options["errorlog"] == "-"


@pytest.mark.parametrize("bind", ["8000", "127.0.0.1:", "127.0.0.1:70000", ":80"])
def test_a_bad_bind_is_refused_in_chinese(bind):
    with pytest.raises(CommandError, match="--bind .*无效"):
        call_command("serve", "--bind", bind)
