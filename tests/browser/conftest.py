"""Playwright (sync API) driving Debian's Chromium against the live test server.

No browser is downloaded: /usr/bin/chromium comes from the Debian package (scripts/test installs it
when run as root). Under CI=true a missing Chromium fails the run instead of skipping.
"""

import os
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django must still allow ORM calls here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("Debian Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


class Page:
    """A browser tab that records JavaScript errors and saves screenshots by name."""

    def __init__(self, page, base_url):
        self.page, self.base_url, self.errors = page, base_url, []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc} at {page.url}\n{exc.stack}"))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))

    def open(self, path):
        self.page.goto(self.base_url + path)
        return self.page

    def shot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def login(self, username, password="x-long-password-1"):
        from tests.signin import second_step_code

        code = second_step_code(username)  # administrators (and anyone with a device) give a code too
        self.open("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/console/**")
        if code:
            self.page.fill("#id_code", code)
            self.page.click("#two-factor-submit")
            self.page.wait_for_url(lambda url: "/two-factor/" not in url)

    def logout(self):
        self.page.context.clear_cookies()


@pytest.fixture
def tab(chromium, live_server):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    # The page's clock starts where Python's is (moved by --clock or a test's time_machine) and runs on.
    context.clock.install(time=time.time())
    page = Page(context.new_page(), live_server.url)
    yield page
    context.close()
    assert page.errors == [], page.errors


@pytest.fixture
def phone(chromium, live_server):
    """A 390 px phone (tests/browser/layout.PHONE) with touch, at the usual device pixel ratio of 2."""
    from tests.browser.layout import PHONE

    context = chromium.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = Page(context.new_page(), live_server.url)
    yield page
    context.close()
    assert page.errors == [], page.errors


def pytest_collection_modifyitems(items):
    """Every live-server test restores the database the same way. A flush without serialized rollback
    re-creates content types with new keys, and the next test that restores the serialized ones then
    collides with them (UNIQUE constraint on django_content_type): so none may go without it."""
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
