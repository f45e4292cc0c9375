"""API keys: shown once, kept hashed, revocable, audited; a client acts through its own account."""

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.core.refusal import Refusal
from civicgrid.integrations.models import ApiToken, IntegrationClient
from civicgrid.integrations.tokens import authenticate, digest, issue_token, revoke_token
from tests.assessment.factories import make_staff, make_user

pytestmark = pytest.mark.django_db


def test_key_is_kept_only_as_its_hash():
    user = make_staff("zhang", ["operator"])
    token, raw = issue_token(actor=user, owner=user, name="网格 App")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("cg_") and len(raw) > 40
    assert stored.key_hash == digest(raw) and raw not in stored.key_hash
    assert stored.prefix == raw[:10]
    assert authenticate(raw) == user
    assert AuditEvent.objects.filter(action="api.token_issued").count() == 1


def test_revoked_or_wrong_key_is_refused():
    user = make_staff("zhang", ["operator"])
    token, raw = issue_token(actor=user, owner=user, name="同步")
    assert authenticate(raw + "x") is None
    assert authenticate("") is None
    revoke_token(actor=user, token=token)
    assert authenticate(raw) is None
    with pytest.raises(Refusal, match="已停用"):
        revoke_token(actor=user, token=token)
    assert AuditEvent.objects.filter(action="api.token_revoked").count() == 1


def test_keys_of_inactive_accounts_and_clients_stop_working():
    user = make_staff("zhang", ["operator"])
    _, raw = issue_token(actor=user, owner=user, name="同步")
    user.is_active = False
    user.save()
    assert authenticate(raw) is None
    account = make_staff("province", ["dispatcher"])
    client = IntegrationClient.objects.create(name="省 12345 平台", code="province-12345", account=account)
    _, raw = issue_token(actor=make_user("root", superuser=True), owner=account, name="推送")
    assert authenticate(raw) == account
    client.is_active = False
    client.save()
    assert authenticate(raw) is None


def test_only_the_owner_or_an_administrator_makes_and_revokes_keys():
    owner, other = make_staff("zhang", ["operator"]), make_staff("li", ["operator"])
    with pytest.raises(Refusal, match="只能为自己的账号"):
        issue_token(actor=other, owner=owner, name="同步")
    token, _ = issue_token(actor=owner, owner=owner, name="同步")
    with pytest.raises(Refusal, match="只能停用自己的"):
        revoke_token(actor=other, token=token)
    with pytest.raises(Refusal, match="请填写密钥用途"):
        issue_token(actor=owner, owner=owner, name="  ")
    admin = make_user("root", superuser=True)
    revoke_token(actor=admin, token=token)
