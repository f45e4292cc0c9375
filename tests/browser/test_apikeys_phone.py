"""「接口密钥」 on a 390 px phone at 100 % and 150 % text: make a key (shown once, copied with the button), the
list with a long purpose, and revoking after the confirmation."""

import pytest
from django.contrib.auth import get_user_model

from civicgrid.integrations.models import ApiToken
from civicgrid.integrations.tokens import authenticate, issue_token
from civicgrid.registry.models import Role, Staff
from tests.browser.layout import assert_fits_phone, set_text_size

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = "嘉积镇银海社区网格App夜间同步工单与巡查上报数据专用密钥（请勿用于其他系统）"


def fits(page):
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    set_text_size(page, 100)


def test_a_person_makes_copies_and_revokes_a_key_on_a_phone(phone):
    user = get_user_model().objects.create_user("zhang", password="x-long-password-1")
    staff = Staff.objects.create(user=user, name="张网格", phone="13800000000")
    staff.roles.set(Role.objects.filter(code=Role.GRID_WORKER))
    issue_token(actor=user, owner=user, name=LONG)
    phone.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    phone.login("zhang")

    page = phone.open("/console/api-keys/")
    fits(page)
    page.fill("#id_name", "看板")
    page.click("button[type=submit]:has-text('创建密钥')")
    page.wait_for_selector("#new-key")
    raw = page.input_value("#raw-key")
    assert raw.startswith("cg_") and "只显示这一次" in page.inner_text("#new-key")
    page.click("#copy-key")
    page.wait_for_selector("text=已复制到剪贴板")
    assert page.evaluate("navigator.clipboard.readText()") == raw
    fits(page)
    phone.shot("phone-api-key-created")

    token = ApiToken.objects.get(name="看板")
    page = phone.open("/console/api-keys/")
    assert raw not in page.content()
    page.click(f"#token-{token.pk} a:has-text('停用')")
    page.wait_for_selector("text=确认停用")
    fits(page)
    phone.shot("phone-api-key-revoke")
    page.check("#id_confirm")
    page.click("button[type=submit]:has-text('停用密钥')")
    page.wait_for_selector("text=已停用接口密钥")
    fits(page)
    assert authenticate(raw) is None
