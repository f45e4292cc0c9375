"""The API's door: keys in the Authorization header, JSON errors in Chinese, the schema served."""

import pytest

from civicgrid.integrations.tokens import issue_token
from tests.assessment.factories import make_staff

pytestmark = pytest.mark.django_db


def test_a_key_opens_the_api_and_names_its_account(client):
    user = make_staff("zhang", ["operator"])
    _, raw = issue_token(actor=user, owner=user, name="同步")
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200
    assert answer.json()["username"] == "zhang" and answer.json()["roles"] == ["operator"]


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer cg_wrong", "Basic abc"])
def test_no_key_or_a_bad_key_gets_a_chinese_401(client, header):
    headers = {"Authorization": header} if header else {}
    answer = client.get("/api/v1/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorized" and "接口密钥" in answer.json()["message"]


def test_a_session_alone_does_not_open_the_api(client):
    client.force_login(make_staff("zhang", ["operator"]))
    assert client.get("/api/v1/me").status_code == 401


def test_schema_and_offline_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1") and "/api/v1/me" in schema["paths"]
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in page.lower() and "/static/ninja/" in page
