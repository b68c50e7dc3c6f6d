import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

# The browser: $CHROMIUM, else the first Chromium on PATH (Debian's /usr/bin/chromium here). Where none is found the
# browser tests are skipped with that reason, except under LATENT_EXPLORER_REQUIRE_BROWSER=1 (.ci/run), where a
# missing browser fails them: CI installs Chromium and must not go green without having driven it.
CHROMIUM = os.environ.get("CHROMIUM") or next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "chrome"))), None
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser(app_url):
    if not CHROMIUM or not os.access(CHROMIUM, os.X_OK):
        reason = f"no Chromium found (set CHROMIUM to its path; looked for {CHROMIUM or 'chromium on PATH'})"
        if os.environ.get("LATENT_EXPLORER_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    yield page
    page.close()  # the browser serves every module: a page left open keeps running its timers


@pytest.fixture
def browser_factory(browser):
    """Fresh pages in fresh contexts (no shared storage): what opening a copied link elsewhere gives."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
