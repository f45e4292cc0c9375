"""The product name in the headers is a setting with a Chinese default (browser walk: 「civicgrid 直通联办」)."""

import pytest
from django.conf import settings


def test_the_defaults_are_chinese():
    assert settings.CIVICGRID_PRODUCT_NAME == "直通联办平台"
    assert settings.CIVICGRID_PUBLIC_NAME == "12345 政务服务便民热线"


@pytest.mark.django_db
def test_console_admin_login_and_portal_headers_use_the_settings(client, django_user_model, settings):
    settings.CIVICGRID_PRODUCT_NAME = "琼海市基层治理平台"
    settings.CIVICGRID_PUBLIC_NAME = "琼海 12345 热线"
    assert "琼海市基层治理平台" in client.get("/accounts/login/").content.decode()
    assert "琼海 12345 热线" in client.get("/").content.decode()
    user = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(user)
    for url in ("/console/", "/admin/"):
        page = client.get(url).content.decode()
        assert "琼海市基层治理平台" in page, url
        assert "civicgrid 直通联办" not in page and "civicgrid 基层治理平台" not in page, url
