"""Deployment settings from the environment: the production switch, its refusals and `check --deploy`."""

import os
import secrets
import subprocess
import sys

PROBE = """
import django
django.setup()
from django.conf import settings
print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,
      settings.SECURE_HSTS_SECONDS, settings.ALLOWED_HOSTS, settings.CSRF_TRUSTED_ORIGINS,
      getattr(settings, "SECURE_PROXY_SSL_HEADER", None), settings.SESSION_COOKIE_AGE,
      settings.DATABASES["default"].get("CONN_MAX_AGE"), settings.DATABASES["default"].get("CONN_HEALTH_CHECKS"))
"""


def _env(tmp_path, **extra):
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for the whole run; a deployment never has it.
    skipped = ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CIVICGRID_") and k not in skipped}
    environment.update(DJANGO_SETTINGS_MODULE="civicgrid.settings", CIVICGRID_DATA_DIR=str(tmp_path), **extra)
    return environment


def _production(tmp_path, **extra):
    return _env(
        tmp_path,
        CIVICGRID_PRODUCTION="1",
        CIVICGRID_SECRET_KEY=secrets.token_urlsafe(60),
        CIVICGRID_ALLOWED_HOSTS="12345.example.gov.cn",
        CIVICGRID_CSRF_TRUSTED_ORIGINS="https://12345.example.gov.cn",
        CIVICGRID_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        **extra,
    )


def _run(args, environment):
    return subprocess.run(args, capture_output=True, text=True, env=environment, timeout=120)


def test_the_documented_production_configuration_passes_check_deploy(tmp_path):
    out = _run(
        [sys.executable, "-m", "civicgrid", "check", "--deploy", "--fail-level", "WARNING"],
        _production(tmp_path),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_without_the_switch_check_deploy_names_what_is_missing(tmp_path):
    out = _run(
        [sys.executable, "-m", "civicgrid", "check", "--deploy", "--fail-level", "WARNING"], _env(tmp_path)
    )
    assert out.returncode != 0
    assert "security.W004" in out.stderr and "security.W012" in out.stderr


def test_production_switches_the_hardening_on(tmp_path):
    out = _run([sys.executable, "-c", PROBE], _production(tmp_path, CIVICGRID_DEBUG="1"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[:5] == ["False", "True", "True", "True", "31536000"]
    assert "'12345.example.gov.cn'" in out.stdout and "'https://12345.example.gov.cn'" in out.stdout
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in out.stdout
    assert " 14400 " in out.stdout  # four hours without a request end a session


def test_the_demo_defaults_stay_plain_http_on_localhost(tmp_path):
    out = _run([sys.executable, "-c", PROBE], _env(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[:5] == ["False", "False", "False", "False", "0"]
    assert "'127.0.0.1'" in out.stdout and "'localhost'" in out.stdout
    assert " 1209600 " in out.stdout  # Django's 14 days unless a deployment sets the idle timeout


def test_production_without_a_key_or_hosts_is_refused_in_chinese(tmp_path):
    no_key = _production(tmp_path)
    del no_key["CIVICGRID_SECRET_KEY"]
    out = _run([sys.executable, "-m", "civicgrid", "check"], no_key)
    assert out.returncode != 0 and "必须设置 CIVICGRID_SECRET_KEY" in out.stderr
    no_hosts = _production(tmp_path)
    del no_hosts["CIVICGRID_ALLOWED_HOSTS"]
    out = _run([sys.executable, "-m", "civicgrid", "check"], no_hosts)
    assert out.returncode != 0 and "必须设置 CIVICGRID_ALLOWED_HOSTS" in out.stderr


def test_the_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(secrets.token_urlsafe(60) + "\n")
    environment = _production(tmp_path, CIVICGRID_SECRET_KEY_FILE=str(key_file))
    del environment["CIVICGRID_SECRET_KEY"]
    probe = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"
    out = _run([sys.executable, "-c", probe], environment)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(len(key_file.read_text().strip()))


def test_postgresql_connections_are_health_checked_and_not_kept_by_default(tmp_path):
    environment = _env(tmp_path, DATABASE_URL="postgres://someone@127.0.0.1:5432/civicgrid")
    out = _run([sys.executable, "-c", PROBE], environment)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["0", "True"]
    environment["CIVICGRID_DB_CONN_MAX_AGE"] = "60"
    out = _run([sys.executable, "-c", PROBE], environment)
    assert out.stdout.split()[-2:] == ["60", "True"]
