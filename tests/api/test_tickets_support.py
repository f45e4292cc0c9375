"""Shared by the ticket API tests (no tests here): the tickets' test world at a fixed moment, a key per person,
calls made with it, and an integration client acting as the provincial platform."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile

from civicgrid.integrations.models import IntegrationClient
from civicgrid.integrations.tokens import issue_token
from civicgrid.registry.models import Role
from civicgrid.tickets import services
from tests.tickets.conftest import _staff, local, world  # noqa: F401  (the shared small jurisdiction)
from tests.tickets.helpers import lead_of, register

T0 = local(2026, 6, 1, 9, 0)  # a Monday
NOW = T0 + timedelta(hours=2)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
NAME, PHONE = "张三", "13812345678"  # the requester of tests.tickets.helpers.register


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


class Api:
    """Calls to /api/v1 with the key of one account."""

    def __init__(self, client, user):
        _, raw = issue_token(actor=user, owner=user, name="测试")
        self.client, self.user = client, user
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=self.headers
        )

    def upload(self, path, name="a.png", data=PNG, **fields):
        return self.client.post(
            f"/api/v1{path}", {"file": ContentFile(data, name=name), **fields}, headers=self.headers
        )


@pytest.fixture
def api(client, world):  # noqa: F811
    """api("zjj") calls as that person of the world (one key each, made on first use)."""
    made = {}

    def as_user(username):
        if username not in made:
            made[username] = Api(client, world.user(username))
        return made[username]

    return as_user


@pytest.fixture
def province(client, world):  # noqa: F811
    """The provincial 12345 platform: an integration client whose account is an operator of the centre."""
    user, _ = _staff("province", [Role.OPERATOR], [world.units["centre"]])
    IntegrationClient.objects.create(
        name="省 12345 平台", code="province-12345", account=user, scopes=["tickets:read", "tickets:write"]
    )
    return Api(client, user)


def dispatched(w, category="property", at=T0, **extra):
    """A ticket registered, accepted and dispatched by the rules (property → 住建局 zjj), with a photo."""
    ticket = register(w, at, category=category, **extra)
    services.ticket_dispatch(ticket=ticket, actor=w.user("dispatcher"), at=at)
    services.attachment_add(
        ticket=ticket, actor=w.user("operator"), upload=ContentFile(PNG), name="a.png", at=at
    )
    ticket.refresh_from_db()
    return ticket


def register_body(**extra):
    body = {
        "channel": "app",
        "request_type": "QZ",
        "title": "路灯不亮",
        "content": "银海路 12 号门前路灯三天不亮。",
        "requester_name": NAME,
        "requester_phone": PHONE,
        "address": "银海路 12 号",
    }
    body.update(extra)
    return body


__all__ = ["NAME", "NOW", "PHONE", "PNG", "T0", "Api", "dispatched", "lead_of", "register", "register_body"]
