"""Making, revoking and checking API keys: one service each, audited."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.core.refusal import Refusal
from civicgrid.integrations.models import ApiToken

KEY_PREFIX = "cg_"
# Writing last_used_at on every call would turn every read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def may_manage(actor, owner) -> bool:
    """A person manages her own keys; an administrator manages anyone's."""
    return actor.pk == owner.pk or actor.is_superuser


def issue_token(*, actor, owner, name: str) -> tuple[ApiToken, str]:
    """A new key for `owner`: returns the row and the raw key, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise Refusal("请填写密钥用途，例如「网格 App 同步」")
    if not owner.is_active:
        raise Refusal("该账号已停用，不能创建接口密钥")
    if not may_manage(actor, owner):
        raise Refusal("只能为自己的账号创建接口密钥；为他人创建请联系系统管理员")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=owner, name=name[:100], prefix=raw[:10], key_hash=digest(raw), created_by=actor
        )
        record_event(actor=actor, action="api.token_issued", target=token, summary=f"{owner} {token}")
    return token, raw


def revoke_token(*, actor, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if not may_manage(actor, token.user):
            raise Refusal("只能停用自己的接口密钥")
        if token.revoked_at is not None:
            raise Refusal("该密钥已停用")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="api.token_revoked", target=token, summary=str(token))
    return token


def authenticate(raw: str):
    """The active account behind a raw key, or None; records the key's use (to the minute)."""
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=digest(raw), revoked_at__isnull=True).first()
    )
    if token is None or not token.user.is_active:
        return None
    client = getattr(token.user, "integration_client", None)
    if client is not None and not client.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user.api_token = token
    return token.user
