"""Password reset by e-mail only where an SMTP server is configured (CIVICGRID_EMAIL_HOST)."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from tests.assessment.factories import make_staff

RESET_PAGES = ["/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/done/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", RESET_PAGES + ["/accounts/reset/MQ/set-password/"])
def test_without_e_mail_the_reset_pages_do_not_exist(url):
    assert Client().get(url).status_code == 404


@pytest.mark.django_db
def test_without_e_mail_the_login_page_says_whom_to_ask():
    page = Client().get("/accounts/login/").content.decode()
    assert "忘记密码请联系管理员" in page and "password_reset" not in page


@pytest.mark.django_db
@override_settings(
    CIVICGRID_EMAIL_CONFIGURED=True, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
)
def test_with_e_mail_a_staff_member_resets_her_password():
    user = make_staff("clerk", ["operator"])
    user.email = "clerk@example.gov.cn"
    user.set_password("an-old-long-pass-2025")  # reset mail goes only to accounts with a usable password
    user.save()
    client = Client()
    assert 'href="/accounts/password_reset/"' in client.get("/accounts/login/").content.decode()
    assert "电子邮箱" in client.get("/accounts/password_reset/").content.decode()
    sent = client.post("/accounts/password_reset/", {"email": "clerk@example.gov.cn"}, follow=True)
    assert "邮件已经发出" in sent.content.decode()
    (message,) = mail.outbox
    assert message.to == ["clerk@example.gov.cn"] and "重设登录密码" in message.subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "设置新密码" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-pass-2026", "new_password2": "a-new-long-pass-2026"},
        follow=True,
    )
    assert "新密码已保存" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("a-new-long-pass-2026")
