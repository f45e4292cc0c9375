"""Calls the tests share: a registration through Open311 as a client would send it."""

from civicgrid.tickets.models import Ticket

ROOT = "/open311/v2"
INSIDE_GRID1 = ("19.205", "110.405")

# What a resident gives a client app; none of it may come back in a read.
PERSONAL = {
    "first_name": "小明",
    "last_name": "王",
    "phone": "13912345678",
    "email": "wang.xiaoming@example.cn",
    "device_id": "device-7f3a",
}


def post(client, key, fmt="json", **fields):
    data = {
        "api_key": key,
        "service_code": "9001",
        "lat": INSIDE_GRID1[0],
        "long": INSIDE_GRID1[1],
        "description": "楼上装修噪音，晚上十点还在施工",
        **PERSONAL,
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{ROOT}/requests.{fmt}", data)


def submitted(client, key, **fields) -> Ticket:
    answer = post(client, key, **fields)
    assert answer.status_code == 201, answer.content.decode()
    return Ticket.objects.get(number=answer.json()[0]["service_request_id"])
