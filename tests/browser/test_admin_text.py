"""The admin's selector widget speaks Chinese in a real (English-language) browser."""

from tests.tickets.conftest import world  # noqa: F401


def test_the_staff_roles_selector_has_no_english(chromium, live_server, world):  # noqa: F811
    context = chromium.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "x-long-password-1")
        page.click("[type=submit]")
        page.goto(live_server.url + "/admin/registry/staff/add/")
        page.wait_for_selector("#id_roles_add_all")
        text = page.inner_text("body")
        assert "全选角色" in text.replace(" ", "")
        for english in ("Choose", "Remove", "Available", "Chosen", "Filter"):
            assert english not in text, english
    finally:
        context.close()
