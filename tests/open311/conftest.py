"""The small jurisdiction of tests/tickets, its category tree in use, and the keys Open311 clients hold."""

from dataclasses import dataclass

import pytest
import time_machine

from civicgrid.integrations.models import IntegrationClient
from civicgrid.integrations.tokens import issue_token
from civicgrid.registry.models import Role, Staff
from tests.tickets.conftest import _staff, local, world  # noqa: F401

NOW = local(2026, 6, 10, 10, 0)  # a Wednesday


@dataclass
class Keys:
    client: str  # an integration client with the scope "open311", acting as an operator of the centre
    unscoped: str  # an integration client without it
    personal: str  # an operator's own key
    handler: str  # a unit handler's own key: may not register tickets
    client_row: IntegrationClient = None


def _client(w, code, scopes):
    user, _ = _staff(f"client-{code}", [Role.OPERATOR], [w.units["centre"]])
    client = IntegrationClient.objects.create(name=f"对接{code}", code=code, account=user, scopes=scopes)
    _, raw = issue_token(actor=w.user("admin"), owner=user, name="Open311")
    return client, raw


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def keys(world, settings, clock):  # noqa: F811
    settings.CIVICGRID_CATEGORY_VERSION = "test"
    client, raw = _client(world, "app", ["open311"])
    _, unscoped = _client(world, "other", ["tickets:read"])
    _, personal = issue_token(actor=world.user("operator"), owner=world.user("operator"), name="个人")
    _, handler = issue_token(actor=world.user("zjj"), owner=world.user("zjj"), name="个人")
    assert Staff.objects.filter(user=client.account).exists()
    return Keys(client=raw, unscoped=unscoped, personal=personal, handler=handler, client_row=client)
