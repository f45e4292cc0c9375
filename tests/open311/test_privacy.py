"""No GET of Open311 carries a requester's name, phone or e-mail, and confidential tickets never appear."""

from datetime import timedelta

import pytest

from civicgrid.tickets import services
from tests.open311.conftest import NOW
from tests.open311.helpers import PERSONAL, ROOT, submitted
from tests.tickets.helpers import handle_to_reply, register

pytestmark = pytest.mark.django_db

SECRETS = [
    "王小明",
    "13912345678",
    "wang.xiaoming@example.cn",
    "device-7f3a",
    "张三",
    "13812345678",
    "460003199001011234",
    "zhangsan@163.com",
    "0898-62812345",
    "62812345",
]


def every_get(client, numbers):
    urls = [
        f"{ROOT}/{call}.{fmt}"
        for call in ("requests", "servicerequestupdates", "services", "discovery")
        for fmt in ("json", "xml")
    ]
    urls += [f"{ROOT}/requests/{n}.{fmt}" for n in numbers for fmt in ("json", "xml")]
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        yield url, answer.content.decode()


def test_no_personal_data_in_any_get(client, keys, world):
    mine = submitted(
        client, keys.client, description="我叫王小明，电话 139-1234-5678，邮箱 wang.xiaoming@example.cn"
    )
    theirs = register(
        world,
        NOW - timedelta(hours=2),
        category="property",
        content="我是张三，身份证 460003199001011234，电话13812345678，邮件 zhangsan@163.com",
    )
    services.ticket_dispatch(ticket=theirs, actor=world.user("dispatcher"), at=NOW - timedelta(hours=1))
    handle_to_reply(world, theirs, NOW - timedelta(minutes=30), "zjj")
    theirs.refresh_from_db()
    assert theirs.requester_name == "张三"
    for url, body in every_get(client, [mine.number, theirs.number]):
        for secret in SECRETS:
            assert secret not in body, (url, secret)
    assert PERSONAL["first_name"] not in client.get(f"{ROOT}/requests.json").content.decode()
    (row,) = client.get(f"{ROOT}/requests/{theirs.number}.json").json()
    assert "张*" in row["description"] and "138****5678" in row["description"]


def test_confidential_tickets_never_appear(client, keys, world):
    hidden = register(world, NOW - timedelta(hours=1), category=None, is_confidential=True)
    shown = register(world, NOW - timedelta(hours=1), category=None)
    listed = {r["service_request_id"] for r in client.get(f"{ROOT}/requests.json").json()}
    assert listed == {shown.number}
    assert client.get(f"{ROOT}/requests/{hidden.number}.json").status_code == 404
    assert client.get(f"{ROOT}/requests.json?service_request_id={hidden.number}").json() == []
    updates = {u["service_request_id"] for u in client.get(f"{ROOT}/servicerequestupdates.json").json()}
    assert updates == {shown.number}
