"""The admin's widget text is Chinese (browser walk: 「Choose all 角色」), whatever language the browser asks for."""

import json
import re
from pathlib import Path

import django
import pytest

ADMIN_JS = Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "js" / "SelectFilter2.js"
CJK = re.compile(r"[\u3400-\u9fff]")


def _catalog(client, accept_language):
    body = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE=accept_language).content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});\n", body, re.S).group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("accept_language", ["zh-CN,zh;q=0.9", "en-US,en;q=0.9", ""])
def test_every_string_of_the_admin_selector_widget_is_translated(client, django_user_model, accept_language):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-1"))
    catalog = _catalog(client, accept_language)
    used = {m[1] for m in re.findall(r"""\bgettext\((['"])(.*?)\1\)""", ADMIN_JS.read_text())}
    assert "Choose all %s" in used
    untranslated = sorted(s for s in used if not CJK.search(str(catalog.get(s, ""))))
    assert untranslated == []
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=accept_language).content.decode()
    assert '<html lang="zh-hans"' in page
