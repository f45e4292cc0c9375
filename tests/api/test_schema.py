"""schemathesis against the schema the API serves (/api/v1/openapi.json): every operation, called with the key
of an account that sees everything, never answers with a server error and answers as its schema says.

Bounded so the whole run stays well under three minutes on the CI machine: a few examples per operation,
derandomized (the same cases every run, so a failure is reproducible and not a flake)."""

import os

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from civicgrid.engagement.services.wishes import wish_collect
from civicgrid.integrations.tokens import issue_token
from civicgrid.notify.models import Notification
from civicgrid.registry.models import AdminArea
from tests.assessment.factories import make_rated
from tests.party.factories import member, org
from tests.tickets.conftest import local
from tests.tickets.conftest import world as tickets_world
from tests.tickets.helpers import register

world = tickets_world  # the shared small jurisdiction
T0 = local(2026, 6, 10, 9, 0)
MAX_EXAMPLES = int(os.environ.get("CIVICGRID_SCHEMA_EXAMPLES", "5"))
# Well-formed requests by default; CIVICGRID_SCHEMA_MODE=negative sends malformed ones (expected: 4xx, never 5xx).
MODE = GenerationMode(os.environ.get("CIVICGRID_SCHEMA_MODE", "positive"))
CHECKS = [not_a_server_error] + ([response_schema_conformance] if MODE == GenerationMode.POSITIVE else [])


@pytest.fixture
def api_key(world):
    """Something in every list (a ticket, a rating, a notice, a party branch and member, a wish) and the key
    of the administrator, who sees everything."""
    admin = world.user("admin")
    with time_machine.travel(T0, tick=True):
        register(world, T0)
        make_rated(world.units["zjj"], local(2026, 6, 3, 10), grid=world.grids[0])
        Notification.objects.create(recipient=admin, kind="assigned", title="新工单", created_at=T0)
        town = AdminArea.objects.get(code="469002100")
        member(org("O1", town, name="嘉积镇党委", kind="committee"), name="王小明")
        community = AdminArea.objects.get(code="469002100001")
        wish_collect(
            actor=admin, community=community, source="grid", title="轮椅", resident_phone="13700001111"
        )
        yield issue_token(actor=admin, owner=admin, name="schemathesis")[1]


@pytest.fixture
def connection_kept():
    """The WSGI handler closes the database connection after each request, which ends the test's transaction;
    Django's own test client keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded when the tests are collected, from the running application, so every router registered by then
# (the tickets' too) is tested.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


OPERATIONS = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}


def test_every_router_is_in_the_served_schema():
    paths = {op.path for op in OPERATIONS.values()}
    for prefix in ("/me", "/reference/", "/rates", "/hotspots", "/notifications", "/party/", "/engagement/"):
        assert any(path.startswith(f"/api/v1{prefix}") for path in paths), prefix


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_the_served_schema_holds(label, api_key, connection_kept):
    headers = {"Authorization": f"Bearer {api_key}"}

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=OPERATIONS[label].as_strategy(generation_mode=MODE))
    def holds(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    holds()


def test_no_two_response_or_input_schemas_share_a_name():
    # OpenAPI components are keyed by class name: two schemas of one name would describe one another's responses.
    import importlib
    import pkgutil

    from ninja import Schema

    import civicgrid.api

    for info in pkgutil.iter_modules(civicgrid.api.__path__):
        importlib.import_module(f"civicgrid.api.{info.name}")
    seen: dict[str, str] = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("civicgrid.api."):
                assert seen.setdefault(sub.__name__, sub.__module__) == sub.__module__, sub.__name__
            walk(sub)

    walk(Schema)
