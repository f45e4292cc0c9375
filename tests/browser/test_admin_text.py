"""The admin's selector widget speaks Chinese in a real (English-language) browser."""

from tests.browser.conftest import Page
from tests.tickets.conftest import world  # noqa: F401


def test_the_staff_roles_selector_has_no_english(chromium, live_server, world):  # noqa: F811
    context = chromium.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    tab = Page(context.new_page(), live_server.url)
    page = tab.page
    try:
        tab.login("admin")  # the one sign-in page, with the administrator's two-step code
        page.goto(live_server.url + "/admin/registry/staff/add/")
        page.wait_for_selector("#id_roles_add_all")
        text = page.inner_text("body")
        assert "全选角色" in text.replace(" ", "")
        for english in ("Choose", "Remove", "Available", "Chosen", "Filter"):
            assert english not in text, english
    finally:
        context.close()
