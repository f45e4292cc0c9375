"""「接口密钥」: a key is shown once when made, listed by its prefix, revoked after a confirmation; another
person's keys are refused, an administrator manages anyone's."""

import re

import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.integrations.models import ApiToken
from civicgrid.integrations.tokens import authenticate, issue_token
from tests.assessment.factories import make_staff

pytestmark = pytest.mark.django_db
PAGE = "/console/api-keys/"


@pytest.fixture
def zhang(client):
    user = make_staff("zhang", ["operator"])
    client.force_login(user)
    return user


def _raw(page: str) -> str:
    found = re.search(r'id="raw-key"[^>]*>(cg_[^<]+)</textarea>', page)
    assert found, "the new key is not on the page"
    return found.group(1)


def test_the_account_menu_leads_to_the_page(client, zhang):
    page = client.get(reverse("console:home")).content.decode()
    assert f'href="{PAGE}">接口密钥</a>' in page


def test_a_new_key_is_shown_once_and_works(client, zhang):
    answer = client.post(PAGE, {"name": "网格 App 同步"})
    assert answer.status_code == 200 and "no-cache" in answer.headers.get("Cache-Control", "")
    page = answer.content.decode()
    raw = _raw(page)
    assert "只显示这一次" in page and "复制" in page
    token = ApiToken.objects.get(user=zhang)
    assert token.name == "网格 App 同步" and raw.startswith(token.prefix)
    assert AuditEvent.objects.filter(action="api.token_issued").count() == 1
    again = client.get(PAGE).content.decode()
    assert (
        raw not in again and f"{token.prefix}…" in again and "网格 App 同步" in again and "从未使用" in again
    )
    assert authenticate(raw) == zhang


def test_a_key_without_a_name_is_refused_in_chinese(client, zhang):
    answer = client.post(PAGE, {"name": "  "}, HTTP_REFERER=PAGE, follow=True)
    assert "请填写密钥用途" in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_the_list_shows_last_use_and_revoked_keys(client, zhang):
    used, raw = issue_token(actor=zhang, owner=zhang, name="看板")
    authenticate(raw)
    gone, _ = issue_token(actor=zhang, owner=zhang, name="旧程序")
    client.post(reverse("console:api_key_revoke", args=[gone.pk]), {"confirm": "1"})
    page = client.get(PAGE).content.decode()
    assert "已于" in page and "停用" in page and "使用中" in page
    row = page.split(f'id="token-{used.pk}"')[1].split("</tr>")[0]
    assert "从未使用" not in row


def test_revoking_asks_first_then_revokes(client, zhang):
    token, raw = issue_token(actor=zhang, owner=zhang, name="同步")
    url = reverse("console:api_key_revoke", args=[token.pk])
    confirm = client.get(url).content.decode()
    assert "确认停用" in confirm and f"{token.prefix}…" in confirm
    client.post(url, {})  # not confirmed: nothing happens
    token.refresh_from_db()
    assert token.revoked_at is None
    answer = client.post(url, {"confirm": "1"})
    assert answer.status_code == 302 and answer.url == PAGE
    token.refresh_from_db()
    assert token.revoked_at is not None and authenticate(raw) is None
    assert AuditEvent.objects.filter(action="api.token_revoked").count() == 1


def test_another_persons_key_is_refused(client, zhang):
    li = make_staff("li", ["operator"])
    token, raw = issue_token(actor=li, owner=li, name="李的密钥")
    url = reverse("console:api_key_revoke", args=[token.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "1"}).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None and authenticate(raw) == li
    assert client.get(PAGE, {"account": "li"}).status_code == 403
    assert client.post(PAGE, {"account": "li", "name": "冒用"}).status_code == 403
    assert "李的密钥" not in client.get(PAGE).content.decode()
    assert ApiToken.objects.filter(user=li).count() == 1


def test_an_administrator_manages_another_accounts_keys(client):
    admin = make_staff("root", ["administrator"])
    admin.is_superuser = True
    admin.save()
    li = make_staff("li", ["operator"])
    client.force_login(admin)
    page = client.post(PAGE + "?account=li", {"account": "li", "name": "代建"}).content.decode()
    raw = _raw(page)
    assert authenticate(raw) == li
    token = ApiToken.objects.get(user=li)
    assert token.created_by == admin
    listing = client.get(PAGE, {"account": "li"}).content.decode()
    assert "代建" in listing and "root创建" in listing
    answer = client.post(reverse("console:api_key_revoke", args=[token.pk]), {"confirm": "1"})
    assert answer.url == PAGE + "?account=li"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(PAGE, {"account": "nobody"}).status_code == 404


def test_the_page_is_usable_on_a_phone(client, zhang):
    page = client.post(PAGE, {"name": "手机"}).content.decode()
    # Bootstrap's table becomes labelled cards on a phone (console.js); forms are full width.
    assert 'name="viewport" content="width=device-width' in page
    assert 'class="table table-sm' in page and "max-width:48rem" in page
