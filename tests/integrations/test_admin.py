"""The admin's 对接系统 and 接口密钥: a client registered with a new account of its own (roles and units as for
a person), or with an existing one; keys revoked through the audited service, never added or deleted there."""

import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.integrations.models import ApiToken, IntegrationClient
from civicgrid.integrations.tokens import authenticate, issue_token
from civicgrid.registry.models import Role
from tests.assessment.factories import make_staff, make_unit

pytestmark = pytest.mark.django_db
ADD = reverse("admin:integrations_integrationclient_add")


@pytest.fixture
def root(client):
    user = make_staff("root", ["administrator"])
    user.is_superuser = user.is_staff = True
    user.save()
    client.force_login(user)
    return user


def test_a_client_is_registered_with_a_new_account_that_cannot_sign_in(client, root):
    centre = make_unit("12345", "12345热线中心", kind="hotline_centre")
    operator = Role.objects.get(code=Role.OPERATOR)
    answer = client.post(
        ADD,
        {
            "name": "省12345平台",
            "code": "province-12345",
            "scopes": ["tickets:read", "tickets:write"],
            "is_active": "on",
            "webhook_url": "",
            "new_username": "province12345",
            "roles": [operator.pk],
            "units": [centre.pk],
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    found = IntegrationClient.objects.get(code="province-12345")
    account = found.account
    assert account.username == "province12345" and not account.has_usable_password()
    assert account.staff.name == "省12345平台"
    assert list(account.staff.roles.values_list("code", flat=True)) == [Role.OPERATOR]
    assert list(account.staff.units.all()) == [centre]
    assert found.scopes == ["tickets:read", "tickets:write"]
    assert AuditEvent.objects.filter(action="staff.create").exists()
    assert AuditEvent.objects.filter(action="admin.add").exists()
    page = client.get(
        reverse("admin:integrations_integrationclient_change", args=[found.pk])
    ).content.decode()
    assert "?account=province12345" in page


@pytest.mark.parametrize(
    "extra, message",
    [
        ({}, "请选择已有账号，或在下面填写新建账号的用户名"),
        ({"new_username": "newone"}, "新建账号至少要有一个角色"),
        ({"new_username": "root", "roles": ["1"]}, "该用户名已被使用"),
    ],
)
def test_a_client_without_a_usable_account_is_refused_in_chinese(client, root, extra, message):
    data = {"name": "小程序", "code": "mini", "is_active": "on", **extra}
    page = client.post(ADD, data).content.decode()
    assert message in page
    assert not IntegrationClient.objects.exists()


def test_a_client_may_use_an_existing_account(client, root):
    existing = make_staff("grid-app", ["grid_worker"])
    answer = client.post(
        ADD, {"name": "网格App", "code": "grid-app", "is_active": "on", "account": existing.pk}
    )
    assert answer.status_code == 302
    assert IntegrationClient.objects.get(code="grid-app").account == existing


def test_keys_are_revoked_through_the_service_and_never_added_or_deleted(client, root):
    zhang = make_staff("zhang", ["operator"])
    token, raw = issue_token(actor=zhang, owner=zhang, name="同步")
    changelist = reverse("admin:integrations_apitoken_changelist")
    listing = client.get(changelist).content.decode()
    assert "停用所选接口密钥" in listing and "使用中" in listing
    assert client.get(reverse("admin:integrations_apitoken_add")).status_code == 403
    answer = client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert "已停用 1 个接口密钥" in answer.content.decode()
    assert authenticate(raw) is None
    assert AuditEvent.objects.filter(action="api.token_revoked", actor=root).exists()
    again = client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert "该密钥已停用" in again.content.decode()
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert "delete_selected" not in client.get(changelist).content.decode()
