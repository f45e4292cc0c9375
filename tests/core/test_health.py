"""/healthz: the database answers; with ?worker=1, the worker's last pass is recent."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from civicgrid.core.health import HEARTBEAT, beat
from civicgrid.core.models import Watermark

NOW = datetime(2026, 12, 31, 23, 58, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_healthz_answers_without_sign_in_and_without_personal_data(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_worker_check_fails_until_the_worker_has_passed_then_while_it_is_recent(client):
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz?worker=1")
        assert response.status_code == 503
        assert json.loads(response.content)["worker"] == "stale"
        beat(NOW - timedelta(seconds=100))
        body = json.loads(client.get("/healthz?worker=1").content)
        assert body["worker"] == "ok" and body["worker_age_seconds"] == 100
    # Across the year end, five minutes and one second later: stale.
    with time_machine.travel(NOW + timedelta(seconds=201), tick=False):
        response = client.get("/healthz?worker=1")
        assert response.status_code == 503
        assert json.loads(response.content)["worker_age_seconds"] == 301


@pytest.mark.django_db
@override_settings(CIVICGRID_WORKER_STALE_SECONDS=30)
def test_the_stale_limit_is_a_setting(client):
    with time_machine.travel(NOW, tick=False):
        beat(NOW - timedelta(seconds=31))
        assert client.get("/healthz?worker=1").status_code == 503


@pytest.mark.django_db
def test_a_worker_pass_records_its_heartbeat():
    with time_machine.travel(NOW, tick=False):
        call_command("worker", "--once", verbosity=0)
    assert Watermark.objects.get(name=HEARTBEAT).value == NOW


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_is_not_redirected_to_https_but_pages_are(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/services/").status_code == 301
