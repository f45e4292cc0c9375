"""Every console and portal page, as every role and as a member of the public, with hostile input: never a 500.

The pages come from the URL resolver, so a page added later joins the crawl by itself. Each page is asked
with existing ids and ids no database holds in its path; with no input; with every parameter and field it
shows (read from its own HTML, plus the names the interfaces use) set to each hostile value; and, for one
role that may use it, one field at a time turned hostile while the others keep what the page offers. Each
request runs in a savepoint rolled back afterwards, so every request sees the same data. Values are sampled
per field, not crossed, to keep the crawl within a minute or two.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from civicgrid.knowledge.services import entry_create
from civicgrid.registry.models import Role
from civicgrid.tickets import services
from civicgrid.tickets.models import Assignment
from tests.tickets.conftest import _staff, local
from tests.tickets.helpers import handle_to_reply, lead_of, register

NAMESPACES = ("console", "portal")
T0 = local(2026, 6, 1, 9, 0)
HOSTILE = [
    "99999999999999999999",
    "-1",
    "0001-01-01",
    "9999-12-31 23:59",
    "\x00",
    "字" * 10_000,
    "²",
    "nan",
]
# NUL is refused before any view runs: no use turning one field at a time into it.
DEEP = [value for value in HOSTILE if value != "\x00"]
# Ids in the path that name no row: zero, and one past anything a database holds.
HOSTILE_IDS = ["0", "99999999999999999999"]
# Names the interfaces read from the query string or a form, besides those a page's own HTML shows.
COMMON_NAMES = [
    "q", "tab", "page", "status", "type", "unit", "level", "period", "from", "to", "by", "category",
    "all", "number", "last4", "date_from", "date_to", "model", "ids", "next", "action",
]  # fmt: skip
# At most this many fields are turned hostile one at a time on a page (the rest share the batch requests).
FIELDS_ONE_BY_ONE = 40


@dataclass
class Page:
    namespace: str
    name: str
    route: str  # with <converter:name> placeholders
    params: list[str]


def _pages(resolver=None, prefix="", namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in NAMESPACES or (not ns and not namespace):
                yield from _pages(entry, prefix + _route(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and namespace in NAMESPACES:
            route = prefix + _route(entry.pattern)
            yield Page(namespace, entry.name or route, route, re.findall(r"<(?:\w+:)?(\w+)>", route))


def _route(pattern) -> str:
    assert isinstance(pattern, RoutePattern), f"regex URL patterns are not crawled: {pattern}"
    return str(pattern)


def _url(page: Page, value: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", value, page.route)


class _Fields(HTMLParser):
    """Names of form fields and of query parameters in links, and the value each field offers first."""

    def __init__(self):
        super().__init__()
        self.names: dict[str, str] = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag in ("input", "textarea") and name and a.get("type") not in ("file", "submit"):
            if a.get("type") in ("checkbox", "radio") and name in self.names:
                return
            self.names.setdefault(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.names.setdefault(name, "")
        elif tag == "option" and self._select and a.get("value") and not self.names[self._select]:
            self.names[self._select] = a["value"]
        elif tag == "button" and name and a.get("value"):
            self.names.setdefault(name, a["value"])
        href = a.get("href") or a.get("hx-get") or ""
        if "?" in href:
            for pair in href.split("?", 1)[1].replace("&amp;", "&").split("&"):
                key = pair.split("=", 1)[0]
                if key:
                    self.names.setdefault(key, pair.split("=", 1)[1] if "=" in pair else "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _fields(response) -> dict[str, str]:
    if "html" not in response.get("Content-Type", ""):
        return {}
    parser = _Fields()
    parser.feed(response.content.decode(errors="replace"))
    parser.names.pop("csrfmiddlewaretoken", None)
    return parser.names


@dataclass
class Crawl:
    requests: int = 0
    failures: list = field(default_factory=list)

    def ask(self, client, who, method, url, data=None):
        cache.clear()  # the portal's rate limits would otherwise answer 429 to most of the crawl
        with transaction.atomic():
            response = getattr(client, method)(url, data or {})
            transaction.set_rollback(True)
        self.requests += 1
        if response.status_code >= 500:
            shown = {k: (v[:20] + "…" if len(v) > 20 else v) for k, v in (data or {}).items()}
            self.failures.append(f"{response.status_code} {method.upper()} {url} as {who} with {shown}")
        return response


@pytest.fixture
def data(world, settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"
    with time_machine.travel(T0, tick=False):
        handled = register(world, T0, category="property")
        services.ticket_dispatch(ticket=handled, actor=world.user("dispatcher"), at=T0)
        lead = lead_of(handled)
        handler = world.user("zjj")
        services.assignment_sign(assignment=lead, actor=handler, at=T0)
        services.extension_request(assignment=lead, actor=handler, days=3, reason="需鉴定", at=T0)
        png = ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
        services.attachment_add(ticket=handled, actor=world.user("operator"), upload=png, name="a.png", at=T0)
        returned = register(world, T0, category="property")
        services.ticket_dispatch(ticket=returned, actor=world.user("dispatcher"), at=T0)
        services.return_request(
            assignment=lead_of(returned), actor=handler, reason="不属本单位", legal_basis="三定方案", at=T0
        )
        replied = register(world, T0, category="property")
        services.ticket_dispatch(ticket=replied, actor=world.user("dispatcher"), at=T0)
        handle_to_reply(world, replied, T0, "zjj")
        pending = register(world, T0, category="neighbour")
        received = register(world, T0, category="")
        entry = entry_create(actor=None, question="居住证怎么办理", answer="携带身份证到派出所办理。")
        engagement_ids = _engagement_rows()
        volunteering = _volunteering_ids()
    ids = (
        engagement_ids
        | volunteering
        | {
            str(pk)
            for pk in (
                handled.pk,
                lead.pk,
                pending.pk,
                received.pk,
                entry.pk,
                Assignment.objects.filter(ticket=returned).first().pk,
                handled.attachments.first().pk,
                lead.extensions.first().pk,
            )
        }
    )
    return sorted(ids, key=int)


def _volunteering_ids() -> set[str]:
    """A volunteer with a manual record, a team and a project in 银海社区 (issue 12's volunteer and team pages)."""
    from civicgrid.registry.models import AdminArea
    from civicgrid.volunteering.models import Project
    from civicgrid.volunteering.services import projects, records
    from tests.volunteering.factories import project, volunteer

    area = AdminArea.objects.get(code="469002100001")
    v = volunteer(area, name="王小明", today=T0.date())
    p = project(area, state=Project.State.RUNNING)
    records.record_manual(
        actor=None,
        volunteer=v,
        project=p,
        started_at=T0.replace(hour=6),
        ended_at=T0.replace(hour=8),
        content="巡河",
    )
    team = projects.create_team(actor=None, name="蓝天队", area=area, leader=v, members=[v])
    return {str(v.pk), str(team.pk), str(p.pk)}


def _clients(world):
    """One client per role (a staff member holding only that role where the test world has one), and anonymous."""
    users = {}
    for code, _ in Role.SEED:
        user = next(
            (
                u
                for u in world.users.values()
                if not u.is_superuser and set(u.staff.roles.values_list("code", flat=True)) == {code}
            ),
            None,
        )
        if user is None:
            user, _ = _staff(f"crawl_{code}", [code], [world.units["centre"]])
        users[code] = user
    users["superuser"] = world.user("admin")
    clients = {}
    for who, user in users.items():
        clients[who] = Client(raise_request_exception=False)
        clients[who].force_login(user)
    clients["anonymous"] = Client(raise_request_exception=False)
    return clients


def _usable(response) -> bool:
    return response.status_code < 400 and not response.get("Location", "").startswith("/accounts/login/")


def _ids_for(crawl, client, page, ids) -> list[str]:
    """Of the existing ids, the (at most two) that name something this page serves."""
    found = []
    for pk in ids:
        url = _url(page, pk)
        if crawl.ask(client, "superuser", "get", url).status_code != 404 or (
            crawl.ask(client, "superuser", "post", url).status_code != 404
        ):
            found.append(pk)
        if len(found) == 2:
            break
    return found


def test_no_page_answers_500_to_anyone_whatever_is_typed(world, data):
    pages = list(_pages())
    assert {p.namespace for p in pages} == set(NAMESPACES)
    assert len(pages) > 30
    clients = _clients(world)
    superuser = clients["superuser"]
    crawl = Crawl()
    with time_machine.travel(T0.replace(hour=10), tick=False):
        for page in pages:
            if page.params:
                for value in HOSTILE_IDS:  # the middleware answers these before any view runs
                    crawl.ask(superuser, "superuser", "post", _url(page, value))
            for pk in _ids_for(crawl, superuser, page, data) if page.params else [""]:
                url = _url(page, pk)
                deep_done = False
                for turn, (who, client) in enumerate(clients.items()):
                    shown = crawl.ask(client, who, "get", url)
                    posted = crawl.ask(client, who, "post", url)
                    if not (_usable(shown) or _usable(posted)):
                        continue  # refused (403, login, 404): the access tests cover this
                    offered = _fields(shown)
                    names = list(dict.fromkeys([*offered, *COMMON_NAMES]))
                    # Every value for the first role that may use the page, a rotating sample for the others.
                    values = (
                        HOSTILE if not deep_done else [HOSTILE[(turn + k) % len(HOSTILE)] for k in (0, 3)]
                    )
                    for value in values:
                        batch = dict.fromkeys(names, value)
                        crawl.ask(client, who, "get", url, batch)
                        crawl.ask(client, who, "post", url, batch)
                    if deep_done:
                        continue
                    # One field at a time, the others as the page offers them, so the hostile value gets past
                    # the other fields' validation and reaches the view, the service and the query.
                    deep_done = True
                    for index, name in enumerate(list(offered)[:FIELDS_ONE_BY_ONE]):
                        value = DEEP[index % len(DEEP)]
                        crawl.ask(client, who, "post", url, {**offered, name: value})
                        crawl.ask(client, who, "get", url, {**offered, name: value})
    assert not crawl.failures, f"{len(crawl.failures)} of {crawl.requests} requests failed:\n" + "\n".join(
        crawl.failures[:60]
    )
    assert crawl.requests > 1000


def _engagement_rows() -> set[str]:
    """A registration with a commitment, a need, a pairing with a visit and a finding in 银海社区 (issue 12's pages)."""
    from datetime import date

    from civicgrid.core.actors import SYSTEM
    from civicgrid.engagement import services as engagement
    from civicgrid.registry.models import AdminArea
    from tests.party.factories import org

    community = AdminArea.objects.get(code="469002100001")
    branch = org("CRAWL", community, name="银海社区党支部")
    registration = engagement.register_org(actor=SYSTEM, org=branch, community=community)
    engagement.commitment_pledge(actor=SYSTEM, year=2026, content="每月开展一次志愿服务", org=branch)
    need = engagement.need_add(actor=SYSTEM, community=community, source="grid", title="楼道灯不亮")
    pairing = engagement.pairing_create(
        actor=SYSTEM, year=2026, scheme="guagou", leader_name="张大伟", area=community
    )
    visit = engagement.visit_record(
        actor=SYSTEM, pairing=pairing, visited_on=date(2026, 5, 27), findings=["路灯坏了"]
    )
    return {str(pk) for pk in (registration.pk, need.pk, pairing.pk, visit.pk, visit.finding_items.get().pk)}
